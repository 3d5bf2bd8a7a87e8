"""Embeddings as the nn.Embedding / nn.EmbeddingBag docs and the text tutorials use them:
padding_idx (a zero row whose gradient is zero), max_norm (rows looked up are renormalised in
place to the norm, the docs' weight.clone() caveat), norm_type, scale_grad_by_freq,
from_pretrained(freeze=True/False), F.embedding on a plain weight, EmbeddingBag with offsets
(mode 'sum'/'mean'/'max', per_sample_weights, include_last_offset, padding_idx), and a
fastText-style bag classifier trained a few SGD steps."""
# ruff: noqa: PLR0402  (written in the docs' own style)
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)

emb = nn.Embedding(10, 3, padding_idx=0)
print(emb.weight[0])
inp = torch.LongTensor([[0, 2, 0, 5]])
out = emb(inp)
out.sum().backward()
print(emb.weight.grad[0], emb.weight.grad[2])

emb = nn.Embedding(6, 4, max_norm=1.0)
with torch.no_grad():
    emb.weight.mul_(3)
idx = torch.tensor([1, 2, 2])
norms_before = emb.weight.norm(dim=1)
out = emb(idx)
print('looked-up rows renormalised', emb.weight.norm(dim=1)[1:3])
print('others untouched', torch.equal(emb.weight.norm(dim=1)[3:], norms_before[3:]))
print('output norms', out.norm(dim=1))

n, d, m = 3, 5, 7
embedding = nn.Embedding(n, d, max_norm=1.0)
W = torch.randn((m, d), requires_grad=True)
idx = torch.tensor([1, 2])
a = embedding.weight.clone() @ W.t()  # weight must be cloned for this to be differentiable
b = embedding(idx) @ W.t()  # modifies weight in-place
out = (a.unsqueeze(0) + b.unsqueeze(1))
loss = out.sigmoid().prod()
loss.backward()
print('W grad shape', W.grad.shape, round(W.grad.abs().sum().item(), 4))

emb2 = nn.Embedding(5, 2, max_norm=0.5, norm_type=1.0)
print('l1 norms', emb2(torch.tensor([0, 3])).abs().sum(1))

freq = nn.Embedding(4, 2, scale_grad_by_freq=True)
freq(torch.tensor([1, 1, 1, 2])).sum().backward()
print('scaled by frequency', freq.weight.grad)

pretrained = torch.FloatTensor([[1, 2.3, 3], [4, 5.1, 6.3]])
frozen = nn.Embedding.from_pretrained(pretrained)
print(frozen(torch.LongTensor([1])), frozen.weight.requires_grad)
tuned = nn.Embedding.from_pretrained(pretrained, freeze=False, padding_idx=0)
print(tuned.weight.requires_grad, tuned.padding_idx)

weight = torch.randn(6, 3)
print(F.embedding(torch.tensor([[1, 2], [4, 5]]), weight).shape)

bag = nn.EmbeddingBag(10, 3, mode='sum')
input = torch.tensor([1, 2, 4, 5, 4, 3, 2, 9], dtype=torch.long)
offsets = torch.tensor([0, 4], dtype=torch.long)
print(bag(input, offsets))
mean_bag = nn.EmbeddingBag.from_pretrained(bag.weight, mode='mean')
print(torch.allclose(mean_bag(input, offsets), bag(input, offsets) / 4))
max_bag = nn.EmbeddingBag.from_pretrained(bag.weight, mode='max')
print(max_bag(input, offsets))
psw = torch.tensor([1.0, 0.5, 0.5, 2.0, 1.0, 1.0, 1.0, 0.0])
print(bag(input, offsets, per_sample_weights=psw))
print(bag(input, torch.tensor([0, 4, 8])), nn.EmbeddingBag.from_pretrained(
    bag.weight, mode='sum', include_last_offset=True)(input, torch.tensor([0, 3, 8])).shape)
pbag = nn.EmbeddingBag(10, 3, mode='sum', padding_idx=2)
print(pbag(torch.tensor([[2, 2, 1], [1, 2, 3]])) -
      pbag.weight[torch.tensor([[1], [1]])].sum(1) - torch.stack([torch.zeros(3),
                                                                 pbag.weight[3]]))


class TextClassificationModel(nn.Module):
    def __init__(self, vocab_size, embed_dim, num_class):
        super().__init__()
        self.embedding = nn.EmbeddingBag(vocab_size, embed_dim, sparse=False, max_norm=2.0)
        self.fc = nn.Linear(embed_dim, num_class)
        self.init_weights()

    def init_weights(self):
        initrange = 0.5
        self.embedding.weight.data.uniform_(-initrange, initrange)
        self.fc.weight.data.uniform_(-initrange, initrange)
        self.fc.bias.data.zero_()

    def forward(self, text, offsets):
        embedded = self.embedding(text, offsets)
        return self.fc(embedded)


texts = [torch.randint(0, 20, (int(k),)) for k in torch.randint(3, 8, (24,))]
labels = torch.tensor([int((t < 5).sum() > 1) for t in texts])
text = torch.cat(texts)
offs = torch.tensor([0] + [len(t) for t in texts[:-1]]).cumsum(dim=0)
model = TextClassificationModel(20, 6, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=2.0)
for epoch in range(20):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(text, offs), labels)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 0.1)
    optimizer.step()
    if epoch % 5 == 0:
        print(f'epoch {epoch} loss {loss.item():.4f}')
print('max row norm', model.embedding.weight.norm(dim=1).max().item() <= 2.0 + 1e-6)
print('accuracy', (model(text, offs).argmax(1) == labels).float().mean().item())
