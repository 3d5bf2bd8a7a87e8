"""Spectral normalisation by a forward pre-hook (PyTorch's older ``nn.utils.spectral_norm``).

The parameter ``name`` moves to ``name_orig``; buffers ``name_u`` and ``name_v`` hold the power
iteration's singular-vector estimates.  With ``W`` the weight reshaped to a matrix (``dim``
first, the rest flattened), before every forward::

    training:  repeat n_power_iterations times (no gradient):
                   v = normalize(W^T u, eps);  u = normalize(W v, eps)    (buffers updated)
    sigma = u . (W v);   weight = W_orig / sigma   (gradient flows through W only)

In evaluation mode the stored ``u`` and ``v`` are used unchanged.  ``normalize(x, eps)`` is
``x / max(||x||, eps)``.  ``dim`` defaults to 1 for transposed convolutions, 0 otherwise.
Loading a checkpoint written before PyTorch 1.0 (``weight`` without ``weight_v``) is not
supported: such a state dict has missing keys here.
"""

from __future__ import annotations

from ...autograd import no_grad
from ...creation import empty
from .. import functional as F
from ..module import Module, Parameter


class SpectralNorm:
    _version: int = 1

    def __init__(self, name: str = "weight", n_power_iterations: int = 1, dim: int = 0,
                 eps: float = 1e-12) -> None:
        self.name, self.dim = name, dim
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but "
                             f"got n_power_iterations={n_power_iterations}")
        self.n_power_iterations, self.eps = n_power_iterations, eps

    def reshape_weight_to_matrix(self, weight):
        mat = weight
        if self.dim != 0:
            mat = mat.permute(self.dim, *[d for d in range(mat.dim()) if d != self.dim])
        return mat.reshape(mat.size(0), -1)

    def compute_weight(self, module: Module, do_power_iteration: bool):
        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        mat = self.reshape_weight_to_matrix(weight)
        if do_power_iteration:
            with no_grad():
                m = mat.detach()
                for _ in range(self.n_power_iterations):
                    v.copy_(F.normalize(m.t().mv(u), dim=0, eps=self.eps))
                    u.copy_(F.normalize(m.mv(v), dim=0, eps=self.eps))
                u, v = u.clone(), v.clone()
        sigma = u.dot(mat.mv(v))
        return weight / sigma

    def remove(self, module: Module) -> None:
        with no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        delattr(module, self.name)
        delattr(module, self.name + "_u")
        delattr(module, self.name + "_v")
        delattr(module, self.name + "_orig")
        module.register_parameter(self.name, Parameter(weight.detach()))

    def __call__(self, module: Module, inputs) -> None:
        setattr(module, self.name, self.compute_weight(module, module.training))

    @staticmethod
    def apply(module: Module, name: str, n_power_iterations: int, dim: int,
              eps: float) -> SpectralNorm:
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, SpectralNorm) and hook.name == name:
                raise RuntimeError("Cannot register two spectral_norm hooks on the same "
                                   f"parameter {name}")
        fn = SpectralNorm(name, n_power_iterations, dim, eps)
        weight = module._parameters.get(name)
        if weight is None:
            raise ValueError(f"`SpectralNorm` cannot be applied as parameter `{name}` is None")
        with no_grad():
            h, w = fn.reshape_weight_to_matrix(weight).shape
            u = F.normalize(empty(h, dtype=weight.dtype, device=weight.device).normal_(0, 1),
                            dim=0, eps=fn.eps)
            v = F.normalize(empty(w, dtype=weight.dtype, device=weight.device).normal_(0, 1),
                            dim=0, eps=fn.eps)
        delattr(module, fn.name)
        module.register_parameter(fn.name + "_orig", weight)
        setattr(module, fn.name, weight.detach())
        module.register_buffer(fn.name + "_u", u)
        module.register_buffer(fn.name + "_v", v)
        module.register_forward_pre_hook(fn)
        return fn


def _is_transposed_conv(module: Module) -> bool:
    from ..conv import ConvTranspose1d, ConvTranspose2d
    kinds: tuple = (ConvTranspose1d, ConvTranspose2d)
    from .. import conv as _conv
    if hasattr(_conv, "ConvTranspose3d"):
        kinds += (_conv.ConvTranspose3d,)
    return isinstance(module, kinds)


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None) -> Module:
    """Divide ``module.<name>`` by its largest singular value, estimated by power iteration
    (see the module docstring)."""
    if dim is None:
        dim = 1 if _is_transposed_conv(module) else 0
    SpectralNorm.apply(module, name, n_power_iterations, dim, eps)
    return module


def remove_spectral_norm(module: Module, name: str = "weight") -> Module:
    for k, hook in module._forward_pre_hooks.items():
        if isinstance(hook, SpectralNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[k]
            return module
    raise ValueError(f"spectral_norm of '{name}' not found in {module}")
