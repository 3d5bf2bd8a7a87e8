"""Every float32 result and gradient carries NumPy's canonical float32 dtype object.

The eager fast paths test ``buffer.dtype is float32`` (one pointer compare).  An array that a
Numba function allocated and returned carries an equal but distinct dtype object; a tanh kernel
did that, and every op after a tanh then took the general path (an MLP step with Tanh 2.3x
PyTorch's instead of 1.4x).  Values are tested elsewhere; this pins the identity."""

import numpy as np
import pytest

import dlcore_eager as t

F = t.nn.functional
F32 = np.dtype(np.float32)


def _cases(x, w, other):
    return {
        "tanh": lambda: t.tanh(x), "sigmoid": lambda: t.sigmoid(x), "relu": lambda: F.relu(x),
        "gelu": lambda: F.gelu(x), "silu": lambda: F.silu(x), "elu": lambda: F.elu(x),
        "leaky_relu": lambda: F.leaky_relu(x), "softplus": lambda: F.softplus(x),
        "hardtanh": lambda: F.hardtanh(x), "softmax": lambda: F.softmax(x, 1),
        "log_softmax": lambda: F.log_softmax(x, 1), "exp": lambda: x.exp(),
        "log": lambda: x.abs().log(), "sqrt": lambda: x.abs().sqrt(), "pow": lambda: x ** 2,
        "clamp": lambda: x.clamp(-1, 1), "sum(1)": lambda: x.sum(1), "mean(0)": lambda: x.mean(0),
        "max(1)": lambda: x.max(1)[0], "matmul": lambda: x @ w, "linear": lambda: F.linear(x, w),
        "mse_loss": lambda: F.mse_loss(x, x * 2),
        "cross_entropy": lambda: F.cross_entropy(x, t.zeros(64, dtype=t.long)),
        "layer_norm": lambda: F.layer_norm(x, (128,)), "dropout": lambda: F.dropout(x, 0.5),
        "where": lambda: t.where(x > 0, x, other), "cat": lambda: t.cat([x, x], 1),
        "conv2d": lambda: F.conv2d(x.view(1, 1, 64, 128), t.ones(2, 1, 3, 3)),
        "max_pool2d": lambda: F.max_pool2d(x.view(1, 1, 64, 128), 2),
        "batch_norm": lambda: F.batch_norm(x, t.zeros(128), t.ones(128), training=True),
        "embedding": lambda: F.embedding(t.tensor([1, 2]), x),
        "lstm": lambda: t.nn.LSTM(128, 16)(x.view(4, 16, 128))[0],
        "gru": lambda: t.nn.GRU(128, 16)(x.view(4, 16, 128))[0],
    }


@pytest.mark.parametrize("name", sorted(_cases(None, None, None)))
def test_result_and_gradient_dtype_is_numpys_float32_object(name):
    t.manual_seed(0)
    x = t.randn(64, 128, requires_grad=True)
    w, other = t.randn(128, 128), t.randn(64, 128)
    y = _cases(x, w, other)[name]()
    assert y.dtype == t.float32
    assert y.detach().numpy().dtype is F32, name
    y.sum().backward()
    assert x.grad.numpy().dtype is F32, name


MODULES = {
    "Conv2d": (lambda: t.nn.Conv2d(3, 4, 3), (2, 3, 8, 8)),
    "ConvTranspose2d": (lambda: t.nn.ConvTranspose2d(3, 4, 3, stride=2), (2, 3, 8, 8)),
    "Conv1d": (lambda: t.nn.Conv1d(3, 4, 3), (2, 3, 16)),
    "BatchNorm2d": (lambda: t.nn.BatchNorm2d(3), (2, 3, 8, 8)),
    "GroupNorm": (lambda: t.nn.GroupNorm(1, 3), (2, 3, 4, 4)),
    "LayerNorm": (lambda: t.nn.LayerNorm(8), (2, 3, 8)),
    "LSTM": (lambda: t.nn.LSTM(8, 16, batch_first=True), (2, 5, 8)),
    "GRU": (lambda: t.nn.GRU(8, 16), (5, 2, 8)),
    "RNN": (lambda: t.nn.RNN(8, 16), (5, 2, 8)),
    "PReLU": (lambda: t.nn.PReLU(), (2, 8)),
    "TransformerEncoderLayer": (lambda: t.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0),
                                (5, 2, 8)),
}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_output_and_parameter_gradients_dtype_is_numpys_float32_object(name):
    t.manual_seed(0)
    make, shape = MODULES[name]
    m = make()
    y = m(t.randn(*shape))
    y = y[0] if isinstance(y, tuple) else y
    assert y.detach().numpy().dtype is F32
    y.sum().backward()
    for pname, p in m.named_parameters():
        assert p.grad.numpy().dtype is F32, pname
