"""The workloads written once in PyTorch's API, run by three engines.

``torch`` (PyTorch eager), ``torch_compile`` (the same step functions wrapped in
``torch.compile``) and ``dlcore_eager`` (``import dlcore_eager as torch``) all call these
functions with their own module as ``torch``: the program text is identical, which is the point of
an API-compatible front end.  Only the seed-level API is used: ``from_numpy``, ``requires_grad_``,
``mm``, ``clamp``, ``pow``, ``sum``, ``mean``, ``tanh``, ``backward``, ``no_grad``, in-place ``-=``,
``grad.zero_()``, ``nn.functional.relu``/``cross_entropy``, ``optim.SGD``, ``item``, ``numpy``.

``wrap`` is applied to each step function (``torch.compile`` or the identity).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np

from ..workloads import Classifier, ControlFlow, MLPStep, TinyOp
from .base import Prepared, Unsupported

Wrap = Callable[[Callable[..., Any]], Callable[..., Any]]


def _identity(fn: Callable[..., Any]) -> Callable[..., Any]:
    return fn


def _tensor(torch: ModuleType, array: np.ndarray, device: str, grad: bool = False) -> Any:
    """A fresh tensor on ``device`` holding a copy of ``array`` (a leaf when ``grad``)."""
    t = torch.from_numpy(np.array(array, copy=True))
    if device != "cpu":
        t = t.cuda()
    return t.requires_grad_() if grad else t


def _host(t: Any) -> np.ndarray:
    return t.cpu().numpy() if str(t.device) != "cpu" else t.numpy()


def _assign(torch: ModuleType, t: Any, array: np.ndarray) -> None:
    with torch.no_grad():
        src = torch.from_numpy(np.array(array, copy=True))
        t.copy_(src if str(t.device) == "cpu" else src.cuda())


def _sgd_(torch: ModuleType, params: list[Any], lr: float) -> None:
    """``w -= lr * w.grad`` under ``no_grad``, then zero the gradients (seed style)."""
    with torch.no_grad():
        for w in params:
            if w.grad is not None:
                w -= lr * w.grad
                w.grad.zero_()


def setup(torch: ModuleType, workload: Any, device: str, wrap: Wrap = _identity,
          graph_call: bool = False) -> Prepared:
    """Build ``workload`` with ``torch``; ``graph_call`` makes ``tiny_graph`` a wrapped function."""
    program = getattr(workload, "torch_program", None)      # a workload carrying its program
    if program is not None:                  # (first: DigitsCNN is also a Classifier)
        if device == "cpu":
            if wrap is _identity:
                return program(torch, device)
            if "wrap" in inspect.signature(program).parameters:  # its step can be wrapped
                return program(torch, device, wrap=wrap)
        raise Unsupported(type(workload).__name__)
    if isinstance(workload, MLPStep):
        return _mlp(torch, workload, device, wrap)
    if isinstance(workload, ControlFlow):
        return _control_flow(torch, workload, device, wrap)
    if isinstance(workload, Classifier):
        return _classifier(torch, workload, device, wrap)
    if isinstance(workload, TinyOp):
        a = _tensor(torch, workload.arrays["a"], device)
        b = _tensor(torch, workload.arrays["b"], device)
        if workload.op == "add":
            return Prepared(lambda: a + b)
        if graph_call:
            fn = wrap(lambda t: t + 1.0)
            return Prepared(lambda: fn(a))
        return Prepared(lambda: a + 1.0, note="eager op, no graph")
    raise Unsupported(type(workload).__name__)


def _mlp(torch: ModuleType, wl: MLPStep, device: str, wrap: Wrap) -> Prepared:
    arr = wl.arrays
    x, y = _tensor(torch, arr["x"], device), _tensor(torch, arr["y"], device)
    w1, w2 = _tensor(torch, arr["w1"], device, True), _tensor(torch, arr["w2"], device, True)
    lr, mean_rows = wl.lr, wl.loss == "mean_rowsum"

    def train_step() -> Any:
        y_pred = x.mm(w1).clamp(min=0).mm(w2)
        sq = (y_pred - y).pow(2)
        loss = sq.sum(1).mean() if mean_rows else sq.sum()
        loss.backward()
        _sgd_(torch, [w1, w2], lr)
        return loss

    fn = wrap(train_step)
    return Prepared(lambda: fn().item())


def _control_flow(torch: ModuleType, wl: ControlFlow, device: str, wrap: Wrap) -> Prepared:
    w = {k: _tensor(torch, v, device, True) for k, v in wl.weights.items()}
    batches = [(_tensor(torch, x, device), _tensor(torch, y, device), d)
               for x, y, d in wl.batches]
    params, lr = list(w.values()), wl.lr
    state = {"i": 0}

    def train_step(x: Any, y: Any, depth: int) -> Any:
        h = x.mm(w["w_in"]).clamp(min=0)
        if x.mean() > 0:  # a Python if on a tensor's value: the path depends on the data
            h = h.mm(w["w_a"])
        else:
            h = h.mm(w["w_b"])
        for _ in range(depth):
            h = torch.tanh(h.mm(w["w_r"]))
        loss = (h.mm(w["w_out"]) - y).pow(2).sum()
        loss.backward()
        _sgd_(torch, params, lr)
        return loss

    fn = wrap(train_step)

    def step() -> float:
        batch = batches[state["i"] % len(batches)]
        state["i"] += 1
        return fn(*batch).item()

    return Prepared(step)


def _classifier(torch: ModuleType, wl: Classifier, device: str, wrap: Wrap) -> Prepared:
    p = {k: _tensor(torch, v, device, True) for k, v in wl.weights.items()}
    opt = torch.optim.SGD(list(p.values()), lr=wl.lr)
    F = torch.nn.functional
    x_test = _tensor(torch, wl.data["x_test"], device)
    state = {"epoch": 0}

    def forward(x: Any) -> Any:
        return F.relu(x.mm(p["w1"]) + p["b1"]).mm(p["w2"]) + p["b2"]

    def train_step(x: Any, labels: Any) -> None:
        opt.zero_grad()
        F.cross_entropy(forward(x), labels).backward()
        opt.step()

    fn = wrap(train_step)

    def step() -> None:
        for x, labels in wl.epoch_batches(state["epoch"]):
            fn(_tensor(torch, x, device), _tensor(torch, labels, device))
        state["epoch"] += 1

    def evaluate() -> float:
        with torch.no_grad():
            return wl.accuracy(_host(forward(x_test)))

    def reset() -> None:
        for k, v in wl.weights.items():
            _assign(torch, p[k], v)
        state["epoch"] = 0

    return Prepared(step, evaluate=evaluate, reset=reset)
