"""The 'word embeddings: encoding lexical semantics' tutorial's N-gram language model: a
vocabulary from a sonnet, context/target trigrams, nn.Embedding, two Linear layers,
F.log_softmax with nn.NLLLoss and SGD; prints the losses, an embedding and nearest words."""
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn, optim

CONTEXT_SIZE = 2
EMBEDDING_DIM = 10
test_sentence = """When forty winters shall besiege thy brow,
And dig deep trenches in thy beauty's field,
Thy youth's proud livery so gazed on now,
Will be a totter'd weed of small worth held:
Then being asked, where all thy beauty lies,
Where all the treasure of thy lusty days;""".split()  # noqa: SIM905
ngrams = [
    ([test_sentence[i - j - 1] for j in range(CONTEXT_SIZE)], test_sentence[i])
    for i in range(CONTEXT_SIZE, len(test_sentence))
]
print(ngrams[:3])
vocab = set(test_sentence)
word_to_ix = {word: i for i, word in enumerate(sorted(vocab))}
print(len(vocab), len(ngrams))


class NGramLanguageModeler(nn.Module):
    def __init__(self, vocab_size, embedding_dim, context_size):
        super().__init__()
        self.embeddings = nn.Embedding(vocab_size, embedding_dim)
        self.linear1 = nn.Linear(context_size * embedding_dim, 128)
        self.linear2 = nn.Linear(128, vocab_size)

    def forward(self, inputs):
        embeds = self.embeddings(inputs).view((1, -1))
        out = F.relu(self.linear1(embeds))
        out = self.linear2(out)
        log_probs = F.log_softmax(out, dim=1)
        return log_probs


losses = []
loss_function = nn.NLLLoss()
model = NGramLanguageModeler(len(vocab), EMBEDDING_DIM, CONTEXT_SIZE)
r = np.random.default_rng(0)
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.from_numpy(r.standard_normal(tuple(p.shape)).astype(np.float32) * 0.1))
print(model.embeddings, model.embeddings.weight.shape)
optimizer = optim.SGD(model.parameters(), lr=0.05)

for epoch in range(6):
    total_loss = 0
    for context, target in ngrams:
        context_idxs = torch.tensor([word_to_ix[w] for w in context], dtype=torch.long)
        model.zero_grad()
        log_probs = model(context_idxs)
        loss = loss_function(log_probs, torch.tensor([word_to_ix[target]], dtype=torch.long))
        loss.backward()
        optimizer.step()
        total_loss += loss.item()
    losses.append(total_loss)
print([round(v, 3) for v in losses])

print(torch.round(model.embeddings.weight[word_to_ix["beauty"]], decimals=3))
with torch.no_grad():
    emb = model.embeddings.weight
    sims = F.cosine_similarity(emb[word_to_ix["thy"]].unsqueeze(0), emb, dim=1)
    print([sorted(vocab)[i] for i in sims.topk(3).indices.tolist()])
    log_probs = model(torch.tensor([word_to_ix["forty"], word_to_ix["When"]]))
    print(sorted(vocab)[log_probs.argmax(1).item()], round(log_probs.exp().sum().item(), 4))
