"""``torch.compile``: accepted, and the model or function is returned to run eagerly.

dlcore_eager has no graph capture of Python code (the static front end, ``dlcore_static``, is
where dlcore compiles whole graphs).  A program that calls ``torch.compile(model)`` gets the
same model back, so its outputs, parameters and ``state_dict`` keys are those of the model
itself (PyTorch's wrapper prefixes keys with ``_orig_mod.``; nothing here does)."""

from __future__ import annotations


def compile(model=None, *, fullgraph: bool = False, dynamic=None, backend="inductor",  # noqa: A001
            mode=None, options=None, disable: bool = False):
    """``model`` itself (or, called without one, a decorator returning its argument)."""
    if mode is not None and options is not None:
        raise RuntimeError("Either mode or options can be specified, but both can't be "
                           "specified at the same time.")
    if model is None:
        def decorator(fn):
            return fn
        return decorator
    if not callable(model):
        raise RuntimeError("torch.compile: the model must be a callable (an nn.Module or a "
                           f"function), got {type(model).__name__}")
    return model
