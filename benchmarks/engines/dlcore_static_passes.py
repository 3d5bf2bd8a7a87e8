"""dlcore_static with the graph passes and the whole-graph compiler on (issue 5).

Skipped, with a note, until ``dlcore_static.Session`` accepts one of the options listed in
``dlcore_static.PASS_OPTIONS``.  Its Sessions optimise (and compile) a plan on its second run
(``compiler.Pipeline(after=2)``: ``engines/dlcore_static.measured_session``, not the Session's
adaptive default), so compile time falls in the warm-up, not in the first step reported apart,
and a plan run once (a graph per batch) is never compiled.
"""

from __future__ import annotations

from .dlcore_static import available as _static_available
from .dlcore_static import make_setup, session_option

NAME = "dlcore_static_passes"
LABEL = "dlcore static+passes"


def available() -> tuple[bool, str]:
    ok, version = _static_available()
    if not ok:
        return ok, version
    if session_option(True) is None:
        return False, "dlcore_static.Session has no passes/compile option yet (issue 5)"
    return True, version


setup = make_setup(passes_on=True)
