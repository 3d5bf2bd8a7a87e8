"""The teaching notebooks run top to bottom, in a fresh kernel, as part of the normal test run.

Each notebook in ``notebooks/`` is executed with nbclient in a new ``python3`` kernel whose working
directory is ``notebooks/``.  A failing cell fails the test with that cell's source and
traceback.  The kernel inherits this process's environment, so the CUDA simulator switched on by
``tests/conftest.py`` (``NUMBA_ENABLE_CUDASIM=1``) is on in the notebooks too, and the repository
root is put on ``PYTHONPATH`` so the notebooks import this checkout even when it is not installed.

A notebook that needs an optional package names it in its metadata
(``{"dlcore": {"requires": ["sklearn"]}}``) and is skipped where that package is missing.

The notebooks are committed *without outputs* (see ``notebooks/README.md``); a test keeps it so.

Each notebook is also rendered to HTML with nbconvert, as a notebook viewer or a code-hosting site
shows it, and its structure is checked: prose is prose (no Markdown cell whose lines all start with
``#``, the bug that once rendered every line of every notebook as an ``<h1>``), one title heading
first, a handful of ``<h1>`` at most, and no heading whose text begins with a literal ``#``.
"""

from __future__ import annotations

import os
import re
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
nbconvert = pytest.importorskip("nbconvert")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
CELL_TIMEOUT_S = 300
MAX_H1 = 3   # a title, and perhaps a part heading or two; 67 was the bug


def test_there_are_numbered_notebooks_and_a_readme():
    assert len(NOTEBOOKS) >= 6, [p.name for p in NOTEBOOKS]
    for p in NOTEBOOKS:
        assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", p.name), p.name
    assert (NOTEBOOK_DIR / "README.md").exists()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_without_outputs(path: Path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, (
                f"{path.name}: cell {i} has outputs; notebooks are committed clean "
                f"(see notebooks/README.md)")


class _Headings(HTMLParser):
    """Collects ``(level, text)`` of every ``<h1>``..``<h6>`` in rendered HTML, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[tuple[int, str]] = []
        self._level = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if re.fullmatch(r"h[1-6]", tag):
            self._level = int(tag[1])
            self.headings.append((self._level, ""))

    def handle_endtag(self, tag: str) -> None:
        if re.fullmatch(r"h[1-6]", tag):
            self._level = 0

    def handle_data(self, data: str) -> None:
        if self._level and data != "\u00b6":   # nbconvert's anchor link is a pilcrow
            level, text = self.headings[-1]
            self.headings[-1] = (level, text + data)


def _headings(nb) -> list[tuple[int, str]]:
    html, _ = nbconvert.HTMLExporter(template_name="basic").from_notebook_node(nb)
    parser = _Headings()
    parser.feed(html)
    return [(level, text.strip()) for level, text in parser.headings]


def structure_problems(nb) -> list[str]:
    """What is wrong with how ``nb`` renders (an empty list when nothing is)."""
    problems = []
    for i, cell in enumerate(nb.cells):
        lines = [ln for ln in cell.source.splitlines() if ln.strip()]
        if cell.cell_type == "markdown" and len(lines) >= 3 and all(
                ln.lstrip().startswith("#") for ln in lines):
            problems.append(f"cell {i}: all {len(lines)} lines start with '#' (a wall of "
                            f"headings; prose must not start with '#')")
    headings = _headings(nb)
    h1 = [text for level, text in headings if level == 1]
    if len(h1) > MAX_H1:
        problems.append(f"{len(h1)} <h1> headings (at most {MAX_H1}): {h1[:5]}...")
    for level, text in headings:
        if text.startswith("#"):
            problems.append(f"<h{level}> text starts with a literal '#': {text!r}")
    first = next((c for c in nb.cells if c.source.strip()), None)
    if first is None or first.cell_type != "markdown":
        problems.append("the notebook does not start with a Markdown cell (its title)")
    else:
        title = nbformat.v4.new_notebook(cells=[first])
        first_h = _headings(title)
        if not first_h or first_h[0][0] != 1 or [lv for lv, _ in first_h].count(1) != 1:
            problems.append(f"the first cell must open with exactly one title <h1>; it renders "
                            f"headings {first_h}")
        elif not first.source.lstrip().startswith("# "):
            problems.append("the title is not the first line of the first cell")
    return problems


def test_structure_check_catches_the_heading_wall():
    """The check fails on the bug it guards against: every prose line prefixed with '# '."""
    bad = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# # 2. Static graphs\n#\n# Some prose that\n# wraps."),
        nbformat.v4.new_markdown_cell("\n".join(f"# line {k}" for k in range(5))),
    ])
    problems = structure_problems(bad)
    assert any("cell 0: all 4 lines start with '#'" in p for p in problems), problems
    assert any("cell 1: all 5 lines" in p for p in problems), problems
    assert any("<h1> headings (at most" in p for p in problems), problems
    assert any("literal '#': '# 2. Static graphs'" in p for p in problems), problems
    untitled = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("Prose first.\n\n## A section"),
        nbformat.v4.new_code_cell("# a comment in code is not a heading\n# nor this\n# nor this"),
    ])
    assert structure_problems(untitled) == [(
        "the first cell must open with exactly one title <h1>; it renders headings "
        "[(2, 'A section')]")]
    good = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# 1. Title\n\nProse that\nwraps.\n\n* a\n* b"),
        nbformat.v4.new_code_cell("# a comment\n# another\n# and a third\nx = 1"),
        nbformat.v4.new_markdown_cell("## Section\n\nMore prose."),
    ])
    assert structure_problems(good) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_renders_as_real_markdown(path: Path):
    nb = nbformat.read(path, as_version=4)
    problems = structure_problems(nb)
    assert not problems, f"{path.name} renders badly:\n" + "\n".join(problems)


def test_static_errors_in_a_notebook_name_the_cell(monkeypatch):
    """A node built in a notebook cell is "defined at Cell In[N], line L" (IPython's own name for
    the cell), not at the kernel's temporary file (``/tmp/ipykernel_*/2115151730.py:2``)."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import numpy as np\nimport dlcore_static as tf"),
        nbformat.v4.new_code_cell(
            "x = tf.placeholder(tf.float32, shape=(None, 9), name='x')\n"
            "flat = tf.reshape(x, (-1, 7))\n"
            "try:\n"
            "    tf.Session().run(flat, feed_dict={x: np.ones((2, 9))})\n"
            "except tf.errors.InvalidArgumentError as err:\n"
            "    print(err)"),
    ])
    nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3").execute()
    text = "".join(o.get("text", "") for o in nb.cells[1].outputs)
    assert "[[node Reshape (defined at Cell In[2], line 2) ]]" in text, text


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path: Path, monkeypatch):
    nb = nbformat.read(path, as_version=4)
    for module in nb.metadata.get("dlcore", {}).get("requires", []):
        pytest.importorskip(module, reason=f"{path.name} needs {module}")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    client = nbclient.NotebookClient(
        nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}})
    start = time.perf_counter()
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as err:
        pytest.fail(f"{path.name}: a cell failed\n{err}", pytrace=False)
    except nbclient.exceptions.CellTimeoutError as err:
        pytest.fail(f"{path.name}: a cell ran longer than {CELL_TIMEOUT_S} s\n{err}",
                    pytrace=False)
    print(f"{path.name}: {time.perf_counter() - start:.1f} s")
