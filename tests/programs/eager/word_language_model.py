"""pytorch/examples word_language_model without argparse or files: a Dictionary/Corpus built
from a tiny synthetic text, batchify and get_batch, the RNNModel (nn.Embedding, nn.LSTM or
nn.GRU via getattr(nn, rnn_type), tied decoder weights, init_weights with uniform_/zeros_,
init_hidden from weight.new_zeros), repackage_hidden, clip_grad_norm_, the manual SGD update
p.data.add_(p.grad, alpha=-lr), evaluate() with torch.no_grad() and math.exp perplexity, the
lr annealing and torch.save/torch.load of the best model's state.
(Dropout is 0 and the uniform_ init is replaced by NumPy draws so both libraries agree.)"""
# ruff: noqa: PLR0402, UP004, UP008, UP032, SIM905  (written in the example's own style)
import math
import os
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Dictionary(object):
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


class Corpus(object):
    def __init__(self, texts):
        self.dictionary = Dictionary()
        self.train, self.valid = (self.tokenize(t) for t in texts)

    def tokenize(self, text):
        idss = []
        for line in text.split("\n"):
            words = line.split() + ['<eos>']
            ids = []
            for word in words:
                ids.append(self.dictionary.add_word(word))
            idss.append(torch.tensor(ids).type(torch.int64))
        ids = torch.cat(idss)
        return ids


class RNNModel(nn.Module):
    """Container module with an encoder, a recurrent module, and a decoder."""

    def __init__(self, rnn_type, ntoken, ninp, nhid, nlayers, dropout=0.5, tie_weights=False):
        super(RNNModel, self).__init__()
        self.ntoken = ntoken
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        if rnn_type in ['LSTM', 'GRU']:
            self.rnn = getattr(nn, rnn_type)(ninp, nhid, nlayers, dropout=dropout)
        self.decoder = nn.Linear(nhid, ntoken)
        if tie_weights:
            if nhid != ninp:
                raise ValueError('When using the tied flag, nhid must be equal to emsize')
            self.decoder.weight = self.encoder.weight
        self.init_weights()
        self.rnn_type = rnn_type
        self.nhid = nhid
        self.nlayers = nlayers

    def init_weights(self):
        initrange = 0.1
        nn.init.uniform_(self.encoder.weight, -initrange, initrange)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -initrange, initrange)

    def forward(self, input, hidden):
        emb = self.drop(self.encoder(input))
        output, hidden = self.rnn(emb, hidden)
        output = self.drop(output)
        decoded = self.decoder(output)
        decoded = decoded.view(-1, self.ntoken)
        return F.log_softmax(decoded, dim=1), hidden

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        if self.rnn_type == 'LSTM':
            return (weight.new_zeros(self.nlayers, bsz, self.nhid),
                    weight.new_zeros(self.nlayers, bsz, self.nhid))
        else:
            return weight.new_zeros(self.nlayers, bsz, self.nhid)


def batchify(data, bsz):
    # Work out how cleanly we can divide the dataset into bsz parts.
    nbatch = data.size(0) // bsz
    # Trim off any extra elements that wouldn't cleanly fit (remainders).
    data = data.narrow(0, 0, nbatch * bsz)
    # Evenly divide the data across the bsz batches.
    data = data.view(bsz, -1).t().contiguous()
    return data.to(device)


def repackage_hidden(h):
    """Wraps hidden states in new Tensors, to detach them from their history."""
    if isinstance(h, torch.Tensor):
        return h.detach()
    else:
        return tuple(repackage_hidden(v) for v in h)


def get_batch(source, i):
    seq_len = min(bptt, len(source) - 1 - i)
    data = source[i:i+seq_len]
    target = source[i+1:i+1+seq_len].view(-1)
    return data, target


def evaluate(data_source):
    # Turn on evaluation mode which disables dropout.
    model.eval()
    total_loss = 0.
    hidden = model.init_hidden(eval_batch_size)
    with torch.no_grad():
        for i in range(0, data_source.size(0) - 1, bptt):
            data, targets = get_batch(data_source, i)
            output, hidden = model(data, hidden)
            hidden = repackage_hidden(hidden)
            total_loss += len(data) * criterion(output, targets).item()
    return total_loss / (len(data_source) - 1)


def train(epoch):
    # Turn on training mode which enables dropout.
    model.train()
    total_loss = 0.
    hidden = model.init_hidden(batch_size)
    for batch, i in enumerate(range(0, train_data.size(0) - 1, bptt)):
        data, targets = get_batch(train_data, i)
        # Starting each batch, we detach the hidden state from how it was previously produced.
        # If we didn't, the model would try backpropagating all the way to start of the dataset.
        model.zero_grad()
        hidden = repackage_hidden(hidden)
        output, hidden = model(data, hidden)
        loss = criterion(output, targets)
        loss.backward()

        # `clip_grad_norm` helps prevent the exploding gradient problem in RNNs / LSTMs.
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        for p in model.parameters():
            p.data.add_(p.grad, alpha=-lr)

        total_loss += loss.item()
    print('| epoch {:3d} | {:5d} batches | lr {:02.2f} | loss {:5.3f}'.format(
        epoch, batch + 1, lr, total_loss / (batch + 1)))


rng = np.random.default_rng(0)
words = "the cat sat on a mat while my dog ran to the red ball".split()
lines = [" ".join(words[j % len(words)] for j in range(k, k + 5 + k % 3)) for k in range(40)]
corpus = Corpus(["\n".join(lines[:32]), "\n".join(lines[32:])])
device = torch.device("cpu")
batch_size, eval_batch_size, bptt, clip = 4, 2, 8, 0.25
train_data = batchify(corpus.train, batch_size)
val_data = batchify(corpus.valid, eval_batch_size)
print(len(corpus.dictionary), tuple(train_data.shape), tuple(val_data.shape))
criterion = nn.NLLLoss()
path = os.path.join(tempfile.mkdtemp(), "model.pt")

for rnn_type in ["LSTM", "GRU"]:
    ntokens = len(corpus.dictionary)
    model = RNNModel(rnn_type, ntokens, 16, 16, 2, dropout=0.0, tie_weights=True).to(device)
    print(model.decoder.weight is model.encoder.weight,
          sum(p.numel() for p in model.parameters()))
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.tensor(rng.uniform(-0.25, 0.25, tuple(p.shape)), dtype=torch.float32))
    lr = 5.0
    best_val_loss = None
    for epoch in range(1, 5):
        train(epoch)
        val_loss = evaluate(val_data)
        print('| end of epoch {:3d} | valid loss {:5.3f} | valid ppl {:8.3f}'.format(
            epoch, val_loss, math.exp(val_loss)))
        # Save the model if the validation loss is the best we've seen so far.
        if not best_val_loss or val_loss < best_val_loss:
            with open(path, 'wb') as f:
                torch.save(model.state_dict(), f)
            best_val_loss = val_loss
        else:
            # Anneal the learning rate if no improvement has been seen in the validation dataset.
            lr /= 4.0
    with open(path, 'rb') as f:
        model.load_state_dict(torch.load(f))
    print('best valid loss {:5.3f}, reloaded {:5.3f}'.format(best_val_loss, evaluate(val_data)))
os.remove(path)
