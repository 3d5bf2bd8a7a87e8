"""The 'Introduction to PyTorch' series' 'Training with PyTorch' tutorial in small: a
GarmentClassifier CNN (conv -> pool -> conv -> pool -> 3 linears) on random 28x28 stand-ins for
FashionMNIST, DataLoader(shuffle=True) for training, the tutorial's dummy-output loss example
(CrossEntropyLoss of random logits against labels), train_one_epoch with running_loss and a
last_loss every N batches, the per-epoch validation under model.eval() and torch.no_grad(),
the best validation loss's state_dict saved (to a buffer here) and loaded into a new model."""
import io

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)


def fake_fashion(n):
    labels = torch.randint(0, 10, (n,))
    images = torch.randn(n, 1, 28, 28) * 0.3
    for i in range(n):
        c = int(labels[i])
        images[i, 0, 2 * c:2 * c + 6, 2 * c:2 * c + 6] += 1.5     # a class-placed patch
    return TensorDataset(images, labels)


training_set = fake_fashion(160)
validation_set = fake_fashion(40)

training_loader = DataLoader(training_set, batch_size=8, shuffle=True)
validation_loader = DataLoader(validation_set, batch_size=8, shuffle=False)

classes = ('T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat',
           'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle Boot')

print('Training set has {} instances'.format(len(training_set)))
print('Validation set has {} instances'.format(len(validation_set)))

dataiter = iter(training_loader)
images, labels = next(dataiter)
print('  '.join(classes[labels[j]] for j in range(4)))


class GarmentClassifier(nn.Module):
    def __init__(self):
        super(GarmentClassifier, self).__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 4 * 4, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.view(-1, 16 * 4 * 4)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


model = GarmentClassifier()

loss_fn = torch.nn.CrossEntropyLoss()

# NB: Loss functions expect data in batches, so we're creating batches of 4
# Represents the model's confidence in each of the 10 classes for a given input
dummy_outputs = torch.rand(4, 10)
# Represents the correct class among the 10 being tested
dummy_labels = torch.tensor([1, 5, 3, 7])

print(dummy_outputs)
print(dummy_labels)

loss = loss_fn(dummy_outputs, dummy_labels)
print('Total loss for this batch: {}'.format(loss.item()))

optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)


def train_one_epoch(epoch_index):
    running_loss = 0.
    last_loss = 0.

    # Here, we use enumerate(training_loader) instead of
    # iter(training_loader) so that we can track the batch
    # index and do some intra-epoch reporting
    for i, data in enumerate(training_loader):
        # Every data instance is an input + label pair
        inputs, labels = data

        # Zero your gradients for every batch!
        optimizer.zero_grad()

        # Make predictions for this batch
        outputs = model(inputs)

        # Compute the loss and its gradients
        loss = loss_fn(outputs, labels)
        loss.backward()

        # Adjust learning weights
        optimizer.step()

        # Gather data and report
        running_loss += loss.item()
        if i % 10 == 9:
            last_loss = running_loss / 10  # loss per batch
            print('  batch {} loss: {}'.format(i + 1, last_loss))
            running_loss = 0.

    return last_loss


epoch_number = 0
EPOCHS = 4
best_vloss = 1_000_000.
best_state = None

for epoch in range(EPOCHS):
    print('EPOCH {}:'.format(epoch_number + 1))

    # Make sure gradient tracking is on, and do a pass over the data
    model.train(True)
    avg_loss = train_one_epoch(epoch_number)

    running_vloss = 0.0
    # Set the model to evaluation mode, disabling dropout and using population
    # statistics for batch normalization.
    model.eval()

    # Disable gradient computation and reduce memory consumption.
    with torch.no_grad():
        correct = 0
        for i, vdata in enumerate(validation_loader):
            vinputs, vlabels = vdata
            voutputs = model(vinputs)
            vloss = loss_fn(voutputs, vlabels)
            running_vloss += vloss
            correct += (voutputs.argmax(1) == vlabels).sum().item()

    avg_vloss = running_vloss / (i + 1)
    print('LOSS train {} valid {}'.format(avg_loss, avg_vloss))
    print('valid accuracy {}/{}'.format(correct, len(validation_set)))

    # Track best performance, and save the model's state
    if avg_vloss < best_vloss:
        best_vloss = avg_vloss
        buffer = io.BytesIO()
        torch.save(model.state_dict(), buffer)
        best_state = buffer.getvalue()

    epoch_number += 1

saved_model = GarmentClassifier()
saved_model.load_state_dict(torch.load(io.BytesIO(best_state)))
saved_model.eval()
with torch.no_grad():
    print('best valid loss reloaded', loss_fn(saved_model(validation_set.tensors[0]),
                                              validation_set.tensors[1]))
