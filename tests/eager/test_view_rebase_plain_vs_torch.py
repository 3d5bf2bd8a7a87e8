"""A view made while its base had no history gets one when its base (or a sibling view) later
changes in place by a recorded op, as PyTorch remakes it (``AsStridedBackward0``); views made
in no_grad mode and outputs of ``unbind``/``split`` raise PyTorch's words.  Each program runs
with ``torch`` and with ``dlcore_eager``: values, the leaf's gradient and grad_fn names agree.
"""

import numpy as np
import pytest
import torch as real

import dlcore_eager as dl


def _w(T, shape):
    n = int(np.prod(shape))
    return T.tensor(np.linspace(-1.0, 2.0, n).reshape(shape), dtype=T.float64,
                    requires_grad=True)


# (name, program(T, w of shape (2, 3)) -> the view whose gradient is read)
PROGRAMS = [
    ("t_base_add", lambda T, w, y: (y.t(), y.add_(w))[0]),
    ("select_base_mul", lambda T, w, y: (y[1], y.add_(1.0), y.mul_(w))[0]),
    ("view6_copy", lambda T, w, y: (y.view(6), y.copy_(w * 3))[0]),
    ("expand", lambda T, w, y: (y[0].expand(2, 3), y.add_(w))[0]),
    ("view_of_view", lambda T, w, y: (y.t()[1:], y.mul_(2).add_(w))[0]),
    ("alias", lambda T, w, y: (y[...], y.sub_(w))[0]),
    ("sibling_inplace", lambda T, w, y: (y[0], y[1].add_(w[0]), y[0].mul_(w[1]))[0]),
    ("setitem", lambda T, w, y: (y[:, 1], y.__setitem__((0, slice(None)), w[1] ** 2))[0]),
]


def _run(T, program):
    w = _w(T, (2, 3))
    y = T.zeros(2, 3, dtype=T.float64)
    v = program(T, w, y)
    name = type(v.grad_fn).__name__
    (v * T.arange(1.0, v.numel() + 1.0, dtype=T.float64).reshape(v.shape)).sum().backward()
    return v.detach().numpy().copy(), w.grad.numpy().copy(), name


@pytest.mark.parametrize("program", [p for _, p in PROGRAMS], ids=[n for n, _ in PROGRAMS])
def test_plain_view_gets_its_bases_new_history(program):
    got, want = _run(dl, program), _run(real, program)
    np.testing.assert_allclose(got[0], want[0])
    np.testing.assert_allclose(got[1], want[1])
    assert got[2] == want[2] == "AsStridedBackward0"


def test_plain_view_untouched_when_the_change_is_not_recorded():
    for T in (real, dl):
        w = _w(T, (2, 3))
        y = T.zeros(2, 3, dtype=T.float64)
        v = y.t()
        with T.no_grad():
            y.add_(w)
        y.add_(1.0)
        assert v.grad_fn is None and not v.requires_grad
        assert (v.detach().numpy() == (w.detach().numpy() + 1).T).all()


NO_GRAD_HEAD = "A view was created in no_grad mode and is being modified inplace with grad mode enabled."
MULTI_TAIL = " This view is the output of a function that returns multiple views."
# (name, make the view (in no_grad mode when the name says so), the words PyTorch raises)
ERRORS = [
    ("no_grad_select", True, lambda y: y[0], NO_GRAD_HEAD + " Given that"),
    ("no_grad_t", True, lambda y: y.t()[:, 0], NO_GRAD_HEAD + " Given that"),
    ("no_grad_unbind", True, lambda y: y.unbind(0)[0], NO_GRAD_HEAD + " Given that"),
    ("unbind_plain", False, lambda y: y.unbind(0)[0], NO_GRAD_HEAD + MULTI_TAIL),
    ("split_plain", False, lambda y: y.split(1)[0][0], NO_GRAD_HEAD + MULTI_TAIL),
]


@pytest.mark.parametrize("T", [real, dl], ids=["torch", "dlcore"])
@pytest.mark.parametrize("no_grad,make,words", [e[1:] for e in ERRORS],
                         ids=[e[0] for e in ERRORS])
def test_recorded_inplace_on_such_views_raises_and_changes_nothing(T, no_grad, make, words):
    w = _w(T, (3,))
    y = T.zeros(2, 3, dtype=T.float64)
    if no_grad:
        with T.no_grad():
            v = make(y)
    else:
        v = make(y)
    with pytest.raises(RuntimeError) as e:
        v.add_(w)
    assert str(e.value).startswith(words)
    assert (y.numpy() == 0).all() and y.grad_fn is None
    v.add_(1.0)                                 # (not recorded: allowed)
    assert y.numpy().sum() == v.numel()


@pytest.mark.parametrize("T", [real, dl], ids=["torch", "dlcore"])
def test_unbind_output_after_its_base_changed_raises_on_use(T):
    w = _w(T, (2, 3))
    y = T.zeros(2, 3, dtype=T.float64)
    a, _ = y.unbind(0)
    y.add_(w)
    with pytest.raises(RuntimeError, match="^A view was created in no_grad mode and its base or "
                                           "another view of its base has been modified inplace "
                                           "with grad mode enabled. This view is the output"):
        a.grad_fn.name()  # (PyTorch raises on reading grad_fn; dlcore on its use in backward)
        (a * 2).sum().backward()
