"""A text classifier the way many PyTorch tutorials write one: nn.Embedding.from_pretrained with
freeze=True (a 'GloVe' matrix, here random) and padding_idx, unsorted sequences through
pack_padded_sequence(enforce_sorted=False) through a bidirectional 2-layer LSTM, the last hidden
states of both directions concatenated, pad_packed_sequence for the outputs (total_length),
pad_sequence for the batch, trained a few epochs with Adam; the frozen embedding stays as it
was."""
# ruff: noqa: PLR0402  (written in the tutorial's own style)
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence

torch.manual_seed(0)

vocab_size, emb_dim, hidden = 30, 8, 12
pretrained = torch.randn(vocab_size, emb_dim)
pretrained[0] = 0

seqs = [torch.randint(1, vocab_size, (int(n),)) for n in torch.randint(2, 9, (20,))]
labels = torch.tensor([int(s.float().mean() > 15) for s in seqs])
lengths = torch.tensor([len(s) for s in seqs])
padded = pad_sequence(seqs, batch_first=True, padding_value=0)
print(padded.shape, lengths[:6])


class LSTMClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding.from_pretrained(pretrained, freeze=True, padding_idx=0)
        self.lstm = nn.LSTM(emb_dim, hidden, num_layers=2, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(2 * hidden, 2)

    def forward(self, text, text_lengths):
        embedded = self.embedding(text)
        packed = pack_padded_sequence(embedded, text_lengths, batch_first=True,
                                      enforce_sorted=False)
        packed_output, (hidden_, _cell) = self.lstm(packed)
        output, output_lengths = pad_packed_sequence(packed_output, batch_first=True,
                                                     total_length=text.size(1))
        hidden_cat = torch.cat((hidden_[-2, :, :], hidden_[-1, :, :]), dim=1)
        return self.fc(hidden_cat), output, output_lengths


model = LSTMClassifier()
print(model.embedding.weight.requires_grad)
print(sum(p.numel() for p in model.parameters() if p.requires_grad))
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
criterion = nn.CrossEntropyLoss()

for epoch in range(6):
    optimizer.zero_grad()
    logits, output, out_lens = model(padded, lengths)
    loss = criterion(logits, labels)
    loss.backward()
    optimizer.step()
    acc = (logits.argmax(1) == labels).float().mean()
    print(f"Epoch {epoch}: loss {loss.item():.5f} acc {acc.item():.3f}")

print(output.shape, out_lens[:6])
print(output[3, lengths[3]:].abs().sum())
print(torch.equal(model.embedding.weight, pretrained))
packed = pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
print(packed.batch_sizes)
print(torch.equal(packed.sorted_indices[packed.unsorted_indices], torch.arange(20)))
print(lengths[packed.sorted_indices])
