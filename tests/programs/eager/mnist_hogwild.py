"""pytorch/examples 'mnist_hogwild': a CNN put in shared memory with model.share_memory(),
trained by two torch.multiprocessing processes at once (Hogwild: each with its own SGD
optimizer on the same parameters, no locks), then tested in the parent.  Scaled down: 96
synthetic 28x28 "digits" (a class-dependent blob plus noise) instead of MNIST, one epoch;
processes are forked (the example spawns: an exec'd program has no importable __main__).
The two processes race on the parameters, so the program prints what does not depend on the
interleaving: the parent sees the children's updates, and the test accuracy is high."""
import argparse

import torch
import torch.multiprocessing as mp
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import TensorDataset

parser = argparse.ArgumentParser(description='PyTorch MNIST Example')
parser.add_argument('--batch-size', type=int, default=16, metavar='N')
parser.add_argument('--test-batch-size', type=int, default=48, metavar='N')
parser.add_argument('--epochs', type=int, default=2, metavar='N')
parser.add_argument('--lr', type=float, default=0.05, metavar='LR')
parser.add_argument('--momentum', type=float, default=0.5, metavar='M')
parser.add_argument('--seed', type=int, default=1, metavar='S')
parser.add_argument('--log-interval', type=int, default=10, metavar='N')
parser.add_argument('--num-processes', type=int, default=2, metavar='N')
parser.add_argument('--cuda', action='store_true', default=False)


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
        self.conv2_drop = nn.Dropout2d()
        self.fc1 = nn.Linear(320, 50)
        self.fc2 = nn.Linear(50, 10)

    def forward(self, x):
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.conv2_drop(self.conv2(x)), 2))
        x = x.view(-1, 320)
        x = F.relu(self.fc1(x))
        x = F.dropout(x, training=self.training)
        x = self.fc2(x)
        return F.log_softmax(x, dim=1)


def train(rank, args, model, device, dataset, dataloader_kwargs):
    torch.manual_seed(args.seed + rank)

    train_loader = torch.utils.data.DataLoader(dataset, **dataloader_kwargs)

    optimizer = optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum)
    for epoch in range(1, args.epochs + 1):
        train_epoch(epoch, args, model, device, train_loader, optimizer)


def test(args, model, device, dataset, dataloader_kwargs):
    torch.manual_seed(args.seed)

    test_loader = torch.utils.data.DataLoader(dataset, **dataloader_kwargs)

    return test_epoch(model, device, test_loader)


def train_epoch(epoch, args, model, device, data_loader, optimizer):
    model.train()
    for batch_idx, (data, target) in enumerate(data_loader):
        optimizer.zero_grad()
        output = model(data.to(device))
        loss = F.nll_loss(output, target.to(device))
        loss.backward()
        optimizer.step()


def test_epoch(model, device, data_loader):
    model.eval()
    test_loss = 0
    correct = 0
    with torch.no_grad():
        for data, target in data_loader:
            output = model(data.to(device))
            test_loss += F.nll_loss(output, target.to(device), reduction='sum').item()
            pred = output.max(1)[1]
            correct += pred.eq(target.to(device)).sum().item()

    test_loss /= len(data_loader.dataset)
    return test_loss, correct / len(data_loader.dataset)


def synthetic_digits(n, seed):
    g = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, 10, (n,), generator=g)
    images = 0.3 * torch.randn(n, 1, 28, 28, generator=g)
    for i, c in enumerate(labels.tolist()):
        r, q = divmod(c, 5)
        images[i, 0, 4 + 12 * r:12 + 12 * r, 2 + 5 * q:6 + 5 * q] += 2.0
    return TensorDataset(images, labels)


if __name__ == '__main__':
    args = parser.parse_args([])
    use_cuda = args.cuda and torch.cuda.is_available()
    device = torch.device("cuda" if use_cuda else "cpu")
    dataset1 = synthetic_digits(96, 0)
    dataset2 = synthetic_digits(48, 1)
    kwargs = {'batch_size': args.batch_size,
              'shuffle': True}
    torch.manual_seed(args.seed)
    ctx = mp.get_context('fork')

    model = Net().to(device)
    model.share_memory()  # gradients are allocated lazily, so they are not shared here
    print(all(p.is_shared() for p in model.parameters()))
    before = model.fc2.weight.detach().clone()
    loss0, acc0 = test(args, model, device, dataset2, {'batch_size': args.test_batch_size})

    processes = []
    for rank in range(args.num_processes):
        p = ctx.Process(target=train, args=(rank, args, model, device, dataset1, kwargs))
        # We first train the model across `num_processes` processes
        p.start()
        processes.append(p)
    for p in processes:
        p.join()
    print([p.exitcode for p in processes])
    print(not torch.equal(before, model.fc2.weight))

    # Once training is complete, we can test the model
    loss1, acc1 = test(args, model, device, dataset2, {'batch_size': args.test_batch_size})
    print(loss1 < loss0, acc1 > 0.5)
