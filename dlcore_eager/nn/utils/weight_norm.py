"""Weight normalisation by a forward pre-hook (PyTorch's older ``nn.utils.weight_norm`` API).

``weight_norm(module, name, dim)`` replaces the parameter ``name`` by ``name_g`` (the magnitude,
``norm_except_dim(w, 2, dim)``) and ``name_v`` (the direction, initially ``w``); before every
forward a hook recomputes::

    w = v * (g / ||v||)        the norm over every dimension except ``dim``
                                (over the whole tensor when ``dim`` is None or -1)

so gradients reach ``g`` and ``v`` through ordinary dlcore ops.  ``remove_weight_norm`` folds
them back into one parameter.  The newer form is ``nn.utils.parametrizations.weight_norm``.
"""

from __future__ import annotations

import warnings

from ..module import Module, Parameter


def norm_except_dim(v, pow: float = 2, dim: int = 0):
    """The ``pow``-norm of ``v`` over every dimension but ``dim``, shaped to broadcast against
    ``v`` (size ``v.shape[dim]`` there, 1 elsewhere); a 0-d norm of everything when ``dim`` is
    -1, as PyTorch's ``torch.norm_except_dim``."""
    if dim == -1:
        return v.norm(pow)
    d = dim % v.dim()
    others = tuple(i for i in range(v.dim()) if i != d)
    if not others:
        return v.abs()
    if pow == 2:
        return (v * v).sum(dim=others, keepdim=True).sqrt()
    return v.norm(p=pow, dim=others, keepdim=True)


def _weight_norm(v, g, dim: int):
    return v * (g / norm_except_dim(v, 2, dim))


class WeightNorm:
    """The forward pre-hook that recomputes ``module.<name>`` from ``<name>_g`` and
    ``<name>_v``."""

    def __init__(self, name: str, dim: int | None) -> None:
        self.name = name
        self.dim = -1 if dim is None else dim

    def compute_weight(self, module: Module):
        return _weight_norm(getattr(module, self.name + "_v"), getattr(module, self.name + "_g"),
                            self.dim)

    @staticmethod
    def apply(module: Module, name: str, dim: int | None) -> WeightNorm:
        warnings.warn("`torch.nn.utils.weight_norm` is deprecated in favor of "
                      "`torch.nn.utils.parametrizations.weight_norm`.", FutureWarning,
                      stacklevel=3)
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, WeightNorm) and hook.name == name:
                raise RuntimeError("Cannot register two weight_norm hooks on the same "
                                   f"parameter {name}")
        fn = WeightNorm(name, dim)
        weight = getattr(module, name)
        g = norm_except_dim(weight.detach(), 2, fn.dim)
        del module._parameters[name]
        module.register_parameter(name + "_g", Parameter(g))
        module.register_parameter(name + "_v", Parameter(weight.detach()))
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module: Module) -> None:
        weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(weight.detach()))

    def __call__(self, module: Module, inputs) -> None:
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Reparametrise ``module.<name>`` as ``g * v / ||v||`` (see the module docstring)."""
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module: Module, name: str = "weight") -> Module:
    for k, hook in module._forward_pre_hooks.items():
        if isinstance(hook, WeightNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[k]
            return module
    raise ValueError(f"weight_norm of '{name}' not found in {module}")
