"""Where a graph node was built: the first stack frame outside dlcore and dlcore_static, kept
as ``(file, line)`` per node and formatted only when an error names it (``file:line``, or
IPython's ``Cell In[N], line L``); ``tf.gradients`` fixes the location of its call once for
every node it builds (``fixed_location``/``restore_location``)."""

from __future__ import annotations

from bisect import bisect_right

import os
import sys
import threading
from types import FrameType

_local = threading.local()          # this thread's fixed location (see fixed_location)

_PKG_DIRS = tuple(os.path.dirname(str(m.__file__)) + os.sep for m in (
    sys.modules["dlcore"], sys.modules[__name__.rsplit(".", 1)[0]]))


# file name -> True for dlcore's, dlcore_static's and contextlib's own files (skipped frames)
_SKIPPED_FILES: dict[str, bool] = {}


def _user_frame() -> str:
    """``file:line`` of the first stack frame outside dlcore and dlcore_static."""
    return format_location(_user_location(3))  # (from the caller's caller, as its 2)


def _user_location(depth: int = 2) -> tuple | str:
    """The first stack frame outside dlcore and dlcore_static from the caller's caller, kept
    as ``(code, offset)`` (its code object and the offset of its current instruction) and
    formatted only when read (``format_location``: ``Operation.defined_at``): every node
    records it, few are ever named in an error (formatting was a fifth of building a node,
    and a frame's line number, looked up in its code's line table up to that offset, cost
    more than the rest of the walk in a long function or notebook cell: issue 19)."""
    fixed = _local.__dict__.get("location")
    if fixed is not None:               # inside tf.gradients (see fixed_location)
        return fixed
    f: FrameType | None = sys._getframe(depth)
    skipped = _SKIPPED_FILES
    while f is not None:
        code = f.f_code
        fn = code.co_filename
        skip = skipped.get(fn)
        if skip is None:
            skip = skipped[fn] = fn.startswith(_PKG_DIRS) or "contextlib" in fn
        if not skip:
            at = _LOCATIONS.get(code)
            loc = at.get(f.f_lasti) if at is not None else None
            return loc if loc is not None else location(code, f.f_lasti)
        f = f.f_back
    return "<unknown>"


# (code, offset) -> that location, one tuple for all the nodes built at one instruction (a
# loop's or a recursive function's nodes, a graph built per batch: issue 19).  A tuple per
# node was a seventh of the objects the cyclic collector walks to free such a graph; shared,
# it is untracked by the collector's first look (it holds no container).  By code object,
# then offset; bounded (cleared when it grows past ``_LOCATIONS_MAX`` code objects).
_LOCATIONS: dict = {}
_LOCATIONS_MAX = 4096


def location(code, offset: int) -> tuple:
    """The shared ``(code, offset)`` location (``_LOCATIONS``)."""
    at = _LOCATIONS.get(code)
    if at is None:
        if len(_LOCATIONS) >= _LOCATIONS_MAX:
            _LOCATIONS.clear()
        at = _LOCATIONS[code] = {}
    loc = at.get(offset)
    if loc is None:
        loc = at[offset] = (code, offset)
    return loc


def format_location(loc) -> str:
    """``_user_location``'s result as ``file:line`` (``_where``); a string as it is."""
    if type(loc) is not tuple:
        return str(loc)
    code, offset = loc
    return _where(code.co_filename, line_at(code, offset))


def line_at(code, offset: int):
    """The line of the instruction at byte ``offset`` of ``code``, as the frame's ``f_lineno``
    gives it (CPython's ``PyCode_Addr2Line``: the code's line table; None for an instruction
    without a line).  The table is read once per code object and searched by bisection: the
    compiler asks for every node of a plan (``ir.node_from_op``), and a scan of the table from
    its start per node was 3.4 of 28.7 s of a 10,000-deep plan's compile under cProfile."""
    if offset < 0:
        return code.co_firstlineno
    table = _LINE_TABLES.get(code)
    if table is None:
        if len(_LINE_TABLES) > 4096:
            _LINE_TABLES.clear()
        rows = list(code.co_lines())
        table = _LINE_TABLES[code] = ([r[0] for r in rows], rows)
    starts, rows = table
    i = bisect_right(starts, offset) - 1
    # (ranges are sorted and disjoint; an offset in a gap, or before the first, has no line)
    if i >= 0:
        start, end, line = rows[i]
        if start <= offset < end:
            return line
    return None


#: code object -> (start offsets, its co_lines() rows): ``line_at``'s tables
_LINE_TABLES: dict = {}


def in_package(fn) -> bool:
    """Is ``fn`` a plain function defined in dlcore or dlcore_static (a vjp rule, a gradient
    rule)?  Anything else (a user's function, a class, a ``partial``) may run user code."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return False
    name = code.co_filename
    skip = _SKIPPED_FILES.get(name)
    if skip is None:
        skip = _SKIPPED_FILES[name] = name.startswith(_PKG_DIRS) or "contextlib" in name
    return skip


def fixed_location(loc) -> object:
    """Make ``loc`` (``_user_location``'s result) the location of every op this thread builds
    until ``restore_location(previous)``, which takes what this returns.  ``tf.gradients`` sets
    the location of its call once (issue 19: walking the stack past a vjp rule's frames was a
    sixth of building a gradient node); an op built under a fixed location gets the very
    location the walk would find, since only dlcore's own frames lie between it and that call
    (``gradients.op_vjp`` calls user code, custom gradients and vjps defined outside dlcore,
    with the location unfixed: ``fixed_location(None)``)."""
    d = _local.__dict__
    old = d.get("location")
    d["location"] = loc
    return old


def restore_location(old) -> None:
    _local.__dict__["location"] = old


def _where(filename: str, line: int) -> str:
    """``file:line``; for code typed in a Jupyter/IPython cell, IPython's own ``Cell In[N], line L``
    (the cell's temporary file name, such as ``2115151730.py``, means nothing to its author)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    name_of = getattr(getattr(shell, "compile", None), "format_code_name", None)
    cell = name_of(filename) if name_of is not None else None
    if cell is not None:
        return f"{cell[0]} {cell[1]}, line {line}"
    return f"{os.path.basename(filename)}:{line}"
