"""d2l.ai 'Optimization Algorithms' chapter: minibatch SGD, momentum, AdaGrad, RMSProp,
Adadelta and Adam written from scratch (state tensors updated with ``s[:] = ...`` under
no_grad, ``p.grad.data.zero_()``), trained by train_ch11 on a small synthetic regression set
(d2l uses the airfoil data), then the same algorithms from torch.optim via train_concise_ch11;
prints the loss after each epoch."""
import torch
from torch import nn
from torch.utils import data


def load_array(data_arrays, batch_size, is_train=True):
    dataset = data.TensorDataset(*data_arrays)
    return data.DataLoader(dataset, batch_size, shuffle=is_train)


def get_data_ch11(batch_size=12, n=120):
    torch.manual_seed(11)
    features = torch.randn(n, 5)
    true_w = torch.tensor([[1.5], [-2.0], [0.5], [0.0], [3.0]])
    labels = features @ true_w + 0.3 + 0.1 * torch.randn(n, 1)
    labels = (labels - labels.mean()) / labels.std()
    data_iter = load_array((features[:n], labels[:n]), batch_size, is_train=True)
    return data_iter, features.shape[1]


def linreg(X, w, b):
    return torch.matmul(X, w) + b


def squared_loss(y_hat, y):
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def evaluate_loss(net, data_iter, loss):
    total, n = 0.0, 0
    for X, y in data_iter:
        out = net(X)
        y = y.reshape(out.shape)
        l = loss(out, y)
        total += l.sum().item()
        n += l.numel()
    return total / n


def sgd(params, states, hyperparams):
    for p in params:
        p.data.sub_(hyperparams['lr'] * p.grad)
        p.grad.data.zero_()


def init_momentum_states(feature_dim):
    v_w = torch.zeros((feature_dim, 1))
    v_b = torch.zeros(1)
    return (v_w, v_b)


def sgd_momentum(params, states, hyperparams):
    for p, v in zip(params, states):
        with torch.no_grad():
            v[:] = hyperparams['momentum'] * v + p.grad
            p[:] -= hyperparams['lr'] * v
        p.grad.data.zero_()


def init_adagrad_states(feature_dim):
    s_w = torch.zeros((feature_dim, 1))
    s_b = torch.zeros(1)
    return (s_w, s_b)


def adagrad(params, states, hyperparams):
    eps = 1e-6
    for p, s in zip(params, states):
        with torch.no_grad():
            s[:] += torch.square(p.grad)
            p[:] -= hyperparams['lr'] * p.grad / torch.sqrt(s + eps)
        p.grad.data.zero_()


def init_rmsprop_states(feature_dim):
    s_w = torch.zeros((feature_dim, 1))
    s_b = torch.zeros(1)
    return (s_w, s_b)


def rmsprop(params, states, hyperparams):
    gamma, eps = hyperparams['gamma'], 1e-6
    for p, s in zip(params, states):
        with torch.no_grad():
            s[:] = gamma * s + (1 - gamma) * torch.square(p.grad)
            p[:] -= hyperparams['lr'] * p.grad / torch.sqrt(s + eps)
        p.grad.data.zero_()


def init_adadelta_states(feature_dim):
    s_w, s_b = torch.zeros((feature_dim, 1)), torch.zeros(1)
    delta_w, delta_b = torch.zeros((feature_dim, 1)), torch.zeros(1)
    return ((s_w, delta_w), (s_b, delta_b))


def adadelta(params, states, hyperparams):
    rho, eps = hyperparams['rho'], 1e-5
    for p, (s, delta) in zip(params, states):
        with torch.no_grad():
            # In-place updates via [:]
            s[:] = rho * s + (1 - rho) * torch.square(p.grad)
            g = (torch.sqrt(delta + eps) / torch.sqrt(s + eps)) * p.grad
            p[:] -= g
            delta[:] = rho * delta + (1 - rho) * g * g
        p.grad.data.zero_()


def init_adam_states(feature_dim):
    v_w, v_b = torch.zeros((feature_dim, 1)), torch.zeros(1)
    s_w, s_b = torch.zeros((feature_dim, 1)), torch.zeros(1)
    return ((v_w, s_w), (v_b, s_b))


def adam(params, states, hyperparams):
    beta1, beta2, eps = 0.9, 0.999, 1e-6
    for p, (v, s) in zip(params, states):
        with torch.no_grad():
            v[:] = beta1 * v + (1 - beta1) * p.grad
            s[:] = beta2 * s + (1 - beta2) * torch.square(p.grad)
            v_bias_corr = v / (1 - beta1 ** hyperparams['t'])
            s_bias_corr = s / (1 - beta2 ** hyperparams['t'])
            p[:] -= hyperparams['lr'] * v_bias_corr / (torch.sqrt(s_bias_corr)
                                                       + eps)
        p.grad.data.zero_()
    hyperparams['t'] += 1


def train_ch11(trainer_fn, states, hyperparams, data_iter, feature_dim, num_epochs=2):
    # Initialization
    w = torch.normal(mean=0.0, std=0.01, size=(feature_dim, 1), requires_grad=True)
    b = torch.zeros((1), requires_grad=True)
    net, loss = lambda X: linreg(X, w, b), squared_loss
    losses = []
    for _ in range(num_epochs):
        for X, y in data_iter:
            l = loss(net(X), y).mean()
            l.backward()
            trainer_fn([w, b], states, hyperparams)
        losses.append(evaluate_loss(net, data_iter, loss))
    print(f'{trainer_fn.__name__}: loss ' + ', '.join(f'{v:.4f}' for v in losses))
    return losses


def train_concise_ch11(trainer_fn, hyperparams, data_iter, num_epochs=2):
    # Initialization
    net = nn.Sequential(nn.Linear(5, 1))

    def init_weights(module):
        if type(module) == nn.Linear:
            torch.nn.init.normal_(module.weight, std=0.01)
    net.apply(init_weights)

    optimizer = trainer_fn(net.parameters(), **hyperparams)
    loss = nn.MSELoss(reduction='none')
    losses = []
    for _ in range(num_epochs):
        for X, y in data_iter:
            optimizer.zero_grad()
            out = net(X)
            y = y.reshape(out.shape)
            l = loss(out, y)
            l.mean().backward()
            optimizer.step()
        # `MSELoss` computes squared error without the 1/2 factor
        losses.append(evaluate_loss(net, data_iter, loss) / 2)
    print(f'{trainer_fn.__name__}: loss ' + ', '.join(f'{v:.4f}' for v in losses))


data_iter, feature_dim = get_data_ch11(12)
torch.manual_seed(0)
train_ch11(sgd, None, {'lr': 0.05}, data_iter, feature_dim)
train_ch11(sgd_momentum, init_momentum_states(feature_dim),
           {'lr': 0.02, 'momentum': 0.5}, data_iter, feature_dim)
train_ch11(adagrad, init_adagrad_states(feature_dim),
           {'lr': 0.1}, data_iter, feature_dim)
train_ch11(rmsprop, init_rmsprop_states(feature_dim),
           {'lr': 0.01, 'gamma': 0.9}, data_iter, feature_dim)
train_ch11(adadelta, init_adadelta_states(feature_dim),
           {'rho': 0.9}, data_iter, feature_dim)
train_ch11(adam, init_adam_states(feature_dim),
           {'lr': 0.01, 't': 1}, data_iter, feature_dim)

train_concise_ch11(torch.optim.SGD, {'lr': 0.01, 'momentum': 0.9}, data_iter)
train_concise_ch11(torch.optim.Adagrad, {'lr': 0.1}, data_iter)
train_concise_ch11(torch.optim.RMSprop, {'lr': 0.01, 'alpha': 0.9}, data_iter)
train_concise_ch11(torch.optim.Adadelta, {'rho': 0.9}, data_iter)
train_concise_ch11(torch.optim.Adam, {'lr': 0.01}, data_iter)
