"""Saving and loading a general checkpoint for inference and resuming training, as the PyTorch
recipe writes it: torch.save({'epoch', 'model_state_dict', 'optimizer_state_dict',
'scheduler_state_dict', 'loss'}, PATH), then a fresh model and optimizer with
load_state_dict(checkpoint[...]) and model.train(); the resumed run must continue exactly where
the uninterrupted one went (Adam moments, the StepLR position and BatchNorm's running stats
restored); plus torch.save of a bare state_dict with weights_only loading, map_location='cpu',
strict=False with missing/unexpected keys, and an io.BytesIO round trip."""
# ruff: noqa: PLR0402  (written in the recipe's own style)
import io
import os
import tempfile

import torch
import torch.nn as nn
import torch.optim as optim

torch.manual_seed(0)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 16)
        self.bn = nn.BatchNorm1d(16)
        self.fc2 = nn.Linear(16, 3)

    def forward(self, x):
        return self.fc2(torch.relu(self.bn(self.fc1(x))))


X = torch.randn(64, 4)
Y = (X[:, 0] > 0).long() + (X[:, 1] > 0).long()


def train_epochs(model, optimizer, scheduler, epochs):
    loss = None
    for epoch in epochs:
        for i in range(0, 64, 16):
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(X[i:i + 16]), Y[i:i + 16])
            loss.backward()
            optimizer.step()
        scheduler.step()
        print(f'epoch {epoch} loss {loss.item():.5f} lr {scheduler.get_last_lr()[0]:.5f}')
    return loss


torch.manual_seed(1)
ref = Net()
ref_opt = optim.Adam(ref.parameters(), lr=0.01)
ref_sched = optim.lr_scheduler.StepLR(ref_opt, step_size=2, gamma=0.5)
print('uninterrupted')
train_epochs(ref, ref_opt, ref_sched, range(6))

torch.manual_seed(1)
model = Net()
optimizer = optim.Adam(model.parameters(), lr=0.01)
scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
print('first half')
loss = train_epochs(model, optimizer, scheduler, range(3))

tmp = tempfile.mkdtemp()
PATH = os.path.join(tmp, 'checkpoint.pt')
torch.save({
    'epoch': 3,
    'model_state_dict': model.state_dict(),
    'optimizer_state_dict': optimizer.state_dict(),
    'scheduler_state_dict': scheduler.state_dict(),
    'loss': loss,
}, PATH)

model = Net()
optimizer = optim.Adam(model.parameters(), lr=0.01)
scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
checkpoint = torch.load(PATH, weights_only=True)
model.load_state_dict(checkpoint['model_state_dict'])
optimizer.load_state_dict(checkpoint['optimizer_state_dict'])
scheduler.load_state_dict(checkpoint['scheduler_state_dict'])
epoch = checkpoint['epoch']
loss = checkpoint['loss']
print('resumed at', epoch, 'saved loss', round(loss.item(), 5), 'lr', scheduler.get_last_lr())
print('adam step', optimizer.state_dict()['state'][0]['step'])
print('bn batches', model.bn.num_batches_tracked)
model.train()
train_epochs(model, optimizer, scheduler, range(epoch, 6))
print('same weights as uninterrupted:',
      all(torch.allclose(a, b, atol=1e-6) for a, b in zip(model.state_dict().values(),
                                                           ref.state_dict().values())))

WEIGHTS = os.path.join(tmp, 'model_weights.pth')
torch.save(model.state_dict(), WEIGHTS)
infer = Net()
infer.load_state_dict(torch.load(WEIGHTS, map_location='cpu', weights_only=True))
infer.eval()
model.eval()
with torch.no_grad():
    print('inference equal:', torch.equal(infer(X[:5]), model(X[:5])))

class Bigger(Net):
    def __init__(self):
        super().__init__()
        self.head = nn.Linear(3, 2)


big = Bigger()
result = big.load_state_dict(torch.load(WEIGHTS, weights_only=True), strict=False)
print('missing', result.missing_keys, 'unexpected', result.unexpected_keys)
sd = model.state_dict()
sd['extra.weight'] = torch.zeros(1)
result = Net().load_state_dict(sd, strict=False)
print('missing', result.missing_keys, 'unexpected', result.unexpected_keys)

buffer = io.BytesIO()
torch.save(model.state_dict(), buffer)
buffer.seek(0)
again = torch.load(buffer, weights_only=True)
print(list(again.keys()))
print('bytes round trip equal:', all(torch.equal(again[k], v) for k, v in sd.items()
                                     if k in again))
