"""Pruning (PyTorch's ``nn.utils.prune``): a weight becomes ``weight_orig * weight_mask``.

Pruning ``name`` moves the parameter to ``<name>_orig``, stores the 0/1 mask as the buffer
``<name>_mask`` and sets ``module.<name>`` (a plain attribute) to ``mask * orig``, recomputed by a
forward pre-hook, so gradients reach ``<name>_orig`` masked.  Pruning the same tensor again
combines the methods in a ``PruningContainer``: the new amount is taken from the entries (or,
for structured methods, the channels) still unpruned.  ``remove`` makes the pruning permanent.

Masks:  l1_unstructured zeroes the ``amount`` entries of least ``|w|`` (or of least
``importance_scores``); random_unstructured random entries; ln_structured keeps the channels
along ``dim`` of largest ``n``-norm; random_structured random channels; global_unstructured
applies one unstructured method to all the given tensors together; custom_from_mask a given
mask.  ``amount`` is a count (int) or a fraction (float, rounded as Python's ``round``).  Masks
are computed on the host with NumPy (they carry no gradient); among equal scores the earlier
entry is pruned first (PyTorch's top-k leaves ties unspecified).  State-dict keys are
PyTorch's.
"""

from __future__ import annotations

import numbers
from abc import ABC, abstractmethod
from collections.abc import Iterable

import numpy as np

from ...creation import tensor as _tensor
from ...tensor import Tensor
from .clip_grad import parameters_to_vector

__all__ = ["BasePruningMethod", "CustomFromMask", "Identity", "L1Unstructured", "LnStructured",
           "PruningContainer", "RandomStructured", "RandomUnstructured", "custom_from_mask",
           "global_unstructured", "identity", "is_pruned", "l1_unstructured", "ln_structured",
           "random_structured", "random_unstructured", "remove"]


def _np(t) -> np.ndarray:
    return np.array(t.detach().cpu()._buf) if isinstance(t, Tensor) else np.asarray(t)


def _like(a: np.ndarray, ref: Tensor) -> Tensor:
    return _tensor(a, dtype=ref.dtype, device=ref.device)


class BasePruningMethod(ABC):
    """A pruning method; also the forward pre-hook that recomputes ``module.<name>``."""

    _tensor_name: str | None = None
    PRUNING_TYPE: str

    def __call__(self, module, inputs) -> None:
        setattr(module, str(self._tensor_name), self.apply_mask(module))

    @abstractmethod
    def compute_mask(self, t, default_mask):
        """The new mask for ``t`` given the current ``default_mask``."""

    def _mask_np(self, t: np.ndarray, default_mask: np.ndarray) -> np.ndarray:
        ref = _tensor(t)
        return _np(self.compute_mask(ref, _tensor(default_mask)))

    def apply_mask(self, module):
        if self._tensor_name is None:
            raise AssertionError(f"Module {module} has to be pruned")
        mask = getattr(module, self._tensor_name + "_mask")
        orig = getattr(module, self._tensor_name + "_orig")
        return mask.to(dtype=orig.dtype) * orig

    @classmethod
    def apply(cls, module, name, *args, importance_scores=None, **kwargs):
        old, keys = None, []
        for k, hook in module._forward_pre_hooks.items():
            if isinstance(hook, BasePruningMethod) and hook._tensor_name == name:
                old = hook
                keys.append(k)
        if len(keys) > 1:
            raise AssertionError(f"Avoid adding multiple pruning hooks to the same tensor {name} "
                                 f"of module {module}. Use a PruningContainer.")
        method = cls(*args, **kwargs)
        method._tensor_name = name
        orig = getattr(module, name)
        if importance_scores is not None:
            if importance_scores.shape != orig.shape:
                raise AssertionError(f"importance_scores should have the same shape as parameter "
                                     f"{name} of {module}, got {importance_scores.shape} vs "
                                     f"{orig.shape}")
        else:
            importance_scores = orig
        if old is not None:
            if isinstance(old, PruningContainer):
                old.add_pruning_method(method)
                method = old
            else:
                container = PruningContainer(old)
                container.add_pruning_method(method)
                method = container
            default = _np(getattr(module, name + "_mask"))
        else:
            default = np.ones(tuple(orig.shape), dtype=_np(orig).dtype)
        # Validate-then-apply: the mask is computed before the module changes.
        mask = _like(method._mask_np(_np(importance_scores), default), orig)
        for k in keys:
            del module._forward_pre_hooks[k]
        if not isinstance(method, PruningContainer):
            module.register_parameter(name + "_orig", orig)
            del module._parameters[name]
        module.register_buffer(name + "_mask", mask)
        setattr(module, name, method.apply_mask(module))
        module.register_forward_pre_hook(method)
        return method

    def prune(self, t, default_mask=None, importance_scores=None):
        if importance_scores is not None:
            if importance_scores.shape != t.shape:
                raise AssertionError("importance_scores should have the same shape as tensor t, "
                                     f"got {importance_scores.shape} vs {t.shape}")
        else:
            importance_scores = t
        default = np.ones(tuple(t.shape)) if default_mask is None else _np(default_mask)
        return t * _like(self._mask_np(_np(importance_scores), default), t)

    def remove(self, module) -> None:
        if self._tensor_name is None:
            raise AssertionError(f"Module {module} has to be pruned before pruning can be "
                                 "removed")
        weight = self.apply_mask(module)
        if self._tensor_name in module.__dict__:
            delattr(module, self._tensor_name)
        orig = module._parameters[self._tensor_name + "_orig"]
        orig.data = weight.detach()
        del module._parameters[self._tensor_name + "_orig"]
        del module._buffers[self._tensor_name + "_mask"]
        setattr(module, self._tensor_name, orig)


class PruningContainer(BasePruningMethod):
    """The sequence of methods applied to one tensor; its mask is the last method's, computed
    on what the earlier ones left."""

    def __init__(self, *args) -> None:
        self._pruning_methods: tuple = ()
        if len(args) == 1:
            self._tensor_name = args[0]._tensor_name
            self.add_pruning_method(args[0])
        else:
            for method in args:
                self.add_pruning_method(method)

    def add_pruning_method(self, method) -> None:
        if not isinstance(method, BasePruningMethod) and method is not None:
            raise TypeError(f"{type(method)} is not a BasePruningMethod subclass")
        if method is not None and self._tensor_name != method._tensor_name:
            raise ValueError("Can only add pruning methods acting on the parameter named "
                             f"'{self._tensor_name}' to PruningContainer {self}. Found "
                             f"'{method._tensor_name}'")
        self._pruning_methods += (method,)

    def __len__(self) -> int:
        return len(self._pruning_methods)

    def __iter__(self):
        return iter(self._pruning_methods)

    def __getitem__(self, idx):
        return self._pruning_methods[idx]

    def compute_mask(self, t, default_mask):
        return _like(self._mask_np(_np(t), _np(default_mask)), t)

    def _mask_np(self, t: np.ndarray, mask: np.ndarray) -> np.ndarray:
        method = self._pruning_methods[-1]
        new = mask.astype(t.dtype)
        slc: tuple
        if method.PRUNING_TYPE == "unstructured":
            slc = (mask == 1,)
        elif method.PRUNING_TYPE == "structured":
            if not hasattr(method, "dim"):
                raise AttributeError('Pruning methods of PRUNING_TYPE "structured" need to have '
                                     "the attribute `dim` defined.")
            n, dim = t.ndim, method.dim
            dim = dim + n if dim < 0 else dim
            if dim < 0:
                raise IndexError(f"Index is out of bounds for tensor with dimensions {n}")
            keep = mask.sum(axis=tuple(d for d in range(n) if d != dim)) != 0
            s: list = [slice(None)] * n
            s[dim] = keep
            slc = tuple(s)
        elif method.PRUNING_TYPE == "global":
            slc = (slice(None),) * t.ndim
        else:
            raise ValueError(f"Unrecognized PRUNING_TYPE {method.PRUNING_TYPE}")
        new[slc] = method._mask_np(t[slc], mask[slc]).astype(new.dtype)
        return new


class _Tensorwise(BasePruningMethod):
    def compute_mask(self, t, default_mask):
        return _like(self._mask_np(_np(t), _np(default_mask)), t)


class Identity(_Tensorwise):
    PRUNING_TYPE = "unstructured"

    def _mask_np(self, t, default_mask):
        return default_mask

    @classmethod
    def apply(cls, module, name):  # type: ignore[override]
        return super().apply(module, name)


def _smallest(scores: np.ndarray, k: int) -> np.ndarray:
    return np.argsort(scores.reshape(-1), kind="stable")[:k]


class RandomUnstructured(_Tensorwise):
    PRUNING_TYPE = "unstructured"

    def __init__(self, amount) -> None:
        _validate_pruning_amount_init(amount)
        self.amount = amount

    def _mask_np(self, t, default_mask):
        k = _compute_nparams_toprune(self.amount, t.size)
        _validate_pruning_amount(k, t.size)
        mask = np.array(default_mask, copy=True)
        if k:
            from ...creation import rand
            prob = _np(rand(t.size))
            mask.reshape(-1)[_smallest(-prob, k)] = 0
        return mask

    @classmethod
    def apply(cls, module, name, amount):  # type: ignore[override]
        return super().apply(module, name, amount=amount)


class L1Unstructured(_Tensorwise):
    PRUNING_TYPE = "unstructured"

    def __init__(self, amount) -> None:
        _validate_pruning_amount_init(amount)
        self.amount = amount

    def _mask_np(self, t, default_mask):
        k = _compute_nparams_toprune(self.amount, t.size)
        _validate_pruning_amount(k, t.size)
        mask = np.array(default_mask, copy=True)
        if k:
            mask.reshape(-1)[_smallest(np.abs(t), k)] = 0
        return mask

    @classmethod
    def apply(cls, module, name, amount, importance_scores=None):  # type: ignore[override]
        return super().apply(module, name, amount=amount, importance_scores=importance_scores)


def _channel_mask(t: np.ndarray, dim: int, keep: np.ndarray, default_mask) -> np.ndarray:
    mask = np.zeros_like(t)
    s: list = [slice(None)] * t.ndim
    s[dim] = keep
    mask[tuple(s)] = 1
    return mask * default_mask.astype(mask.dtype)


class RandomStructured(_Tensorwise):
    PRUNING_TYPE = "structured"

    def __init__(self, amount, dim=-1) -> None:
        _validate_pruning_amount_init(amount)
        self.amount, self.dim = amount, dim

    def _mask_np(self, t, default_mask):
        _validate_structured_pruning(t)
        _validate_pruning_dim(t, self.dim)
        size = t.shape[self.dim]
        k = _compute_nparams_toprune(self.amount, size)
        _validate_pruning_amount(k, size)
        if k == 0:
            return default_mask
        from ...creation import rand
        prob = _np(rand(size))
        keep = np.sort(_smallest(-prob, size - k))
        return _channel_mask(t, self.dim, keep, default_mask)

    @classmethod
    def apply(cls, module, name, amount, dim=-1):  # type: ignore[override]
        return super().apply(module, name, amount=amount, dim=dim)


class LnStructured(_Tensorwise):
    PRUNING_TYPE = "structured"

    def __init__(self, amount, n, dim=-1) -> None:
        _validate_pruning_amount_init(amount)
        self.amount, self.n, self.dim = amount, n, dim

    def _mask_np(self, t, default_mask):
        _validate_structured_pruning(t)
        _validate_pruning_dim(t, self.dim)
        size = t.shape[self.dim]
        k = _compute_nparams_toprune(self.amount, size)
        _validate_pruning_amount(k, size)
        if k == 0:
            return default_mask
        norm = _compute_norm(t, self.n, self.dim)
        keep = _smallest(-norm, size - k)
        return _channel_mask(t, self.dim, keep, default_mask)

    @classmethod
    def apply(cls, module, name, amount, n, dim, importance_scores=None):  # type: ignore[override]
        return super().apply(module, name, amount=amount, n=n, dim=dim,
                             importance_scores=importance_scores)


class CustomFromMask(_Tensorwise):
    PRUNING_TYPE = "global"

    def __init__(self, mask) -> None:
        self.mask = mask

    def _mask_np(self, t, default_mask):
        m = _np(self.mask)
        if default_mask.shape != m.shape:
            raise AssertionError(f"default_mask shape {_tensor(default_mask).shape} must match "
                                 f"self.mask shape {_tensor(m).shape}")
        return default_mask * m.astype(default_mask.dtype)

    @classmethod
    def apply(cls, module, name, mask):  # type: ignore[override]
        return super().apply(module, name, mask=mask)


def identity(module, name):
    Identity.apply(module, name)
    return module


def random_unstructured(module, name, amount):
    RandomUnstructured.apply(module, name, amount)
    return module


def l1_unstructured(module, name, amount, importance_scores=None):
    L1Unstructured.apply(module, name, amount=amount, importance_scores=importance_scores)
    return module


def random_structured(module, name, amount, dim):
    RandomStructured.apply(module, name, amount, dim)
    return module


def ln_structured(module, name, amount, n, dim, importance_scores=None):
    LnStructured.apply(module, name, amount, n, dim, importance_scores=importance_scores)
    return module


def custom_from_mask(module, name, mask):
    CustomFromMask.apply(module, name, mask)
    return module


def global_unstructured(parameters, pruning_method, importance_scores=None, **kwargs) -> None:
    """Prune the (module, name) pairs together: one unstructured method over all their entries
    (scored by ``importance_scores[(module, name)]`` where given)."""
    if not isinstance(parameters, Iterable):
        raise TypeError("global_unstructured(): parameters is not an Iterable")
    parameters = list(parameters)
    importance_scores = importance_scores if importance_scores is not None else {}
    if not isinstance(importance_scores, dict):
        raise TypeError("global_unstructured(): importance_scores must be of type dict")
    scores = parameters_to_vector([importance_scores.get((m, n), getattr(m, n))
                                   for m, n in parameters])
    masks = []
    for m, n in parameters:
        mask = getattr(m, n + "_mask", None)
        masks.append(mask if mask is not None else _like(np.ones(tuple(getattr(m, n).shape)),
                                                         getattr(m, n)))
    default = parameters_to_vector(masks)
    container = PruningContainer()
    container._tensor_name = "temp"
    method = pruning_method(**kwargs)
    method._tensor_name = "temp"
    if method.PRUNING_TYPE != "unstructured":
        raise TypeError('Only "unstructured" PRUNING_TYPE supported for the `pruning_method`. '
                        f"Found method {pruning_method} of type {method.PRUNING_TYPE}")
    container.add_pruning_method(method)
    final = container._mask_np(_np(scores), _np(default))
    pointer = 0
    for m, n in parameters:
        p = getattr(m, n)
        size = p.numel()
        custom_from_mask(m, n, mask=final[pointer:pointer + size].reshape(tuple(p.shape)))
        pointer += size


def remove(module, name):
    """Make the pruning of ``name`` permanent: ``<name>`` is a parameter again, equal to
    ``orig * mask``; ``<name>_orig`` and ``<name>_mask`` go."""
    for k, hook in module._forward_pre_hooks.items():
        if isinstance(hook, BasePruningMethod) and hook._tensor_name == name:
            hook.remove(module)
            del module._forward_pre_hooks[k]
            return module
    raise ValueError(f"Parameter '{name}' of module {module} has to be pruned before pruning "
                     "can be removed")


def is_pruned(module) -> bool:
    for _, sub in module.named_modules():
        for hook in sub._forward_pre_hooks.values():
            if isinstance(hook, BasePruningMethod):
                return True
    return False


def _validate_pruning_amount_init(amount) -> None:
    if not isinstance(amount, numbers.Real):
        raise TypeError(f"Invalid type for amount: {amount}. Must be int or float.")
    if (isinstance(amount, numbers.Integral) and amount < 0) or (
            not isinstance(amount, numbers.Integral) and (float(amount) > 1.0 or
                                                          float(amount) < 0.0)):
        raise ValueError(f"amount={amount} should either be a float in the range [0, 1] or a "
                         "non-negative integer")


def _validate_pruning_amount(amount, tensor_size) -> None:
    if isinstance(amount, numbers.Integral) and amount > tensor_size:
        raise ValueError(f"amount={amount} should be smaller than the number of parameters to "
                         f"prune={tensor_size}")


def _validate_structured_pruning(t: np.ndarray) -> None:
    if t.ndim <= 1:
        raise ValueError("Structured pruning can only be applied to multidimensional tensors. "
                         f"Found tensor of shape {_tensor(t).shape} with {t.ndim} dims")


def _compute_nparams_toprune(amount, tensor_size):
    return amount if isinstance(amount, numbers.Integral) else round(amount * tensor_size)


def _validate_pruning_dim(t: np.ndarray, dim) -> None:
    if dim >= t.ndim:
        raise IndexError(f"Invalid index {dim} for tensor of size {_tensor(t).shape}")


def _compute_norm(t: np.ndarray, n, dim) -> np.ndarray:
    flat = np.moveaxis(t, dim, 0).reshape(t.shape[dim], -1)
    return np.linalg.norm(flat, ord=2 if n == "fro" else n, axis=1)
