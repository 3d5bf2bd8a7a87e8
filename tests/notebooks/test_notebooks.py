"""The teaching notebooks run top to bottom, in a fresh kernel, as part of the normal test run.

Each notebook in ``notebooks/`` is executed with nbclient in a ``python3`` kernel whose working
directory is ``notebooks/`` (one kernel for all of them, put back to a new session's state
before each: see ``ONE_NOTEBOOK_KERNEL``).  A failing cell fails the test with that cell's source and
traceback.  The kernel inherits this process's environment, so the CUDA simulator switched on by
``tests/conftest.py`` (``NUMBA_ENABLE_CUDASIM=1``) is on in the notebooks too, and the repository
root is put on ``PYTHONPATH`` so the notebooks import this checkout even when it is not installed.

A notebook that needs an optional package names it in its metadata
(``{"dlcore": {"requires": ["sklearn"]}}``) and is skipped where that package is missing.

The notebooks are committed *with their outputs*, so that a learner who opens one on a code-hosting
site or in a viewer sees its results and pictures (see ``notebooks/README.md``).  They are made by
``python tests/notebooks/execute_notebooks.py``, which stamps each notebook with the hash of its
code cells; ``test_outputs_are_current`` fails when a code cell was edited without re-executing,
when a cell's output is missing or is an error, or when an output names a kernel's temporary file.
``test_notebook_runs`` executes each notebook afresh and checks that every cell that prints or
draws something there has the same kind of output committed.

Each notebook is also rendered to HTML with nbconvert, as a notebook viewer or a code-hosting site
shows it, and its structure is checked: prose is prose (no Markdown cell whose lines all start with
``#``, the bug that once rendered every line of every notebook as an ``<h1>``), one title heading
first, a handful of ``<h1>`` at most, and no heading whose text begins with a literal ``#``.
"""

from __future__ import annotations

import base64
import copy
import functools
import io
import re
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
nbconvert = pytest.importorskip("nbconvert")
pytest.importorskip("ipykernel")
np = pytest.importorskip("numpy")
Image = pytest.importorskip("PIL.Image")

from execute_notebooks import (  # after the skips; this directory is on sys.path
    CELL_TIMEOUT_S,
    COMMAND,
    NOTEBOOK_DIR,
    code_hash,
    kernel_env,
    small_png,
)

NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
MAX_H1 = 3   # a title, and perhaps a part heading or two; 67 was the bug
# A kernel's temporary file for a cell (/tmp/ipykernel_17268/1111680540.py): IPython calls it
# "Cell In[N]", and so must every output a learner reads.
KERNEL_TEMP_FILE = re.compile(r"ipykernel_\d+[/\\]\d+\.py")


def test_there_are_numbered_notebooks_and_a_readme():
    assert len(NOTEBOOKS) >= 6, [p.name for p in NOTEBOOKS]
    for p in NOTEBOOKS:
        assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", p.name), p.name
    assert (NOTEBOOK_DIR / "README.md").exists()


def _output_text(out) -> str:
    if out.output_type == "stream":
        return out.text
    if out.output_type == "error":
        return "\n".join([out.ename, out.evalue, *out.traceback])
    return out.get("data", {}).get("text/plain", "")


def output_problems(nb) -> list[str]:
    """Why the stored outputs of ``nb`` are not those of its current code (empty when they are)."""
    stamped = nb.metadata.get("dlcore", {}).get("executed_from")
    if stamped is None:
        return ["it has never been executed by the tool (no executed_from stamp)"]
    problems = []
    if stamped != code_hash(nb):
        problems.append("its code cells changed since its outputs were made")
    code = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    counts = [c.execution_count for _, c in code if c.source.strip()]
    if counts != list(range(1, len(counts) + 1)):
        problems.append(f"its cells were not run once each, top to bottom, in one kernel "
                        f"(execution counts {counts})")
    for i, cell in code:
        for out in cell.outputs:
            if out.output_type == "error":
                problems.append(f"cell {i} stored an error: {out.ename}: {out.evalue}")
            if KERNEL_TEMP_FILE.search(_output_text(out)):
                problems.append(f"cell {i}'s output names a kernel's temporary file instead of "
                                f"the cell: {KERNEL_TEMP_FILE.search(_output_text(out))[0]}")
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_outputs_are_current(path: Path):
    """The committed outputs are those of the committed code: edit a code cell, re-execute."""
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    problems = output_problems(nb)
    assert not problems, (
        f"{path.name}: its stored outputs are out of date:\n  " + "\n  ".join(problems)
        + f"\nRe-execute it and commit the result:\n  {COMMAND} {path.stem}")


def test_output_check_catches_an_edited_cell():
    """The check fails on what it guards against: a cell edited after executing, an error
    stored, a temporary file named, a notebook never executed."""
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Title"),
        nbformat.v4.new_code_cell("print(1 + 1)", execution_count=1, outputs=[
            nbformat.v4.new_output("stream", name="stdout", text="2\n")]),
    ])
    assert output_problems(nb) == [
        "it has never been executed by the tool (no executed_from stamp)"]
    nb.metadata["dlcore"] = {"executed_from": code_hash(nb)}
    assert output_problems(nb) == []
    nb.cells[0].source = "# Title, reworded"                   # Markdown is not hashed
    assert output_problems(nb) == []
    nb.cells[1].source = "print(1 + 2)"
    assert output_problems(nb) == ["its code cells changed since its outputs were made"]
    nb.metadata["dlcore"]["executed_from"] = code_hash(nb)
    nb.cells[1].outputs = [nbformat.v4.new_output(
        "stream", name="stderr", text="/tmp/ipykernel_17268/1111680540.py:6: UserWarning: x\n")]
    nb.cells.append(nbformat.v4.new_code_cell("1 / 0", execution_count=3, outputs=[
        nbformat.v4.new_output("error", ename="ZeroDivisionError", evalue="division by zero",
                               traceback=[])]))
    nb.metadata["dlcore"]["executed_from"] = code_hash(nb)
    assert output_problems(nb) == [
        ("its cells were not run once each, top to bottom, in one kernel (execution counts "
         "[1, 3])"),
        ("cell 1's output names a kernel's temporary file instead of the cell: "
         "ipykernel_17268/1111680540.py"),
        "cell 2 stored an error: ZeroDivisionError: division by zero"]


def test_small_png_keeps_the_picture():
    """The stored PNGs are re-encoded with a palette: a plot looks the same, and takes less."""
    plt = pytest.importorskip("matplotlib.pyplot")
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot(np.linspace(0, 1, 50) ** 2, label="a curve")
    ax.set_title("a title")
    ax.legend()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    original = base64.b64encode(buf.getvalue()).decode()
    small = small_png(original)
    before, after = (np.asarray(Image.open(io.BytesIO(base64.b64decode(d))).convert("RGBA"),
                                dtype=np.int16) for d in (original, small))
    assert after.shape == before.shape
    assert np.abs(after - before).max() <= 16, np.abs(after - before).max()    # of 255
    assert np.abs(after - before).mean() < 0.5, np.abs(after - before).mean()
    white = (before == 255).all(axis=-1)
    assert (after[white] == 255).all()                  # the background stays exactly white
    assert len(small) < 0.6 * len(original), (len(small), len(original))
    see_through = np.zeros((8, 8, 4), np.uint8)
    see_through[:4] = (200, 30, 30, 255)                  # an opaque half and a transparent one
    buf = io.BytesIO()
    Image.fromarray(see_through, "RGBA").save(buf, format="PNG")
    back = Image.open(io.BytesIO(base64.b64decode(small_png(
        base64.b64encode(buf.getvalue()).decode())))).convert("RGBA")
    np.testing.assert_array_equal(np.asarray(back), see_through)


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


@functools.cache
def _html_exporter():
    """One exporter for every render, as nbconvert's command line uses one for many notebooks: a
    new one compiled its six Jinja templates again (45% of a render's time; the renders of this
    file: 2.7 s of CPU for 21 exporters)."""
    return nbconvert.HTMLExporter(template_name="basic")


def _headings(nb) -> list[tuple[int, str]]:
    """The headings of ``nb`` rendered.  Its code cells' sources are left out of the render: code
    is shown escaped in a highlighted ``<pre>``, never as a heading, and highlighting it (Pygments,
    then bleach over the result) was 85% of the time (6.4 s of CPU for the ten notebooks, 1.1 s
    without); Markdown cells and every output are rendered as they are."""
    shown = copy.deepcopy(nb)
    for cell in shown.cells:
        if cell.cell_type == "code":
            cell.source = ""
    html, _ = _html_exporter().from_notebook_node(shown)
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


#: The two tests of how a cell is named read one notebook, run once, in the kernel the notebooks
#: share (``ONE_NOTEBOOK_KERNEL``, below: put back to a new session's state first, so its cells
#: are In[1], In[2], ... as in a new kernel).  A kernel of its own cost 2.3 s of CPU (its start
#: and dlcore's import).
ONE_KERNEL = pytest.mark.xdist_group("notebooks-one-kernel")


@pytest.fixture(scope="module")
def cell_names_notebook(shared_kernel):
    """A notebook whose cell 2 builds a static node that fails at run time and whose cell 4 warns,
    executed in the shared kernel from a new session's state; In[2] and In[4] are the cells'
    names there."""
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import numpy as np\nimport dlcore_static as tf"),
        nbformat.v4.new_code_cell(
            "x = tf.placeholder(tf.float32, shape=(None, 9), name='x')\n"
            "flat = tf.reshape(x, (-1, 7))\n"
            "try:\n"
            "    tf.Session().run(flat, feed_dict={x: np.ones((2, 9))})\n"
            "except tf.errors.InvalidArgumentError as err:\n"
            "    print(err)"),
        nbformat.v4.new_code_cell("import warnings\nimport dlcore_eager as torch"),
        nbformat.v4.new_code_cell(
            "x = torch.ones(3)\n"
            "loss = torch.nn.MSELoss(size_average=False)(x, x)\n"
            "warnings.warn('a plain warning from the cell', RuntimeWarning)"),
    ])
    shared_kernel.run(nb)
    return nb


@ONE_KERNEL
def test_static_errors_in_a_notebook_name_the_cell(cell_names_notebook):
    """A node built in a notebook cell is "defined at Cell In[N], line L" (IPython's own name for
    the cell), not at the kernel's temporary file (``/tmp/ipykernel_*/2115151730.py:2``)."""
    text = "".join(o.get("text", "") for o in cell_names_notebook.cells[1].outputs)
    assert "[[node Reshape (defined at Cell In[2], line 2) ]]" in text, text


@ONE_KERNEL
def test_warnings_in_a_notebook_name_the_cell(cell_names_notebook):
    """A warning raised from a cell is shown at "Cell In[N], line L" with the cell's line (dlcore
    wraps ``warnings.showwarning`` in IPython), not at the kernel's temporary file."""
    text = "".join(o.get("text", "") for o in cell_names_notebook.cells[3].outputs
                   if o.get("name") == "stderr")
    assert "Cell In[4], line 2: UserWarning: size_average and reduce args will be deprecated" \
        in text, text
    assert "  loss = torch.nn.MSELoss(size_average=False)(x, x)\n" in text, text
    assert "Cell In[4], line 3: RuntimeWarning: a plain warning from the cell\n" in text, text
    assert not KERNEL_TEMP_FILE.search(text), text


def _output_kinds(cell) -> set[str]:
    """What a cell shows, independent of the figures in it: printed text, a value, a picture
    (stderr is left out: which warnings a machine prints may differ)."""
    kinds = set()
    for out in cell.outputs:
        if out.output_type == "stream" and out.name == "stdout":
            kinds.add("printed text")
        elif out.output_type in ("display_data", "execute_result"):
            data = out.get("data", {})
            kinds.add("picture" if any(k.startswith("image/") for k in data) else "value")
    return kinds


#: The notebooks run one after another in ONE kernel (one xdist group): a kernel's start and the
#: imports every notebook makes (ipykernel, dlcore, matplotlib) cost ~2.4 s of CPU per notebook,
#: a third of what the ten notebooks cost run each in a kernel of its own.  Before each notebook
#: the kernel is put back as it started (:data:`_FRESH`): an empty namespace and cell counter
#: (IPython's reset of a new session, so cells are In[1], In[2], ... again and a notebook that
#: uses a name it never defines fails as in a new kernel), the starting directory, environment,
#: CPU affinity (the benchmark notebook pins cores), warning filters, no open figures and a new
#: default static graph.  Modules stay imported: that is the saving.  The first notebook runs in
#: a kernel that has run nothing else; ``cell_names_notebook`` above runs in it after them.
ONE_NOTEBOOK_KERNEL = pytest.mark.xdist_group("notebooks-one-kernel")
_FRESH = """\
import os as _os, sys as _sys, warnings as _warnings
_start = getattr(_sys, "_dlcore_notebook_start", None)
if _start is None:
    _cores = _os.sched_getaffinity(0) if hasattr(_os, "sched_getaffinity") else None
    _start = _sys._dlcore_notebook_start = (_os.getcwd(), dict(_os.environ), _cores,
                                            list(_warnings.filters))
_os.chdir(_start[0])
_os.environ.clear()
_os.environ.update(_start[1])
if _start[2] is not None:
    _os.sched_setaffinity(0, _start[2])
_warnings.filters[:] = _start[3]
if "matplotlib.pyplot" in _sys.modules:
    _sys.modules["matplotlib.pyplot"].close("all")
if "dlcore_static" in _sys.modules:
    _sys.modules["dlcore_static"].reset_default_graph()
get_ipython().reset(new_session=True)
get_ipython().execution_count = 0     # the cell that runs this counts one: the next is In[1]
"""


class _SharedKernel:
    """A kernel manager kept across the notebooks of this module; restarted after a failure."""

    def __init__(self) -> None:
        self.km = None

    def run(self, nb) -> None:
        kw = {"timeout": CELL_TIMEOUT_S, "kernel_name": "python3", "record_timing": False,
              "resources": {"metadata": {"path": str(NOTEBOOK_DIR)}}}
        fresh = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(_FRESH)])
        try:
            if self.km is None:
                client = nbclient.NotebookClient(fresh, **kw)
                self._execute(client, env=kernel_env(), cleanup_kc=False)
                self.km = client.km
            else:
                self._execute(nbclient.NotebookClient(fresh, km=self.km, **kw))
            self._execute(nbclient.NotebookClient(nb, km=self.km, **kw))
        except BaseException:
            self.close()
            raise

    @staticmethod
    def _execute(client, **kw) -> None:
        """``client.execute(**kw)``, then its kernel client's channels stopped: nbclient keeps
        a client of a kernel it does not own (or told ``cleanup_kc=False``) connected, and each
        such client's heartbeat thread then outlived its kernel, polling and re-creating its
        zmq socket every few seconds for the rest of the pytest worker's life (two threads per
        notebook).  (A suspect, not proven, for the SIGABRT raised in a native thread that once
        killed a worker whose thread dump listed a dozen of them.)"""
        try:
            client.execute(**kw)
        finally:
            kc, client.kc = client.kc, None
            if kc is not None:
                kc.stop_channels()

    def close(self) -> None:
        if self.km is not None:
            km, self.km = self.km, None
            nbclient.util.run_sync(km.shutdown_kernel)(now=True)


@pytest.fixture(scope="module")
def shared_kernel():
    kernel = _SharedKernel()
    yield kernel
    kernel.close()


@pytest.mark.slow
@ONE_NOTEBOOK_KERNEL
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path: Path, shared_kernel):
    """Each notebook runs afresh, top to bottom, from a new session's state; every cell that
    prints or draws something has the same kind of output in the committed notebook."""
    committed = nbformat.read(path, as_version=4)
    nb = nbformat.read(path, as_version=4)
    for module in nb.metadata.get("dlcore", {}).get("requires", []):
        pytest.importorskip(module, reason=f"{path.name} needs {module}")
    start = time.perf_counter()
    try:
        shared_kernel.run(nb)
    except nbclient.exceptions.CellExecutionError as err:
        pytest.fail(f"{path.name}: a cell failed\n{err}", pytrace=False)
    except nbclient.exceptions.CellTimeoutError as err:
        pytest.fail(f"{path.name}: a cell ran longer than {CELL_TIMEOUT_S} s\n{err}",
                    pytrace=False)
    counts = [c.execution_count for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    assert counts == list(range(1, len(counts) + 1)), f"not a new session's counts: {counts}"
    print(f"{path.name}: {time.perf_counter() - start:.1f} s")
    if code_hash(committed) != committed.metadata.get("dlcore", {}).get("executed_from"):
        return                                    # test_outputs_are_current says what to do
    missing = [
        f"cell {i} shows {sorted(_output_kinds(fresh))}, its committed output "
        f"{sorted(_output_kinds(old))}"
        for i, (fresh, old) in enumerate(zip(nb.cells, committed.cells))
        if fresh.cell_type == "code" and not _output_kinds(fresh) <= _output_kinds(old)]
    assert not missing, (f"{path.name}: the committed outputs lack what the code shows:\n  "
                         + "\n  ".join(missing) + f"\nRe-execute it:\n  {COMMAND} {path.stem}")
