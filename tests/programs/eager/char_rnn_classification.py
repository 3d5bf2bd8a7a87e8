"""The 'classifying names with a character-level RNN' tutorial, on a tiny synthetic set of
names: one-hot letter tensors, an nn.RNN with a Linear head and LogSoftmax, NLLLoss, a manual
SGD update of the parameters, topk to read the category, and a confusion count."""
import string

import numpy as np
import torch
from torch import nn

all_letters = string.ascii_letters + " .,;'"
n_letters = len(all_letters)
category_lines = {
    "English": ["smith", "jones", "brown", "white", "green", "walker"],
    "Italian": ["rossi", "russo", "bruno", "conti", "ricci", "greco"],
    "Japanese": ["sato", "suzuki", "tanaka", "ito", "kato", "yamada"],
}
all_categories = list(category_lines)
n_categories = len(all_categories)


def letterToIndex(letter):
    return all_letters.find(letter)


def lineToTensor(line):
    tensor = torch.zeros(len(line), 1, n_letters)
    for li, letter in enumerate(line):
        tensor[li][0][letterToIndex(letter)] = 1
    return tensor


print(lineToTensor("jones").size())


class CharRNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.rnn = nn.RNN(input_size, hidden_size)
        self.h2o = nn.Linear(hidden_size, output_size)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, line_tensor):
        _, hidden = self.rnn(line_tensor)
        output = self.h2o(hidden[0])
        output = self.softmax(output)
        return output


n_hidden = 32
rnn = CharRNN(n_letters, n_hidden, n_categories)
print(rnn)
r = np.random.default_rng(3)
with torch.no_grad():
    for name, p in rnn.named_parameters():
        p.copy_(torch.from_numpy(r.uniform(-0.2, 0.2, p.shape).astype(np.float32)))


def categoryFromOutput(output):
    _, top_i = output.topk(1)
    category_i = top_i[0].item()
    return all_categories[category_i], category_i


output = rnn(lineToTensor("Albert"))
print(output.shape, output.grad_fn.name())
print(categoryFromOutput(output))

criterion = nn.NLLLoss()
learning_rate = 0.05


def train(category_tensor, line_tensor):
    rnn.zero_grad()
    output = rnn(line_tensor)
    loss = criterion(output, category_tensor)
    loss.backward()
    for p in rnn.parameters():
        p.data.add_(p.grad.data, alpha=-learning_rate)
    return output, loss.item()


examples = [(c, line) for c in all_categories for line in category_lines[c]]
order = np.random.default_rng(0).permutation(len(examples) * 8) % len(examples)
current_loss = 0.0
for it, k in enumerate(order, 1):
    category, line = examples[k]
    category_tensor = torch.tensor([all_categories.index(category)], dtype=torch.long)
    output, loss = train(category_tensor, lineToTensor(line))
    current_loss += loss
    if it % 36 == 0:
        guess, _ = categoryFromOutput(output)
        print(f"{it} {current_loss / 36:.4f} {line} / {guess} {'ok' if guess == category else 'x'}")
        current_loss = 0.0

confusion = torch.zeros(n_categories, n_categories)
with torch.no_grad():
    for category, line in examples:
        guess, guess_i = categoryFromOutput(rnn(lineToTensor(line)))
        confusion[all_categories.index(category)][guess_i] += 1
confusion = confusion / confusion.sum(1, keepdim=True)
print(confusion)


def predict(input_line, n_predictions=2):
    with torch.no_grad():
        output = rnn(lineToTensor(input_line))
        topv, topi = output.topk(n_predictions, 1, True)
        for i in range(n_predictions):
            print(f"({topv[0][i].item():.2f}) {all_categories[topi[0][i].item()]}")


predict("rossini")
predict("suzuka")
