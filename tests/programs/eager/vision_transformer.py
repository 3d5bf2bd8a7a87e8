"""A vision transformer the way pytorch/examples vision_transformer and the ViT tutorials
write it, in small: patches cut with Tensor.unfold twice and permute/reshape (or a strided
Conv2d patch embedding), a learnable class token expanded over the batch and torch.cat'ed,
a learnable position embedding, nn.TransformerEncoder of TransformerEncoderLayer(batch_first=
True, norm_first=True, activation='gelu'), the class token through LayerNorm and a Linear head;
AdamW with a CosineAnnealingLR, CrossEntropyLoss(label_smoothing=0.1), accuracy in eval mode.
(Dropout 0, 8x8 images in 4x4 patches, and weights from NumPy so both libraries agree.)"""
import numpy as np
import torch
from torch import nn


class PatchEmbed(nn.Module):
    def __init__(self, patch_size, in_chans, embed_dim, use_conv):
        super().__init__()
        self.patch_size = patch_size
        self.use_conv = use_conv
        if use_conv:
            self.proj = nn.Conv2d(in_chans, embed_dim, kernel_size=patch_size, stride=patch_size)
        else:
            self.proj = nn.Linear(in_chans * patch_size * patch_size, embed_dim)

    def forward(self, x):
        if self.use_conv:
            return self.proj(x).flatten(2).transpose(1, 2)        # B, N, D
        p = self.patch_size
        B, C, H, W = x.shape
        patches = x.unfold(2, p, p).unfold(3, p, p)                # B, C, H/p, W/p, p, p
        patches = patches.permute(0, 2, 3, 1, 4, 5).reshape(B, (H // p) * (W // p), C * p * p)
        return self.proj(patches)


class ViT(nn.Module):
    def __init__(self, image_size=8, patch_size=4, in_chans=1, num_classes=3, dim=16, depth=2,
                 heads=2, mlp_dim=32, use_conv=False):
        super().__init__()
        num_patches = (image_size // patch_size) ** 2
        self.patch_embed = PatchEmbed(patch_size, in_chans, dim, use_conv)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embedding = nn.Parameter(torch.zeros(1, num_patches + 1, dim))
        layer = nn.TransformerEncoderLayer(dim, heads, mlp_dim, dropout=0.0, activation="gelu",
                                           batch_first=True, norm_first=True)
        self.transformer = nn.TransformerEncoder(layer, depth, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, num_classes)

    def forward(self, img):
        x = self.patch_embed(img)
        b, n, _ = x.shape
        cls_tokens = self.cls_token.expand(b, -1, -1)
        x = torch.cat((cls_tokens, x), dim=1)
        x = x + self.pos_embedding[:, :(n + 1)]
        x = self.transformer(x)
        return self.head(self.norm(x[:, 0]))


rng = np.random.default_rng(0)
protos = rng.normal(0, 1, (3, 1, 8, 8))
labels = rng.integers(0, 3, 48)
images = torch.tensor(protos[labels] + rng.normal(0, 0.8, (48, 1, 8, 8)), dtype=torch.float32)
targets = torch.tensor(labels)
train_x, train_y, test_x, test_y = images[:32], targets[:32], images[32:], targets[32:]

for use_conv in (False, True):
    model = ViT(use_conv=use_conv)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("weight") and p.dim() == 1:      # LayerNorm scales stay 1
                continue
            fan = p.shape[-1] if p.dim() > 1 else 16
            p.copy_(torch.tensor(rng.normal(0, fan ** -0.5, tuple(p.shape)), dtype=torch.float32))
    n_params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    print(f"conv patches: {use_conv}, parameters: {n_params}")
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.05)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=6)
    criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
    for epoch in range(6):
        model.train()
        losses = []
        for i in range(0, 32, 8):
            optimizer.zero_grad()
            loss = criterion(model(train_x[i:i + 8]), train_y[i:i + 8])
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        scheduler.step()
        model.eval()
        with torch.no_grad():
            logits = model(test_x)
            acc = (logits.argmax(dim=-1) == test_y).float().mean().item()
        if epoch % 2 == 1:
            print(f"epoch {epoch}: loss {sum(losses) / len(losses):.4f} test acc {acc:.3f} "
                  f"lr {scheduler.get_last_lr()[0]:.5f}")
