"""yunjey/pytorch-tutorial 01-basics/pytorch_basics/main.py, kept as written except where it
downloads: basic autograd on scalars (x.grad, w.grad, b.grad), a Linear layer's gradients and one
SGD step with nn.MSELoss, the NumPy bridge (from_numpy / .numpy()), the input pipeline on a
synthetic CIFAR-10-sized TensorDataset (dataset[0], iter(loader) and next), a custom Dataset,
a 'pretrained' backbone frozen with requires_grad = False whose fc is replaced (a small ResNet-ish
net stands in for torchvision's resnet18), and saving/loading the parameters with state_dict."""
# ruff: noqa: PLR0402, UP008  (written in the tutorial's own style)

import os
import tempfile

import numpy as np
import torch
import torch.nn as nn

# ================================================================== #
#                         Table of Contents                          #
# ================================================================== #

# 1. Basic autograd example 1               (Line 25 to 39)
# 2. Basic autograd example 2               (Line 46 to 83)
# 3. Loading data from numpy                (Line 90 to 97)
# 4. Input pipline                          (Line 104 to 129)
# 5. Input pipline for custom dataset       (Line 136 to 156)
# 6. Pretrained model                       (Line 163 to 176)
# 7. Save and load model                    (Line 183 to 189)


# ================================================================== #
#                     1. Basic autograd example 1                    #
# ================================================================== #

# Create tensors.
x = torch.tensor(1., requires_grad=True)
w = torch.tensor(2., requires_grad=True)
b = torch.tensor(3., requires_grad=True)

# Build a computational graph.
y = w * x + b    # y = 2 * x + 3

# Compute gradients.
y.backward()

# Print out the gradients.
print(x.grad)    # x.grad = 2
print(w.grad)    # w.grad = 1
print(b.grad)    # b.grad = 1


# ================================================================== #
#                    2. Basic autograd example 2                     #
# ================================================================== #

# Create tensors of shape (10, 3) and (10, 2).
x = torch.randn(10, 3)
y = torch.randn(10, 2)

# Build a fully connected layer.
linear = nn.Linear(3, 2)
print ('w: ', linear.weight)
print ('b: ', linear.bias)

# Build loss function and optimizer.
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(linear.parameters(), lr=0.01)

# Forward pass.
pred = linear(x)

# Compute loss.
loss = criterion(pred, y)
print('loss: ', loss.item())

# Backward pass.
loss.backward()

# Print out the gradients.
print ('dL/dw: ', linear.weight.grad)
print ('dL/db: ', linear.bias.grad)

# 1-step gradient descent.
optimizer.step()

# You can also perform gradient descent at the low level.
linear.weight.data.sub_(0.01 * linear.weight.grad.data)
linear.bias.data.sub_(0.01 * linear.bias.grad.data)

# Print out the loss after 1-step gradient descent.
pred = linear(x)
loss = criterion(pred, y)
print('loss after 1 step optimization: ', loss.item())


# ================================================================== #
#                     3. Loading data from numpy                     #
# ================================================================== #

# Create a numpy array.
x = np.array([[1, 2], [3, 4]])

# Convert the numpy array to a torch tensor.
y = torch.from_numpy(x)

# Convert the torch tensor to a numpy array.
z = y.numpy()
print(y, y.dtype, type(z).__name__, z.dtype, z.tolist())


# ================================================================== #
#                         4. Input pipeline                          #
# ================================================================== #

# A CIFAR-10-sized dataset (the tutorial downloads it with torchvision; here it is synthetic).
images_np = np.random.default_rng(0).uniform(0, 1, (96, 3, 32, 32)).astype(np.float32)
labels_np = np.arange(96) % 10
train_dataset = torch.utils.data.TensorDataset(torch.from_numpy(images_np),
                                               torch.from_numpy(labels_np))

# Fetch one data pair (read data from disk).
image, label = train_dataset[0]
print (image.size())
print (label)

# Data loader (this provides queues and threads in a very simple way).
train_loader = torch.utils.data.DataLoader(dataset=train_dataset,
                                           batch_size=64,
                                           shuffle=True)

# When iteration starts, queue and thread start to load data from files.
data_iter = iter(train_loader)

# Mini-batch images and labels.
images, labels = next(data_iter)
print(images.shape, labels[:12])

# Actual usage of the data loader is as below.
for images, labels in train_loader:
    # Training code should be written here.
    print('batch', tuple(images.shape), labels.sum().item())


# ================================================================== #
#                5. Input pipeline for custom dataset                 #
# ================================================================== #

# You should build your custom dataset as below.
class CustomDataset(torch.utils.data.Dataset):
    def __init__(self):
        # TODO
        # 1. Initialize file paths or a list of file names.
        self.items = [(np.float32(i) / 10, i % 3) for i in range(10)]

    def __getitem__(self, index):
        # TODO
        # 1. Read one data from file (e.g. using numpy.fromfile, PIL.Image.open).
        # 2. Preprocess the data (e.g. torchvision.Transform).
        # 3. Return a data pair (e.g. image and label).
        value, label = self.items[index]
        return torch.tensor([value, value ** 2]), label

    def __len__(self):
        # You should change 0 to the total size of your dataset.
        return len(self.items)

# You can then use the prebuilt data loader.
custom_dataset = CustomDataset()
train_loader = torch.utils.data.DataLoader(dataset=custom_dataset,
                                           batch_size=4,
                                           shuffle=True)
for data, target in train_loader:
    print(data.shape, data.dtype, target)


# ================================================================== #
#                        6. Pretrained model                         #
# ================================================================== #

class TinyResNet(nn.Module):
    """A stand-in for torchvision.models.resnet18(pretrained=True): the same fc attribute."""
    def __init__(self):
        super(TinyResNet, self).__init__()
        self.conv1 = nn.Conv2d(3, 8, kernel_size=3, stride=2, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.relu = nn.ReLU(inplace=True)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(8, 1000)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        return self.fc(x)

# Download and load the pretrained ResNet-18.
resnet = TinyResNet()

# If you want to finetune only the top layer of the model, set as below.
for param in resnet.parameters():
    param.requires_grad = False

# Replace the top layer for finetuning.
resnet.fc = nn.Linear(resnet.fc.in_features, 100)  # 100 is an example.

# Forward pass.
images = torch.randn(64, 3, 16, 16)
outputs = resnet(images)
print (outputs.size())     # (64, 100)
print([n for n, p in resnet.named_parameters() if p.requires_grad])
outputs.mean().backward()
print(resnet.conv1.weight.grad, resnet.fc.bias.grad.shape)


# ================================================================== #
#                      7. Save and load the model                    #
# ================================================================== #

tmp = tempfile.mkdtemp()
# Save and load only the model parameters (recommended).
torch.save(resnet.state_dict(), os.path.join(tmp, 'params.ckpt'))
before = resnet(images[:2])
resnet.fc.weight.data.zero_()
resnet.load_state_dict(torch.load(os.path.join(tmp, 'params.ckpt')))
print(torch.equal(resnet(images[:2]), before), list(resnet.state_dict())[:4])
os.remove(os.path.join(tmp, 'params.ckpt'))
os.rmdir(tmp)
