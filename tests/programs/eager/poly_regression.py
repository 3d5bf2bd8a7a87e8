"""pytorch/examples regression/main.py: fit a degree-4 polynomial with a single nn.Linear,
make_features with torch.cat of powers, f with x.mm(W_target) + b_target.item(), poly_desc
formatting 0-d tensors with '{:+.2f}', F.smooth_l1_loss, fc.zero_grad(), the manual update
param.data.add_(-0.1 * param.grad) and a stop when the loss is below 1e-3 (itertools.count).
(torch.randn is replaced by NumPy draws, so both libraries see the same batches.)"""
# ruff: noqa: UP032  (written in the example's own style)
from itertools import count

import numpy as np
import torch
import torch.nn.functional as F

rng = np.random.default_rng(0)


def randn(*size):
    return torch.from_numpy(rng.standard_normal(size).astype(np.float32))


POLY_DEGREE = 4
W_target = randn(POLY_DEGREE, 1) * 5
b_target = randn(1) * 5


def make_features(x):
    """Builds features i.e. a matrix with columns [x, x^2, x^3, x^4]."""
    x = x.unsqueeze(1)
    return torch.cat([x ** i for i in range(1, POLY_DEGREE+1)], 1)


def f(x):
    """Approximated function."""
    return x.mm(W_target) + b_target.item()


def poly_desc(W, b):
    """Creates a string description of a polynomial."""
    result = 'y = '
    for i, w in enumerate(W):
        result += '{:+.2f} x^{} '.format(w, i + 1)
    result += '{:+.2f}'.format(b[0])
    return result


def get_batch(batch_size=32):
    """Builds a batch i.e. (x, f(x)) pair."""
    random = randn(batch_size)
    x = make_features(random)
    y = f(x)
    return x, y


# Define model
fc = torch.nn.Linear(W_target.size(0), 1)
with torch.no_grad():
    fc.weight.copy_(randn(1, POLY_DEGREE) * 0.5)
    fc.bias.fill_(0.1)

for batch_idx in count(1):
    # Get data
    batch_x, batch_y = get_batch()

    # Reset gradients
    fc.zero_grad()

    # Forward pass
    output = F.smooth_l1_loss(fc(batch_x), batch_y)
    loss = output.item()

    # Backward pass
    output.backward()

    # Apply gradients
    for param in fc.parameters():
        param.data.add_(-0.1 * param.grad)

    if batch_idx % 10 == 0:
        print('batch {} loss {:.4f}'.format(batch_idx, loss))
    # Stop criterion
    if loss < 1e-3 or batch_idx == 60:
        break

print('Loss: {:.6f} after {} batches'.format(loss, batch_idx))
print('==> Learned function:\t' + poly_desc(fc.weight.view(-1), fc.bias))
print('==> Actual function:\t' + poly_desc(W_target.view(-1), b_target))
