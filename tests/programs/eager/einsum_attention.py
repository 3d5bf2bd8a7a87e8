"""Attention written with torch.einsum, as the einsum tutorials and "transformers from scratch"
posts write it: multi-head self-attention with 'bhqd,bhkd->bhqk' scores, masked_fill of the
padded keys, softmax, 'bhqk,bhkd->bhqd', and the heads merged by einops-free reshapes; checked
against F.scaled_dot_product_attention (boolean attn_mask, is_causal) and against
nn.MultiheadAttention with the same in/out projections and a key_padding_mask; then other einsum
idioms (bilinear 'bi,ij,bj->b', batched outer products, trace, diagonal, the ellipsis) and a
small einsum attention classifier trained a few Adam steps."""
# ruff: noqa: PLR0402  (written in the tutorial's own style)
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class EinsumSelfAttention(nn.Module):
    def __init__(self, embed_dim, num_heads):
        super().__init__()
        assert embed_dim % num_heads == 0
        self.h = num_heads
        self.d = embed_dim // num_heads
        self.qkv = nn.Linear(embed_dim, 3 * embed_dim)
        self.out = nn.Linear(embed_dim, embed_dim)

    def forward(self, x, key_padding_mask=None, causal=False):
        b, n, _ = x.shape
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        q, k, v = (t.reshape(b, n, self.h, self.d).permute(0, 2, 1, 3) for t in (q, k, v))
        scores = torch.einsum('bhqd,bhkd->bhqk', q, k) / math.sqrt(self.d)
        if key_padding_mask is not None:
            scores = scores.masked_fill(key_padding_mask[:, None, None, :], float('-inf'))
        if causal:
            mask = torch.ones(n, n, dtype=torch.bool).triu(1)
            scores = scores.masked_fill(mask, float('-inf'))
        attn = scores.softmax(dim=-1)
        out = torch.einsum('bhqk,bhkd->bhqd', attn, v)
        out = out.permute(0, 2, 1, 3).reshape(b, n, self.h * self.d)
        return self.out(out), attn


B, N, E, H = 3, 5, 8, 2
x = torch.randn(B, N, E)
lengths = torch.tensor([5, 3, 2])
pad = torch.arange(N)[None, :] >= lengths[:, None]
att = EinsumSelfAttention(E, H)
y, attn = att(x, key_padding_mask=pad)
print(y.shape, attn.shape)
print('padded keys get zero weight:', attn[2, :, :, 2:].abs().max().item())
print(attn[1, 0, 0])

q, k, v = (t.reshape(B, N, H, E // H).transpose(1, 2) for t in att.qkv(x).chunk(3, -1))
sdpa = F.scaled_dot_product_attention(q, k, v, attn_mask=~pad[:, None, None, :])
mine = torch.einsum('bhqk,bhkd->bhqd', attn, v)
print('matches sdpa:', torch.allclose(sdpa, mine, atol=1e-6))
yc, _ = att(x, causal=True)
sc = F.scaled_dot_product_attention(q, k, v, is_causal=True)
print('causal matches sdpa:', torch.allclose(att.out(sc.transpose(1, 2).reshape(B, N, E)), yc,
                                             atol=1e-6))

mha = nn.MultiheadAttention(E, H, batch_first=True)
with torch.no_grad():
    mha.in_proj_weight.copy_(att.qkv.weight)
    mha.in_proj_bias.copy_(att.qkv.bias)
    mha.out_proj.weight.copy_(att.out.weight)
    mha.out_proj.bias.copy_(att.out.bias)
ym, wm = mha(x, x, x, key_padding_mask=pad, average_attn_weights=False)
print('matches nn.MultiheadAttention:', torch.allclose(ym, y, atol=1e-6),
      torch.allclose(wm, attn, atol=1e-6))

a, W, c = torch.randn(4, 3), torch.randn(3, 2), torch.randn(4, 2)
print('bilinear', torch.einsum('bi,ij,bj->b', a, W, c))
print('outer', torch.einsum('bi,bj->bij', a, a).shape)
M = torch.randn(3, 3)
print('trace', torch.allclose(torch.einsum('ii', M), torch.trace(M)),
      'diag', torch.equal(torch.einsum('ii->i', M), torch.diagonal(M)))
T = torch.randn(2, 3, 4, 5)
P = torch.randn(5, 2)
print('ellipsis', torch.einsum('...ij->...ji', T).shape,
      torch.allclose(torch.einsum('b...d,de->b...e', T, P), T @ P, atol=1e-6))
print('list form', torch.einsum(a, [0, 1], W, [1, 2], [0, 2]).shape)


class Classifier(nn.Module):
    def __init__(self, vocab=12, dim=8, heads=2, classes=2):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim, padding_idx=0)
        self.att = EinsumSelfAttention(dim, heads)
        self.norm = nn.LayerNorm(dim)
        self.fc = nn.Linear(dim, classes)

    def forward(self, tokens):
        mask = tokens == 0
        h = self.emb(tokens)
        h = self.norm(h + self.att(h, key_padding_mask=mask)[0])
        keep = (~mask).float()
        pooled = torch.einsum('bnd,bn->bd', h, keep) / keep.sum(1, keepdim=True)
        return self.fc(pooled)


tokens = torch.randint(1, 12, (16, 6))
tokens[::2, 4:] = 0
labels = (tokens == 3).any(1).long()
model = Classifier()
opt = torch.optim.Adam(model.parameters(), lr=0.05)
for step in range(30):
    opt.zero_grad()
    loss = F.cross_entropy(model(tokens), labels)
    loss.backward()
    opt.step()
    if step % 10 == 0:
        print(f'step {step} loss {loss.item():.4f}')
print('accuracy', (model(tokens).argmax(1) == labels).float().mean().item())
