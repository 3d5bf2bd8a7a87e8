"""PointNet for point-cloud classification as the PointNet PyTorch tutorials write it: the
T-Net predicting a k x k transform (identity added with torch.eye(k).repeat, applied with
torch.bmm), shared MLPs as Conv1d(kernel 1) + BatchNorm1d, symmetric max pooling over points
(torch.max(x, 2, keepdim=True)[0]), the feature-transform regulariser ||I - A A^T||, and
log_softmax + nll_loss trained a few Adam steps on synthetic shapes (sphere, cube surface,
cylinder); the prediction is invariant to a permutation of the points. (The biases of the
layers before a BatchNorm get only rounding noise as gradient, which Adam turns into full
steps: only what BatchNorm normalises away depends on them, so nothing printed does.)"""
import math

import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)


class TNet(nn.Module):
    def __init__(self, k=3):
        super().__init__()
        self.k = k
        self.conv1 = nn.Conv1d(k, 16, 1)
        self.conv2 = nn.Conv1d(16, 32, 1)
        self.fc1 = nn.Linear(32, 16)
        self.fc2 = nn.Linear(16, k * k)
        self.bn1, self.bn2, self.bn3 = nn.BatchNorm1d(16), nn.BatchNorm1d(32), nn.BatchNorm1d(16)

    def forward(self, x):
        batchsize = x.size()[0]
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        x = torch.max(x, 2, keepdim=True)[0]
        x = x.view(-1, 32)
        x = F.relu(self.bn3(self.fc1(x)))
        x = self.fc2(x)
        iden = torch.eye(self.k).flatten().view(1, self.k * self.k).repeat(batchsize, 1)
        x = x + iden
        return x.view(-1, self.k, self.k)


class PointNetCls(nn.Module):
    def __init__(self, k=3, feature_transform=True):
        super().__init__()
        self.stn = TNet(3)
        self.conv1 = nn.Conv1d(3, 16, 1)
        self.conv2 = nn.Conv1d(16, 64, 1)
        self.bn1, self.bn2 = nn.BatchNorm1d(16), nn.BatchNorm1d(64)
        self.feature_transform = feature_transform
        self.fstn = TNet(16) if feature_transform else None
        self.fc = nn.Sequential(nn.Linear(64, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(p=0.0),
                                nn.Linear(32, k))

    def forward(self, x):
        trans = self.stn(x)
        x = torch.bmm(x.transpose(2, 1), trans).transpose(2, 1)
        x = F.relu(self.bn1(self.conv1(x)))
        trans_feat = None
        if self.feature_transform:
            trans_feat = self.fstn(x)
            x = torch.bmm(x.transpose(2, 1), trans_feat).transpose(2, 1)
        x = self.bn2(self.conv2(x))
        x = torch.max(x, 2, keepdim=True)[0].view(-1, 64)
        return F.log_softmax(self.fc(x), dim=1), trans, trans_feat


def feature_transform_regularizer(trans):
    d = trans.size()[1]
    identity = torch.eye(d)[None, :, :]
    return torch.mean(torch.norm(torch.bmm(trans, trans.transpose(2, 1)) - identity, dim=(1, 2)))


def make_shape(kind, n=64):
    if kind == 0:
        p = torch.randn(n, 3)
        return p / p.norm(dim=1, keepdim=True)
    if kind == 1:
        p = torch.rand(n, 3) * 2 - 1
        axis = torch.randint(0, 3, (n,))
        p[torch.arange(n), axis] = torch.sign(torch.randn(n))
        return p
    theta = torch.rand(n) * 2 * math.pi
    return torch.stack([torch.cos(theta), torch.sin(theta), torch.rand(n) * 2 - 1], 1)


labels = torch.arange(24) % 3
points = torch.stack([make_shape(int(c)) for c in labels]).transpose(2, 1)
print(points.shape)
stn = TNet(3)
print(stn(points[:4]).shape)
model = PointNetCls(k=3)
print(sum(p.numel() for p in model.parameters()))
optimizer = torch.optim.Adam(model.parameters(), lr=0.005, betas=(0.9, 0.999))
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.5)
for epoch in range(20):
    model.train()
    optimizer.zero_grad()
    pred, trans, trans_feat = model(points)
    reg = feature_transform_regularizer(trans_feat)
    loss = F.nll_loss(pred, labels) + 0.001 * reg
    loss.backward()
    optimizer.step()
    scheduler.step()
    if epoch % 5 == 4:
        correct = pred.data.max(1)[1].eq(labels).sum()
        print(f"epoch {epoch + 1} loss {loss.item():.4f} accuracy {correct.item() / 24:.4f} "
              f"reg {reg.item():.4f}")

model.eval()
with torch.no_grad():
    a = model(points)[0]
    b = model(points[:, :, torch.randperm(64)])[0]
print(torch.allclose(a, b, atol=1e-5), a.shape, a.exp().sum(1).allclose(torch.ones(24)))
