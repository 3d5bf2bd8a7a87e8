"""'Learn the Basics' chapters in small, as written there: Transforms (the target_transform
Lambda one-hot ``torch.zeros(10, dtype=torch.float).scatter_(0, torch.tensor(y), value=1)``),
Automatic Differentiation (w, b with requires_grad, binary_cross_entropy_with_logits, the
grad_fn names, w.grad/b.grad, requires_grad under no_grad and after detach, the Jacobian-vector
product accumulating over two backward calls with retain_graph and zeroed in between),
Optimizing Model Parameters (train_loop/test_loop with size, num_batches, batch % 100 printing
and the Accuracy/Avg loss report, on a small random 'FashionMNIST' of 28x28 images) and Save and
Load the Model (state_dict to a buffer, torch.load(weights_only=True), model.eval())."""
import io

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

# --- Transforms: the one-hot target transform
target_transform = lambda y: torch.zeros(10, dtype=torch.float).scatter_(  # noqa: E731
    0, torch.tensor(y), value=1)
print(target_transform(3))

# --- Automatic differentiation
torch.manual_seed(0)
x = torch.ones(5)  # input tensor
y = torch.zeros(3)  # expected output
w = torch.randn(5, 3, requires_grad=True)
b = torch.randn(3, requires_grad=True)
z = torch.matmul(x, w) + b
loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)

print(f"Gradient function for z = {type(z.grad_fn).__name__}")
print(f"Gradient function for loss = {type(loss.grad_fn).__name__}")

loss.backward()
print(w.grad)
print(b.grad)

z = torch.matmul(x, w) + b
print(z.requires_grad)

with torch.no_grad():
    z = torch.matmul(x, w) + b
print(z.requires_grad)

z = torch.matmul(x, w) + b
z_det = z.detach()
print(z_det.requires_grad)

inp = torch.eye(4, 5, requires_grad=True)
out = (inp + 1).pow(2).t()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"First call\n{inp.grad}")
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\nSecond call\n{inp.grad}")
inp.grad.zero_()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\nCall after zeroing gradients\n{inp.grad}")


# --- Optimizing model parameters (random stand-ins for FashionMNIST)
class RandomImages(Dataset):
    def __init__(self, n, seed, transform=None, target_transform=None):
        g = torch.Generator().manual_seed(seed)
        self.labels = torch.randint(0, 10, (n,), generator=g)
        # each class a brighter band of rows, plus noise: learnable in a few epochs
        base = torch.rand(n, 1, 28, 28, generator=g) * 0.5
        for i in range(n):
            r = int(self.labels[i]) * 2
            base[i, 0, r:r + 4] += 1.0
        self.images = base
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, idx):
        image, label = self.images[idx], int(self.labels[idx])
        if self.transform:
            image = self.transform(image)
        if self.target_transform:
            label = self.target_transform(label)
        return image, label


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(28 * 28, 64),
            nn.ReLU(),
            nn.Linear(64, 64),
            nn.ReLU(),
            nn.Linear(64, 10),
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits


torch.manual_seed(0)
training_data = RandomImages(256, 1)
test_data = RandomImages(64, 2)
train_dataloader = DataLoader(training_data, batch_size=32)
test_dataloader = DataLoader(test_data, batch_size=32)
model = NeuralNetwork()

learning_rate = 1e-1
batch_size = 32
epochs = 3
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)


def train_loop(dataloader, model, loss_fn, optimizer):
    size = len(dataloader.dataset)
    # Set the model to training mode - important for batch normalization and dropout layers
    model.train()
    for batch, (X, y) in enumerate(dataloader):
        # Compute prediction and loss
        pred = model(X)
        loss = loss_fn(pred, y)

        # Backpropagation
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()

        if batch % 4 == 0:
            loss, current = loss.item(), batch * batch_size + len(X)
            print(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")


def test_loop(dataloader, model, loss_fn):
    # Set the model to evaluation mode - important for batch normalization and dropout layers
    model.eval()
    size = len(dataloader.dataset)
    num_batches = len(dataloader)
    test_loss, correct = 0, 0

    # Evaluating the model with torch.no_grad() ensures that no gradients are computed
    with torch.no_grad():
        for X, y in dataloader:
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()

    test_loss /= num_batches
    correct /= size
    print(f"Test Error: \n Accuracy: {(100*correct):>0.1f}%, Avg loss: {test_loss:>8f} \n")
    return correct


for t in range(epochs):
    print(f"Epoch {t+1}\n-------------------------------")
    train_loop(train_dataloader, model, loss_fn, optimizer)
    accuracy = test_loop(test_dataloader, model, loss_fn)
print("Done!")

# --- Save and load the model
buffer = io.BytesIO()
torch.save(model.state_dict(), buffer)
buffer.seek(0)
model2 = NeuralNetwork()
model2.load_state_dict(torch.load(buffer, weights_only=True))
model2.eval()
X = test_data[0][0].unsqueeze(0)
print(torch.equal(model(X), model2(X)), list(model2.state_dict())[:2])
print("final accuracy above 0.5:", accuracy > 0.5)
