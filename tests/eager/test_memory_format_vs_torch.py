"""``torch.memory_format`` (``contiguous_format``, ``channels_last``, ``channels_last_3d``,
``preserve_format``) against the installed PyTorch: strides, ``is_contiguous(memory_format=)``,
``contiguous``/``clone``/``to``/``*_like`` with a format, values, grads and grad_fn names, and
the errors (a channels-last format on another rank, a format that is not one)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as D

T = pytest.importorskip("torch")


def _x(L, shape=(2, 3, 4, 5)):
    return L.arange(float(np.prod(shape))).reshape(shape)


CALLS = {
    "contiguous(channels_last)": lambda L: _x(L).contiguous(memory_format=L.channels_last),
    "contiguous(channels_last_3d)": lambda L: _x(L, (1, 2, 3, 2, 2)).contiguous(
        memory_format=L.channels_last_3d),
    "contiguous(preserve_format)": lambda L: _x(L).contiguous(memory_format=L.preserve_format),
    "channels_last.contiguous()": lambda L: _x(L).contiguous(
        memory_format=L.channels_last).contiguous(),
    "clone(channels_last)": lambda L: _x(L).clone(memory_format=L.channels_last),
    "channels_last.clone()": lambda L: _x(L).contiguous(memory_format=L.channels_last).clone(),
    "clone(contiguous_format)": lambda L: _x(L).contiguous(
        memory_format=L.channels_last).clone(memory_format=L.contiguous_format),
    "to(memory_format=)": lambda L: _x(L).to(memory_format=L.channels_last),
    "zeros_like(preserve)": lambda L: L.zeros_like(_x(L).contiguous(
        memory_format=L.channels_last)),
    "empty_like(channels_last)": lambda L: L.empty_like(_x(L), memory_format=L.channels_last),
    "ones_like(contiguous)": lambda L: L.ones_like(_x(L).contiguous(
        memory_format=L.channels_last), memory_format=L.contiguous_format),
    "full_like(channels_last)": lambda L: L.full_like(_x(L), 2.0, memory_format=L.channels_last),
    "conv2d(channels_last)": lambda L: L.nn.functional.conv2d(
        _x(L).contiguous(memory_format=L.channels_last), L.ones(2, 3, 2, 2)),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_layouts_as_torch(name):
    out = []
    for L in (T, D):
        r = CALLS[name](L)
        values = None if name.startswith("empty") else r.tolist()
        out.append((r.stride(), values, r.is_contiguous(),
                    r.is_contiguous(memory_format=L.channels_last) if r.dim() == 4 else None))
    assert out[0] == out[1]


def test_grads_and_names_through_a_channels_last_copy():
    res = []
    for L in (T, D):
        x = _x(L).requires_grad_()
        a = x.contiguous(memory_format=L.channels_last)
        b = x.clone(memory_format=L.channels_last)
        (a * b).sum().backward()
        res.append((type(a.grad_fn).__name__, type(b.grad_fn).__name__, x.grad.tolist()))
    assert res[0] == res[1]


@pytest.mark.parametrize("call, error", [
    (lambda L: _x(L, (2, 3, 4)).contiguous(memory_format=L.channels_last), RuntimeError),
    (lambda L: _x(L).contiguous(memory_format=L.channels_last_3d), RuntimeError),
    (lambda L: _x(L).contiguous(memory_format="channels_last"), TypeError)])
def test_errors_as_torch(call, error):
    msgs = []
    for L in (T, D):
        with pytest.raises(error) as e:
            call(L)
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1]


def test_the_format_objects():
    assert repr(D.channels_last) == repr(T.channels_last) == "torch.channels_last"
    assert isinstance(D.preserve_format, D.memory_format)
    x = _x(D).contiguous(memory_format=D.channels_last)
    assert x.contiguous(memory_format=D.channels_last) is x
    assert not x.is_contiguous(memory_format=D.preserve_format)
