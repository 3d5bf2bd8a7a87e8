"""yunjey/pytorch-tutorial 02-intermediate/language_model, main.py and its data_utils.py
(Dictionary, Corpus) as written, on a small corpus this program writes first (sentences of a
tiny grammar drawn by NumPy in place of Penn Treebank's data/train.txt; smaller sizes): an
RNNLM of nn.Embedding -> nn.LSTM(batch_first=True) -> nn.Linear over every time step,
trained by truncated backpropagation (the states detached into a *list* each chunk, then
passed back to the LSTM as its hx), clip_grad_norm_(model.parameters(), 0.5) and Adam; then
words sampled one at a time with torch.multinomial(output.exp(), 1) from states carried as a
tuple, input.fill_(word_id), written to sample.txt; the checkpoint saved with torch.save
and loaded back."""
# ruff: noqa: PLR0402, UP004, UP008, UP015, UP032, E713  (written in the tutorial's own style)

import os
import tempfile

import numpy as np
import torch
import torch.nn as nn
from torch.nn.utils import clip_grad_norm_


# ----------------------------------------------------------------------------- data_utils.py
class Dictionary(object):
    def __init__(self):
        self.word2idx = {}
        self.idx2word = {}
        self.idx = 0

    def add_word(self, word):
        if not word in self.word2idx:
            self.word2idx[word] = self.idx
            self.idx2word[self.idx] = word
            self.idx += 1

    def __len__(self):
        return len(self.word2idx)


class Corpus(object):
    def __init__(self):
        self.dictionary = Dictionary()

    def get_data(self, path, batch_size=20):
        # Add words to the dictionary
        with open(path, 'r') as f:
            tokens = 0
            for line in f:
                words = line.split() + ['<eos>']
                tokens += len(words)
                for word in words:
                    self.dictionary.add_word(word)

        # Tokenize the file content
        ids = torch.LongTensor(tokens)
        token = 0
        with open(path, 'r') as f:
            for line in f:
                words = line.split() + ['<eos>']
                for word in words:
                    ids[token] = self.dictionary.word2idx[word]
                    token += 1
        num_batches = ids.size(0) // batch_size
        ids = ids[:num_batches*batch_size]
        return ids.view(batch_size, -1)


# ----------------------------------------------------------------------------- the corpus
root = tempfile.mkdtemp()
os.makedirs(os.path.join(root, 'data'))
rng = np.random.default_rng(7)
subjects = ['the cat', 'a dog', 'the bird', 'my friend', 'the old man', 'a child']
verbs = ['sees', 'likes', 'chases', 'finds', 'watches']
objects = ['the ball', 'a tree', 'the red house', 'some bread', 'the river']
endings = ['today', 'again', 'in the park', 'at night', '']
with open(os.path.join(root, 'data', 'train.txt'), 'w') as f:
    for _ in range(400):
        line = '{} {} {} {}'.format(subjects[rng.integers(6)], verbs[rng.integers(5)],
                                    objects[rng.integers(5)], endings[rng.integers(5)])
        f.write(' ' + line.strip() + ' \n')

# ----------------------------------------------------------------------------- main.py
# Device configuration
device = torch.device('cpu')  # (the tutorial's 'cuda' if torch.cuda.is_available(): the test
# suite runs Numba's CUDA simulator, where is_available() is True and every op is slow)

# Hyper-parameters
embed_size = 32
hidden_size = 64
num_layers = 1
num_epochs = 4
num_samples = 60     # number of words to be sampled
batch_size = 10
seq_length = 20
learning_rate = 0.002

# Load "Penn Treebank" dataset
corpus = Corpus()
ids = corpus.get_data(os.path.join(root, 'data', 'train.txt'), batch_size)
vocab_size = len(corpus.dictionary)
num_batches = ids.size(1) // seq_length
print('vocab_size', vocab_size, 'ids', tuple(ids.shape), 'num_batches', num_batches)


# RNN based language model
class RNNLM(nn.Module):
    def __init__(self, vocab_size, embed_size, hidden_size, num_layers):
        super(RNNLM, self).__init__()
        self.embed = nn.Embedding(vocab_size, embed_size)
        self.lstm = nn.LSTM(embed_size, hidden_size, num_layers, batch_first=True)
        self.linear = nn.Linear(hidden_size, vocab_size)

    def forward(self, x, h):
        # Embed word ids to vectors
        x = self.embed(x)

        # Forward propagate LSTM
        out, (h, c) = self.lstm(x, h)

        # Reshape output to (batch_size*sequence_length, hidden_size)
        out = out.reshape(out.size(0)*out.size(1), out.size(2))

        # Decode hidden states of all time steps
        out = self.linear(out)
        return out, (h, c)

model = RNNLM(vocab_size, embed_size, hidden_size, num_layers).to(device)

# Loss and optimizer
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)

# Truncated backpropagation
def detach(states):
    return [state.detach() for state in states]

# Train the model
for epoch in range(num_epochs):
    # Set initial hidden and cell states
    states = (torch.zeros(num_layers, batch_size, hidden_size).to(device),
              torch.zeros(num_layers, batch_size, hidden_size).to(device))

    for i in range(0, ids.size(1) - seq_length, seq_length):
        # Get mini-batch inputs and targets
        inputs = ids[:, i:i+seq_length].to(device)
        targets = ids[:, (i+1):(i+1)+seq_length].to(device)

        # Forward pass
        states = detach(states)
        outputs, states = model(inputs, states)
        loss = criterion(outputs, targets.reshape(-1))

        # Backward and optimize
        optimizer.zero_grad()
        loss.backward()
        clip_grad_norm_(model.parameters(), 0.5)
        optimizer.step()

        step = (i+1) // seq_length
        if step % 4 == 0:
            print ('Epoch [{}/{}], Step[{}/{}], Loss: {:.4f}, Perplexity: {:5.2f}'
                   .format(epoch+1, num_epochs, step, num_batches, loss.item(), np.exp(loss.item())))

# Test the model
sample_path = os.path.join(root, 'sample.txt')
with torch.no_grad():
    with open(sample_path, 'w') as f:
        # Set intial hidden ane cell states
        state = (torch.zeros(num_layers, 1, hidden_size).to(device),
                 torch.zeros(num_layers, 1, hidden_size).to(device))

        # Select one word id randomly
        prob = torch.ones(vocab_size)
        input = torch.multinomial(prob, num_samples=1).unsqueeze(1).to(device)

        for i in range(num_samples):
            # Forward propagate RNN
            output, state = model(input, state)

            # Sample a word id
            prob = output.exp()
            word_id = torch.multinomial(prob, num_samples=1).item()

            # Fill input with sampled word id for the next time step
            input.fill_(word_id)

            # File write
            word = corpus.dictionary.idx2word[word_id]
            word = '\n' if word == '<eos>' else word + ' '
            f.write(word)

            if (i+1) % 20 == 0:
                print('Sampled [{}/{}] words and save to {}'.format(i+1, num_samples, 'sample.txt'))

with open(sample_path) as f:
    sample = f.read()
print('sampled lines', sample.count('\n'), 'words', len(sample.split()))
print(sample.splitlines()[0])

# Save the model checkpoints
torch.save(model.state_dict(), os.path.join(root, 'model.ckpt'))
restored = RNNLM(vocab_size, embed_size, hidden_size, num_layers)
restored.load_state_dict(torch.load(os.path.join(root, 'model.ckpt')))
print(sorted(restored.state_dict().keys()))
print('restored equal', all(torch.equal(a, b) for a, b in
                            zip(model.state_dict().values(), restored.state_dict().values())))
