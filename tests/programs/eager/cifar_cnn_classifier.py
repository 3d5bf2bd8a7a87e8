"""The 'training a classifier' (CIFAR-10) tutorial on 64 synthetic 3x32x32 images: a DataLoader
over a TensorDataset, the tutorial's Net (Conv2d, MaxPool2d, Linear) with a Dropout added,
CrossEntropyLoss, SGD with momentum, the running-loss print, then model.eval() with
torch.no_grad() for the accuracy, per-class accuracy and a saved/loaded state_dict."""
import os
import tempfile

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

classes = ("plane", "car", "bird", "cat")
rng = np.random.default_rng(2)
labels = rng.integers(0, 4, 64)
images = rng.standard_normal((64, 3, 32, 32)).astype(np.float32) * 0.5
for k in range(4):                      # each class: a bright quarter of one colour channel
    images[labels == k, k % 3, (k // 2) * 16:(k // 2) * 16 + 16, :16] += 1.0
trainset = TensorDataset(torch.from_numpy(images), torch.from_numpy(labels))
trainloader = DataLoader(trainset, batch_size=16, shuffle=False)
testloader = DataLoader(trainset, batch_size=32)

dataiter = iter(trainloader)
img, lab = next(dataiter)
print(img.shape, lab.dtype, " ".join(f"{classes[lab[j]]:5s}" for j in range(4)))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.dropout = nn.Dropout(0.25)
        self.fc1 = nn.Linear(16 * 5 * 5, 32)
        self.fc2 = nn.Linear(32, 4)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = self.dropout(F.relu(self.fc1(x)))
        return self.fc2(x)


net = Net()
r = np.random.default_rng(4)
with torch.no_grad():
    for p in net.parameters():
        p.copy_(torch.from_numpy(r.uniform(-0.1, 0.1, tuple(p.shape)).astype(np.float32)))
print(net)

criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(net.parameters(), lr=0.01, momentum=0.9)


def accuracy(model):
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for images, labels in testloader:
            outputs = model(images)
            _, predicted = torch.max(outputs, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
    return correct, total


print("before", accuracy(net))
net.eval()      # the training loop runs with dropout off (its masks are each library's own)
for epoch in range(6):
    running_loss = 0.0
    for i, data in enumerate(trainloader, 0):
        inputs, labels = data
        optimizer.zero_grad()
        outputs = net(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
        if i % 4 == 3:
            print(f"[{epoch + 1}, {i + 1:5d}] loss: {running_loss / 4:.3f}")
            running_loss = 0.0
print("Finished Training")

net.train()
print("train mode zeroes some fc1 units:", bool((net.dropout(torch.ones(1000)) == 0).any()))
correct, total = accuracy(net)
print(f"Accuracy of the network on the {total} test images: {100 * correct // total} %")

correct_pred = {classname: 0 for classname in classes}
total_pred = {classname: 0 for classname in classes}
with torch.no_grad():
    for images, labels in testloader:
        outputs = net(images)
        _, predictions = torch.max(outputs, 1)
        for label, prediction in zip(labels, predictions):
            if label == prediction:
                correct_pred[classes[label]] += 1
            total_pred[classes[label]] += 1
for classname, correct_count in correct_pred.items():
    print(f"Accuracy for class: {classname:5s} is {100 * correct_count / total_pred[classname]:.1f} %")

PATH = os.path.join(tempfile.mkdtemp(), "cifar_net.pth")
torch.save(net.state_dict(), PATH)
net2 = Net()
print(net2.load_state_dict(torch.load(PATH, weights_only=True)))
net2.eval()
with torch.no_grad():
    print(torch.equal(net2(img), net(img)), net2(img[:2]).argmax(1).tolist())
