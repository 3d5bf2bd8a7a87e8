"""The box table that Keras 3's ``model.summary()`` draws, as plain text.

Keras 3 renders its summary with ``rich`` (a ``rich.table.Table`` with a heavy-headed box,
a rule between rows, each column of a fixed width and the whole of ``line_length``), and in a
non-terminal (``print_fn`` given, or stdout redirected) what rich writes is plain text.  This
module writes the same text without rich: the column widths as rich narrows fixed columns into
the table's width (``Table._calculate_column_widths`` with ``ratio_reduce``), each cell wrapped
at spaces as ``rich._wrap.divide_line`` wraps it (a word longer than the cell ends in "…"),
justified left, right or centred, and every line cropped to the console's width as
``Console.print`` crops it.  The tests compare it with rich itself where rich is installed.
"""

from __future__ import annotations

import math
import os
import re
import shutil

_WORD = re.compile(r"\s*\S+\s*")


def console_width() -> int:
    """The width rich gives a console: the terminal of stdin, stdout or stderr, else
    ``$COLUMNS``, else 80 (``rich.console.Console.size``)."""
    width = None
    for fd in (0, 1, 2):
        try:
            width = os.get_terminal_size(fd).columns
            break
        except (AttributeError, ValueError, OSError):
            pass
    columns = os.environ.get("COLUMNS")
    if columns is not None and columns.isdigit():
        width = int(columns)
    return width or 80


def terminal_columns() -> int:
    """``shutil.get_terminal_size().columns``: what Keras 3 narrows the default width by."""
    return shutil.get_terminal_size().columns


def _ratio_reduce(total: int, values: list[int]) -> list[int]:
    """``rich._ratio.ratio_reduce(total, [1] * n, values, values)``."""
    ratios = [1 if v else 0 for v in values]
    total_ratio = sum(ratios)
    if not total_ratio:
        return values[:]
    remaining, out = total, []
    for ratio, value in zip(ratios, values):
        if ratio and total_ratio > 0:
            taken = min(value, round(ratio * remaining / total_ratio))
            out.append(value - taken)
            remaining -= taken
            total_ratio -= ratio
        else:
            out.append(value)
    return out


def column_widths(widths: list[int], table_width: int) -> list[int]:
    """The cell widths (padding included) of fixed-width columns in a table of
    ``table_width`` characters, borders included."""
    inner = table_width - (len(widths) + 1)
    cells = [min(w + 2, inner) for w in widths]
    if sum(cells) > inner:
        cells = _ratio_reduce(sum(cells) - inner, cells)
        cells = [max(min(c, inner), 0) for c in cells]
    elif sum(cells) < inner:                     # rich spreads what is left by ratio
        cells = _distribute(inner - sum(cells), cells)
    return cells


def _distribute(total: int, ratios: list[int]) -> list[int]:
    """``rich._ratio.ratio_distribute(total, ratios)`` added to ``ratios``."""
    total_ratio = sum(ratios)
    remaining, out = total, []
    for ratio in ratios:
        share = math.ceil(ratio * remaining / total_ratio) if total_ratio > 0 else remaining
        out.append(ratio + share)
        total_ratio -= ratio
        remaining -= share
    return out


def _divide(text: str, width: int) -> list[str]:
    """Split ``text`` into lines of at most ``width`` characters at spaces (no folding)."""
    breaks, offset = [], 0
    for m in _WORD.finditer(text):
        start, word = m.start(), m.group(0)
        length = len(word.rstrip())
        if width - offset >= length:
            offset += len(word)
        elif length > width:
            if start:
                breaks.append(start)
            offset = len(word)
        elif offset and start:
            breaks.append(start)
            offset = len(word)
    bounds = [0] + breaks + [len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:])] or [""]


def wrap(text: str, width: int, justify: str = "left") -> list[str]:
    """The lines of a cell's ``text`` in ``width`` characters (``rich.text.Text.wrap`` with
    overflow "ellipsis"), each exactly ``width`` long."""
    if width <= 0:
        return [""]
    out = []
    for para in text.split("\n"):
        for line in _divide(para, width):
            if len(line) > width:                # rstrip_end: trailing spaces past the width
                excess = len(line) - width
                spaces = len(line) - len(line.rstrip())
                line = line[:len(line) - min(spaces, excess)]
            if justify != "left":
                line = line.rstrip()
            if len(line) > width:
                line = line[:max(width - 1, 0)] + "…"
            if justify == "right":
                line = line.rjust(width)
            elif justify == "center":
                left = (width - len(line)) // 2
                line = (" " * left + line).ljust(width)
            out.append(line.ljust(width))
    return out


def render(header: list[str], rows: list[list[str]], widths: list[int], justify: list[str],
           table_width: int) -> list[str]:
    """The lines of the table: a heavy header box, a light rule between body rows."""
    cells = column_widths(widths, table_width)

    def rule(left: str, fill: str, mid: str, right: str) -> str:
        return left + mid.join(fill * c for c in cells) + right

    def row_lines(fields: list[str], bar: str, bottom: bool = False) -> list[str]:
        blocks = [wrap(f, max(c - 2, 0), j) for f, c, j in zip(fields, cells, justify)]
        height = max(len(b) for b in blocks)
        if bottom:                                 # header cells sit on the rule below them
            blocks = [[" " * max(c - 2, 0)] * (height - len(b)) + b
                      for b, c in zip(blocks, cells)]
        lines = []
        for i in range(height):
            parts = [(" " + b[i] + " ") if i < len(b) else " " * c
                     for b, c in zip(blocks, cells)]
            parts = [p if c >= 2 else p[:c] for p, c in zip(parts, cells)]
            lines.append(bar + bar.join(parts) + bar)
        return lines

    lines = [rule("┏", "━", "┳", "┓")] + row_lines(header, "┃", bottom=True)
    lines.append(rule("┡", "━", "╇", "┩"))
    for i, fields in enumerate(rows):
        if i:
            lines.append(rule("├", "─", "┼", "┤"))
        lines += row_lines(fields, "│")
    lines.append(rule("└", "─", "┴", "┘"))
    return lines
