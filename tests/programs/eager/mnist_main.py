"""pytorch/examples mnist/main.py without argparse, on 64 synthetic 12x12 'digits': Net (two
Conv2d, max_pool2d, two Dropout, flatten, log_softmax), F.nll_loss, optim.Adadelta with StepLR,
train()/test() with model.train()/model.eval(), torch.no_grad(), the test loss summed with
reduction='sum', pred.eq(target.view_as(pred)).sum().item() and torch.save of the state_dict.
(Weights start from NumPy so both libraries start equal; Dropout draws from each library's own
stream, so the training losses are printed coarsely and the exact checks are made in eval mode.)"""
# ruff: noqa: PLR0402, UP008, UP032  (written in the example's own style)
import os
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, 1)
        self.conv2 = nn.Conv2d(4, 8, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(128, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.dropout2(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
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
            print("Train Epoch: {} [{}/{} ({:.0f}%)]".format(
                epoch, batch_idx * len(data), len(train_loader.dataset),
                100. * batch_idx / len(train_loader)))
    return losses


def test(model, device, test_loader):
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
    test_loss /= len(test_loader.dataset)
    return test_loss, correct


rng = np.random.default_rng(0)
protos = rng.normal(0, 1, (10, 1, 12, 12))
labels = rng.integers(0, 10, 96)
images = (protos[labels] + rng.normal(0, 0.5, (96, 1, 12, 12))).astype(np.float32)
images = (images - 0.1307) / 0.3081          # transforms.Normalize((0.1307,), (0.3081,))
train_set = TensorDataset(torch.from_numpy(images[:64]), torch.from_numpy(labels[:64]))
test_set = TensorDataset(torch.from_numpy(images[64:]), torch.from_numpy(labels[64:]))

args = {"batch_size": 16, "test_batch_size": 32, "epochs": 4, "lr": 1.0, "gamma": 0.7,
        "log_interval": 2, "save_model": True}
use_cuda = torch.cuda.is_available() and False
device = torch.device("cuda" if use_cuda else "cpu")
train_kwargs = {'batch_size': args["batch_size"], 'shuffle': True}
test_kwargs = {'batch_size': args["test_batch_size"]}
train_loader = torch.utils.data.DataLoader(train_set, **train_kwargs)
test_loader = DataLoader(test_set, **test_kwargs)

model = Net().to(device)
with torch.no_grad():
    for name, p in model.named_parameters():
        bound = 1 / np.sqrt(p[0].numel()) if name.endswith("weight") else 0.05
        p.copy_(torch.tensor(rng.uniform(-bound, bound, tuple(p.shape)), dtype=torch.float32))
optimizer = optim.Adadelta(model.parameters(), lr=args["lr"])
scheduler = StepLR(optimizer, step_size=1, gamma=args["gamma"])

loss0, correct0 = test(model, device, test_loader)
print('Test set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)'.format(
    loss0, correct0, len(test_loader.dataset), 100. * correct0 / len(test_loader.dataset)))
first = None
for epoch in range(1, args["epochs"] + 1):
    losses = train(args, model, device, train_loader, optimizer, epoch)
    first = sum(losses) / len(losses) if first is None else first
    scheduler.step()
    print("lr", scheduler.get_last_lr())
test_loss, correct = test(model, device, test_loader)
print("train loss fell:", sum(losses) / len(losses) < first - 0.1,
      "test loss fell:", test_loss < loss0 - 0.15,
      "accuracy rose:", correct > correct0 + 4)

if args["save_model"]:
    path = os.path.join(tempfile.mkdtemp(), "mnist_cnn.pt")
    torch.save(model.state_dict(), path)
    model2 = Net()
    model2.load_state_dict(torch.load(path))
    print(sorted(model2.state_dict().keys()))
    print(test(model2, device, test_loader) == (test_loss, correct))
    os.remove(path)
