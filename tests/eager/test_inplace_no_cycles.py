"""An in-place op that computed from the tensor itself (``loss += l``, ``relu_``, the
recorded ``index_add_``/``scatter_add_`` lanes) records an alias of the tensor among its node's
inputs, not the tensor whose grad_fn the node becomes: no reference cycle, so a step's graph is
freed by reference counting when its last tensor goes, without the cyclic collector (which ran
34 times a char-level RNN run and held every node of each step until then)."""

import gc

import numpy as np

import dlcore_eager as dt
from dlcore_eager._graph import Node


def _nodes() -> int:
    return sum(type(o) is Node for o in gc.get_objects())


def _step():
    w = dt.ones(4, requires_grad=True)
    loss = dt.zeros(())
    for k in range(5):
        loss += (w * k).sum()
    h = w * 2.0
    h.index_add_(0, dt.tensor([1, 1]), w[:2] * 3.0)
    h.scatter_add_(0, dt.tensor([0, 3]), w[2:])
    h.relu_()
    (loss + h.sum()).backward()
    return w.grad.numpy().copy()


def test_a_steps_graph_is_freed_without_the_cyclic_collector():
    first = _step()
    gc.collect()
    gc.disable()
    try:
        before = _nodes()
        for _ in range(3):
            np.testing.assert_array_equal(_step(), first)
        assert _nodes() == before
    finally:
        gc.enable()
    np.testing.assert_array_equal(first, [15.0, 15.0, 13.0, 13.0])     # (PyTorch's)


def test_pytree_unflatten_leaves_no_cycle_holding_its_leaves():
    import weakref

    from dlcore_eager import _pytree
    leaves, spec = _pytree._flatten((dt.ones(2), {"a": [dt.zeros(3)]}))
    refs = [weakref.ref(t) for t in leaves]
    gc.disable()
    try:
        out = _pytree._unflatten(spec, leaves)
        assert out[1]["a"][0] is leaves[1]
        del out, leaves
        assert [r() for r in refs] == [None, None]     # (freed without the collector)
    finally:
        gc.enable()


class _Exp(dt.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return g * y


class _Cube(dt.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        dx = 3 * x ** 2
        ctx.save_for_backward(x, dx)
        return x ** 3, dx

    @staticmethod
    def backward(ctx, g, g_dx):
        x, dx = ctx.saved_tensors
        return g * dx + g_dx * 6 * x


def test_a_function_that_saves_its_output_leaves_no_cycle():
    """The saved output is an alias without its node (weakly kept, remade for an output of
    several that was dropped): freed by reference counting, and a double backward still runs
    through it (PyTorch's values)."""
    import weakref
    x = dt.tensor([0.5, -1.0, 2.0], dtype=dt.float64, requires_grad=True)
    gc.disable()
    try:
        y = _Exp.apply(x)
        ref = weakref.ref(y.grad_fn)
        y.sum().backward()
        del y
        assert ref() is None                        # (freed without the collector)
    finally:
        gc.enable()
    np.testing.assert_allclose(x.grad.numpy(), np.exp([0.5, -1.0, 2.0]))
    g, = dt.autograd.grad(_Cube.apply(x)[0].sum(), x, create_graph=True)
    gg, = dt.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(g.detach().numpy(), 3 * np.array([0.5, -1.0, 2.0]) ** 2)
    np.testing.assert_allclose(gg.numpy(), 6 * np.array([0.5, -1.0, 2.0]))
