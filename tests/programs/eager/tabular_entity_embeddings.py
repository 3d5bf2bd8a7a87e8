"""A tabular model with entity embeddings, written the way the fast.ai-style PyTorch tutorials
write it (categorical columns through an nn.ModuleList of nn.Embedding, concatenated with
BatchNorm1d'd continuous columns, Linear/ReLU/BatchNorm1d/Dropout blocks): a custom Dataset
and a DataLoader with a collate_fn that builds the three tensors, model.apply(init_weights)
with nn.init.kaiming_normal_/zeros_, CrossEntropyLoss(weight=, label_smoothing=0.1), SGD with
nesterov momentum and weight decay, ReduceLROnPlateau stepped on the validation loss,
gradient clipping (clip_grad_norm_ returns the total norm), model.eval()/train() switching
Dropout and BatchNorm, early-stopping bookkeeping with copy.deepcopy of the best state_dict,
torch.save/torch.load of a checkpoint dict to a temporary file, and the reloaded model's
predictions, which must equal the saved model's."""
# ruff: noqa: PLR0402  (written in the tutorial's own style)
import copy
import os
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

torch.manual_seed(0)
rng = np.random.default_rng(0)

n_rows = 200
cat_cardinalities = [5, 3, 7]
cats = np.stack([rng.integers(0, c, n_rows) for c in cat_cardinalities], 1)
conts = rng.standard_normal((n_rows, 2)).astype(np.float32)
logit = 0.8 * (cats[:, 0] % 2) - 0.6 * (cats[:, 1] == 2) + conts[:, 0] - 0.5 * conts[:, 1]
labels = (logit > 0.3).astype(np.int64) + (logit > 1.3).astype(np.int64)
print("class counts", np.bincount(labels).tolist())


class TabularDataset(Dataset):
    def __init__(self, cats, conts, y):
        self.cats, self.conts, self.y = cats, conts, y

    def __len__(self):
        return len(self.y)

    def __getitem__(self, idx):
        return self.cats[idx], self.conts[idx], self.y[idx]


def collate(batch):
    c, x, y = zip(*batch)
    return (torch.tensor(np.stack(c), dtype=torch.long), torch.tensor(np.stack(x)),
            torch.tensor(y))


train_ds = TabularDataset(cats[:160], conts[:160], labels[:160])
valid_ds = TabularDataset(cats[160:], conts[160:], labels[160:])
train_dl = DataLoader(train_ds, batch_size=32, shuffle=False, collate_fn=collate)
valid_dl = DataLoader(valid_ds, batch_size=40, collate_fn=collate)
c, x, y = next(iter(train_dl))
print("batch", c.shape, c.dtype, x.shape, x.dtype, y.shape, y.dtype)


class TabularModel(nn.Module):
    def __init__(self, emb_szs, n_cont, out_sz, layers, p=0.3):
        super().__init__()
        self.embeds = nn.ModuleList([nn.Embedding(ni, nf) for ni, nf in emb_szs])
        self.emb_drop = nn.Dropout(p)
        self.bn_cont = nn.BatchNorm1d(n_cont)
        layerlist = []
        n_emb = sum(nf for ni, nf in emb_szs)
        n_in = n_emb + n_cont
        for i in layers:
            layerlist.append(nn.Linear(n_in, i))
            layerlist.append(nn.ReLU(inplace=True))
            layerlist.append(nn.BatchNorm1d(i))
            layerlist.append(nn.Dropout(p))
            n_in = i
        layerlist.append(nn.Linear(layers[-1], out_sz))
        self.layers = nn.Sequential(*layerlist)

    def forward(self, x_cat, x_cont):
        embeddings = []
        for i, e in enumerate(self.embeds):
            embeddings.append(e(x_cat[:, i]))
        x = torch.cat(embeddings, 1)
        x = self.emb_drop(x)
        x_cont = self.bn_cont(x_cont)
        x = torch.cat([x, x_cont], 1)
        x = self.layers(x)
        return x


def init_weights(m):
    if isinstance(m, nn.Linear):
        nn.init.kaiming_normal_(m.weight, mode='fan_in', nonlinearity='relu')
        nn.init.zeros_(m.bias)


emb_szs = [(size, min(50, (size + 1) // 2)) for size in cat_cardinalities]
print("emb_szs", emb_szs)
model = TabularModel(emb_szs, 2, 3, [16, 8], p=0.2)
model.apply(init_weights)
print(model.embeds)
print("parameters", sum(p.numel() for p in model.parameters() if p.requires_grad))

counts = np.bincount(labels[:160], minlength=3)
class_weights = torch.tensor(len(counts) * [1.0]) * torch.tensor(counts.sum() / (3 * counts), dtype=torch.float32)
criterion = nn.CrossEntropyLoss(weight=class_weights, label_smoothing=0.1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-4)
scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode='min', factor=0.5, patience=0, threshold=0.05)


def evaluate(model, dl):
    model.eval()
    total, correct, n = 0.0, 0, 0
    with torch.no_grad():
        for c, x, y in dl:
            out = model(c, x)
            total += F.cross_entropy(out, y, reduction='sum').item()
            correct += (out.argmax(1) == y).sum().item()
            n += y.size(0)
    return total / n, correct / n


best_loss, best_state, bad_epochs = float('inf'), None, 0
for epoch in range(8):
    model.train()
    losses, norms = [], []
    for c, x, y in train_dl:
        optimizer.zero_grad()
        loss = criterion(model(c, x), y)
        loss.backward()
        norms.append(nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0).item())
        optimizer.step()
        losses.append(loss.item())
    val_loss, val_acc = evaluate(model, valid_dl)
    scheduler.step(val_loss)
    if val_loss < best_loss:
        best_loss, best_state, bad_epochs = val_loss, copy.deepcopy(model.state_dict()), 0
    else:
        bad_epochs += 1
    print(f"epoch {epoch} train {np.mean(losses):.5f} max grad norm {max(norms):.4f} "
          f"val {val_loss:.5f} acc {val_acc:.3f} lr {optimizer.param_groups[0]['lr']:.4f} bad {bad_epochs}")

model.load_state_dict(best_state)
print("best val", f"{evaluate(model, valid_dl)[0]:.5f}", f"{best_loss:.5f}")
print("bn_cont running_mean", [round(v, 4) for v in model.bn_cont.running_mean.tolist()])
print("num_batches_tracked", model.bn_cont.num_batches_tracked.item())

with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "checkpoint.pt")
    torch.save({'epoch': 8, 'model_state_dict': model.state_dict(),
                'optimizer_state_dict': optimizer.state_dict(),
                'scheduler_state_dict': scheduler.state_dict(), 'loss': best_loss}, path)
    checkpoint = torch.load(path, weights_only=True)
print(sorted(checkpoint.keys()))
print("optimizer state keys", sorted(checkpoint['optimizer_state_dict']['param_groups'][0].keys()))
print("scheduler best", round(checkpoint['scheduler_state_dict']['best'], 5),
      "num_bad_epochs", checkpoint['scheduler_state_dict']['num_bad_epochs'])

model2 = TabularModel(emb_szs, 2, 3, [16, 8], p=0.2)
model2.load_state_dict(checkpoint['model_state_dict'])
opt2 = torch.optim.SGD(model2.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-4)
opt2.load_state_dict(checkpoint['optimizer_state_dict'])
print("lr after load", opt2.param_groups[0]['lr'], "momentum buffers", len(opt2.state))
model.eval()
model2.eval()
c, x, y = next(iter(valid_dl))
with torch.no_grad():
    same = torch.equal(model(c, x), model2(c, x))
    probs = F.softmax(model2(c[:3], x[:3]), dim=1)
print("same predictions", same)
print("probs", [[round(v, 4) for v in row] for row in probs.tolist()])
model2.train()
out_a, out_b = model2(c[:4], x[:4]), model2(c[:4], x[:4])
print("dropout differs in train mode", not torch.equal(out_a, out_b))
