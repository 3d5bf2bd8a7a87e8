"""A word-level language model with the pieces the large-vocabulary tutorials use: an LSTM with
proj_size (LSTMP: hidden states projected, h_n of the projected size, c_n of the full size),
nn.AdaptiveLogSoftmaxWithLoss with frequency-sorted cutoffs (head + tail clusters, div_value),
its .loss and .output, log_prob over the full vocabulary (rows sum to one) and predict, trained
a few Adam steps with truncated BPTT (hidden states detached between chunks) on a Zipf-like
synthetic corpus; perplexity printed from the loss."""
import math

import torch
from torch import nn

torch.manual_seed(0)

vocab, emb, hidden, proj = 60, 16, 24, 12
probs = 1.0 / torch.arange(1, vocab + 1, dtype=torch.float)
corpus = torch.multinomial(probs / probs.sum(), 2000, replacement=True)
print(corpus[:12], torch.bincount(corpus, minlength=vocab)[:6])

lstm = nn.LSTM(emb, hidden, num_layers=1, proj_size=proj, batch_first=True)
print([(n, tuple(p.shape)) for n, p in lstm.named_parameters()])
x = torch.randn(2, 5, emb)
out, (h, c) = lstm(x)
print(out.shape, h.shape, c.shape)


class LM(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(vocab, emb)
        self.rnn = nn.LSTM(emb, hidden, proj_size=proj, batch_first=True)
        self.asm = nn.AdaptiveLogSoftmaxWithLoss(proj, vocab, cutoffs=[8, 24], div_value=2.0)

    def forward(self, tokens, targets, state=None):
        out, state = self.rnn(self.embed(tokens), state)
        res = self.asm(out.reshape(-1, proj), targets.reshape(-1))
        return res, state, out


model = LM()
print(model.asm)
print(model.asm.head.weight.shape, [tuple(m[0].weight.shape) + tuple(m[1].weight.shape) for m in model.asm.tail])

batch, bptt = 4, 10
data = corpus[: (corpus.numel() // batch) * batch].view(batch, -1)
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
for epoch in range(2):
    state = None
    total, n = 0.0, 0
    for i in range(0, min(data.size(1) - 1, 200), bptt):
        seq = min(bptt, data.size(1) - 1 - i)
        inp, tgt = data[:, i:i + seq], data[:, i + 1:i + 1 + seq]
        if state is not None:
            state = tuple(s.detach() for s in state)
        optimizer.zero_grad()
        res, state, _ = model(inp, tgt, state)
        res.loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        optimizer.step()
        total += res.loss.item() * seq
        n += seq
    print(f"epoch {epoch + 1} loss {total / n:.4f} ppl {math.exp(total / n):.2f}")

with torch.no_grad():
    res, _, out = model(data[:, :6], data[:, 1:7])
    flat = out.reshape(-1, proj)
    lp = model.asm.log_prob(flat)
    print(res.output.shape, lp.shape)
    print(torch.allclose(lp.exp().sum(1), torch.ones(flat.size(0)), atol=1e-5))
    print(torch.allclose(lp.gather(1, data[:, 1:7].reshape(-1, 1)).squeeze(1), res.output, atol=1e-5))
    print(torch.equal(model.asm.predict(flat), lp.argmax(1)))
    print(f"{-res.output.mean().item():.4f} {res.loss.item():.4f}")
