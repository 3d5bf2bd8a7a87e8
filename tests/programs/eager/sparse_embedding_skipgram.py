"""Skip-gram word vectors with negative sampling, the word2vec way: nn.Embedding(sparse=True)
tables trained by SparseAdam (sparse gradients: only the rows a batch touches are updated)."""
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

rng = np.random.default_rng(5)
vocab, dim = 30, 8
corpus = rng.integers(0, vocab, 400)
pairs = np.array([(corpus[i], corpus[j]) for i in range(len(corpus))
                  for j in (i - 1, i + 1) if 0 <= j < len(corpus)])


class SkipGram(nn.Module):
    def __init__(self):
        super().__init__()
        self.u = nn.Embedding(vocab, dim, sparse=True)
        self.v = nn.Embedding(vocab, dim, sparse=True)
        with torch.no_grad():
            self.u.weight.copy_(torch.tensor(rng.uniform(-0.5, 0.5, (vocab, dim))
                                             .astype(np.float32) / dim))
            self.v.weight.zero_()

    def forward(self, center, context, negatives):
        u = self.u(center)                                        # (B, D)
        pos = (u * self.v(context)).sum(1)
        neg = torch.bmm(self.v(negatives), u.unsqueeze(2)).squeeze(2)    # (B, K)
        return -(F.logsigmoid(pos) + F.logsigmoid(-neg).sum(1)).mean()


model = SkipGram()
optimizer = torch.optim.SparseAdam(list(model.parameters()), lr=0.05)
for step in range(60):
    idx = rng.integers(0, len(pairs), 32)
    center = torch.tensor(pairs[idx, 0])
    context = torch.tensor(pairs[idx, 1])
    negatives = torch.tensor(rng.integers(0, vocab, (32, 5)))
    optimizer.zero_grad()
    loss = model(center, context, negatives)
    loss.backward()
    if step == 0:
        g = model.u.weight.grad
        print("sparse grad:", g.is_sparse, "entries", g._nnz(), "rows touched",
              len(set(center.tolist())), "of", vocab)
    optimizer.step()
    if step % 20 == 19:
        print(step + 1, round(loss.item(), 4))
print("norms", [round(v, 3) for v in model.u.weight.norm(dim=1)[:5].tolist()])
