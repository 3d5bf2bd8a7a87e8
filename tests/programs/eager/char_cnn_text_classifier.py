"""A character-level CNN text classifier (Zhang et al.) as the PyTorch char-CNN tutorials write
it: strings quantised to indices with a fixed alphabet (unknown characters to 0, padded and
truncated to a fixed length), F.one_hot to a (batch, alphabet, length) float tensor, stacked
Conv1d + ReLU + MaxPool1d blocks, the flattened size found by a dummy forward pass under
torch.no_grad(), Dropout and Linear layers, CrossEntropyLoss, SGD with momentum and a
MultiStepLR, and the predicted classes of a few unseen strings; an nn.Embedding front end
instead of one-hot gives the same shapes."""
import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)

alphabet = "abcdefghijklmnopqrstuvwxyz0123456789 .,!?"
char_to_idx = {c: i + 1 for i, c in enumerate(alphabet)}
max_len = 48


def quantize(text):
    idx = [char_to_idx.get(c, 0) for c in text.lower()[:max_len]]
    idx += [0] * (max_len - len(idx))
    return torch.tensor(idx, dtype=torch.long)


templates = [["the match ended {} to {}", "a late goal won the game {}-{}", "team scores {} in final {}"],
             ["shares rose {} percent to {}", "the market fell {} points, {} down", "profits hit {} million in q{}"],
             ["new chip runs at {} ghz with {} cores", "the phone has {} gb and {} cameras", "update {} fixes {} bugs"]]
texts, labels = [], []
for i in range(60):
    c = i % 3
    t = templates[c][int(torch.randint(0, 3, (1,)))]
    texts.append(t.format(int(torch.randint(0, 99, (1,))), int(torch.randint(0, 9, (1,)))))
    labels.append(c)
X = torch.stack([quantize(t) for t in texts])
y = torch.tensor(labels)
print(X.shape, X[0, :12], texts[0])
onehot = F.one_hot(X, num_classes=len(alphabet) + 1).float().transpose(1, 2)
print(onehot.shape, onehot.sum(1)[0, :5])


class CharCNN(nn.Module):
    def __init__(self, n_chars, n_classes, use_embedding=False):
        super().__init__()
        self.use_embedding = use_embedding
        self.embed = nn.Embedding(n_chars, n_chars, padding_idx=0) if use_embedding else None
        self.conv = nn.Sequential(
            nn.Conv1d(n_chars, 32, kernel_size=7), nn.ReLU(), nn.MaxPool1d(3),
            nn.Conv1d(32, 32, kernel_size=3), nn.ReLU(), nn.MaxPool1d(3))
        with torch.no_grad():
            n_flat = self.features(torch.zeros(1, max_len, dtype=torch.long)).shape[1]
        self.fc = nn.Sequential(nn.Linear(n_flat, 64), nn.ReLU(), nn.Dropout(0.5),
                                nn.Linear(64, n_classes))

    def features(self, idx):
        if self.use_embedding:
            x = self.embed(idx).transpose(1, 2)
        else:
            x = F.one_hot(idx, num_classes=len(alphabet) + 1).float().transpose(1, 2)
        return self.conv(x).flatten(1)

    def forward(self, idx):
        return self.fc(self.features(idx))


model = CharCNN(len(alphabet) + 1, 3)
print(model.fc[0])
emb_model = CharCNN(len(alphabet) + 1, 3, use_embedding=True)
print(emb_model(X[:2]).shape, emb_model.embed.weight[0].abs().sum().item())
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[10, 15], gamma=0.5)
criterion = nn.CrossEntropyLoss()
for epoch in range(20):
    model.train()
    perm = torch.randperm(60)
    total = 0.0
    for i in range(0, 60, 20):
        idx = perm[i:i + 20]
        optimizer.zero_grad()
        loss = criterion(model(X[idx]), y[idx])
        loss.backward()
        optimizer.step()
        total += loss.item()
    scheduler.step()
    if epoch % 5 == 4:
        model.eval()
        with torch.no_grad():
            acc = (model(X).argmax(1) == y).float().mean().item()
        print(f"epoch {epoch + 1} loss {total / 3:.4f} acc {acc:.3f} lr {scheduler.get_last_lr()[0]:.4f}")

model.eval()
with torch.no_grad():
    new = ["final score 3 to 1", "stocks fell 5 percent", "the laptop has 16 gb"]
    probs = F.softmax(model(torch.stack([quantize(t) for t in new])), dim=1)
print(probs.argmax(1), probs.max(1).values > 0.34)
