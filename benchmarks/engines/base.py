"""The engine adapter interface: one small module per engine, the same three names in each.

An adapter module under ``benchmarks/engines`` defines::

    NAME: str                      # short id used on the command line and in files ("torch")
    LABEL: str                     # column title in the table ("PyTorch eager")
    def available() -> tuple[bool, str]
        # (True, version string) or (False, why not: "not installed", "Session has no passes
        # option yet", ...).  Must be cheap-ish and must never raise.
    def setup(workload, device: str) -> Prepared
        # Build whatever the engine needs (graph, Session, jitted function, tensors) and return
        # a Prepared whose ``step()`` runs one unit of the workload.  Raise ``Unsupported`` for a
        # workload or device the engine does not do; any other exception is reported as a failure
        # of that engine on that workload, and the run goes on.

What one ``step()`` is, per workload kind (see ``benchmarks/workloads.py``):

* ``MLPStep`` / ``ControlFlow``: one training step; returns the loss as a Python float (reading it
  back to the host is part of the step, as in the seed's programs, and it makes asynchronous
  engines finish their work).
* ``Classifier``: one epoch over ``workload.epoch_batches(epoch)``; ``Prepared.evaluate()`` gives the
  test accuracy and ``Prepared.reset()`` puts the initial weights back and the epoch counter to 0.
* ``TinyOp``: one tiny op or one call of a tiny compiled graph; the result is forced to be ready.

The harness warms up, calibrates, interleaves engines and takes medians; adapters only build and
run.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol


class Unsupported(Exception):
    """The engine does not implement this workload or device (a note in the table, not an error)."""


@dataclass
class Prepared:
    """What ``setup`` returns: the callable to time, and optional hooks."""

    step: Callable[[], Any]
    evaluate: Callable[[], float] | None = None
    reset: Callable[[], None] | None = None
    close: Callable[[], None] | None = None
    note: str = ""


class Engine(Protocol):
    """The shape of an adapter module (modules satisfy it structurally)."""

    NAME: str
    LABEL: str

    def available(self) -> tuple[bool, str]: ...

    def setup(self, workload: Any, device: str) -> Prepared: ...


#: ``--list`` sets this: :func:`import_version` then finds a package and reads its installed
#: version without importing it (torch and JAX imports were 4 of --list's 4.9 s of CPU).
FIND_ONLY = [False]


def import_version(module_name: str) -> tuple[bool, str]:
    """``(True, version)`` when ``module_name`` imports, else ``(False, reason)``.  Never raises.
    Under ``FIND_ONLY``: found (``importlib.util.find_spec``) rather than imported."""
    import importlib

    found = _found_version(module_name) if FIND_ONLY[0] and module_name not in sys.modules \
        else None
    if found is not None:
        return found
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        if isinstance(exc, ModuleNotFoundError) and exc.name == module_name.split(".")[0]:
            return False, f"{module_name} not installed"
        return False, f"{module_name} failed to import ({exc.__class__.__name__}: {exc})"
    except Exception as exc:  # a broken install must not stop the run
        return False, f"{module_name} failed to import ({exc.__class__.__name__}: {exc})"
    return True, str(getattr(module, "__version__", "unknown version"))


def _found_version(module_name: str) -> tuple[bool, str] | None:
    """Found, with its distribution's version, without an import; None (import it) when no
    distribution of that name gives a version (dlcore_static's is its module's own)."""
    import importlib.metadata
    import importlib.util

    try:
        found = importlib.util.find_spec(module_name) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        return False, f"{module_name} not installed"
    try:
        return True, importlib.metadata.version(module_name.split(".")[0])
    except importlib.metadata.PackageNotFoundError:
        return None


def require_cpu(device: str, engine: str) -> None:
    if device != "cpu":
        raise Unsupported(f"{engine} runs on the CPU only")
