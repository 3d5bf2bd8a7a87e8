"""yunjey/pytorch-tutorial 02-intermediate, convolutional_neural_network and
deep_residual_network as written, at a tiny size on synthetic images (no torchvision download):
the ConvNet of two nn.Sequential layers (Conv2d with padding=2, BatchNorm2d, ReLU,
MaxPool2d(2)) and out.reshape(out.size(0), -1) into a Linear, trained with Adam and tested in
model.eval() mode; then the ResNet (conv3x3, ResidualBlock with an optional downsample
nn.Sequential, make_layer, AvgPool2d) trained with the tutorial's update_lr on
optimizer.param_groups (learning rate decayed every few epochs), with
transforms.RandomHorizontalFlip / RandomCrop replaced by torch.flip and a padded random crop.
One edit: the ConvNet's convolutions have bias=False (the tutorial keeps the default bias). A
bias right before BatchNorm has a zero gradient up to rounding (~1e-8, of either sign in any two
libraries), which Adam turns into full lr-sized steps; the running means then follow different
paths and eval-mode accuracy differs for a reason that is no one's bug."""
# ruff: noqa: PLR0402, UP008, UP032  (written in the tutorial's own style)

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# Device configuration
device = torch.device('cuda' if torch.cuda.is_available() and False else 'cpu')  # (CPU here: the
# test suite runs Numba's CUDA simulator, where is_available() is True and every op is slow)

# ---------------------------------------------------- convolutional_neural_network/main.py
# Hyper parameters
num_epochs = 5
num_classes = 10
batch_size = 25
learning_rate = 0.01

# MNIST dataset: synthetic 12x12 'digits'
rng = np.random.default_rng(1)
protos = rng.uniform(0, 1, (10, 1, 12, 12))
labels_all = rng.integers(0, 10, 150)
images_all = (protos[labels_all] + rng.normal(0, 0.3, (150, 1, 12, 12))).astype(np.float32)
train_dataset = torch.utils.data.TensorDataset(torch.from_numpy(images_all[:100]),
                                               torch.from_numpy(labels_all[:100]))
test_dataset = torch.utils.data.TensorDataset(torch.from_numpy(images_all[100:]),
                                              torch.from_numpy(labels_all[100:]))

# Data loader
train_loader = torch.utils.data.DataLoader(dataset=train_dataset,
                                           batch_size=batch_size,
                                           shuffle=True)

test_loader = torch.utils.data.DataLoader(dataset=test_dataset,
                                          batch_size=batch_size,
                                          shuffle=False)

# Convolutional neural network (two convolutional layers)
class ConvNet(nn.Module):
    def __init__(self, num_classes=10):
        super(ConvNet, self).__init__()
        self.layer1 = nn.Sequential(
            nn.Conv2d(1, 4, kernel_size=5, stride=1, padding=2, bias=False),
            nn.BatchNorm2d(4),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=2, stride=2))
        self.layer2 = nn.Sequential(
            nn.Conv2d(4, 8, kernel_size=5, stride=1, padding=2, bias=False),
            nn.BatchNorm2d(8),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=2, stride=2))
        self.fc = nn.Linear(3*3*8, num_classes)

    def forward(self, x):
        out = self.layer1(x)
        out = self.layer2(out)
        out = out.reshape(out.size(0), -1)
        out = self.fc(out)
        return out

model = ConvNet(num_classes).to(device)

# Loss and optimizer
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)

# Train the model
total_step = len(train_loader)
for epoch in range(num_epochs):
    for i, (images, labels) in enumerate(train_loader):
        images = images.to(device)
        labels = labels.to(device)

        # Forward pass
        outputs = model(images)
        loss = criterion(outputs, labels)

        # Backward and optimize
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

        if (i+1) % 2 == 0:
            print ('Epoch [{}/{}], Step [{}/{}], Loss: {:.4f}'
                   .format(epoch+1, num_epochs, i+1, total_step, loss.item()))

# Test the model
model.eval()  # eval mode (batchnorm uses moving mean/variance instead of mini-batch mean/variance)
with torch.no_grad():
    correct = 0
    total = 0
    for images, labels in test_loader:
        images = images.to(device)
        labels = labels.to(device)
        outputs = model(images)
        _, predicted = torch.max(outputs.data, 1)
        total += labels.size(0)
        correct += (predicted == labels).sum().item()

    print('Test Accuracy of the model on the 50 test images: {} %'.format(100 * correct / total))
print(model.layer1[1].running_var, model.layer1[1].num_batches_tracked)


# ---------------------------------------------------------- deep_residual_network/main.py
# Hyper-parameters
num_epochs = 6
batch_size = 16
learning_rate = 0.001

# Image preprocessing modules (Pad(4), RandomHorizontalFlip(), RandomCrop(32) in the tutorial)
def transform(x):
    if torch.rand(1).item() < 0.5:
        x = torch.flip(x, dims=[2])
    x = F.pad(x, (2, 2, 2, 2))
    i, j = torch.randint(0, 5, (2,)).tolist()
    return x[:, i:i + 8, j:j + 8]

# CIFAR-10 dataset: synthetic 3x8x8 images
class CIFAR(torch.utils.data.Dataset):
    def __init__(self, n, seed, transform=None):
        g = np.random.default_rng(seed)
        self.labels = g.integers(0, 4, n)
        base = np.random.default_rng(7).uniform(-1, 1, (4, 3, 8, 8))
        self.images = (base[self.labels] + g.normal(0, 0.2, (n, 3, 8, 8))).astype(np.float32)
        self.transform = transform

    def __getitem__(self, index):
        img = torch.from_numpy(self.images[index])
        if self.transform is not None:
            img = self.transform(img)
        return img, int(self.labels[index])

    def __len__(self):
        return len(self.labels)

train_dataset = CIFAR(48, 2, transform=transform)
test_dataset = CIFAR(32, 3)

train_loader = torch.utils.data.DataLoader(dataset=train_dataset,
                                           batch_size=batch_size,
                                           shuffle=True)

test_loader = torch.utils.data.DataLoader(dataset=test_dataset,
                                          batch_size=batch_size,
                                          shuffle=False)

# 3x3 convolution
def conv3x3(in_channels, out_channels, stride=1):
    return nn.Conv2d(in_channels, out_channels, kernel_size=3,
                     stride=stride, padding=1, bias=False)

# Residual block
class ResidualBlock(nn.Module):
    def __init__(self, in_channels, out_channels, stride=1, downsample=None):
        super(ResidualBlock, self).__init__()
        self.conv1 = conv3x3(in_channels, out_channels, stride)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(out_channels, out_channels)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.downsample = downsample

    def forward(self, x):
        residual = x
        out = self.conv1(x)
        out = self.bn1(out)
        out = self.relu(out)
        out = self.conv2(out)
        out = self.bn2(out)
        if self.downsample:
            residual = self.downsample(x)
        out += residual
        out = self.relu(out)
        return out

# ResNet
class ResNet(nn.Module):
    def __init__(self, block, layers, num_classes=4):
        super(ResNet, self).__init__()
        self.in_channels = 4
        self.conv = conv3x3(3, 4)
        self.bn = nn.BatchNorm2d(4)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = self.make_layer(block, 4, layers[0])
        self.layer2 = self.make_layer(block, 8, layers[1], 2)
        self.layer3 = self.make_layer(block, 16, layers[2], 2)
        self.avg_pool = nn.AvgPool2d(2)
        self.fc = nn.Linear(16, num_classes)

    def make_layer(self, block, out_channels, blocks, stride=1):
        downsample = None
        if (stride != 1) or (self.in_channels != out_channels):
            downsample = nn.Sequential(
                conv3x3(self.in_channels, out_channels, stride=stride),
                nn.BatchNorm2d(out_channels))
        layers = []
        layers.append(block(self.in_channels, out_channels, stride, downsample))
        self.in_channels = out_channels
        for i in range(1, blocks):
            layers.append(block(out_channels, out_channels))
        return nn.Sequential(*layers)

    def forward(self, x):
        out = self.conv(x)
        out = self.bn(out)
        out = self.relu(out)
        out = self.layer1(out)
        out = self.layer2(out)
        out = self.layer3(out)
        out = self.avg_pool(out)
        out = out.view(out.size(0), -1)
        out = self.fc(out)
        return out

model = ResNet(ResidualBlock, [1, 1, 1]).to(device)
print(sum(p.numel() for p in model.parameters()), model.layer2[0].downsample)


# Loss and optimizer
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate * 10)

# For updating learning rate
def update_lr(optimizer, lr):
    for param_group in optimizer.param_groups:
        param_group['lr'] = lr

# Train the model
total_step = len(train_loader)
curr_lr = learning_rate * 10
for epoch in range(num_epochs):
    for i, (images, labels) in enumerate(train_loader):
        images = images.to(device)
        labels = labels.to(device)

        # Forward pass
        outputs = model(images)
        loss = criterion(outputs, labels)

        # Backward and optimize
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

        if (i+1) % 3 == 0:
            print ("Epoch [{}/{}], Step [{}/{}] Loss: {:.4f}"
                   .format(epoch+1, num_epochs, i+1, total_step, loss.item()))

    # Decay learning rate
    if (epoch+1) % 2 == 0:
        curr_lr /= 3
        update_lr(optimizer, curr_lr)
        print('lr', optimizer.param_groups[0]['lr'])

# Test the model
model.eval()
with torch.no_grad():
    correct = 0
    total = 0
    for images, labels in test_loader:
        images = images.to(device)
        labels = labels.to(device)
        outputs = model(images)
        _, predicted = torch.max(outputs.data, 1)
        total += labels.size(0)
        correct += (predicted == labels).sum().item()

    print('Accuracy of the model on the test images: {} %'.format(100 * correct / total))
