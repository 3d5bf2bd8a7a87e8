"""'Deep Learning with PyTorch' (Stevens, Antiga, Viehmann), chapters 5 and 6 on the book's
own thermometer data: the hand-written model/loss_fn, analytic grad_fn and training_loop,
then params with requires_grad and params.grad.zero_(), torch.optim.SGD and Adam, the
randperm train/validation split with torch.no_grad validation, and chapter 6's nn.Linear,
nn.MSELoss, nn.Sequential(nn.Linear(1, 13), nn.Tanh(), nn.Linear(13, 1)), named_parameters,
the OrderedDict-named Sequential and its output_linear.bias.grad (the book's epoch counts
shortened)."""
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.optim as optim

torch.set_printoptions(edgeitems=2, linewidth=75)

t_c = [0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0]
t_u = [35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4]
t_c = torch.tensor(t_c)
t_u = torch.tensor(t_u)


def model(t_u, w, b):
    return w * t_u + b


def loss_fn(t_p, t_c):
    squared_diffs = (t_p - t_c)**2
    return squared_diffs.mean()


w = torch.ones(())
b = torch.zeros(())
t_p = model(t_u, w, b)
print(t_p)
loss = loss_fn(t_p, t_c)
print(loss)

delta = 0.1
loss_rate_of_change_w = \
    (loss_fn(model(t_u, w + delta, b), t_c) - loss_fn(model(t_u, w - delta, b), t_c)) / (2.0 * delta)
print(loss_rate_of_change_w)


def dloss_fn(t_p, t_c):
    dsq_diffs = 2 * (t_p - t_c) / t_p.size(0)
    return dsq_diffs


def dmodel_dw(t_u, w, b):
    return t_u


def dmodel_db(t_u, w, b):
    return 1.0


def grad_fn(t_u, t_c, t_p, w, b):
    dloss_dtp = dloss_fn(t_p, t_c)
    dloss_dw = dloss_dtp * dmodel_dw(t_u, w, b)
    dloss_db = dloss_dtp * dmodel_db(t_u, w, b)
    return torch.stack([dloss_dw.sum(), dloss_db.sum()])


def training_loop(n_epochs, learning_rate, params, t_u, t_c, print_params=True):
    for epoch in range(1, n_epochs + 1):
        w, b = params
        t_p = model(t_u, w, b)
        loss = loss_fn(t_p, t_c)
        grad = grad_fn(t_u, t_c, t_p, w, b)
        params = params - learning_rate * grad
        if epoch in {1, 2, 3, 10, 11, 99, 100, 1000}:
            print('Epoch %d, Loss %f' % (epoch, float(loss)))
            if print_params:
                print('    Params:', params)
                print('    Grad:  ', grad)
        if not torch.isfinite(loss).all():
            break
    return params


training_loop(n_epochs=10, learning_rate=1e-2, params=torch.tensor([1.0, 0.0]),
              t_u=t_u, t_c=t_c)
t_un = 0.1 * t_u
params = training_loop(n_epochs=1000, learning_rate=1e-2, params=torch.tensor([1.0, 0.0]),
                       t_u=t_un, t_c=t_c, print_params=False)
print(params)

params = torch.tensor([1.0, 0.0], requires_grad=True)
print(params.grad is None)
loss = loss_fn(model(t_u, *params), t_c)
loss.backward()
print(params.grad)
if params.grad is not None:
    params.grad.zero_()


def training_loop_autograd(n_epochs, learning_rate, params, t_u, t_c):
    for epoch in range(1, n_epochs + 1):
        if params.grad is not None:
            params.grad.zero_()
        t_p = model(t_u, *params)
        loss = loss_fn(t_p, t_c)
        loss.backward()
        with torch.no_grad():
            params -= learning_rate * params.grad
        if epoch % 500 == 0:
            print('Epoch %d, Loss %f' % (epoch, float(loss)))
    return params


print(training_loop_autograd(n_epochs=1000, learning_rate=1e-2,
                             params=torch.tensor([1.0, 0.0], requires_grad=True),
                             t_u=t_un, t_c=t_c))

print([name for name in dir(optim) if name in ("SGD", "Adam", "AdamW", "RMSprop", "LBFGS")])


def training_loop_optim(n_epochs, optimizer, params, t_u, t_c):
    for epoch in range(1, n_epochs + 1):
        t_p = model(t_u, *params)
        loss = loss_fn(t_p, t_c)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if epoch % 500 == 0:
            print('Epoch %d, Loss %f' % (epoch, float(loss)))
    return params


params = torch.tensor([1.0, 0.0], requires_grad=True)
optimizer = optim.SGD([params], lr=1e-2)
print(training_loop_optim(n_epochs=1000, optimizer=optimizer, params=params, t_u=t_un,
                          t_c=t_c))
params = torch.tensor([1.0, 0.0], requires_grad=True)
optimizer = optim.Adam([params], lr=1e-1)
print(training_loop_optim(n_epochs=1000, optimizer=optimizer, params=params, t_u=t_u,
                          t_c=t_c))

torch.manual_seed(0)
n_samples = t_u.shape[0]
n_val = int(0.2 * n_samples)
shuffled_indices = torch.randperm(n_samples)
train_indices = shuffled_indices[:-n_val]
val_indices = shuffled_indices[-n_val:]
print(train_indices, val_indices)
train_t_u, train_t_c = t_u[train_indices], t_c[train_indices]
val_t_u, val_t_c = t_u[val_indices], t_c[val_indices]
train_t_un, val_t_un = 0.1 * train_t_u, 0.1 * val_t_u


def training_loop_split(n_epochs, optimizer, params, train_t_u, val_t_u, train_t_c, val_t_c):
    for epoch in range(1, n_epochs + 1):
        train_t_p = model(train_t_u, *params)
        train_loss = loss_fn(train_t_p, train_t_c)
        with torch.no_grad():
            val_t_p = model(val_t_u, *params)
            val_loss = loss_fn(val_t_p, val_t_c)
            assert val_loss.requires_grad == False
        optimizer.zero_grad()
        train_loss.backward()
        optimizer.step()
        if epoch <= 3 or epoch % 500 == 0:
            print(f"Epoch {epoch}, Training loss {train_loss.item():.4f},"
                  f" Validation loss {val_loss.item():.4f}")
    return params


params = torch.tensor([1.0, 0.0], requires_grad=True)
optimizer = optim.SGD([params], lr=1e-2)
print(training_loop_split(1000, optimizer, params, train_t_un, val_t_un, train_t_c, val_t_c))

# chapter 6
t_c6 = t_c.unsqueeze(1)
t_u6 = t_u.unsqueeze(1)
train_t_un, val_t_un = 0.1 * t_u6[train_indices], 0.1 * t_u6[val_indices]
train_t_c, val_t_c = t_c6[train_indices], t_c6[val_indices]
linear_model = nn.Linear(1, 1)
print(linear_model(val_t_un))
print(linear_model.weight, linear_model.bias)
x = torch.ones(10, 1)
print(linear_model(x).shape)


def training_loop6(n_epochs, optimizer, model, loss_fn, t_u_train, t_u_val, t_c_train,
                   t_c_val):
    for epoch in range(1, n_epochs + 1):
        t_p_train = model(t_u_train)
        loss_train = loss_fn(t_p_train, t_c_train)
        t_p_val = model(t_u_val)
        loss_val = loss_fn(t_p_val, t_c_val)
        optimizer.zero_grad()
        loss_train.backward()
        optimizer.step()
        if epoch == 1 or epoch % 250 == 0:
            print(f"Epoch {epoch}, Training loss {loss_train.item():.4f},"
                  f" Validation loss {loss_val.item():.4f}")


linear_model = nn.Linear(1, 1)
optimizer = optim.SGD(linear_model.parameters(), lr=1e-2)
training_loop6(n_epochs=1000, optimizer=optimizer, model=linear_model, loss_fn=nn.MSELoss(),
               t_u_train=train_t_un, t_u_val=val_t_un, t_c_train=train_t_c,
               t_c_val=val_t_c)
print()
print(linear_model.weight)
print(linear_model.bias)

seq_model = nn.Sequential(nn.Linear(1, 13), nn.Tanh(), nn.Linear(13, 1))
print(seq_model)
print([param.shape for param in seq_model.parameters()])
for name, param in seq_model.named_parameters():
    print(name, param.shape)
seq_model = nn.Sequential(OrderedDict([
    ('hidden_linear', nn.Linear(1, 8)),
    ('hidden_activation', nn.Tanh()),
    ('output_linear', nn.Linear(8, 1))
]))
print(seq_model)
for name, param in seq_model.named_parameters():
    print(name, param.shape)
print(seq_model.output_linear.bias)
optimizer = optim.SGD(seq_model.parameters(), lr=1e-3)
training_loop6(n_epochs=500, optimizer=optimizer, model=seq_model, loss_fn=nn.MSELoss(),
               t_u_train=train_t_un, t_u_val=val_t_un, t_c_train=train_t_c,
               t_c_val=val_t_c)
print('output', seq_model(val_t_un))
print('answer', val_t_c)
print('hidden', seq_model.hidden_linear.weight.grad)
t_range = torch.arange(20., 90.).unsqueeze(1)
print(seq_model(0.1 * t_range).detach()[::10].squeeze(1))
