"""torch.utils.data beyond the defaults, as the data-loading tutorial and the docs write it: a
map-style Dataset of variable-length sequences, a collate_fn padding with pad_sequence
(batch_first, padding_value) and returning lengths, a custom Sampler (bucketing by length) and
a custom BatchSampler-style sampler passed as batch_sampler=, WeightedRandomSampler for an
imbalanced label set (with a torch.Generator), SubsetRandomSampler, random_split with a seeded
generator, ConcatDataset, TensorDataset with drop_last, an IterableDataset split across
workers by get_worker_info (None in the main process), and a tiny GRU trained on the padded
batches."""
# ruff: noqa: I001, PLR0402  (written in the tutorial's own style)
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import (DataLoader, Dataset, IterableDataset, Sampler, TensorDataset,
                              WeightedRandomSampler, SubsetRandomSampler, ConcatDataset,
                              random_split, get_worker_info)

torch.manual_seed(0)


class SequenceDataset(Dataset):
    def __init__(self, n):
        self.lengths = torch.randint(2, 9, (n,)).tolist()
        self.seqs = [torch.randn(length, 3) for length in self.lengths]
        self.labels = [int(s[:, 0].sum() > 0) for s in self.seqs]

    def __len__(self):
        return len(self.seqs)

    def __getitem__(self, idx):
        return self.seqs[idx], self.labels[idx]


def pad_collate(batch):
    seqs, labels = zip(*batch)
    lengths = torch.tensor([len(s) for s in seqs])
    padded = pad_sequence(seqs, batch_first=True, padding_value=0.0)
    return padded, lengths, torch.tensor(labels)


class BucketSampler(Sampler):
    """Yields indices sorted by length inside shuffled chunks."""

    def __init__(self, lengths, chunk=8, generator=None):
        self.lengths = lengths
        self.chunk = chunk
        self.generator = generator

    def __iter__(self):
        perm = torch.randperm(len(self.lengths), generator=self.generator).tolist()
        for i in range(0, len(perm), self.chunk):
            chunk = sorted(perm[i:i + self.chunk], key=lambda j: self.lengths[j])
            yield from chunk

    def __len__(self):
        return len(self.lengths)


class LengthBatchSampler(Sampler):
    def __init__(self, sampler, batch_size):
        self.sampler = sampler
        self.batch_size = batch_size

    def __iter__(self):
        batch = []
        for idx in self.sampler:
            batch.append(idx)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch:
            yield batch

    def __len__(self):
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size


ds = SequenceDataset(40)
print(len(ds), ds.lengths[:8], sum(ds.labels))
loader = DataLoader(ds, batch_size=4, shuffle=False, collate_fn=pad_collate)
padded, lengths, labels = next(iter(loader))
print(padded.shape, lengths, labels)
print(padded[1, lengths[1]:].abs().sum())

g = torch.Generator().manual_seed(42)
bucket = BucketSampler(ds.lengths, chunk=8, generator=g)
bloader = DataLoader(ds, batch_sampler=LengthBatchSampler(bucket, 4), collate_fn=pad_collate)
print('batches', len(bloader))
shapes = [b[0].shape[1] for b in bloader]
print('padded lengths', shapes)

weights = [4.0 if lab == 1 else 1.0 for lab in ds.labels]
wsampler = WeightedRandomSampler(weights, num_samples=200, replacement=True,
                                 generator=torch.Generator().manual_seed(3))
drawn = list(wsampler)
print('weighted draws', len(drawn), drawn[:10])
print('positive share', sum(ds.labels[i] for i in drawn) / len(drawn))
wl = DataLoader(ds, batch_size=8, sampler=wsampler, collate_fn=pad_collate)
print('weighted loader batches', len(wl))

sub = SubsetRandomSampler(list(range(10, 20)), generator=torch.Generator().manual_seed(5))
print('subset', sorted(sub) == list(range(10, 20)), list(sub)[:4])

train_ds, val_ds = random_split(ds, [0.75, 0.25], generator=torch.Generator().manual_seed(7))
print('split', len(train_ds), len(val_ds), val_ds.indices[:5])
both = ConcatDataset([train_ds, val_ds])
print('concat', len(both), both.cumulative_sizes)

td = TensorDataset(torch.arange(10.0).view(5, 2), torch.arange(5))
print([b[1].tolist() for b in DataLoader(td, batch_size=2, drop_last=True)])


class CountStream(IterableDataset):
    def __init__(self, start, end):
        self.start, self.end = start, end

    def __iter__(self):
        info = get_worker_info()
        if info is None:
            return iter(range(self.start, self.end))
        per = (self.end - self.start) // info.num_workers
        lo = self.start + info.id * per
        return iter(range(lo, lo + per))


print('stream', [b.tolist() for b in DataLoader(CountStream(3, 10), batch_size=3)])


class GRUClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(3, 8, batch_first=True)
        self.fc = nn.Linear(8, 2)

    def forward(self, x, lengths):
        out, _ = self.gru(x)
        last = out[torch.arange(x.size(0)), lengths - 1]
        return self.fc(last)


model = GRUClassifier()
opt = torch.optim.Adam(model.parameters(), lr=0.02)
train_loader = DataLoader(train_ds, batch_size=6, shuffle=True, collate_fn=pad_collate,
                          generator=torch.Generator().manual_seed(11))
for epoch in range(4):
    total = 0.0
    for x, lengths, y in train_loader:
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x, lengths), y)
        loss.backward()
        opt.step()
        total += loss.item() * len(y)
    print(f'epoch {epoch} loss {total / len(train_ds):.4f}')
