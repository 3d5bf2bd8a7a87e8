"""yunjey/pytorch-tutorial 02-intermediate, recurrent_neural_network and
bidirectional_recurrent_neural_network as written, on synthetic 8x8 'digits' read row by row
(sequence_length = input_size = 8; no MNIST download): an nn.LSTM(batch_first=True) whose
h0/c0 are torch.zeros(self.num_layers, x.size(0), self.hidden_size).to(device), out[:, -1, :]
into a Linear; the BiRNN with bidirectional=True, num_layers*2 initial states and a Linear of
hidden_size*2; both trained with Adam on images.reshape(-1, sequence_length, input_size) and
tested under torch.no_grad()."""
# ruff: noqa: PLR0402, UP008, UP032  (written in the tutorial's own style)

import numpy as np
import torch
import torch.nn as nn

# Device configuration
device = torch.device('cuda' if torch.cuda.is_available() and False else 'cpu')  # (CPU here: the
# test suite runs Numba's CUDA simulator, where is_available() is True and every op is slow)

# Hyper-parameters
sequence_length = 8
input_size = 8
hidden_size = 16
num_layers = 2
num_classes = 10
batch_size = 20
num_epochs = 8
learning_rate = 0.01

# MNIST dataset: synthetic 8x8 'digits'
rng = np.random.default_rng(3)
protos = rng.uniform(0, 1, (10, 1, 8, 8))
labels_all = rng.integers(0, 10, 140)
images_all = np.clip(protos[labels_all] + rng.normal(0, 0.2, (140, 1, 8, 8)), 0, 1)
images_all = images_all.astype(np.float32)
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

# Recurrent neural network (many-to-one)
class RNN(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers, num_classes):
        super(RNN, self).__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.lstm = nn.LSTM(input_size, hidden_size, num_layers, batch_first=True)
        self.fc = nn.Linear(hidden_size, num_classes)

    def forward(self, x):
        # Set initial hidden and cell states
        h0 = torch.zeros(self.num_layers, x.size(0), self.hidden_size).to(device)
        c0 = torch.zeros(self.num_layers, x.size(0), self.hidden_size).to(device)

        # Forward propagate LSTM
        out, _ = self.lstm(x, (h0, c0))  # out: tensor of shape (batch_size, seq_length, hidden_size)

        # Decode the hidden state of the last time step
        out = self.fc(out[:, -1, :])
        return out

# Bidirectional recurrent neural network (many-to-one)
class BiRNN(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers, num_classes):
        super(BiRNN, self).__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.lstm = nn.LSTM(input_size, hidden_size, num_layers, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(hidden_size*2, num_classes)  # 2 for bidirection

    def forward(self, x):
        # Set initial states
        h0 = torch.zeros(self.num_layers*2, x.size(0), self.hidden_size).to(device) # 2 for bidirection
        c0 = torch.zeros(self.num_layers*2, x.size(0), self.hidden_size).to(device)

        # Forward propagate LSTM
        out, _ = self.lstm(x, (h0, c0))  # out: tensor of shape (batch_size, seq_length, hidden_size*2)

        # Decode the hidden state of the last time step
        out = self.fc(out[:, -1, :])
        return out


for Model in (RNN, BiRNN):
    model = Model(input_size, hidden_size, num_layers, num_classes).to(device)
    print(model)

    # Loss and optimizer
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)

    # Train the model
    total_step = len(train_loader)
    for epoch in range(num_epochs):
        for i, (images, labels) in enumerate(train_loader):
            images = images.reshape(-1, sequence_length, input_size).to(device)
            labels = labels.to(device)

            # Forward pass
            outputs = model(images)
            loss = criterion(outputs, labels)

            # Backward and optimize
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

            if (i+1) % 5 == 0 and (epoch+1) % 2 == 0:
                print ('Epoch [{}/{}], Step [{}/{}], Loss: {:.4f}'
                       .format(epoch+1, num_epochs, i+1, total_step, loss.item()))

    # Test the model
    model.eval()
    with torch.no_grad():
        correct = 0
        total = 0
        for images, labels in test_loader:
            images = images.reshape(-1, sequence_length, input_size).to(device)
            labels = labels.to(device)
            outputs = model(images)
            _, predicted = torch.max(outputs.data, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()

        print('Test Accuracy of the model on the 40 test images: {} %'.format(100 * correct / total))
