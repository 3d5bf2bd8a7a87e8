"""``torch.jit``: tracing, scripting, saving and loading models, on dlcore's primitives.

* ``trace(module_or_fn, example_inputs)`` records the primitives one run applies and returns a
  ``TopLevelTracedModule`` / ``ScriptFunction`` that replays them (Python control flow frozen
  at the example's branch, as in PyTorch; dimension 0 of the inputs stays dynamic where a
  second trace shows how sizes follow it; see ``_trace``).  ``.graph`` and ``.code`` print the
  recorded operations.  Where the replay could silently differ from the Python, it says so:
  PyTorch's ``TracerWarning`` where a tensor became a Python value during the trace, a clear
  error for an input of another shape (beyond a dynamic dimension 0) or for other values of an
  input the model only read in Python (an EmbeddingBag's offsets).  A module traced through a
  scripted submodule runs its Python, so the scripted control flow stays live as in PyTorch.
* ``script(module_or_fn)``: dlcore does not compile TorchScript.  A scripted module or function
  runs its Python eagerly (so data-dependent control flow gives PyTorch's results) and shares
  the original's parameters; ``.code`` is its Python source, ``.graph`` and ``save`` use a
  trace of its last call (a ``TracerWarning`` says control flow is frozen there).
* ``save`` / ``load``: a real safetensors file (weights and constants) whose metadata holds the
  program as JSON; loading validates it and never executes code (``_save``).
* ``freeze`` / ``optimize_for_inference``: the weights become constants (``_freeze``).
* ``ignore``, ``unused``, ``export``, ``script_method``, ``interface``: decorators that mark and
  return their function (eager PyTorch behaves the same); ``is_scripting()`` is False (the code
  runs as Python), ``is_tracing()`` is True while ``trace`` runs the model.
"""

import typing
from typing import Any

from . import annotations
from ._freeze import freeze, optimize_for_inference
from ._modules import (
    RecursiveScriptModule,
    ScriptFunction,
    ScriptModule,
    TopLevelTracedModule,
    TracedModule,
    wrap,
)
from ._save import load, save
from ._trace import TracerWarning, is_tracing

Final = typing.Final


class Error(RuntimeError):
    """``torch.jit.Error``: raised by TorchScript code (here, by the traced program)."""


class ScriptWarning(Warning):
    """``torch.jit.ScriptWarning``."""


class TracingCheckError(Exception):
    """``torch.jit.TracingCheckError``."""


def trace(func: Any, example_inputs: Any = None, optimize=None, check_trace: bool = True,
          check_inputs=None, check_tolerance: float = 1e-5, strict: bool = True,
          _force_outplace: bool = False, _module_class=None, _compilation_unit=None,
          example_kwarg_inputs: dict | None = None, _store_inputs: bool = True):
    """Trace ``func(*example_inputs)`` (a Module or a function of tensors)."""
    from ..nn.module import Module
    from ._trace import build
    if example_kwarg_inputs is not None:
        if example_inputs is not None:
            raise RuntimeError("trace: give example_inputs or example_kwarg_inputs, not both")
        example_inputs = tuple(example_kwarg_inputs.values())
    if example_inputs is None:
        raise RuntimeError("example_kwarg_inputs should be a dict")
    if isinstance(func, (ScriptModule, ScriptFunction)):
        return func
    if isinstance(func, Module):
        prog = build(func, example_inputs, check=check_trace, tolerance=check_tolerance)
        return wrap(TopLevelTracedModule, func, prog)
    if not callable(func):
        raise TypeError(f"trace: expected a Module or a function, got {type(func).__name__}")
    prog = build(func, example_inputs, check=check_trace, tolerance=check_tolerance)
    return ScriptFunction(func, prog)


def trace_module(mod, inputs: dict, **kwargs):
    """``torch.jit.trace_module(mod, {"forward": example_inputs})`` (forward only)."""
    if set(inputs) != {"forward"}:
        raise NotImplementedError("dlcore's trace_module traces 'forward' only, got "
                                  f"{sorted(inputs)}")
    return trace(mod, inputs["forward"], **kwargs)


def script(obj: Any, optimize=None, _frames_up: int = 0, _rcb=None,
           example_inputs=None):
    """Script a Module, function or class: dlcore runs its Python eagerly (module docstring)."""
    from ..nn.module import Module
    if isinstance(obj, (ScriptModule, ScriptFunction)):
        return obj
    if isinstance(obj, Module):
        return wrap(RecursiveScriptModule, obj)
    if isinstance(obj, type):
        if issubclass(obj, Module):
            raise RuntimeError(  # noqa: TRY004 (PyTorch's type)
                f"Type '{obj}' cannot be compiled since it inherits from "
                "nn.Module, pass an instance instead")
        return obj                        # a TorchScript class: its Python runs as is
    if callable(obj):
        return ScriptFunction(obj)
    raise RuntimeError(f"script: cannot script a {type(obj).__name__}")


def _mark(fn, flag: str):
    try:
        fn._torchscript_modifier = flag
    except (AttributeError, TypeError):
        pass
    return fn


def ignore(drop=False, **kwargs):
    """``@torch.jit.ignore`` / ``@torch.jit.ignore(drop=True)``: left as Python."""
    if callable(drop):
        return _mark(drop, "ignore")
    return lambda fn: _mark(fn, "unused" if drop else "ignore")


def unused(fn):
    """``@torch.jit.unused``: left out of TorchScript (the eager call still works)."""
    return _mark(fn, "unused")


def export(fn):
    """``@torch.jit.export``: compile this method too (here: it stays callable)."""
    return _mark(fn, "export")


def script_method(fn):
    """``@torch.jit.script_method`` in a ``ScriptModule`` subclass (runs eagerly)."""
    return fn


def interface(obj):
    """``@torch.jit.interface``: the class as is."""
    return obj


def is_scripting() -> bool:
    """False: dlcore runs scripted code as Python (so the eager branch is the one taken)."""
    return False


def annotate(the_type, the_value):
    """``torch.jit.annotate(List[int], [])``: the value."""
    return the_value


class Attribute(typing.NamedTuple):
    """``torch.jit.Attribute(value, type)``."""

    value: Any
    type: Any


class Future:
    """``torch.jit.fork``'s result: the call already ran (dlcore runs it at once)."""

    def __init__(self, value: Any) -> None:
        self._value = value

    def wait(self) -> Any:
        return self._value

    def value(self) -> Any:
        return self._value

    def done(self) -> bool:
        return True


def fork(func, *args, **kwargs) -> Future:
    """``torch.jit.fork``: runs ``func`` now and returns a Future holding its result."""
    return Future(func(*args, **kwargs))


def wait(future: Future) -> Any:
    """``torch.jit.wait``: the Future's result."""
    return future.wait()


__all__ = ["Attribute", "Error", "Final", "Future", "RecursiveScriptModule", "ScriptFunction",
           "ScriptModule", "ScriptWarning", "TopLevelTracedModule", "TracedModule",
           "TracerWarning", "TracingCheckError", "annotate", "annotations", "export", "fork",
           "freeze", "ignore", "interface", "is_scripting", "is_tracing", "load",
           "optimize_for_inference", "save", "script", "script_method", "trace", "trace_module",
           "unused", "wait"]
