"""``Optimizer``: the base of SGD, Adam, AdamW and RMSprop.

An optimizer holds *param groups* (a list of parameters plus their hyper-parameters) and a
per-parameter *state* (momentum buffers, moment estimates, step counts).  ``step()`` updates the
parameters in place under ``no_grad``, using dlcore ops; parameters whose ``.grad`` is None are
skipped, those with a zero gradient are stepped (their decay and momentum still act), as in
PyTorch.  ``state_dict()`` refers to parameters by their index, so it can be saved and loaded
into a fresh optimizer over the same model.
"""

from __future__ import annotations

from collections import defaultdict

from .._state import STATE
from ..tensor import Tensor


class Optimizer:
    """Base class: parameter groups, state, zero_grad, state_dict."""

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
        group["params"] = [ps] if isinstance(ps, Tensor) else list(ps)
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
        if closure is not None:
            prev, STATE.enabled = STATE.enabled, True
            try:
                loss = closure()
            finally:
                STATE.enabled = prev
        prev, STATE.enabled = STATE.enabled, False
        try:
            for group in self.param_groups:
                for p in group["params"]:
                    if p._grad is not None:
                        self._update(p, p._grad, self.state[p], group)
        finally:
            STATE.enabled = prev
        return loss

    def _update(self, p: Tensor, grad: Tensor, state: dict, group: dict) -> None:
        raise NotImplementedError

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
        state = {index[id(p)]: dict(s) for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        params: dict[int, Tensor] = {}
        for own, saved in zip(self.param_groups, groups):
            if len(own["params"]) != len(saved["params"]):
                raise ValueError("loaded state dict contains a parameter group that doesn't "
                                 "match the size of optimizer's group")
            for p, i in zip(own["params"], saved["params"]):
                params[int(i)] = p
            for k, v in saved.items():
                if k != "params":
                    own[k] = tuple(v) if k == "betas" else v
        self.state = defaultdict(dict)
        for i, s in state_dict["state"].items():
            p = params[int(i)]
            self.state[p] = {k: (v.to(p.device) if isinstance(v, Tensor) else v)
                             for k, v in s.items()}

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, g in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for k in sorted(g):
                if k != "params":
                    lines.append(f"    {k}: {g[k]}")
        lines.append(")")
        return "\n".join(lines)


def require(cond: bool, msg: str) -> None:
    if not cond:
        raise ValueError(msg)


