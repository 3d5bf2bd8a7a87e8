"""``Optimizer``: the base of SGD, Adam, AdamW and RMSprop.

An optimizer holds *param groups* (a list of parameters plus their hyper-parameters) and a
per-parameter *state* (momentum buffers, moment estimates, step counts).  ``step()`` updates the
parameters in place under ``no_grad``, using dlcore ops; parameters whose ``.grad`` is None are
skipped, those with a zero gradient are stepped (their decay and momentum still act), as in
PyTorch.  A Ctrl-C arriving during the updates is raised once they are all done
(``dlcore.deferred_interrupt``): no parameter or state is left half-stepped.  ``state_dict()`` refers to parameters by their index, so it can be saved and loaded
into a fresh optimizer over the same model.

State tensors are updated in place, as PyTorch's (``_state_scalars.install``, the host paths):
a reference to ``state[p]['exp_avg']`` or ``state['step']`` taken before a step sees its values,
``state_dict()`` holds the live tensors (copy.deepcopy it to keep a snapshot), and
``load_state_dict(sd)`` keeps ``sd``'s tensors where dtype and device already match (PyTorch's
``.to``), so two optimizers loaded from one dict share, and both step, those tensors.  Errors a
step can raise (sparse or dense gradients refused, complex parameters refused, a state entry
missing from a loaded dict) are raised before that parameter's state or value changes; the
refusals of sparse/dense/complex gradients before any parameter changes.
"""

from __future__ import annotations

from collections import defaultdict

from dlcore.deferred_interrupt import deferred_interrupt

from .._complex import view_as_complex, view_as_real
from .._sparse import SparseTensor
from .._state import ERR_INFERENCE_INPLACE, STATE, inference_write
from ..tensor import Tensor
from ._sparse_steps import check_sparse
from ._state_scalars import scalar_tensor


class Optimizer:
    """Base class: parameter groups, state, zero_grad, state_dict."""

    #: in-place writes PyTorch's update makes to a parameter per step, each a bump of its
    #: version counter (``p._version``; NAdam's two ``addcdiv_``: 2; a group's decoupled weight
    #: decay, AdamW's, one ``mul_`` more), so that a graph that saved the parameter before
    #: ``step()`` refuses a later backward, as PyTorch's
    _version_bumps = 1

    def __init__(self, params, defaults: dict) -> None:
        self.defaults = defaults
        self.state: dict = defaultdict(dict)
        self.param_groups: list[dict] = []
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            "Tensors or dicts, but got " + params.type())
        params = list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(params[0], dict):
            params = [{"params": params}]
        for g in params:
            self.add_param_group(g)

    def add_param_group(self, group: dict) -> None:
        group = dict(group)
        ps = group["params"]
        if isinstance(ps, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        ps = [ps] if isinstance(ps, Tensor) else list(ps)
        names = [p[0] for p in ps if isinstance(p, tuple)]     # named_parameters(): PyTorch's
        group["params"] = [p[1] if isinstance(p, tuple) else p for p in ps]   # param_names
        if names:
            if len(names) != len(ps):
                raise ValueError("all optimizer params should be with/without names. Some param "
                                 "names are missing")
            group["param_names"] = names
        for g in self.param_groups:
            if ("param_names" in group) != ("param_names" in g):
                raise ValueError("all optimizer param groups should be with/without names. "
                                 "cannot add param group "
                                 f"{'with' if 'param_names' in group else 'without'} names to "
                                 "the optimizer")
        for p in group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + type(p).__name__)
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        for k, v in self.defaults.items():
            group.setdefault(k, v)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        for g in self.param_groups:
            for p in g["params"]:
                if p._grad is not None:
                    if set_to_none:
                        p._grad = None
                    else:
                        p._grad = p._grad.detach()
                        p._grad.zero_()

    def step(self, closure=None):
        loss = None
        # Grad mode is switched inside ``try`` so that an interrupt at any point restores it.
        if closure is not None:
            prev = STATE.enabled
            try:
                STATE.enabled = True
                loss = closure()
            finally:
                STATE.enabled = prev
        prev = STATE.enabled
        try:
            STATE.enabled = False
            sparse_only = getattr(self, "_sparse_only", False)
            no_complex = getattr(self, "_no_complex", False)
            for group in self.param_groups:        # sparse gradients: checked before any update
                for p in group["params"]:
                    if p._grad is not None and inference_write(p):
                        raise RuntimeError(ERR_INFERENCE_INPLACE)   # (an inference parameter)
                    if no_complex and p._grad is not None and p.is_complex():
                        raise RuntimeError(f"{type(self).__name__} does not support complex "
                                           "parameters")
                    if type(p._grad) is SparseTensor:
                        check_sparse(self, group)
                    elif sparse_only and p._grad is not None:
                        raise RuntimeError(f"{type(self).__name__} does not support dense "
                                           "gradients, please consider Adam instead")
            state = self.state
            bumps = self._version_bumps
            with deferred_interrupt():           # a Ctrl-C waits for the whole step
                for group in self.param_groups:
                    if isinstance(group.get("lr"), Tensor):     # torch 2.13 takes a Tensor lr
                        group = {**group, "lr": float(group["lr"])}   # (kept in param_groups)
                    n = bumps + (1 if group.get("decoupled_weight_decay") and
                                 group.get("weight_decay") else 0)  # (its own mul_)
                    for p in group["params"]:
                        if p._grad is not None:
                            # a state stays absent until an update fills it (PyTorch's SGD
                            # without momentum keeps none: its state_dict()['state'] is {})
                            s = state.get(p)
                            update = self._update_complex if p.is_complex() else self._update
                            vc = p._vc
                            v = vc[0] + n
                            if s is None:
                                s = {}
                                update(p, p._grad, s, group)
                                if s:
                                    state[p] = s
                            else:
                                update(p, p._grad, s, group)
                            vc[0] = max(vc[0], v)   # (a path that wrote the buffer itself)
        finally:
            STATE.enabled = prev
        return loss

    def _update(self, p: Tensor, grad: Tensor, state: dict, group: dict) -> None:
        raise NotImplementedError

    def _update_complex(self, p: Tensor, grad: Tensor, state: dict, group: dict) -> None:
        """PyTorch's update of a complex parameter: the update of its real view (real and
        imaginary parts each with their own moments: Adam's ``v`` holds re(g)^2 and im(g)^2,
        not g*g), the parameter written through the view; its state tensors stay complex."""
        if type(grad) is SparseTensor:
            self._update(p, grad, state, group)
            return
        rp = view_as_real(p)
        real = {k: view_as_real(v) if isinstance(v, Tensor) and v.is_complex() else v
                for k, v in state.items()}
        views = {k: v for k, v in real.items()}
        self._update(rp, view_as_real(grad), real, group)
        for k, v in real.items():
            if views.get(k) is v and k in state:
                continue            # updated in place through its real view: the same tensor
            if isinstance(v, Tensor) and v.ndim and tuple(v.shape) == tuple(rp.shape) and \
                    not v.is_complex():
                v = view_as_complex(v.contiguous())
            state[k] = v

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict:
        index: dict = {}
        groups = []
        for g in self.param_groups:
            packed = {k: v for k, v in g.items() if k != "params"}
            ids = []
            for p in g["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            packed["params"] = ids
            groups.append(packed)
        # PyTorch's: each parameter's live state dict, keyed by the parameter's index
        state = {index[id(p)]: s for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Load what ``state_dict()`` returned, all-or-nothing: the whole dict is checked
        (groups, their sizes, parameter indices, state shapes) before anything changes."""
        groups, params = _check_state_dict(state_dict, self.param_groups,
                                           self._state_shape)
        new_state: dict = defaultdict(dict)
        for i, s in state_dict["state"].items():
            p = params[i]
            new_state[p] = {k: _own_state_value(k, v, p) for k, v in s.items()}
        with deferred_interrupt():      # apply (nothing can fail now; a Ctrl-C waits)
            for own, saved in zip(self.param_groups, groups):
                own.update(saved)
            self.state = new_state

    def _state_shape(self, p: Tensor, key: str) -> tuple:
        """The shape a non-scalar state tensor ``key`` of ``p`` must have (``load_state_dict``
        checks it); factored optimizers (Adafactor) override it."""
        return tuple(p.shape)

    def __repr__(self) -> str:
        """PyTorch's: each group after a newline, each option line ending in one (so a blank
        line between groups)."""
        out = f"{type(self).__name__} ("
        for i, g in enumerate(self.param_groups):
            out += f"\nParameter Group {i}\n"
            out += "".join(f"    {k}: {g[k]}\n" for k in sorted(g) if k != "params")
        return out + ")"


def require(cond: bool, msg: str) -> None:
    if not cond:
        raise ValueError(msg)


def check_lr(lr, foreach=None, capturable: bool = False, adam: bool = False) -> None:
    """torch 2.13's constructor checks of a Tensor lr, made before the ``lr >= 0`` check (which
    needs one element); Adam and AdamW also refuse it with ``foreach=True`` unless
    ``capturable``."""
    if isinstance(lr, Tensor):
        if adam and foreach and not capturable:
            raise ValueError("lr as a Tensor is not supported for capturable=False and "
                             "foreach=True")
        if lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")


def check_flags(foreach=None, fused=None, differentiable: bool = False) -> None:
    """PyTorch's checks of the loop-variant flags; ``differentiable=True`` (an update recorded
    by autograd) is refused, since dlcore's updates are not recorded."""
    if fused and foreach:
        raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
    if fused and differentiable:
        raise RuntimeError("`fused` does not support `differentiable`")
    if differentiable:
        raise NotImplementedError("differentiable=True is not supported: dlcore_eager's "
                                  "optimizer updates are not recorded by autograd")


_SCALAR_STATE = ("step", "mu_product", "eta", "mu")


def _own_state_value(key: str, v, p: Tensor):
    """A loaded state value as PyTorch's ``load_state_dict`` keeps it: the step count (and
    the other 0-d scalars: NAdam's ``mu_product``, ASGD's ``eta``, ``mu``) a 0-d tensor, numbers
    from older checkpoints made tensors; other tensors cast to a floating parameter's dtype and
    moved to its device."""
    if key in _SCALAR_STATE and (isinstance(v, (int, float)) and not isinstance(v, bool)):
        return scalar_tensor(v)
    if key == "step" and not isinstance(v, Tensor):     # (PyTorch's float(step): 'x' refused,
        return scalar_tensor(float(v))                  # ValueError, before anything changes)
    if isinstance(v, Tensor):
        if key == "step":
            return v
        if p.dtype.is_floating_point:
            return v.to(device=p.device, dtype=p.dtype)
        return v.to(p.device)
    return v


def _check_state_dict(sd, own_groups: list, state_shape=None) -> tuple[list, dict]:
    """Validate an optimizer state dict; returns (per-group hyper-parameters to set,
    {saved index: parameter}).  Raises ValueError naming what is wrong."""
    if not isinstance(sd, dict) or not isinstance(sd.get("param_groups"), list) or \
            not isinstance(sd.get("state"), dict):
        raise ValueError("loaded state dict must be a dict with a 'state' dict and a "
                         "'param_groups' list")
    groups = sd["param_groups"]
    if len(groups) != len(own_groups):
        raise ValueError("loaded state dict has a different number of parameter groups")
    params: dict = {}
    out = []
    for gi, (own, saved) in enumerate(zip(own_groups, groups)):
        if not isinstance(saved, dict) or not isinstance(saved.get("params"), (list, tuple)):
            raise ValueError(f"loaded state dict: parameter group {gi} is malformed")
        if len(own["params"]) != len(saved["params"]):
            raise ValueError("loaded state dict contains a parameter group that doesn't "
                             "match the size of optimizer's group")
        for p, i in zip(own["params"], saved["params"]):
            if not isinstance(i, int) or isinstance(i, bool) or i in params:
                raise ValueError(f"loaded state dict: parameter group {gi} has a bad or "
                                 f"repeated parameter index {i!r}")
            params[i] = p
        hyper = {}
        for k, v in saved.items():
            if k == "params":
                continue
            if k == "betas":
                if not (isinstance(v, (list, tuple)) and len(v) == 2):
                    raise ValueError(f"loaded state dict: group {gi} has malformed betas {v!r}")
                v = tuple(v)
            if k in own and isinstance(own[k], (int, float)) and not isinstance(own[k], bool) \
                    and not (isinstance(v, (int, float)) and not isinstance(v, bool)):
                raise ValueError(f"loaded state dict: group {gi} has {k}={v!r}, expected a "
                                 "number")
            hyper[k] = v
        out.append(hyper)
    for i, s in sd["state"].items():
        p = params.get(i)
        if p is None or not isinstance(s, dict):
            raise ValueError(f"loaded state dict: state for unknown parameter index {i!r}")
        for k, v in s.items():
            want = tuple(p.shape) if state_shape is None else state_shape(p, k)
            if isinstance(v, Tensor) and v.dim() > 0 and tuple(v.shape) != want:
                raise ValueError(f"loaded state dict: state {k!r} of parameter {i} has shape "
                                 f"{list(v.shape)}, expected {list(want)} (the parameter has "
                                 f"{list(p.shape)})")
    return out, params
