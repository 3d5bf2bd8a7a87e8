# "(beta) Dynamic Quantization on an LSTM Word Language Model" (PyTorch tutorials), at small
# sizes: the tutorial's Dictionary/Corpus/LSTMModel/batchify/get_batch/evaluate, a tiny corpus
# written to a temporary folder (the tutorial downloads Wikitext-2 and a pretrained model: here
# the model trains a few epochs first), then quantize_dynamic({nn.LSTM, nn.Linear}, qint8),
# the sizes on disk and both models' test loss.
import os
import tempfile

import torch
from torch import nn


class LSTMModel(nn.Module):
    """Container module with an encoder, a recurrent module, and a decoder."""

    def __init__(self, ntoken, ninp, nhid, nlayers, dropout=0.5):
        super().__init__()
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = nn.LSTM(ninp, nhid, nlayers, dropout=dropout)
        self.decoder = nn.Linear(nhid, ntoken)

        self.init_weights()

        self.nhid = nhid
        self.nlayers = nlayers

    def init_weights(self):
        initrange = 0.1
        self.encoder.weight.data.uniform_(-initrange, initrange)
        self.decoder.bias.data.zero_()
        self.decoder.weight.data.uniform_(-initrange, initrange)

    def forward(self, input, hidden):
        emb = self.drop(self.encoder(input))
        output, hidden = self.rnn(emb, hidden)
        output = self.drop(output)
        decoded = self.decoder(output)
        return decoded, hidden

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        return (weight.new_zeros(self.nlayers, bsz, self.nhid),
                weight.new_zeros(self.nlayers, bsz, self.nhid))


class Dictionary:
    def __init__(self):
        self.word2idx = {}
        self.idx2word = []

    def add_word(self, word):
        if word not in self.word2idx:
            self.idx2word.append(word)
            self.word2idx[word] = len(self.idx2word) - 1
        return self.word2idx[word]

    def __len__(self):
        return len(self.idx2word)


class Corpus:
    def __init__(self, path):
        self.dictionary = Dictionary()
        self.train = self.tokenize(os.path.join(path, 'train.txt'))
        self.valid = self.tokenize(os.path.join(path, 'valid.txt'))
        self.test = self.tokenize(os.path.join(path, 'test.txt'))

    def tokenize(self, path):
        """Tokenizes a text file."""
        assert os.path.exists(path)
        # Add words to the dictionary
        with open(path, 'r', encoding="utf8") as f:
            for line in f:
                words = line.split() + ['<eos>']
                for word in words:
                    self.dictionary.add_word(word)

        # Tokenize file content
        with open(path, 'r', encoding="utf8") as f:
            idss = []
            for line in f:
                words = line.split() + ['<eos>']
                ids = []
                for word in words:
                    ids.append(self.dictionary.word2idx[word])
                idss.append(torch.tensor(ids).type(torch.int64))
            ids = torch.cat(idss)

        return ids


TEXT = """the cat sat on the mat and the dog sat on the log
a bird sang in the tree and the cat watched the bird
the dog ran to the park and the bird flew to the tree
the cat and the dog slept on the mat in the sun"""

data_dir = tempfile.mkdtemp()
for split, lines in (("train", TEXT.splitlines() * 3), ("valid", TEXT.splitlines()[:2]),
                     ("test", TEXT.splitlines()[1:])):
    with open(os.path.join(data_dir, split + ".txt"), "w", encoding="utf8") as f:
        f.write("\n".join(lines) + "\n")

corpus = Corpus(data_dir)
ntokens = len(corpus.dictionary)
print("vocabulary:", ntokens, "train tokens:", corpus.train.size(0))

model = LSTMModel(
    ntoken=ntokens,
    ninp=32,
    nhid=48,
    nlayers=2,
    dropout=0.0,
)

bptt = 8
criterion = nn.CrossEntropyLoss()
eval_batch_size = 1


# create test data set
def batchify(data, bsz):
    # Work out how cleanly we can divide the dataset into ``bsz`` parts.
    nbatch = data.size(0) // bsz
    # Trim off any extra elements that wouldn't cleanly fit (remainders).
    data = data.narrow(0, 0, nbatch * bsz)
    # Evenly divide the data across the ``bsz`` batches.
    return data.view(bsz, -1).t().contiguous()


test_data = batchify(corpus.test, eval_batch_size)
train_data = batchify(corpus.train, 4)


# Evaluation functions
def get_batch(source, i):
    seq_len = min(bptt, len(source) - 1 - i)
    data = source[i:i + seq_len]
    target = source[i + 1:i + 1 + seq_len].reshape(-1)
    return data, target


def repackage_hidden(h):
    """Wraps hidden states in new Tensors, to detach them from their history."""

    if isinstance(h, torch.Tensor):
        return h.detach()
    else:
        return tuple(repackage_hidden(v) for v in h)


def evaluate(model_, data_source):
    # Turn on evaluation mode which disables dropout.
    model_.eval()
    total_loss = 0.
    hidden = model_.init_hidden(eval_batch_size)
    with torch.no_grad():
        for i in range(0, data_source.size(0) - 1, bptt):
            data, targets = get_batch(data_source, i)
            output, hidden = model_(data, hidden)
            hidden = repackage_hidden(hidden)
            output_flat = output.view(-1, ntokens)
            total_loss += len(data) * criterion(output_flat, targets).item()
    return total_loss / (len(data_source) - 1)


# a short training run in place of the tutorial's pretrained weights
optimizer = torch.optim.Adam(model.parameters(), lr=0.03)
for epoch in range(8):
    model.train()
    hidden = model.init_hidden(4)
    for i in range(0, train_data.size(0) - 1, bptt):
        data, targets = get_batch(train_data, i)
        hidden = repackage_hidden(hidden)
        optimizer.zero_grad()
        output, hidden = model(data, hidden)
        loss = criterion(output.view(-1, ntokens), targets)
        loss.backward()
        optimizer.step()
    if epoch % 4 == 3:
        print(f"epoch {epoch} train loss {loss.item():.3f}")

# 3. Test dynamic quantization
quantized_model = torch.quantization.quantize_dynamic(
    model, {nn.LSTM, nn.Linear}, dtype=torch.qint8
)
print(quantized_model)


def print_size_of_model(model):
    path = os.path.join(data_dir, "temp.p")
    torch.save(model.state_dict(), path)
    size = os.path.getsize(path)
    os.remove(path)
    return size


float_size = print_size_of_model(model)
quantized_size = print_size_of_model(quantized_model)
print("quantized model is less than a third of the float one:",
      quantized_size < float_size / 3)

# 4. Look at accuracy
float_loss = evaluate(model, test_data)
quantized_loss = evaluate(quantized_model, test_data)
print(f'float loss: {float_loss:.3f}')
print(f'quantized loss: {quantized_loss:.3f}')
print("close:", abs(quantized_loss - float_loss) < 0.05 * float_loss)
w = quantized_model.decoder.weight()
print(w.dtype, w.qscheme(), w.q_zero_point(), w.int_repr().dtype)
print(sorted(quantized_model.state_dict())[:4])
