"""Warnings raised from a Jupyter/IPython cell name the cell, as IPython's tracebacks do.

Code typed in a notebook cell is compiled from a temporary file (``/tmp/ipykernel_1234/
2115151730.py``), and Python's warning display prints that name::

    /tmp/ipykernel_17268/1111680540.py:6: UserWarning: Update your `Dense` call to the Keras 2 API

which means nothing to the cell's author.  :func:`install` (called by ``import dlcore`` when it
runs inside IPython) wraps ``warnings.showwarning`` so that a warning whose location is a cell is
shown with IPython's own name for it::

    Cell In[3], line 6: UserWarning: Update your `Dense` call to the Keras 2 API
      model.add(Dense(input_dim=1000, output_dim=100))

Every other warning (a location in a real file, or no IPython at all) is shown exactly as before,
by the ``showwarning`` that was in place.  Filters, ``-W`` options and ``catch_warnings`` work as
always: only the display changes.
"""

from __future__ import annotations

import linecache
import sys
import warnings


def _shell():
    ipython = sys.modules.get("IPython")
    return ipython.get_ipython() if ipython is not None else None


def cell_name(filename: str) -> str | None:
    """IPython's name for the cell compiled from ``filename`` (``'Cell In[3]'``), or None when
    ``filename`` is not a cell (or this is not IPython)."""
    name_of = getattr(getattr(_shell(), "compile", None), "format_code_name", None)
    found = name_of(filename) if name_of is not None else None
    return f"{found[0]} {found[1]}" if found else None


def install() -> bool:
    """Show warnings raised from IPython cells as ``Cell In[N], line L: ...`` (once per process;
    nothing outside IPython).  Returns whether the wrapper is in place."""
    if _shell() is None:
        return False
    if getattr(warnings.showwarning, "_dlcore_cell_names", False):
        return True
    previous = warnings.showwarning

    def showwarning(message, category, filename, lineno, file=None, line=None):
        cell = cell_name(filename)
        if cell is None:
            return previous(message, category, filename, lineno, file, line)
        source = (line if line is not None else linecache.getline(filename, lineno)).strip()
        text = f"{cell}, line {lineno}: {category.__name__}: {message}\n"
        if source:
            text += f"  {source}\n"
        file = file if file is not None else sys.stderr
        if file is None:                     # as warnings' own display: no stream, no display
            return
        try:
            file.write(text)
        except OSError:                      # ... and a closed one is ignored
            pass

    showwarning._dlcore_cell_names = True  # type: ignore[attr-defined]  # a marker on the hook
    warnings.showwarning = showwarning
    return True
