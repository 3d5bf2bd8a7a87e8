"""``torch.utils.checkpoint``: ``checkpoint(fn, *args)`` and ``checkpoint_sequential``.

PyTorch trades compute for memory here: the forward runs without keeping intermediate results
and is run again during backward.  dlcore_eager runs ``fn`` once and keeps its tape, so the
memory saving is not made, while everything a program can observe is PyTorch's: the same
outputs and gradients (the RNG draws are those of one forward, as PyTorch's preserved RNG state
reproduces them), the warning when ``use_reentrant`` is not passed, and the reentrant
variant's rule that outputs need no gradient when no tensor input requires one (with PyTorch's
"Gradients will be None" warning), so parameters inside ``fn`` get no gradient then.
"""

from __future__ import annotations

import contextlib
import warnings

from ..autograd import is_grad_enabled, no_grad
from ..tensor import Tensor

__all__ = ["checkpoint", "checkpoint_sequential"]


def noop_context_fn():
    return contextlib.nullcontext(), contextlib.nullcontext()


def _reentrant_default(use_reentrant):
    if use_reentrant is None:
        warnings.warn("torch.utils.checkpoint: the use_reentrant parameter should be passed "
                      "explicitly. Starting in PyTorch 2.9, calling checkpoint without "
                      "use_reentrant will raise an exception. use_reentrant=False is "
                      "recommended, but if you need to preserve the current default behavior, "
                      "you can pass use_reentrant=True. Refer to docs for more details on the "
                      "differences between the two variants.", stacklevel=3)
        return True
    return use_reentrant


def checkpoint(function, *args, use_reentrant: bool | None = None,
               context_fn=noop_context_fn, determinism_check: str = "default",
               debug: bool = False, early_stop: bool = True, **kwargs):
    """``function(*args, **kwargs)`` with PyTorch's checkpoint semantics (module docstring)."""
    use_reentrant = _reentrant_default(use_reentrant)
    kwargs.pop("preserve_rng_state", True)
    if kwargs and use_reentrant:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))
    if use_reentrant:
        if context_fn is not noop_context_fn or debug is not False:
            raise ValueError("Passing `context_fn` or `debug` is only supported when "
                             "use_reentrant=False.")
        if is_grad_enabled() and not any(isinstance(a, Tensor) and a.requires_grad
                                         for a in args):
            warnings.warn("None of the inputs have requires_grad=True. Gradients will be None",
                          stacklevel=2)
            with no_grad():
                return function(*args)
        return function(*args)
    if determinism_check not in ("default", "none"):
        raise ValueError(f"determinism_check should be one of ['default', 'none'], but got "
                         f"{determinism_check}")
    forward_ctx, _recompute_ctx = context_fn()
    with forward_ctx:
        return function(*args, **kwargs)


def checkpoint_sequential(functions, segments: int, input, use_reentrant: bool | None = None,
                          **kwargs):
    """Run ``functions`` (a Sequential or a list of modules) in ``segments`` chunks, every
    chunk but the last through ``checkpoint``."""
    use_reentrant = _reentrant_default(use_reentrant)
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))
    from ..nn import Sequential
    if isinstance(functions, Sequential):
        functions = list(functions.children())

    def run_function(start, end, functions):
        def forward(input):
            for j in range(start, end + 1):
                input = functions[j](input)
            return input
        return forward

    segment_size = len(functions) // segments
    end = -1
    for start in range(0, segment_size * (segments - 1), segment_size):
        end = start + segment_size - 1
        input = checkpoint(run_function(start, end, functions), input,
                           use_reentrant=use_reentrant, preserve_rng_state=preserve)
    return run_function(end + 1, len(functions) - 1, functions)(input)
