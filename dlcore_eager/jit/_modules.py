"""``torch.jit``'s module and function types, on dlcore's traced programs.

* ``TopLevelTracedModule`` (``torch.jit.trace(module, x)``): shares the traced module's
  parameters, buffers and submodules (``traced.fc1.weight is model.fc1.weight``); its
  ``forward`` replays the recorded primitives (:mod:`._program`), so Python control flow is
  frozen at the example's branch, as in PyTorch.  ``.graph`` / ``.code`` print them.
* ``RecursiveScriptModule``: what ``torch.jit.script(module)`` and ``torch.jit.load`` return.
  dlcore does not compile TorchScript: a scripted module runs its Python ``forward`` eagerly
  (data-dependent control flow works, and gives PyTorch's results), sharing the original's
  state; ``.code`` is that Python source.  A loaded module replays the program in the file.
* ``ScriptFunction``: a traced or scripted function.
* ``ScriptModule``: the base class of all of them (``.save`` is attached by ``_save``); a
  user class subclassing it with
  ``@torch.jit.script_method`` methods runs them eagerly.
"""

from __future__ import annotations

import inspect
import textwrap
import warnings

from ..autograd import no_grad
from ..nn.module import Module
from ..tensor import Tensor
from ._program import _state, constant_params


class ScriptModule(Module):
    """Base class of ``torch.jit``'s modules (``isinstance(m, torch.jit.ScriptModule)``)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__()
        object.__setattr__(self, "_jit_program", None)
        object.__setattr__(self, "_jit_original", None)
        object.__setattr__(self, "_jit_last", None)
        object.__setattr__(self, "_jit_consts", {})
        object.__setattr__(self, "_jit_frozen", None)

    def _program(self):
        """The program to print or save: the traced/loaded one, or (scripted) a trace of the
        last call's inputs."""
        prog = self.__dict__.get("_jit_program")
        if prog is not None:
            return prog
        frozen = self.__dict__.get("_jit_frozen")
        if frozen is not None:                 # freeze() of a scripted module
            return constant_params(frozen._program(), _state(frozen))
        last = self.__dict__.get("_jit_last")
        if last is None:
            raise RuntimeError(
                f"{type(self).__name__}: dlcore runs scripted modules' Python eagerly and "
                "records their graph from a call; call the module once on example inputs "
                "first (or use torch.jit.trace)")
        from . import _trace
        target = self.__dict__.get("_jit_original") or self
        return _trace.build(target, last, warn_frozen=True)

    @property
    def graph(self):
        return Graph(self._program().text())

    @property
    def inlined_graph(self):
        return self.graph

    @property
    def code(self) -> str:
        original = self.__dict__.get("_jit_original")
        if self.__dict__.get("_jit_frozen") is not None:
            return self.__dict__["_jit_frozen"].code
        if self.__dict__.get("_jit_program") is None:
            fwd = type(original).forward if original is not None else type(self).forward
            try:
                return textwrap.dedent(inspect.getsource(fwd))
            except (OSError, TypeError):
                return self._program().code()
        return self._program().code()

    def forward(self, *args, **kwargs):
        prog = self.__dict__.get("_jit_program")
        original = self.__dict__.get("_jit_original")
        if prog is not None and prog.live and original is not None:
            return original.forward(*args, **kwargs)      # (traced through a scripted part)
        if prog is not None:
            if kwargs:
                raise RuntimeError("forward() of a traced module takes positional arguments "
                                   f"only, got {sorted(kwargs)}")
            return prog.run(args, _state(self), self._jit_consts)
        frozen = self.__dict__.get("_jit_frozen")
        if frozen is not None:                 # freeze() of a scripted module: no grad
            with no_grad():
                return frozen(*args)
        original = self.__dict__.get("_jit_original")
        if original is None:
            raise RuntimeError(f"Module [{type(self).__name__}] is missing the required "
                               '"forward" function')
        object.__setattr__(self, "_jit_last", tuple(
            a.detach() if isinstance(a, Tensor) else a for a in args))
        from ._trace import TracerWarning, is_tracing, note_script
        if is_tracing():
            note_script()
            warnings.warn(f"dlcore traces through the scripted module {type(original).__name__}"
                          ": the traced module will run its Python so that this module's "
                          "control flow stays live, as in PyTorch; a saved copy keeps only the "
                          "branches this call takes", TracerWarning, stacklevel=2)
        return original.forward(*args, **kwargs)

    def train(self, mode: bool = True):
        super().train(mode)
        original = self.__dict__.get("_jit_original")
        if original is not None:
            object.__setattr__(original, "training", mode)
        return self

    def __getattr__(self, name: str):
        try:
            return Module.__getattr__(self, name)
        except AttributeError:
            original = self.__dict__.get("_jit_original")
            if original is not None and not name.startswith("__"):
                return getattr(original, name)
            raise

    def __repr__(self) -> str:
        """As PyTorch prints them: ``Net(original_name=Net ...)`` for a traced module,
        ``RecursiveScriptModule(original_name=Net ...)`` for a scripted or loaded one."""
        traced = isinstance(self, TracedModule)
        return _repr(self, traced, self.__dict__.get("original_name", type(self).__name__))


class RecursiveScriptModule(ScriptModule):
    """A scripted (``torch.jit.script``) or loaded (``torch.jit.load``) module."""

    def __init__(self, original_name: str = "Module") -> None:
        super().__init__()
        object.__setattr__(self, "original_name", original_name)

    def _get_name(self) -> str:
        return self.original_name


class TracedModule(ScriptModule):
    """A module traced by ``torch.jit.trace``."""


class TopLevelTracedModule(TracedModule):
    """What ``torch.jit.trace(module, example_inputs)`` returns."""

    def _get_name(self) -> str:
        return self.original_name


def wrap(cls, module: Module, program=None):
    """A ``cls`` instance sharing ``module``'s parameters, buffers and submodules."""
    out = cls.__new__(cls)
    ScriptModule.__init__(out)
    for store in ("_parameters", "_buffers", "_modules", "_non_persistent"):
        object.__setattr__(out, store, module.__dict__[store])
    object.__setattr__(out, "training", module.training)
    object.__setattr__(out, "original_name", type(module).__name__)
    object.__setattr__(out, "_jit_original", module)
    object.__setattr__(out, "_jit_program", program)
    return out


class ScriptFunction:
    """A traced (replays its program) or scripted (runs eagerly) function."""

    def __init__(self, fn, program=None) -> None:
        self._fn = fn
        self._program_ = program
        self._last: tuple | None = None
        self._consts: dict = {}
        self.name = self.__name__ = getattr(fn, "__name__", "fn")
        self.__doc__ = getattr(fn, "__doc__", None)
        self.qualified_name = getattr(fn, "__qualname__", self.name)

    def __call__(self, *args, **kwargs):
        if self._program_ is not None and not self._program_.live:
            return self._program_.run(args, {}, self._consts)
        self._last = tuple(a.detach() if isinstance(a, Tensor) else a for a in args)
        return self._fn(*args, **kwargs)

    def _program(self):
        if self._program_ is not None:
            return self._program_
        if self._last is None:
            raise RuntimeError("ScriptFunction: dlcore runs scripted functions eagerly and "
                               "records their graph from a call; call it once first")
        from . import _trace
        return _trace.build(self._fn, self._last, warn_frozen=True)

    @property
    def graph(self):
        return Graph(self._program().text())

    @property
    def code(self) -> str:
        if self._program_ is None:
            try:
                return textwrap.dedent(inspect.getsource(self._fn))
            except (OSError, TypeError):
                pass
        return self._program().code()

    def __repr__(self) -> str:
        return f"<dlcore_eager.jit.ScriptFunction object {self.name}>"


class Graph:
    """The printed form of a program (``print(traced.graph)``)."""

    def __init__(self, text: str) -> None:
        self._text = text

    def __str__(self) -> str:
        return self._text

    __repr__ = __str__


def _repr(m: Module, traced: bool, name: str) -> str:
    head = name if traced else "RecursiveScriptModule"
    lines = [f"original_name={name}"]
    for k, sub in m._modules.items():
        sub_name = sub.__dict__.get("original_name", type(sub).__name__)
        lines.append(f"({k}): " + _repr(sub, traced, sub_name).replace("\n", "\n  "))
    if len(lines) == 1:
        return f"{head}({lines[0]})"
    return f"{head}(\n  " + "\n  ".join(lines) + "\n)"




__all__ = ["Graph", "RecursiveScriptModule", "ScriptFunction", "ScriptModule",
           "TopLevelTracedModule", "TracedModule", "wrap"]
