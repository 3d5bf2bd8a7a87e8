"""pytorch/examples mnist_rnn/main.py without argparse, on 128 synthetic 28x28 'digits': Net
(nn.LSTM(input_size=28, batch_first=True) over the rows of each image, output[:, -1, :],
nn.BatchNorm1d, two nn.Dropout2d on (N, C) features, two Linear, log_softmax), F.nll_loss,
optim.Adadelta with StepLR, train()/test() with model.train()/model.eval(), torch.no_grad(),
reduction='sum', pred.eq(target.view_as(pred)).sum().item() and torch.save of the state_dict;
the warning PyTorch gives for a 2-D input to Dropout2d.
(torch.manual_seed(args.seed) is kept; the weights start from NumPy so both libraries start
equal; Dropout2d and shuffle draw from each library's own stream, so the training is checked by
its behaviour and the exact checks are made in eval mode; hidden size 32, 2 epochs.)"""
# ruff: noqa: PLR0402, RUF059, UP008, UP032  (written in the example's own style)
import os
import tempfile
import warnings

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.optim.lr_scheduler import StepLR


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.rnn = nn.LSTM(input_size=28, hidden_size=32, batch_first=True)
        self.batchnorm = nn.BatchNorm1d(32)
        self.dropout1 = nn.Dropout2d(0.25)
        self.dropout2 = nn.Dropout2d(0.5)
        self.fc1 = nn.Linear(32, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, input):
        # Shape of input is (batch_size,1, 28, 28)
        # converting shape of input to (batch_size, 28, 28)
        # as required by RNN when batch_first is set True
        input = input.reshape(-1, 28, 28)
        output, hidden = self.rnn(input)

        # RNN output shape is (seq_len, batch, input_size)
        # Get last output of RNN
        output = output[:, -1, :]
        output = self.batchnorm(output)
        output = self.dropout1(output)
        output = self.fc1(output)
        output = F.relu(output)
        output = self.dropout2(output)
        output = self.fc2(output)
        output = F.log_softmax(output, dim=1)
        return output


def train(args, model, device, train_loader, optimizer, epoch):
    model.train()
    losses = []
    for batch_idx, (data, target) in enumerate(train_loader):
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if batch_idx % args["log_interval"] == 0:
            print('Train Epoch: {} [{}/{} ({:.0f}%)]'.format(
                epoch, batch_idx * len(data), len(train_loader.dataset),
                100. * batch_idx / len(train_loader)))
            if args["dry_run"]:
                break
    return losses


def test(args, model, device, test_loader):
    model.eval()
    test_loss = 0
    correct = 0
    with torch.no_grad():
        for data, target in test_loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction='sum').item()  # sum up batch loss
            pred = output.argmax(dim=1, keepdim=True)  # get the index of the max log-probability
            correct += pred.eq(target.view_as(pred)).sum().item()
            if args["dry_run"]:
                break

    test_loss /= len(test_loader.dataset)
    return test_loss, correct


args = {"batch_size": 32, "test_batch_size": 64, "epochs": 2, "lr": 1.0, "gamma": 0.7,
        "cuda": False, "dry_run": False, "seed": 1, "log_interval": 2, "save_model": True}
device = torch.device("cuda" if args["cuda"] else "cpu")
torch.manual_seed(args["seed"])

rng = np.random.default_rng(0)
protos = rng.normal(0, 1, (10, 1, 28, 28))
labels = rng.integers(0, 10, 192)
images = (protos[labels] + rng.normal(0, 0.6, (192, 1, 28, 28))).astype(np.float32)
images = (images - 0.1307) / 0.3081          # transforms.Normalize((0.1307,), (0.3081,))
train_set = torch.utils.data.TensorDataset(torch.from_numpy(images[:128]),
                                           torch.from_numpy(labels[:128]))
test_set = torch.utils.data.TensorDataset(torch.from_numpy(images[128:]),
                                          torch.from_numpy(labels[128:]))
kwargs = {'num_workers': 1, 'pin_memory': True} if args["cuda"] else {}
train_loader = torch.utils.data.DataLoader(train_set, batch_size=args["batch_size"],
                                           shuffle=True, **kwargs)
test_loader = torch.utils.data.DataLoader(test_set, batch_size=args["test_batch_size"],
                                          shuffle=True, **kwargs)

model = Net().to(device)
with torch.no_grad():
    for name, p in model.named_parameters():
        if name.startswith("batchnorm"):
            continue
        bound = 1 / np.sqrt(p.shape[-1]) if p.dim() > 1 else 0.05
        p.copy_(torch.tensor(rng.uniform(-bound, bound, tuple(p.shape)), dtype=torch.float32))
optimizer = optim.Adadelta(model.parameters(), lr=args["lr"])

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    model.train()
    model(torch.from_numpy(images[:2]))
print(sorted({str(w.message)[:41] for w in caught}))

loss0, correct0 = test(args, model, device, test_loader)
print('\nTest set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)\n'.format(
    loss0, correct0, len(test_loader.dataset), 100. * correct0 / len(test_loader.dataset)))
scheduler = StepLR(optimizer, step_size=1, gamma=args["gamma"])
first = None
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    for epoch in range(1, args["epochs"] + 1):
        losses = train(args, model, device, train_loader, optimizer, epoch)
        first = sum(losses) / len(losses) if first is None else first
        test_loss, correct = test(args, model, device, test_loader)
        scheduler.step()
        print("lr", scheduler.get_last_lr())
print("train loss fell:", sum(losses) / len(losses) < first,
      "test loss fell:", test_loss < loss0 - 0.1,
      "accuracy rose:", correct > correct0 + 10)
print(model.batchnorm.num_batches_tracked, model.batchnorm.running_mean.shape)

if args["save_model"]:
    path = os.path.join(tempfile.mkdtemp(), "mnist_rnn.pt")
    torch.save(model.state_dict(), path)
    model2 = Net()
    model2.load_state_dict(torch.load(path))
    print(sorted(model2.state_dict().keys()))
    model2.eval()
    with torch.no_grad():
        x = torch.from_numpy(images[128:136])
        print(torch.equal(model2(x), model.eval()(x)), model2(x).argmax(1).shape)
    os.remove(path)
