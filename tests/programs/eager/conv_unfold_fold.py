"""Convolution by hand with F.unfold (im2col) and a matrix multiply, as the 'how convolution
works' posts write it, checked against F.conv2d (stride, padding, dilation, groups); F.fold as
col2im (fold(unfold(x)) multiplies each pixel by how many patches cover it, divided back out
with a fold of ones), nn.Unfold / nn.Fold modules, patch extraction for a ViT-style embedding
with Tensor.unfold, and the gradient through the unfold-based convolution equal to conv2d's."""
import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)


def conv2d_unfold(x, weight, bias=None, stride=1, padding=0, dilation=1):
    n, _, h, w = x.shape
    out_c, _, kh, kw = weight.shape
    cols = F.unfold(x, (kh, kw), dilation=dilation, padding=padding, stride=stride)
    out = weight.view(out_c, -1) @ cols
    oh = (h + 2 * padding - dilation * (kh - 1) - 1) // stride + 1
    ow = (w + 2 * padding - dilation * (kw - 1) - 1) // stride + 1
    out = out.view(n, out_c, oh, ow)
    if bias is not None:
        out = out + bias.view(1, -1, 1, 1)
    return out


x = torch.randn(2, 3, 7, 6, requires_grad=True)
w = torch.randn(4, 3, 3, 2, requires_grad=True)
b = torch.randn(4, requires_grad=True)
cols = F.unfold(x, kernel_size=(3, 2))
print(cols.shape)
for cfg in ({}, {"stride": 2}, {"padding": 1}, {"dilation": 2, "padding": 1}, {"stride": 2, "padding": 2}):
    mine = conv2d_unfold(x, w, b, **cfg)
    ref = F.conv2d(x, w, b, **cfg)
    print(cfg, tuple(mine.shape), torch.allclose(mine, ref, atol=1e-5))

mine = conv2d_unfold(x, w, b, stride=2, padding=1)
ref = F.conv2d(x, w, b, stride=2, padding=1)
gx, gw, gb = torch.autograd.grad(mine.square().sum(), (x, w, b))
rx, rw, rb = torch.autograd.grad(ref.square().sum(), (x, w, b))
print(torch.allclose(gx, rx, atol=1e-4), torch.allclose(gw, rw, atol=1e-4), torch.allclose(gb, rb, atol=1e-4))
print(mine.grad_fn.name())

# grouped convolution by hand: split channels
xg = torch.randn(1, 4, 5, 5)
wg = torch.randn(6, 2, 3, 3)
parts = [conv2d_unfold(xg[:, 2 * i:2 * i + 2], wg[3 * i:3 * i + 3]) for i in range(2)]
print(torch.allclose(torch.cat(parts, 1), F.conv2d(xg, wg, groups=2), atol=1e-5))

# fold as col2im
img = torch.arange(1., 17.).view(1, 1, 4, 4)
patches = F.unfold(img, kernel_size=2, stride=1)
print(patches.shape)
recon = F.fold(patches, output_size=(4, 4), kernel_size=2, stride=1)
counts = F.fold(torch.ones_like(patches), output_size=(4, 4), kernel_size=2, stride=1)
print(counts[0, 0])
print(torch.equal(recon / counts, img))
unfold = nn.Unfold(kernel_size=2, stride=2)
fold = nn.Fold(output_size=(4, 4), kernel_size=2, stride=2)
print(unfold, fold)
print(torch.equal(fold(unfold(img)), img))

# patch embedding the Tensor.unfold way
images = torch.randn(2, 3, 8, 8)
p = 4
patches = images.unfold(2, p, p).unfold(3, p, p)
print(patches.shape)
patches = patches.permute(0, 2, 3, 1, 4, 5).reshape(2, -1, 3 * p * p)
proj = nn.Linear(3 * p * p, 5)
conv = nn.Conv2d(3, 5, p, stride=p)
with torch.no_grad():
    conv.weight.copy_(proj.weight.view(5, 3, p, p))
    conv.bias.copy_(proj.bias)
emb_conv = conv(images).flatten(2).transpose(1, 2)
print(emb_conv.shape, torch.allclose(proj(patches), emb_conv, atol=1e-5))
