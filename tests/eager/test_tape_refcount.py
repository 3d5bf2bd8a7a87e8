"""The eager tape is freed by reference counting, never by the cyclic garbage collector: a
training step (forward, backward, optimizer step) leaves no reference cycle behind, so the
collector's full-heap passes have no tape garbage to find (a gen-2 collection scans every live
object: ~140 ms with torch and numba loaded), and a graph that is dropped without a backward
pass dies at once.  Checked with ``gc.collect()``'s count of unreachable objects while the
collector is paused."""

from __future__ import annotations

import gc
import weakref

import pytest

import dlcore_eager as torch
import dlcore_eager.nn.functional as F


def _cycles_per_step(step) -> int:
    for _ in range(2):                        # warm: lazy caches, optimizer state
        step()
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    try:
        step()
        return gc.collect()
    finally:
        if was:
            gc.enable()


def _lstm_adam():
    lstm, dec = torch.nn.LSTM(4, 5, num_layers=2), torch.nn.Linear(5, 3)
    opt = torch.optim.Adam([*lstm.parameters(), *dec.parameters()])
    x, y = torch.randn(6, 2, 4), torch.randint(0, 3, (12,))

    def step():
        opt.zero_grad()
        out, _ = lstm(x)
        F.cross_entropy(dec(out.reshape(-1, 5)), y).backward()
        opt.step()
    return step


def _lstm_cell_varlen():
    cell = torch.nn.LSTMCell(4, 5)
    opt = torch.optim.SGD(cell.parameters(), lr=0.1, momentum=0.9)
    x = torch.randn(4, 3, 4)

    def step():
        opt.zero_grad()
        h, c = torch.zeros(3, 5), torch.zeros(3, 5)
        for t, bs in enumerate([3, 3, 2, 1]):
            h, c = cell(x[t, :bs], (h[:bs], c[:bs]))
        h.sum().backward()
        opt.step()
    return step


def _double_backward():
    lstm = torch.nn.LSTM(3, 4)

    def step():
        x = torch.randn(3, 2, 3, requires_grad=True)
        g, = torch.autograd.grad(lstm(x)[0].pow(2).sum(), x, create_graph=True)
        g.pow(2).sum().backward()
    return step


def _function_and_hooks():
    class Square(torch.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * a

        @staticmethod
        def backward(ctx, g):
            a, = ctx.saved_tensors
            return 2 * a * g

    def step():
        a = torch.randn(3, requires_grad=True)
        b = Square.apply(a) * 2
        b.register_hook(lambda g: g * 2)
        b.retain_grad()
        loss = (b * b).sum()
        loss.backward(retain_graph=True)
        loss.backward()
    return step


@pytest.mark.parametrize("make", [_lstm_adam, _lstm_cell_varlen, _double_backward,
                                  _function_and_hooks])
def test_a_training_step_leaves_no_reference_cycle(make):
    torch.manual_seed(0)
    assert _cycles_per_step(make()) == 0


def test_a_graph_dropped_without_backward_dies_at_once():
    lstm = torch.nn.LSTM(3, 4)
    gc.disable()
    try:
        out, _ = lstm(torch.randn(3, 2, 3))
        node = weakref.ref(out.grad_fn)
        del out
        assert node() is None
    finally:
        gc.enable()
