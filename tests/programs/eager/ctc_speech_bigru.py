"""Speech-style recognition with CTC, as the nn.CTCLoss docs and the torchaudio-era speech
tutorials write it, on synthetic "spectrograms" (each label is a few frames of its own pattern
plus noise, with blank gaps): a Conv1d front end, a 2-layer bidirectional GRU over
pack_padded_sequence(enforce_sorted=False) and pad_packed_sequence, Linear + log_softmax,
CTCLoss(blank=0, zero_infinity=True) on (T, N, C) log-probs with input and target lengths
(targets concatenated 1-D), AdamW with clip_grad_norm_, and greedy decoding (argmax, collapse
repeats, drop blanks) scored by edit distance."""
# ruff: noqa: PLR0402  (written in the tutorial's own style)
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

torch.manual_seed(0)

N_FEATS, N_CLASS = 6, 5          # classes 1..4 are symbols, 0 is the blank
patterns = torch.randn(N_CLASS, N_FEATS) * 2


def make_utterance():
    n_sym = int(torch.randint(2, 4, (1,)))
    labels = torch.randint(1, N_CLASS, (n_sym,))
    frames = []
    for lab in labels.tolist():
        frames.append(torch.zeros(1, N_FEATS))                    # a gap
        frames.append(patterns[lab].repeat(2, 1))
    frames.append(torch.zeros(1, N_FEATS))
    x = torch.cat(frames)
    x = x + 0.3 * torch.randn(x.shape)
    return x, labels


def make_batch(n):
    utts = [make_utterance() for _ in range(n)]
    xs, ys = zip(*utts)
    input_lengths = torch.tensor([x.size(0) for x in xs])
    target_lengths = torch.tensor([y.size(0) for y in ys])
    x = nn.utils.rnn.pad_sequence(xs, batch_first=True)
    targets = torch.cat(ys)
    return x, input_lengths, targets, target_lengths, ys


class SpeechModel(nn.Module):
    def __init__(self, n_feats, n_class, hidden=16):
        super().__init__()
        self.cnn = nn.Conv1d(n_feats, hidden, kernel_size=3, padding=1)
        self.rnn = nn.GRU(hidden, hidden, num_layers=2, bidirectional=True, batch_first=True)
        self.fc = nn.Linear(2 * hidden, n_class)

    def forward(self, x, lengths):
        x = F.gelu(self.cnn(x.transpose(1, 2))).transpose(1, 2)
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        out, h = self.rnn(packed)
        out, out_lengths = pad_packed_sequence(out, batch_first=True)
        return F.log_softmax(self.fc(out), dim=2), out_lengths, h


def greedy_decode(log_probs, lengths):
    best = log_probs.argmax(dim=2)
    results = []
    for seq, n in zip(best, lengths.tolist()):
        out, prev = [], 0
        for t in seq[:n].tolist():
            if t != prev and t != 0:
                out.append(t)
            prev = t
        results.append(out)
    return results


def edit_distance(a, b):
    d = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, d[0] = d[0], i
        for j, cb in enumerate(b, 1):
            prev, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, prev + (ca != cb))
    return d[len(b)]


x, input_lengths, targets, target_lengths, ys = make_batch(12)
print(x.shape, input_lengths.tolist(), target_lengths.tolist(), targets.shape)

model = SpeechModel(N_FEATS, N_CLASS)
ctc_loss = nn.CTCLoss(blank=0, zero_infinity=True)
log_probs, out_lengths, h = model(x, input_lengths)
print(log_probs.shape, torch.equal(out_lengths, input_lengths), h.shape)
loss = ctc_loss(log_probs.transpose(0, 1), targets, input_lengths, target_lengths)
print('initial loss', round(loss.item(), 4))
none = F.ctc_loss(log_probs.transpose(0, 1), targets, input_lengths, target_lengths,
                  reduction='none')
print('per utterance', none.shape, torch.allclose((none / target_lengths).mean(), loss))

optimizer = torch.optim.AdamW(model.parameters(), lr=0.03)
for step in range(24):
    optimizer.zero_grad()
    log_probs, _, _ = model(x, input_lengths)
    loss = ctc_loss(log_probs.transpose(0, 1), targets, input_lengths, target_lengths)
    loss.backward()
    norm = nn.utils.clip_grad_norm_(model.parameters(), 5.0)
    optimizer.step()
    if step % 8 == 0:
        print(f'step {step} loss {loss.item():.4f} grad norm {norm.item():.4f}')

model.eval()
with torch.no_grad():
    tx, tlen, _, _, tys = make_batch(6)
    lp, _, _ = model(tx, tlen)
decoded = greedy_decode(lp, tlen)
errors = sum(edit_distance(d, y.tolist()) for d, y in zip(decoded, tys))
total = sum(len(y) for y in tys)
print('label error rate below 0.5:', errors / total < 0.5)
print('decoded lengths', [len(d) for d in decoded][:3], [len(y) for y in tys][:3])
