"""yunjey/pytorch-tutorial 01-basics, its three small programs one after another as written:
linear_regression (the tutorial's own 15-point toy data, nn.Linear(1, 1), nn.MSELoss, SGD at
lr=0.001 for 60 epochs, .detach().numpy() of the prediction, torch.save of the state_dict),
logistic_regression (nn.Linear(input_size, num_classes) with nn.CrossEntropyLoss on
images.reshape(-1, input_size), the test under torch.no_grad() with torch.max(outputs.data, 1)
and (predicted == labels).sum()) and feedforward_neural_network (NeuralNet fc1-ReLU-fc2 moved
.to(device), Adam). MNIST is replaced by synthetic 8x8 'digits' (no download)."""
# ruff: noqa: PLR0402, UP008, UP032  (written in the tutorial's own style)

import os
import tempfile

import numpy as np
import torch
import torch.nn as nn

# ---------------------------------------------------------------- linear_regression/main.py
# Hyper-parameters
input_size = 1
output_size = 1
num_epochs = 60
learning_rate = 0.001

# Toy dataset
x_train = np.array([[3.3], [4.4], [5.5], [6.71], [6.93], [4.168],
                    [9.779], [6.182], [7.59], [2.167], [7.042],
                    [10.791], [5.313], [7.997], [3.1]], dtype=np.float32)

y_train = np.array([[1.7], [2.76], [2.09], [3.19], [1.694], [1.573],
                    [3.366], [2.596], [2.53], [1.221], [2.827],
                    [3.465], [1.65], [2.904], [1.3]], dtype=np.float32)

# Linear regression model
model = nn.Linear(input_size, output_size)

# Loss and optimizer
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)

# Train the model
for epoch in range(num_epochs):
    # Convert numpy arrays to torch tensors
    inputs = torch.from_numpy(x_train)
    targets = torch.from_numpy(y_train)

    # Forward pass
    outputs = model(inputs)
    loss = criterion(outputs, targets)

    # Backward and optimize
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

    if (epoch+1) % 5 == 0:
        print ('Epoch [{}/{}], Loss: {:.4f}'.format(epoch+1, num_epochs, loss.item()))

# Plot the graph
predicted = model(torch.from_numpy(x_train)).detach().numpy()
print(type(predicted).__name__, predicted.dtype, predicted.shape, np.round(predicted[:3, 0], 4))

# Save the model checkpoint
tmp = tempfile.mkdtemp()
torch.save(model.state_dict(), os.path.join(tmp, 'model.ckpt'))
print(sorted(torch.load(os.path.join(tmp, 'model.ckpt'))))


# -------------------------------------------------------------- logistic_regression/main.py
# Hyper-parameters
input_size = 64
num_classes = 10
num_epochs = 5
batch_size = 50
learning_rate = 0.05

# MNIST dataset (images and labels): synthetic 8x8 digits
rng = np.random.default_rng(0)
protos = rng.uniform(0, 1, (10, 1, 8, 8))
labels_all = rng.integers(0, 10, 300)
images_all = np.clip(protos[labels_all] + rng.normal(0, 0.3, (300, 1, 8, 8)), 0, 1)
images_all = images_all.astype(np.float32)
train_dataset = torch.utils.data.TensorDataset(torch.from_numpy(images_all[:200]),
                                               torch.from_numpy(labels_all[:200]))
test_dataset = torch.utils.data.TensorDataset(torch.from_numpy(images_all[200:]),
                                              torch.from_numpy(labels_all[200:]))

# Data loader (input pipeline)
train_loader = torch.utils.data.DataLoader(dataset=train_dataset,
                                           batch_size=batch_size,
                                           shuffle=True)

test_loader = torch.utils.data.DataLoader(dataset=test_dataset,
                                          batch_size=batch_size,
                                          shuffle=False)

# Logistic regression model
model = nn.Linear(input_size, num_classes)

# Loss and optimizer
# nn.CrossEntropyLoss() computes softmax internally
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)

# Train the model
total_step = len(train_loader)
for epoch in range(num_epochs):
    for i, (images, labels) in enumerate(train_loader):
        # Reshape images to (batch_size, input_size)
        images = images.reshape(-1, input_size)

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
# In test phase, we don't need to compute gradients (for memory efficiency)
with torch.no_grad():
    correct = 0
    total = 0
    for images, labels in test_loader:
        images = images.reshape(-1, input_size)
        outputs = model(images)
        _, predicted = torch.max(outputs.data, 1)
        total += labels.size(0)
        correct += (predicted == labels).sum()

    print('Accuracy of the model on the 100 test images: {} %'.format(100 * correct / total))

# Save the model checkpoint
torch.save(model.state_dict(), os.path.join(tmp, 'model.ckpt'))


# ------------------------------------------------------- feedforward_neural_network/main.py
# Device configuration
device = torch.device('cuda' if torch.cuda.is_available() and False else 'cpu')  # (CPU here: the
# test suite runs Numba's CUDA simulator, where is_available() is True and every op is slow)

# Hyper-parameters
hidden_size = 32
learning_rate = 0.01

# Fully connected neural network with one hidden layer
class NeuralNet(nn.Module):
    def __init__(self, input_size, hidden_size, num_classes):
        super(NeuralNet, self).__init__()
        self.fc1 = nn.Linear(input_size, hidden_size)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(hidden_size, num_classes)

    def forward(self, x):
        out = self.fc1(x)
        out = self.relu(out)
        out = self.fc2(out)
        return out

model = NeuralNet(input_size, hidden_size, num_classes).to(device)

# Loss and optimizer
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)

# Train the model
total_step = len(train_loader)
for epoch in range(num_epochs):
    for i, (images, labels) in enumerate(train_loader):
        # Move tensors to the configured device
        images = images.reshape(-1, 8*8).to(device)
        labels = labels.to(device)

        # Forward pass
        outputs = model(images)
        loss = criterion(outputs, labels)

        # Backward and optimize
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

        if (i+1) % 4 == 0:
            print ('Epoch [{}/{}], Step [{}/{}], Loss: {:.4f}'
                   .format(epoch+1, num_epochs, i+1, total_step, loss.item()))

# Test the model
# In test phase, we don't need to compute gradients (for memory efficiency)
with torch.no_grad():
    correct = 0
    total = 0
    for images, labels in test_loader:
        images = images.reshape(-1, 8*8).to(device)
        labels = labels.to(device)
        outputs = model(images)
        _, predicted = torch.max(outputs.data, 1)
        total += labels.size(0)
        correct += (predicted == labels).sum().item()

    print('Accuracy of the network on the 100 test images: {} %'.format(100 * correct / total))

# Save the model checkpoint
torch.save(model.state_dict(), os.path.join(tmp, 'model.ckpt'))
print(list(torch.load(os.path.join(tmp, 'model.ckpt'), weights_only=True)))
os.remove(os.path.join(tmp, 'model.ckpt'))
os.rmdir(tmp)
