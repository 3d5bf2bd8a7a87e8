"""``torch.jit.freeze`` and ``torch.jit.optimize_for_inference``.

Freezing turns a ScriptModule in eval mode into one whose parameters and buffers are constants:
the frozen module has no parameters (``list(frozen.parameters()) == []``), its outputs do not
require grad, and later changes to the original's weights do not reach it.  For a traced or
loaded module the program's parameter references become constants (copies).  A scripted module
(whose Python runs eagerly) keeps calling the original under ``no_grad``, so it reads the
original's current weights (PyTorch's would keep the values at freezing time); it is saved as
the trace of its last call, with the weights as constants.  dlcore has no TorchScript
graph optimisations to apply, so ``optimize_for_inference`` is freezing (PyTorch's also fuses
conv/batch-norm, which does not change the outputs beyond rounding).
"""

from __future__ import annotations

from ._modules import RecursiveScriptModule, ScriptModule
from ._program import _state, constant_params


def freeze(mod, preserved_attrs=None, optimize_numerics: bool = True):
    """``torch.jit.freeze(scripted_module.eval())``."""
    if not isinstance(mod, ScriptModule):
        raise RuntimeError("Freezing expects a ScriptModule as input. Please use "  # noqa: TRY004
                           "torch.jit.script or torch.jit.trace to script your 'nn.Module'.")
    if mod.training:
        raise RuntimeError("Freezing is currently only implemented for modules in eval mode. "
                           "Please call .eval() on your module before freezing.")
    out = RecursiveScriptModule(mod.__dict__.get("original_name", type(mod).__name__))
    object.__setattr__(out, "training", False)
    prog = mod.__dict__.get("_jit_program")
    if prog is not None:
        object.__setattr__(out, "_jit_program", constant_params(prog, _state(mod)))
    else:
        object.__setattr__(out, "_jit_frozen", mod)
    return out


def optimize_for_inference(mod, other_methods=None):
    """``torch.jit.optimize_for_inference``: freezing (see the module docstring)."""
    if not isinstance(mod, ScriptModule):
        raise RuntimeError(  # noqa: TRY004 (PyTorch's type)
            "optimize_for_inference expects a ScriptModule as input. Please use "
            "torch.jit.script or torch.jit.trace to script your 'nn.Module'.")
    if mod.__dict__.get("_jit_frozen") is not None or \
            (mod.__dict__.get("_jit_program") is not None and not _state(mod)):
        return mod
    return freeze(mod.eval())
