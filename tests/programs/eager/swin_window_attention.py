"""Swin Transformer as microsoft/Swin-Transformer's swin_transformer.py writes it, shrunk:
window_partition / window_reverse with view-permute-contiguous, WindowAttention with a learned
relative position bias table (nn.init.trunc_normal_) indexed by a relative_position_index
buffer built from torch.meshgrid, flatten and in-place slice arithmetic, the shifted windows'
torch.roll(shifts=(-s, -s), dims=(1, 2)) and attention mask from img_mask slices
(masked_fill(mask != 0, float(-100.0))), DropPath via x.new_empty(shape).bernoulli_(keep_prob),
PatchMerging's x[:, 0::2, 0::2, :] strided slices, nn.AdaptiveAvgPool1d and model.apply(
_init_weights); trained with AdamW and a cosine schedule to tell four stripe orientations,
then a Grad-CAM map of the patch embedding as jacobgil/pytorch-grad-cam takes it: a forward
hook keeps the activations and a full backward hook the gradients of the same layer."""
# ruff: noqa: PLR0402, UP018, RUF059  (written in the tutorial's own style)
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


def drop_path(x, drop_prob=0., training=False, scale_by_keep=True):
    if drop_prob == 0. or not training:
        return x
    keep_prob = 1 - drop_prob
    shape = (x.shape[0],) + (1,) * (x.ndim - 1)
    random_tensor = x.new_empty(shape).bernoulli_(keep_prob)
    if keep_prob > 0.0 and scale_by_keep:
        random_tensor.div_(keep_prob)
    return x * random_tensor


class DropPath(nn.Module):
    def __init__(self, drop_prob=0.):
        super().__init__()
        self.drop_prob = drop_prob

    def forward(self, x):
        return drop_path(x, self.drop_prob, self.training)


def window_partition(x, window_size):
    B, H, W, C = x.shape
    x = x.view(B, H // window_size, window_size, W // window_size, window_size, C)
    return x.permute(0, 1, 3, 2, 4, 5).contiguous().view(-1, window_size, window_size, C)


def window_reverse(windows, window_size, H, W):
    B = int(windows.shape[0] / (H * W / window_size / window_size))
    x = windows.view(B, H // window_size, W // window_size, window_size, window_size, -1)
    return x.permute(0, 1, 3, 2, 4, 5).contiguous().view(B, H, W, -1)


class WindowAttention(nn.Module):
    def __init__(self, dim, window_size, num_heads, qkv_bias=True):
        super().__init__()
        self.dim = dim
        self.window_size = window_size
        self.num_heads = num_heads
        head_dim = dim // num_heads
        self.scale = head_dim ** -0.5
        self.relative_position_bias_table = nn.Parameter(
            torch.zeros((2 * window_size[0] - 1) * (2 * window_size[1] - 1), num_heads))
        coords_h = torch.arange(self.window_size[0])
        coords_w = torch.arange(self.window_size[1])
        coords = torch.stack(torch.meshgrid([coords_h, coords_w], indexing="ij"))
        coords_flatten = torch.flatten(coords, 1)
        relative_coords = coords_flatten[:, :, None] - coords_flatten[:, None, :]
        relative_coords = relative_coords.permute(1, 2, 0).contiguous()
        relative_coords[:, :, 0] += self.window_size[0] - 1
        relative_coords[:, :, 1] += self.window_size[1] - 1
        relative_coords[:, :, 0] *= 2 * self.window_size[1] - 1
        relative_position_index = relative_coords.sum(-1)
        self.register_buffer("relative_position_index", relative_position_index)
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.proj = nn.Linear(dim, dim)
        nn.init.trunc_normal_(self.relative_position_bias_table, std=.02)
        self.softmax = nn.Softmax(dim=-1)

    def forward(self, x, mask=None):
        B_, N, C = x.shape
        qkv = self.qkv(x).reshape(B_, N, 3, self.num_heads, C // self.num_heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        q = q * self.scale
        attn = (q @ k.transpose(-2, -1))
        relative_position_bias = self.relative_position_bias_table[
            self.relative_position_index.view(-1)].view(
            self.window_size[0] * self.window_size[1], self.window_size[0] * self.window_size[1], -1)
        relative_position_bias = relative_position_bias.permute(2, 0, 1).contiguous()
        attn = attn + relative_position_bias.unsqueeze(0)
        if mask is not None:
            nW = mask.shape[0]
            attn = attn.view(B_ // nW, nW, self.num_heads, N, N) + mask.unsqueeze(1).unsqueeze(0)
            attn = attn.view(-1, self.num_heads, N, N)
        attn = self.softmax(attn)
        x = (attn @ v).transpose(1, 2).reshape(B_, N, C)
        return self.proj(x)


class SwinTransformerBlock(nn.Module):
    def __init__(self, dim, input_resolution, num_heads, window_size=2, shift_size=0,
                 mlp_ratio=2., drop_path=0.):
        super().__init__()
        self.input_resolution = input_resolution
        self.window_size = window_size
        self.shift_size = shift_size
        self.norm1 = nn.LayerNorm(dim)
        self.attn = WindowAttention(dim, window_size=(window_size, window_size), num_heads=num_heads)
        self.drop_path = DropPath(drop_path) if drop_path > 0. else nn.Identity()
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, int(dim * mlp_ratio)), nn.GELU(),
                                 nn.Linear(int(dim * mlp_ratio), dim))
        if self.shift_size > 0:
            H, W = self.input_resolution
            img_mask = torch.zeros((1, H, W, 1))
            h_slices = (slice(0, -self.window_size), slice(-self.window_size, -self.shift_size),
                        slice(-self.shift_size, None))
            w_slices = (slice(0, -self.window_size), slice(-self.window_size, -self.shift_size),
                        slice(-self.shift_size, None))
            cnt = 0
            for h in h_slices:
                for w in w_slices:
                    img_mask[:, h, w, :] = cnt
                    cnt += 1
            mask_windows = window_partition(img_mask, self.window_size)
            mask_windows = mask_windows.view(-1, self.window_size * self.window_size)
            attn_mask = mask_windows.unsqueeze(1) - mask_windows.unsqueeze(2)
            attn_mask = attn_mask.masked_fill(attn_mask != 0, float(-100.0)).masked_fill(
                attn_mask == 0, float(0.0))
        else:
            attn_mask = None
        self.register_buffer("attn_mask", attn_mask)

    def forward(self, x):
        H, W = self.input_resolution
        B, L, C = x.shape
        shortcut = x
        x = self.norm1(x).view(B, H, W, C)
        if self.shift_size > 0:
            shifted_x = torch.roll(x, shifts=(-self.shift_size, -self.shift_size), dims=(1, 2))
        else:
            shifted_x = x
        x_windows = window_partition(shifted_x, self.window_size)
        x_windows = x_windows.view(-1, self.window_size * self.window_size, C)
        attn_windows = self.attn(x_windows, mask=self.attn_mask)
        attn_windows = attn_windows.view(-1, self.window_size, self.window_size, C)
        shifted_x = window_reverse(attn_windows, self.window_size, H, W)
        if self.shift_size > 0:
            x = torch.roll(shifted_x, shifts=(self.shift_size, self.shift_size), dims=(1, 2))
        else:
            x = shifted_x
        x = shortcut + self.drop_path(x.view(B, H * W, C))
        return x + self.drop_path(self.mlp(self.norm2(x)))


class PatchMerging(nn.Module):
    def __init__(self, input_resolution, dim):
        super().__init__()
        self.input_resolution = input_resolution
        self.reduction = nn.Linear(4 * dim, 2 * dim, bias=False)
        self.norm = nn.LayerNorm(4 * dim)

    def forward(self, x):
        H, W = self.input_resolution
        B, L, C = x.shape
        x = x.view(B, H, W, C)
        x0 = x[:, 0::2, 0::2, :]
        x1 = x[:, 1::2, 0::2, :]
        x2 = x[:, 0::2, 1::2, :]
        x3 = x[:, 1::2, 1::2, :]
        x = torch.cat([x0, x1, x2, x3], -1).view(B, -1, 4 * C)
        return self.reduction(self.norm(x))


class TinySwin(nn.Module):
    def __init__(self, num_classes=4, embed_dim=16, patch=2, img=8):
        super().__init__()
        res = img // patch
        self.patch_embed = nn.Conv2d(1, embed_dim, kernel_size=patch, stride=patch)
        self.blocks = nn.Sequential(
            SwinTransformerBlock(embed_dim, (res, res), 2, window_size=2, shift_size=0),
            SwinTransformerBlock(embed_dim, (res, res), 2, window_size=2, shift_size=1,
                                 drop_path=0.1))
        self.merge = PatchMerging((res, res), embed_dim)
        self.norm = nn.LayerNorm(2 * embed_dim)
        self.avgpool = nn.AdaptiveAvgPool1d(1)
        self.head = nn.Linear(2 * embed_dim, num_classes)
        self.apply(self._init_weights)

    def _init_weights(self, m):
        if isinstance(m, nn.Linear):
            nn.init.trunc_normal_(m.weight, std=.02)
            if isinstance(m, nn.Linear) and m.bias is not None:
                nn.init.constant_(m.bias, 0)
        elif isinstance(m, nn.LayerNorm):
            nn.init.constant_(m.bias, 0)
            nn.init.constant_(m.weight, 1.0)

    def forward(self, x):
        x = self.patch_embed(x).flatten(2).transpose(1, 2)
        x = self.norm(self.merge(self.blocks(x)))
        x = self.avgpool(x.transpose(1, 2))
        return self.head(torch.flatten(x, 1))


x = torch.arange(2 * 4 * 4 * 3, dtype=torch.float32).view(2, 4, 4, 3)
w = window_partition(x, 2)
print(w.shape, torch.equal(window_reverse(w, 2, 4, 4), x), w[1, :, :, 0].tolist())
attn = WindowAttention(8, (2, 2), 2)
print(attn.relative_position_index.tolist())
blk = SwinTransformerBlock(8, (4, 4), 2, window_size=2, shift_size=1)
print(blk.attn_mask.shape, (blk.attn_mask == -100).sum(dim=(1, 2)).tolist())
print(torch.roll(torch.arange(9).view(3, 3), shifts=(-1, -1), dims=(0, 1)).tolist())
dp = DropPath(0.5)
ones = torch.ones(1000, 3)
print(f"{dp(ones).mean().item():.1f}", torch.equal(dp.eval()(ones), ones),
      set(dp.train()(ones)[:, 0].unique().tolist()) <= {0.0, 2.0})


def stripes(n):
    imgs, labels = [], []
    for i in range(n):
        k = i % 4
        r = torch.arange(8.0)
        if k == 0:
            img = (r.view(8, 1) % 2).expand(8, 8)
        elif k == 1:
            img = (r.view(1, 8) % 2).expand(8, 8)
        elif k == 2:
            img = ((r.view(8, 1) + r.view(1, 8)) % 2 == 0).float()
        else:
            img = ((r.view(8, 1) // 2) % 2).expand(8, 8)
        imgs.append(img + 0.3 * torch.randn(8, 8))
        labels.append(k)
    return torch.stack(imgs).unsqueeze(1), torch.tensor(labels)


x_train, y_train = stripes(64)
x_test, y_test = stripes(32)
model = TinySwin()
print(sum(p.numel() for p in model.parameters()),
      f"{model.blocks[0].attn.relative_position_bias_table.std().item():.3f}")
optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.05)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=16)
for epoch in range(16):
    model.train()
    perm = torch.randperm(64)
    for i in range(0, 64, 16):
        idx = perm[i:i + 16]
        loss = F.cross_entropy(model(x_train[idx]), y_train[idx], label_smoothing=0.1)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    scheduler.step()
    if epoch % 5 == 4 or epoch == 15:
        model.eval()
        with torch.no_grad():
            acc = (model(x_test).argmax(1) == y_test).float().mean()
        print(f"epoch {epoch + 1} loss {loss.item():.4f} test acc {acc.item():.3f} "
              f"lr {scheduler.get_last_lr()[0]:.6f}")


class GradCAM:
    def __init__(self, model, target_layer):
        self.model = model
        self.activations, self.gradients = None, None
        self.handles = [
            target_layer.register_forward_hook(self.save_activation),
            target_layer.register_full_backward_hook(self.save_gradient)]

    def save_activation(self, module, input, output):
        self.activations = output.detach()

    def save_gradient(self, module, grad_input, grad_output):
        self.gradients = grad_output[0].detach()

    def __call__(self, x, category):
        self.model.zero_grad()
        output = self.model(x)
        output[:, category].sum().backward()
        weights = self.gradients.mean(dim=(2, 3), keepdim=True)
        cam = F.relu((weights * self.activations).sum(dim=1))
        cam = cam - cam.amin(dim=(1, 2), keepdim=True)
        return cam / (cam.amax(dim=(1, 2), keepdim=True) + 1e-7)

    def release(self):
        for h in self.handles:
            h.remove()


model.eval()
cam = GradCAM(model, model.patch_embed)
maps = cam(x_test[:4].requires_grad_(), y_test[:4])
print(maps.shape, cam.activations.shape, cam.gradients.shape, f"{maps.max().item():.3f}")
print([round(v, 4) for v in maps[1].flatten().tolist()])
cam.release()
print(len(model.patch_embed._forward_hooks), len(model.patch_embed._backward_hooks))
