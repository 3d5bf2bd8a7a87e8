"""Read the rows of a Keras 3 ``model.summary()`` box table back from printed text.

A cell that wrapped onto more lines reads as its lines joined by single spaces, so a test can
check a row (``["dense_1 (Dense)", "(None, 8)", "136"]``) whatever the terminal's width.
"""

from __future__ import annotations


def summary_rows(text: str, model: str | None = None) -> list[list[str]]:
    """The body rows of the first table (of model ``model``, when given) in ``text``."""
    lines = text.splitlines()
    if model is not None:
        lines = lines[lines.index(f'Model: "{model}"'):]
    rows: list[list[str]] = []
    cells: list[list[str]] | None = None
    body = False
    for ln in lines:
        if ln.startswith("┡"):
            body = True
        elif body and ln.startswith("│"):
            parts = [p.strip() for p in ln.strip("│").split("│")]
            if cells is None:
                cells = [[] for _ in parts]
            for c, p in zip(cells, parts):
                if p:
                    c.append(p)
        elif body and ln.startswith(("├", "└")):
            if cells is not None:
                rows.append([" ".join(c) for c in cells])
            cells = None
            if ln.startswith("└"):
                break
    return rows
