"""Variable-length sequence classification the way the RNN tutorials and forum answers write it:
a list of unsorted tensors straight into pack_sequence(enforce_sorted=False), a bidirectional
2-layer GRU, the final hidden state of both directions (h_n comes back in the caller's order,
unsorted through packed.unsorted_indices), the padded outputs via pad_packed_sequence and the
last valid step gathered by length; the manual sort/unsort idiom (lengths.sort(descending=True),
pack_padded_sequence, index_select with the inverse permutation) gives the same result; one
GRUCell unrolled by hand equals nn.GRU's single layer; a few Adam steps of training."""
# ruff: noqa: PLR0402  (written in the tutorial's own style)
import torch
import torch.nn as nn
from torch.nn.utils.rnn import (
    pack_padded_sequence,
    pack_sequence,
    pad_packed_sequence,
    pad_sequence,
)

torch.manual_seed(0)

input_size, hidden_size, num_classes = 5, 7, 3
lengths = [4, 7, 2, 6, 3, 5]
seqs = [torch.randn(n, input_size) for n in lengths]
labels = torch.tensor([0, 1, 2, 1, 0, 2])

packed = pack_sequence(seqs, enforce_sorted=False)
print(packed.batch_sizes)
print(packed.sorted_indices, packed.unsorted_indices)
print(packed.data.shape)


class GRUClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(input_size, hidden_size, num_layers=2, bidirectional=True)
        self.fc = nn.Linear(2 * hidden_size, num_classes)

    def forward(self, packed_input):
        packed_out, h_n = self.gru(packed_input)
        h = torch.cat([h_n[-2], h_n[-1]], dim=1)
        return self.fc(h), packed_out, h_n


model = GRUClassifier()
logits, packed_out, h_n = model(packed)
print(logits.shape, h_n.shape)
out, out_lens = pad_packed_sequence(packed_out, batch_first=True)
print(out.shape, out_lens)
idx = (out_lens - 1).view(-1, 1, 1).expand(-1, 1, out.size(2))
last_fwd = out.gather(1, idx).squeeze(1)[:, :hidden_size]
print(torch.allclose(last_fwd, h_n[-2], atol=1e-6))
print(torch.allclose(out[:, 0, hidden_size:], h_n[-1], atol=1e-6))
print(out[2, 2:].abs().sum().item())

# the manual idiom: sort by length, pack, run, unsort
padded = pad_sequence(seqs)
lens = torch.tensor(lengths)
sorted_lens, perm = lens.sort(descending=True)
packed2 = pack_padded_sequence(padded[:, perm], sorted_lens)
_, h2 = model.gru(packed2)
_, inv = perm.sort()
h2 = h2[:, inv]
print(torch.allclose(h2, h_n, atol=1e-6))

# a GRUCell unrolled by hand is one GRU layer
cell = nn.GRUCell(input_size, hidden_size)
gru1 = nn.GRU(input_size, hidden_size)
with torch.no_grad():
    gru1.weight_ih_l0.copy_(cell.weight_ih)
    gru1.weight_hh_l0.copy_(cell.weight_hh)
    gru1.bias_ih_l0.copy_(cell.bias_ih)
    gru1.bias_hh_l0.copy_(cell.bias_hh)
x = seqs[1].unsqueeze(1)
hx = torch.zeros(1, hidden_size)
steps = []
for t in range(x.size(0)):
    hx = cell(x[t], hx)
    steps.append(hx)
manual = torch.stack(steps)
ref, ref_h = gru1(x)
print(torch.allclose(manual, ref, atol=1e-6), torch.allclose(hx, ref_h[0], atol=1e-6))
print(manual[-1, 0, :4])

optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
criterion = nn.CrossEntropyLoss()
for step in range(15):
    optimizer.zero_grad()
    logits, _, _ = model(pack_sequence(seqs, enforce_sorted=False))
    loss = criterion(logits, labels)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    if step % 5 == 4:
        print(f"step {step + 1} loss {loss.item():.4f}")
print(logits.argmax(1))
