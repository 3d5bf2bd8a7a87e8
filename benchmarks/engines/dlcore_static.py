"""dlcore_static, the plain Session (no compiler passes): the TF1 programs with
``import dlcore_static as tf``.

If the Session has a switch for the graph passes (issue 5), this engine turns them off so that it
keeps measuring the interpreter; ``dlcore_static_passes`` measures the compiled engine.
"""

from __future__ import annotations

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
            return tf_module.Session(graph=graph, **options)

        return _tf1_programs.setup(tf, workload, device, make_session)

    return setup


setup = make_setup(passes_on=False)
