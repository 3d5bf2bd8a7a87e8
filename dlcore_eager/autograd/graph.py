"""``torch.autograd.graph``: hooks on the tensors the graph saves, and on several gradients.

* ``saved_tensors_hooks(pack_hook, unpack_hook)``: while active, every tensor a node saves for
  backward is passed to ``pack_hook`` (under no_grad) and only its result is kept; backward
  calls ``unpack_hook`` on it and uses the tensor returned (``_saved_hooks``: which tensors a
  node saves, PyTorch's: ``x * y`` saves y then x, ``exp`` its result, ``add``/``sum``
  nothing).  Nested pairs: the innermost applies.  A custom ``Function``'s
  ``ctx.save_for_backward`` tensors go through them too (unpacked at each ``saved_tensors``).
* ``save_on_cpu(pin_memory=False, device_type="cuda")``: the pair that keeps a copy on the CPU
  and moves it back to the tensor's device in backward;
* ``disable_saved_tensors_hooks(error_message)``: entering a pair inside it (or it inside a
  pair) raises ``RuntimeError(error_message)``;
* ``register_multi_grad_hook(tensors, fn, mode="all"|"any")``;
* ``Node``: what every ``grad_fn`` is an instance of (``isinstance(y.grad_fn, Node)``);
  ``GradientEdge``/``get_gradient_edge``; ``increment_version``;
* ``grad_fn._saved_self``/``_saved_other``/``_saved_mat2``/``_saved_result`` (installed on the
  tape's ``Node`` by ``_saved_hooks``): the tensors a node saved, unpacked when packed.

No hook costs anything while none is active (``_saved_hooks``' module docstring).
"""

from __future__ import annotations

import abc
import contextlib
from typing import Any, NamedTuple

from .._graph import TapeNode, leaf_node, public
from ..tensor import Tensor
from . import (
    _passes,
    _saved_composites,  # noqa: F401  (loaded here: the composites' entries find it)
)
from . import _saved_hooks as _sh

__all__ = [
    "GradientEdge",
    "Node",
    "disable_saved_tensors_hooks",
    "get_gradient_edge",
    "increment_version",
    "register_multi_grad_hook",
    "save_on_cpu",
    "saved_tensors_hooks",
]


class Node(abc.ABC):
    """The class of every ``grad_fn`` (PyTorch's abstract ``torch.autograd.graph.Node``):
    ``isinstance(t.grad_fn, Node)`` holds for dlcore's tape nodes (``name()``,
    ``next_functions``, ``register_hook``, ``register_prehook``)."""

    @abc.abstractmethod
    def name(self) -> str: ...


Node.register(TapeNode)


class GradientEdge(NamedTuple):
    """An edge of the graph: a node and which of its outputs (``get_gradient_edge``)."""

    node: Any
    output_nr: int


def get_gradient_edge(tensor: Tensor) -> GradientEdge:
    """The edge ``tensor``'s gradient flows along: its grad_fn (a leaf's AccumulateGrad)."""
    if not tensor.requires_grad:
        raise RuntimeError("It is not possible to get the gradient edge for a Tensor that "
                           "does not require gradients")
    node = tensor._node
    if node is None:
        return GradientEdge(leaf_node(tensor), 0)
    return GradientEdge(public(node), getattr(node, "out_index", 0))


def increment_version(tensor) -> None:
    """Bump the version counter of ``tensor`` (or of each tensor of a sequence), as an
    in-place write would."""
    for t in (tensor if isinstance(tensor, (list, tuple)) else (tensor,)):
        t._vc[0] += 1


class saved_tensors_hooks:
    """Context manager: ``pack_hook(tensor) -> anything`` for every tensor a node saves while
    it is active, ``unpack_hook(packed) -> Tensor`` when backward needs it (see the module
    docstring).  The pair applies in the thread that entered it."""

    def __init__(self, pack_hook, unpack_hook) -> None:
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self) -> None:
        local = _sh.LOCAL
        if local.disabled is not None:
            raise RuntimeError(local.disabled)
        local.stack.append((self.pack_hook, self.unpack_hook))
        _sh.activate()

    def __exit__(self, *exc: object) -> None:
        local = _sh.LOCAL
        try:
            if local.pending:
                _sh.flush(local)
        finally:
            local.stack.pop()
            _sh.deactivate()


class save_on_cpu(saved_tensors_hooks):
    """Keep the saved tensors on the CPU (a copy for a device tensor; a CPU tensor is kept as
    it is, as PyTorch's) and move them back to their device in backward.  ``pin_memory`` is
    accepted (dlcore's CPU memory is the host's)."""

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda") -> None:
        self.pin_memory = pin_memory
        self.device_type = device_type

        def pack_to_cpu(tensor):
            return (tensor.device, tensor.cpu())

        def unpack_from_cpu(packed):
            device, tensor = packed
            return tensor.to(device, non_blocking=pin_memory)

        super().__init__(pack_to_cpu, unpack_from_cpu)


@contextlib.contextmanager
def disable_saved_tensors_hooks(error_message: str):
    """Inside it, entering a ``saved_tensors_hooks`` pair raises ``RuntimeError(
    error_message)``; entering it while a pair is active raises the same.  Nested: the
    innermost message, the outer one restored at exit.  (Usable as a decorator.)"""
    local = _sh.LOCAL
    if local.stack:
        raise RuntimeError(error_message)
    prev = local.disabled
    local.disabled = error_message
    try:
        yield
    finally:
        local.disabled = prev


# ---------------------------------------------------------------------------------------------
# register_multi_grad_hook: a hook's gradients of one backward pass are kept in that pass's
# state (``_passes.current().states``), and mode="all" ends with the pass (an end-of-pass
# callback, as ``queue_callback``'s) where not every tensor received a gradient.

class _PassState:
    """One multi-grad hook's gradients in one backward pass; called at the pass's end."""

    def __init__(self, fn, n: int, mode: str) -> None:
        self.fn = fn
        self.grads: list = [None] * n
        self.mode = mode
        self.fired = False

    def __call__(self) -> None:
        if self.mode == "all" and not self.fired:
            self.fired = True
            self.fn(tuple(self.grads))


class _MultiHandle:
    """What ``register_multi_grad_hook`` returns: ``remove()`` unregisters each tensor's
    hook."""

    def __init__(self, handles: list) -> None:
        self.handles = handles
        self.removed = False

    def remove(self) -> None:
        if self.removed:
            return
        self.removed = True
        for h in self.handles:
            h.remove()

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def register_multi_grad_hook(tensors, fn, *, mode: str = "all") -> _MultiHandle:
    """``mode="all"``: ``fn(grads)`` once per backward pass in which any of ``tensors``
    receives a gradient, once all of them that do have theirs (``grads``: one per tensor,
    None for a tensor that received none in that pass).  ``mode="any"``: ``fn(grad)`` with the
    first gradient computed for any of ``tensors`` in a pass, once per pass."""
    if mode not in ("all", "any"):
        raise ValueError(f"Expects mode to be one of ('all', 'any') but got {mode}")
    tensors = tuple(tensors)
    n = len(tensors)
    key = object()

    def state():
        p = _passes.current()
        if p is None:
            return None
        st = p.states.get(key)
        if st is None:
            p.states[key] = st = _PassState(fn, n, mode)
            p.callbacks.append(st)          # (mode "all": fired at the pass's end)
        return st

    def hook_for(i: int):
        def hook(grad):
            st = state()
            if st is None:                           # (no pass frame: called at once)
                fn(grad if mode == "any" else tuple(grad if j == i else None
                                                    for j in range(n)))
                return
            if mode == "any":
                if not st.fired:
                    st.fired = True
                    fn(grad)
                return
            st.grads[i] = grad
            if all(g is not None for g in st.grads) and not st.fired:
                st.fired = True
                fn(tuple(st.grads))
            return
        return hook

    handles = [t.register_hook(hook_for(i)) for i, t in enumerate(tensors)]
    return _MultiHandle(handles)
