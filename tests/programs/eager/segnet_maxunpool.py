"""A SegNet-style encoder-decoder as the segmentation tutorials write it: MaxPool2d with
return_indices=True in the encoder and MaxUnpool2d with those indices (and output_size) in the
decoder, BatchNorm2d + PReLU blocks, an AlexNet-style LocalResponseNorm, AdaptiveMaxPool2d
(return_indices) for a classification head, per-pixel CrossEntropyLoss with a class weight and
ignore_index, trained a few SGD steps on synthetic masks; then pixel accuracy and per-class IoU."""
import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)

pool = nn.MaxPool2d(2, stride=2, return_indices=True)
unpool = nn.MaxUnpool2d(2, stride=2)
x = torch.tensor([[[[1., 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]]]])
out, idx = pool(x)
print(out, idx)
print(unpool(out, idx))
y5 = torch.arange(25.).view(1, 1, 5, 5)
o5, i5 = pool(y5)
print(unpool(o5, i5, output_size=y5.size()).shape)
print(F.max_unpool2d(o5, i5, 2, output_size=[5, 5])[0, 0, 3])


def block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout),
                         nn.PReLU(cout))


class SegNet(nn.Module):
    def __init__(self, in_ch=3, n_classes=3):
        super().__init__()
        self.enc1, self.enc2 = block(in_ch, 8), block(8, 16)
        self.lrn = nn.LocalResponseNorm(size=3, alpha=1e-3, beta=0.75, k=2.0)
        self.pool = nn.MaxPool2d(2, 2, return_indices=True)
        self.unpool = nn.MaxUnpool2d(2, 2)
        self.dec2, self.dec1 = block(16, 8), block(8, 8)
        self.classifier = nn.Conv2d(8, n_classes, 1)
        self.gpool = nn.AdaptiveMaxPool2d((1, 1), return_indices=True)

    def forward(self, x):
        s1 = x.size()
        x = self.enc1(x)
        x, i1 = self.pool(x)
        s2 = x.size()
        x = self.lrn(self.enc2(x))
        x, i2 = self.pool(x)
        g, gi = self.gpool(x)
        x = self.unpool(x, i2, output_size=s2)
        x = self.dec2(x)
        x = self.unpool(x, i1, output_size=s1[:1] + x.shape[1:2] + s1[2:])
        x = self.dec1(x)
        return self.classifier(x), g.flatten(1), gi


images = torch.rand(4, 3, 10, 10)
masks = torch.zeros(4, 10, 10, dtype=torch.long)
masks[:, 3:7, 3:7] = 1
masks[:, :, 8:] = 2
masks[0, 0, 0] = 255
images[:, 0] += (masks == 1).float()
images[:, 2] += (masks == 2).float() * 0.8

model = SegNet()
print(sum(p.numel() for p in model.parameters()))
logits, g, gi = model(images)
print(logits.shape, g.shape, gi.shape, gi.dtype)
criterion = nn.CrossEntropyLoss(weight=torch.tensor([0.5, 2.0, 1.0]), ignore_index=255)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
for epoch in range(12):
    model.train()
    optimizer.zero_grad()
    logits, _, _ = model(images)
    loss = criterion(logits, masks)
    loss.backward()
    optimizer.step()
    if epoch % 4 == 3:
        print(f"epoch {epoch + 1} loss {loss.item():.4f} prelu {model.enc1[2].weight[:3].tolist()}")

model.eval()
with torch.no_grad():
    pred = model(images)[0].argmax(1)
valid = masks != 255
print(f"pixel acc {(pred[valid] == masks[valid]).float().mean().item():.4f}")
for c in range(3):
    inter = ((pred == c) & (masks == c)).sum().item()
    union = (((pred == c) | (masks == c)) & valid).sum().item()
    print(f"class {c} IoU {inter / max(union, 1):.4f}")
