"""d2l.ai 'softmax regression implementation from scratch' (PyTorch tab) on a synthetic 8x8
'Fashion-MNIST': W and b with requires_grad=True, X.sum(0, keepdim=True), a hand-written softmax
with exp and a broadcast divide, net with torch.matmul(X.reshape((-1, W.shape[0])), W) + b,
y_hat[[0, 1], y] and cross_entropy as -torch.log(y_hat[range(len(y_hat)), y]), accuracy with
y_hat.argmax(axis=1), y_hat.type(y.dtype) == y and float(cmp.type(y.dtype).sum()), the
Accumulator class, evaluate_accuracy under torch.no_grad(), train_epoch_ch3 with
isinstance(updater, torch.optim.Optimizer) (both branches: d2l.sgd with param -= lr *
param.grad / batch_size and param.grad.zero_(), then the concise chapter's nn.Sequential with
nn.Flatten, init_weights through net.apply, CrossEntropyLoss(reduction='none') and
torch.optim.SGD), and predict_ch3's labels.  (torch.normal is a NumPy draw, the data set is
synthetic, 28x28 becomes 8x8, the loader does not shuffle, no plots; lr 0.5 for the smaller inputs.)"""
import numpy as np
import torch
from torch import nn
from torch.utils import data

rng = np.random.default_rng(0)


def normal(mean, std, size):  # torch.normal(mean, std, size=...)
    return torch.from_numpy(rng.normal(mean, std, size).astype(np.float32))


def get_fashion_mnist_labels(labels):  #@save
    """Return text labels for the Fashion-MNIST dataset."""
    text_labels = ['t-shirt', 'trouser', 'pullover', 'dress', 'coat',
                   'sandal', 'shirt', 'sneaker', 'bag', 'ankle boot']
    return [text_labels[int(i)] for i in labels]


def load_data_fashion_mnist(batch_size):  # synthetic stand-in for d2l's loader
    protos = rng.uniform(0, 1, (10, 1, 8, 8))
    labels = rng.integers(0, 10, 480)
    images = np.clip(protos[labels] + rng.normal(0, 0.2, (480, 1, 8, 8)), 0, 1)
    images = torch.from_numpy(images.astype(np.float32))
    labels = torch.from_numpy(labels)
    mnist_train = data.TensorDataset(images[:384], labels[:384])
    mnist_test = data.TensorDataset(images[384:], labels[384:])
    return (data.DataLoader(mnist_train, batch_size, shuffle=False),
            data.DataLoader(mnist_test, batch_size, shuffle=False))


batch_size = 64
train_iter, test_iter = load_data_fashion_mnist(batch_size)

num_inputs = 64
num_outputs = 10

W = normal(0, 0.01, size=(num_inputs, num_outputs)).requires_grad_(True)
b = torch.zeros(num_outputs, requires_grad=True)

X = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
print(X.sum(0, keepdim=True), X.sum(1, keepdim=True))


def softmax(X):
    X_exp = torch.exp(X)
    partition = X_exp.sum(1, keepdim=True)
    return X_exp / partition  # The broadcasting mechanism is applied here


X = normal(0, 1, (2, 5))
X_prob = softmax(X)
print(X_prob, X_prob.sum(1))


def net(X):
    return softmax(torch.matmul(X.reshape((-1, W.shape[0])), W) + b)


y = torch.tensor([0, 2])
y_hat = torch.tensor([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]])
print(y_hat[[0, 1], y])


def cross_entropy(y_hat, y):
    return - torch.log(y_hat[range(len(y_hat)), y])


print(cross_entropy(y_hat, y))


def accuracy(y_hat, y):  #@save
    """Compute the number of correct predictions."""
    if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(axis=1)
    cmp = y_hat.type(y.dtype) == y
    return float(cmp.type(y.dtype).sum())


print(accuracy(y_hat, y) / len(y))


class Accumulator:  #@save
    """For accumulating sums over `n` variables."""
    def __init__(self, n):
        self.data = [0.0] * n

    def add(self, *args):
        self.data = [a + float(b) for a, b in zip(self.data, args)]

    def reset(self):
        self.data = [0.0] * len(self.data)

    def __getitem__(self, idx):
        return self.data[idx]


def evaluate_accuracy(net, data_iter):  #@save
    """Compute the accuracy for a model on a dataset."""
    if isinstance(net, torch.nn.Module):
        net.eval()  # Set the model to evaluation mode
    metric = Accumulator(2)  # No. of correct predictions, no. of predictions

    with torch.no_grad():
        for X, y in data_iter:
            metric.add(accuracy(net(X), y), y.numel())
    return metric[0] / metric[1]


print(evaluate_accuracy(net, test_iter))


def train_epoch_ch3(net, train_iter, loss, updater):  #@save
    """The training loop defined in Chapter 3."""
    # Set the model to training mode
    if isinstance(net, torch.nn.Module):
        net.train()
    # Sum of training loss, sum of training accuracy, no. of examples
    metric = Accumulator(3)
    for X, y in train_iter:
        # Compute gradients and update parameters
        y_hat = net(X)
        l = loss(y_hat, y)
        if isinstance(updater, torch.optim.Optimizer):
            # Using PyTorch in-built optimizer & loss criterion
            updater.zero_grad()
            l.mean().backward()
            updater.step()
        else:
            # Using custom built optimizer & loss criterion
            l.sum().backward()
            updater(X.shape[0])
        metric.add(float(l.sum()), accuracy(y_hat, y), y.numel())
    # Return training loss and training accuracy
    return metric[0] / metric[2], metric[1] / metric[2]


def train_ch3(net, train_iter, test_iter, loss, num_epochs, updater):  #@save
    """Train a model (defined in Chapter 3)."""
    for epoch in range(num_epochs):
        train_metrics = train_epoch_ch3(net, train_iter, loss, updater)
        test_acc = evaluate_accuracy(net, test_iter)
        print(f'epoch {epoch + 1}, loss {train_metrics[0]:.4f}, '
              f'train acc {train_metrics[1]:.3f}, test acc {test_acc:.3f}')
    train_loss, train_acc = train_metrics
    assert train_loss < 0.5, train_loss
    assert train_acc <= 1 and train_acc > 0.7, train_acc
    assert test_acc <= 1 and test_acc > 0.7, test_acc


def sgd(params, lr, batch_size):  #@save
    """Minibatch stochastic gradient descent."""
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


lr = 0.5


def updater(batch_size):
    return sgd([W, b], lr, batch_size)


num_epochs = 10
train_ch3(net, train_iter, test_iter, cross_entropy, num_epochs, updater)


def predict_ch3(net, test_iter, n=6):  #@save
    """Predict labels (defined in Chapter 3)."""
    for X, y in test_iter:
        break
    trues = get_fashion_mnist_labels(y)
    preds = get_fashion_mnist_labels(net(X).argmax(axis=1))
    titles = [true + ' / ' + pred for true, pred in zip(trues, preds)]
    print(titles[0:n])


predict_ch3(net, test_iter)

# ---------------------------------------------- 'concise implementation of softmax regression'
# PyTorch does not implicitly reshape the inputs. Thus we define the flatten
# layer to reshape the inputs before the linear layer in our network
net = nn.Sequential(nn.Flatten(), nn.Linear(64, 10))


def init_weights(m):
    if type(m) == nn.Linear:
        m.weight.data = normal(0, 0.01, tuple(m.weight.shape))  # nn.init.normal_(std=0.01)
        nn.init.zeros_(m.bias)


net.apply(init_weights)
loss = nn.CrossEntropyLoss(reduction='none')
trainer = torch.optim.SGD(net.parameters(), lr=0.5)
train_ch3(net, train_iter, test_iter, loss, num_epochs, trainer)
