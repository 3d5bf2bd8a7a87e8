"""dlcore_static, the plain Session (no compiler passes): the TF1 programs with
``import dlcore_static as tf``.

If the Session has a switch for the graph passes (issue 5), this engine turns them off so that it
keeps measuring the interpreter; ``dlcore_static_passes`` measures the compiled engine.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

from . import _tf1_programs
from .base import Prepared, Unsupported, import_version

NAME = "dlcore_static"
LABEL = "dlcore static"

#: Session keyword arguments that switch the graph passes, as ``(name, off value, on value)``,
#: in the order they are looked for.
PASS_OPTIONS: tuple[tuple[str, Any, Any], ...] = (
    ("passes", (), "all"), ("compile", False, True), ("optimize", False, True))


def session_option(on: bool) -> dict[str, Any] | None:
    """The Session kwargs that turn passes on/off, or None when the Session has no such option."""
    import dlcore_static as tf

    params = inspect.signature(tf.Session).parameters
    for name, off, on_value in PASS_OPTIONS:
        if name in params:
            return {name: on_value if on else off}
    return None


def measured_session(tf_module, passes, **kwargs):
    """A Session whose plans switch to their compiled code on their second run
    (``compiler.Pipeline(passes, after=2)``), as the benchmarks' warm-up expects, and not on
    the run by which their runs are expected to have paid for the compilation (a Session's
    default, adaptive: a plan would run as built for as many runs as its compilation is
    expected to take, and the warm-up could time it so).  The passes as given
    (``sess.passes``)."""
    try:
        compiler = importlib.import_module(tf_module.__name__ + ".compiler")
    except ImportError:
        compiler = None
    pipeline = getattr(compiler, "Pipeline", None)
    if pipeline is None:
        return tf_module.Session(passes=passes, **kwargs)
    return tf_module.Session(passes=passes, pipeline=pipeline(passes, after=2), **kwargs)


def available() -> tuple[bool, str]:
    ok, version = import_version("dlcore_static")
    if not ok:
        return ok, version
    import dlcore_static as tf

    missing = [n for n in ("Session", "placeholder", "Variable", "train", "cond", "while_loop")
               if not hasattr(tf, n)]
    if missing:
        return False, f"dlcore_static is not ready yet (no {', '.join(missing)})"
    return True, version


def make_setup(passes_on: bool):
    def setup(workload, device: str) -> Prepared:
        import dlcore_static as tf

        if device != "cpu":
            import dlcore

            if not dlcore.cuda_available() or dlcore.cuda_simulator():
                raise Unsupported("no CUDA GPU for dlcore")
        options = session_option(passes_on) or {}

        def make_session(tf_module, graph):
            if "passes" in options:
                return measured_session(tf_module, options["passes"], graph=graph)
            return tf_module.Session(graph=graph, **options)

        return _tf1_programs.setup(tf, workload, device, make_session)

    return setup


setup = make_setup(passes_on=False)
