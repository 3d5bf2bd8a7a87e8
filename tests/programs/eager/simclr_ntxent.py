"""SimCLR's contrastive step as the popular PyTorch implementations write it (sthalles/SimCLR
info_nce_loss, the UvA deep-learning tutorial 17): two random "augmentations" of each sample
(noise, a random flip via torch.where, a random crop-and-resize by F.interpolate), an encoder
with a projection head, F.normalize, the similarity matrix, the self-mask
torch.eye(..., dtype=torch.bool) with masked_fill_(-9e15), positives found by roll, the
InfoNCE loss via logsumexp, the top-1/top-5 accuracy of the positive's rank (argsort), the
labels-and-CrossEntropyLoss form of the same loss, and a linear probe trained on the frozen
features (requires_grad_(False), torch.no_grad())."""
# ruff: noqa: PLR0402  (written in the tutorial's own style)
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

torch.manual_seed(0)
N, C, H = 16, 1, 8
temperature = 0.1

# four "classes" of 8x8 patterns
g = torch.Generator().manual_seed(1)
labels = torch.arange(N) % 4
base = torch.zeros(4, C, H, H)
base[0, :, :, :4] = 1
base[1, :, :4, :] = 1
base[2, :, 2:6, 2:6] = 1
base[3] = torch.eye(H)
images = base[labels] + 0.1 * torch.randn(N, C, H, H, generator=g)


def augment(x):
    n = x.size(0)
    flip = torch.rand(n, 1, 1, 1) < 0.5
    x = torch.where(flip, x.flip(-1), x)
    crop = x[:, :, 1:7, 1:7]
    x = F.interpolate(crop, size=(H, H), mode="bilinear", align_corners=False)
    return x + 0.05 * torch.randn_like(x)


class SimCLR(nn.Module):
    def __init__(self, hidden_dim=16, out_dim=8):
        super().__init__()
        self.convnet = nn.Sequential(
            nn.Conv2d(C, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(inplace=True),
            nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(),
        )
        self.head = nn.Sequential(nn.Linear(16, 4 * hidden_dim), nn.ReLU(inplace=True),
                                  nn.Linear(4 * hidden_dim, out_dim))

    def forward(self, x):
        return self.head(self.convnet(x))


def info_nce_loss(feats, mode="train"):
    cos_sim = F.cosine_similarity(feats[:, None, :], feats[None, :, :], dim=-1)
    self_mask = torch.eye(cos_sim.shape[0], dtype=torch.bool, device=cos_sim.device)
    cos_sim.masked_fill_(self_mask, -9e15)
    pos_mask = self_mask.roll(shifts=cos_sim.shape[0] // 2, dims=0)
    cos_sim = cos_sim / temperature
    nll = -cos_sim[pos_mask] + torch.logsumexp(cos_sim, dim=-1)
    nll = nll.mean()

    comb_sim = torch.cat([cos_sim[pos_mask][:, None], cos_sim.masked_fill(pos_mask, -9e15)],
                         dim=-1)
    sim_argsort = comb_sim.argsort(dim=-1, descending=True).argmin(dim=-1)
    acc_top1 = (sim_argsort == 0).float().mean()
    acc_top5 = (sim_argsort < 5).float().mean()
    acc_mean_pos = 1 + sim_argsort.float().mean()
    return nll, acc_top1, acc_top5, acc_mean_pos


def info_nce_labels(features, batch_size, n_views=2):
    """sthalles/SimCLR's form: logits with the positive first, labels all zero."""
    labels = torch.cat([torch.arange(batch_size) for i in range(n_views)], dim=0)
    labels = (labels.unsqueeze(0) == labels.unsqueeze(1)).float()
    features = F.normalize(features, dim=1)
    similarity_matrix = torch.matmul(features, features.T)
    mask = torch.eye(labels.shape[0], dtype=torch.bool)
    labels = labels[~mask].view(labels.shape[0], -1)
    similarity_matrix = similarity_matrix[~mask].view(similarity_matrix.shape[0], -1)
    positives = similarity_matrix[labels.bool()].view(labels.shape[0], -1)
    negatives = similarity_matrix[~labels.bool()].view(similarity_matrix.shape[0], -1)
    logits = torch.cat([positives, negatives], dim=1)
    labels = torch.zeros(logits.shape[0], dtype=torch.long)
    logits = logits / temperature
    return logits, labels


model = SimCLR()
optimizer = optim.AdamW(model.parameters(), lr=5e-3, weight_decay=1e-4)
lr_scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=12, eta_min=5e-4)
criterion = nn.CrossEntropyLoss()
for epoch in range(12):
    model.train()
    imgs = torch.cat([augment(images), augment(images)], dim=0)
    feats = model(imgs)
    nll, top1, top5, mean_pos = info_nce_loss(feats)
    logits, target = info_nce_labels(feats, N)
    ce = criterion(logits, target)
    optimizer.zero_grad()
    nll.backward()
    optimizer.step()
    lr_scheduler.step()
    if epoch % 3 == 0 or epoch == 11:
        print(f"epoch {epoch} nll {nll.item():.5f} ce {ce.item():.5f} top1 {top1.item():.4f} "
              f"top5 {top5.item():.4f} mean_pos {mean_pos.item():.4f} "
              f"lr {lr_scheduler.get_last_lr()[0]:.6f}")
print("logits", logits.shape, "labels", target.shape, target.dtype)

# linear evaluation on frozen features
model.eval()
for p in model.parameters():
    p.requires_grad_(False)
with torch.no_grad():
    train_feats = model.convnet(images)
print("features", train_feats.shape, train_feats.requires_grad)
probe = nn.Linear(train_feats.shape[1], 4)
opt = optim.SGD(probe.parameters(), lr=0.5, momentum=0.9)
for step in range(30):
    out = probe(train_feats)
    loss = F.cross_entropy(out, labels)
    opt.zero_grad()
    loss.backward()
    opt.step()
acc = (probe(train_feats).argmax(dim=-1) == labels).float().mean()
print(f"probe loss {loss.item():.5f} acc {acc.item():.4f}")
