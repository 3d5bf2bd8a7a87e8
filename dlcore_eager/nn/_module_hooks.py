"""``nn.Module``'s hooks: forward pre-hooks and forward hooks (``with_kwargs``, ``prepend``,
``always_call``), full backward hooks and pre-hooks, and the state-dict hooks' registration.

Each ``register_*`` returns a ``torch.utils.hooks.RemovableHandle`` whose ``id`` (a process-wide
counter, as PyTorch's) keys the hook, so the same function registered twice runs twice.
``Module.__call__`` runs the pre-hooks, then ``forward``, then the forward hooks; with backward
hooks registered, the inputs go through identity ops first and the forward hooks' (possibly
replaced) result is the output whose gradient is ``grad_output``, as in PyTorch's ``_call_impl``.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict

from ..tensor import Tensor


def _handle(hooks: OrderedDict, hook, prepend: bool = False, extra=None):
    from ..utils.hooks import RemovableHandle  # (lazy: dlcore_eager.utils imports data)
    handle = RemovableHandle(hooks, extra_dict=extra)
    hooks[handle.id] = hook
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


_BHF: list = []


def _backward_hook_function():
    """PyTorch's ``BackwardHookFunction`` (made once, on first use: autograd.function imports
    nn lazily): an identity over tensors whose backward hands all their gradients to
    ``on_grads`` (its first argument)."""
    if not _BHF:
        from ..autograd.function import Function

        class BackwardHookFunction(Function):
            @staticmethod
            def forward(ctx, on_grads, *tensors):
                ctx.on_grads = on_grads
                ctx.mark_non_differentiable(*[t for t in tensors if not t.requires_grad])
                return tensors

            @staticmethod
            def backward(ctx, *grads):
                return ctx.on_grads(grads)
        _BHF.append(BackwardHookFunction)
    return _BHF[0]


def _hook_tuple_output(module, out: tuple, state: dict, watched: bool, fire) -> tuple:
    """A tuple output under full backward hooks (PyTorch's ``BackwardHookFunction``): its
    tensors go through one identity Function, whose backward sees every output's gradient at
    once: ``grad_output`` has one entry per tuple element (None for a non-tensor and for an
    output no gradient reached), the pre-hooks may replace it, then the hooks fire (at once when
    no input needs a gradient, else with the input gradients)."""
    idx = [i for i, o in enumerate(out) if isinstance(o, Tensor)]
    if not any(out[i].requires_grad for i in idx):
        return out
    reached: set = set()            # outputs a gradient reached (the rest get zeros here)

    def on_grads(grads):
        go = [None] * len(out)
        for k, i in enumerate(idx):
            go[i] = grads[k] if k in reached else None
        reached.clear()
        for pre in list(module.__dict__.get("_backward_pre_hooks", {}).values()):
            r = pre(module, tuple(go))
            if r is not None:
                if len(r) != len(go):
                    raise RuntimeError("Backward pre hook returned an invalid number of "
                                       f"grad_output, got {len(r)}, but expected {len(go)}")
                go = list(r)
        state["grad_output"] = tuple(go)
        if not watched:
            fire()
        return (None, *(go[i] for i in idx))

    new = _backward_hook_function().apply(on_grads, *(out[i] for i in idx))
    res = list(out)
    for k, i in enumerate(idx):
        res[i] = new[k]
        if new[k].requires_grad:
            new[k].register_hook(lambda g, k=k: reached.add(k))
    return tuple(res) if type(out) is tuple else type(out)(*res)


class _IdSet(set):
    """A set of hook ids that a handle can drop its id from (RemovableHandle's extra_dict)."""

    def __delitem__(self, key) -> None:
        self.discard(key)


class ModuleHooks:
    """The hook half of ``nn.Module`` (mixed into it)."""

    _forward_hooks: OrderedDict
    _forward_pre_hooks: OrderedDict
    _backward_hooks: OrderedDict
    _backward_pre_hooks: OrderedDict
    _state_dict_pre_hooks: OrderedDict
    _state_dict_hooks: OrderedDict
    _load_state_dict_pre_hooks: OrderedDict
    _load_state_dict_post_hooks: OrderedDict

    def forward(self, *args, **kwargs): ...

    def _id_set(self, name: str) -> _IdSet:
        s = self.__dict__.get(name)
        if s is None:
            s = _IdSet()
            object.__setattr__(self, name, s)
        return s

    # ------------------------------------------------------------------ forward hooks
    def register_forward_pre_hook(self, hook, *, prepend: bool = False,
                                  with_kwargs: bool = False):
        """``hook(module, args)`` (or ``hook(module, args, kwargs)`` with ``with_kwargs``)
        before ``forward``; it may return new args (a tuple, or one value that is wrapped), or
        with ``with_kwargs`` a tuple ``(new_args, new_kwargs)``."""
        kw = self._id_set("_forward_pre_hooks_with_kwargs")
        handle = _handle(self._forward_pre_hooks, hook, prepend, extra=kw)
        if with_kwargs:
            kw.add(handle.id)
        return handle

    def register_forward_hook(self, hook, *, prepend: bool = False, with_kwargs: bool = False,
                              always_call: bool = False):
        """``hook(module, args, output)`` (or ``hook(module, args, kwargs, output)`` with
        ``with_kwargs``) after ``forward``; a non-None return replaces the output.  With
        ``always_call`` it also runs when ``forward`` raises (output None, its own error only
        warned about), and the forward's error propagates."""
        kw = self._id_set("_forward_hooks_with_kwargs")
        always = self._id_set("_forward_hooks_always_called")
        handle = _handle(self._forward_hooks, hook, prepend, extra=[kw, always])
        if with_kwargs:
            kw.add(handle.id)
        if always_call:
            always.add(handle.id)
        return handle

    def _run_forward_pre_hooks(self, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
        with_kw = self.__dict__.get("_forward_pre_hooks_with_kwargs") or ()
        for hook_id, hook in list(self._forward_pre_hooks.items()):
            if hook_id in with_kw:
                r = hook(self, args, kwargs)
                if r is not None:
                    if not (isinstance(r, tuple) and len(r) == 2):
                        raise RuntimeError("forward pre-hook must return None or a tuple of "
                                           f"(new_args, new_kwargs), but got {r}.")
                    args, kwargs = r
            else:
                r = hook(self, args)
                if r is not None:
                    args = r if isinstance(r, tuple) else (r,)
        return args, kwargs

    def _forward_then_hooks(self, args: tuple, kwargs: dict):
        """``forward`` and the forward hooks, the ``always_call`` ones also after an error."""
        if not self._forward_hooks:
            return self.forward(*args, **kwargs)
        with_kw = self.__dict__.get("_forward_hooks_with_kwargs") or ()
        always = self.__dict__.get("_forward_hooks_always_called") or ()
        called: set = set()
        out = None
        try:
            out = self.forward(*args, **kwargs)
            for hook_id, hook in list(self._forward_hooks.items()):
                if hook_id in always:
                    called.add(hook_id)
                r = hook(self, args, kwargs, out) if hook_id in with_kw else hook(self, args, out)
                if r is not None:
                    out = r
        except Exception:
            for hook_id, hook in list(self._forward_hooks.items()):
                if hook_id not in always or hook_id in called:
                    continue
                try:
                    r = (hook(self, args, kwargs, out) if hook_id in with_kw
                         else hook(self, args, out))
                    if r is not None:
                        out = r
                except Exception as e:            # noqa: BLE001 (PyTorch's: warned, not raised)
                    warnings.warn("forward hook with ``always_call=True`` raised an exception "
                                  "that was silenced as another error was raised in forward: "
                                  f"{e}", stacklevel=2)
            raise
        return out

    # ------------------------------------------------------------------ backward hooks
    def register_full_backward_hook(self, hook, prepend: bool = False):
        """``hook(module, grad_input, grad_output)`` once the gradients with respect to the
        module's tensor inputs are computed (``grad_input`` entries are None for inputs that need
        no gradient).  It may return replacement input gradients."""
        return _handle(self._backward_hooks, hook, prepend)

    def register_full_backward_pre_hook(self, hook, prepend: bool = False):
        """``hook(module, grad_output)`` once the gradient with respect to the module's output
        is computed, before the input gradients; it may return a replacement ``grad_output``
        tuple."""
        return _handle(self._backward_pre_hooks, hook, prepend)

    def _call_with_backward_hooks(self, args, kwargs):
        from dlcore import ops as _ops

        from .._state import STATE
        if not STATE.enabled:
            return self._forward_then_hooks(args, kwargs)
        # Each input that requires grad goes through an identity op, whose gradient is the
        # module's grad_input; the output's gradient is its grad_output.
        args = tuple(_ops.identity(a) if isinstance(a, Tensor) and a.requires_grad else a
                     for a in args)
        watched = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
        state: dict = {"grad_output": None, "grads": {}}

        def fire():
            grad_input = tuple(state["grads"].get(i) for i, a in enumerate(args)
                               if isinstance(a, Tensor))
            for hook in list(self._backward_hooks.values()):
                r = hook(self, grad_input, state["grad_output"])
                if r is not None:
                    grad_input = tuple(r)
            return grad_input

        def input_hook(i):
            def h(g):
                state["grads"][i] = g
                if len(state["grads"]) == len(watched):
                    new = fire()
                    tensor_pos = [j for j, a in enumerate(args) if isinstance(a, Tensor)]
                    return new[tensor_pos.index(i)]
                return None
            return h

        for i in watched:
            args[i].register_hook(input_hook(i))
        out = self._forward_then_hooks(args, kwargs)
        if isinstance(out, Tensor) and out.requires_grad:
            def output_hook(g):
                for pre in list(self.__dict__.get("_backward_pre_hooks", {}).values()):
                    r = pre(self, (g,))
                    if r is not None:
                        g = r[0] if isinstance(r, (tuple, list)) else r
                state["grad_output"] = (g,)
                if not watched:
                    fire()
                return g
            out.register_hook(output_hook)
        elif type(out) is tuple or isinstance(out, tuple) and hasattr(out, "_fields"):
            out = _hook_tuple_output(self, out, state, bool(watched), fire)
        return out

    # ------------------------------------------------------------------ state hooks
    def register_state_dict_pre_hook(self, hook):
        """``hook(module, prefix, keep_vars)`` before the module's entries are collected."""
        return _handle(self._state_dict_pre_hooks, hook)

    def register_state_dict_post_hook(self, hook):
        """``hook(module, state_dict, prefix, local_metadata)`` once the module's entries (its
        submodules' included) are in ``state_dict``; it may edit it in place, returns None."""
        return _handle(self._state_dict_hooks, (hook, True))

    def _register_state_dict_hook(self, hook):
        """PyTorch's private form: the hook may return a replacement state dict."""
        return _handle(self._state_dict_hooks, (hook, False))

    def register_load_state_dict_pre_hook(self, hook):
        """``hook(module, state_dict, prefix, local_metadata, strict, missing_keys,
        unexpected_keys, error_msgs)`` before the module's entries are checked; it may edit
        ``state_dict`` (a copy of the caller's) in place, e.g. to rename old keys."""
        return self._register_load_state_dict_pre_hook(hook, with_module=True)

    def _register_load_state_dict_pre_hook(self, hook, with_module: bool = False):
        return _handle(self._load_state_dict_pre_hooks, (hook, with_module))

    def register_load_state_dict_post_hook(self, hook):
        """``hook(module, incompatible_keys)`` after loading; it may edit the
        ``missing_keys``/``unexpected_keys`` lists in place (before ``strict`` is enforced)."""
        return _handle(self._load_state_dict_post_hooks, hook)
