"""Variable-length sequences through attention, as the nn.MultiheadAttention and
nn.TransformerEncoder docs and tutorials write them: a key_padding_mask built from lengths with
torch.arange(L)[None, :] >= lengths[:, None], nn.MultiheadAttention(batch_first=True) returning
averaged attention weights (the padded keys get 0), need_weights with average_attn_weights=False,
an additive float attn_mask, then a TransformerEncoder classifier with src_key_padding_mask
(dropout 0, in eval mode the fast path) and masked mean pooling, trained a few Adam steps."""
# ruff: noqa: PLR0402  (written in the tutorial's own style)
import math

import torch
import torch.nn as nn

torch.manual_seed(0)

B, L, E = 4, 6, 8
lengths = torch.tensor([6, 4, 3, 1])
x = torch.randn(B, L, E)
key_padding_mask = torch.arange(L)[None, :] >= lengths[:, None]
print(key_padding_mask)

mha = nn.MultiheadAttention(E, num_heads=2, batch_first=True)
out, w = mha(x, x, x, key_padding_mask=key_padding_mask)
print(out.shape, w.shape)
print(torch.allclose(w[1].sum(-1), torch.ones(L)))
print(w[3, 0])
print(out[2, 0])

out_h, w_h = mha(x, x, x, key_padding_mask=key_padding_mask, average_attn_weights=False)
print(w_h.shape)
print(torch.allclose(w_h.mean(1), w))

causal = torch.triu(torch.full((L, L), float('-inf')), diagonal=1)
out_c, w_c = mha(x, x, x, attn_mask=causal)
print(w_c[0, 2])
out_n, none = mha(x, x, x, need_weights=False)
print(none, torch.allclose(out_n, mha(x, x, x)[0], atol=1e-6))


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, dropout=0.0, max_len=50):
        super().__init__()
        self.dropout = nn.Dropout(p=dropout)
        position = torch.arange(max_len).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(1, max_len, d_model)
        pe[0, :, 0::2] = torch.sin(position * div_term)
        pe[0, :, 1::2] = torch.cos(position * div_term)
        self.register_buffer('pe', pe)

    def forward(self, x):
        return self.dropout(x + self.pe[:, :x.size(1)])


class Classifier(nn.Module):
    def __init__(self, vocab, d_model=16, nhead=2, nlayers=2, nclass=3):
        super().__init__()
        self.emb = nn.Embedding(vocab, d_model, padding_idx=0)
        self.pos = PositionalEncoding(d_model)
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward=32, dropout=0.0,
                                           batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, nlayers, enable_nested_tensor=False)
        self.fc = nn.Linear(d_model, nclass)

    def forward(self, tokens, pad_mask):
        h = self.encoder(self.pos(self.emb(tokens) * math.sqrt(16)), src_key_padding_mask=pad_mask)
        keep = (~pad_mask).unsqueeze(-1).float()
        return self.fc((h * keep).sum(1) / keep.sum(1))


N, T = 24, 7
lens = torch.randint(2, T + 1, (N,))
tokens = torch.randint(1, 20, (N, T))
pad = torch.arange(T)[None, :] >= lens[:, None]
tokens = tokens.masked_fill(pad, 0)
labels = (tokens.sum(1) % 3)

model = Classifier(20)
opt = torch.optim.Adam(model.parameters(), lr=5e-3)
crit = nn.CrossEntropyLoss()
for step in range(12):
    model.train()
    opt.zero_grad()
    loss = crit(model(tokens, pad), labels)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
    opt.step()
    if step % 3 == 0:
        print(f"step {step} loss {loss.item():.5f}")
model.eval()
with torch.no_grad():
    logits = model(tokens, pad)
    # padding positions do not change a sequence's result
    tokens2 = tokens.masked_fill(pad, 7)
    print(torch.allclose(model(tokens2, pad), logits, atol=1e-5))
print(logits[:3])
print((logits.argmax(1) == labels).float().mean())
