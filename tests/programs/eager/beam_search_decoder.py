"""Beam search decoding as the seq2seq tutorials write it by hand (the "Beam search for
sequence models" posts, budzianowski/PyTorch-Beam-Search-Decoding recast with tensors): a
tiny GRU language model trained for a few steps with teacher forcing on a toy grammar, then
greedy decoding and batched beam search over log_softmax scores: the scores of live beams
plus each next token's log-probability flattened with .view(-1), topk over beam*vocab
candidates, beam and token indices recovered with torch.div(..., rounding_mode="floor") and
%, index_select of the hidden state, finished hypotheses collected at EOS with a length
penalty, and the n-best list sorted; the sampling decoder with temperature and top-k
filtering (masked_fill of -inf, torch.multinomial with a seeded Generator) too."""
# ruff: noqa: PLR0402  (written in the tutorials' own style)
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
SOS, EOS = 0, 1
vocab = ["<s>", "</s>", "a", "b", "c", "d"]
V = len(vocab)

# toy grammar: <s> a b c </s>, <s> a c d </s>, <s> b d </s>
sentences = [[0, 2, 3, 4, 1], [0, 2, 4, 5, 1], [0, 3, 5, 1, 1]]
data = torch.tensor(sentences)


class LM(nn.Module):
    def __init__(self, V, E=8, H=16):
        super().__init__()
        self.emb = nn.Embedding(V, E)
        self.gru = nn.GRU(E, H, batch_first=True)
        self.out = nn.Linear(H, V)

    def forward(self, tokens, hidden=None):
        output, hidden = self.gru(self.emb(tokens), hidden)
        return self.out(output), hidden


model = LM(V)
opt = torch.optim.Adam(model.parameters(), lr=0.05)
for step in range(40):
    logits, _ = model(data[:, :-1])
    loss = F.cross_entropy(logits.reshape(-1, V), data[:, 1:].reshape(-1))
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 10 == 0:
        print(f"step {step} loss {loss.item():.5f}")
model.eval()


@torch.no_grad()
def greedy(max_len=6):
    tok = torch.tensor([[SOS]])
    hidden, out = None, []
    for _ in range(max_len):
        logits, hidden = model(tok, hidden)
        tok = logits[:, -1].argmax(-1, keepdim=True)
        if tok.item() == EOS:
            break
        out.append(tok.item())
    return out


@torch.no_grad()
def beam_search(beam_width=3, max_len=6, alpha=0.7):
    tokens = torch.full((1, 1), SOS)
    logits, hidden = model(tokens)
    log_probs = F.log_softmax(logits[:, -1], dim=-1)
    scores, first = log_probs[0].topk(beam_width)
    beams = [[t] for t in first.tolist()]
    hidden = hidden.repeat(1, beam_width, 1)
    last = first.view(-1, 1)
    finished = []
    for _ in range(max_len - 1):
        logits, hidden = model(last, hidden)
        log_probs = F.log_softmax(logits[:, -1], dim=-1)
        cand = (scores.unsqueeze(1) + log_probs).view(-1)
        top_scores, top_idx = cand.topk(beam_width)
        beam_idx = torch.div(top_idx, V, rounding_mode="floor")
        token_idx = top_idx % V
        hidden = hidden.index_select(1, beam_idx)
        new_beams, keep = [], []
        for s, b, t in zip(top_scores.tolist(), beam_idx.tolist(), token_idx.tolist()):
            seq = beams[b] + [t]
            if t == EOS:
                finished.append((s / (len(seq) ** alpha), seq[:-1]))
            else:
                new_beams.append(seq)
                keep.append(len(new_beams) - 1)
        if not new_beams:
            break
        keep_t = torch.tensor([i for i, (b, t) in enumerate(zip(beam_idx.tolist(), token_idx.tolist())) if t != EOS])
        scores = top_scores.index_select(0, keep_t)
        hidden = hidden.index_select(1, keep_t)
        last = token_idx.index_select(0, keep_t).view(-1, 1)
        beams = new_beams
    finished.sort(key=lambda x: x[0], reverse=True)
    return finished


@torch.no_grad()
def sample(temperature=0.8, top_k=3, max_len=6, generator=None):
    tok = torch.tensor([[SOS]])
    hidden, out = None, []
    for _ in range(max_len):
        logits, hidden = model(tok, hidden)
        logits = logits[:, -1] / temperature
        v, _ = torch.topk(logits, top_k)
        logits = logits.masked_fill(logits < v[:, [-1]], float("-inf"))
        probs = F.softmax(logits, dim=-1)
        tok = torch.multinomial(probs, num_samples=1, generator=generator)
        if tok.item() == EOS:
            break
        out.append(tok.item())
    return out


print("greedy:", " ".join(vocab[t] for t in greedy()))
for score, seq in beam_search():
    print(f"beam {score:.4f}:", " ".join(vocab[t] for t in seq))
g = torch.Generator().manual_seed(3)
for i in range(4):
    print("sample:", " ".join(vocab[t] for t in sample(generator=g)))
