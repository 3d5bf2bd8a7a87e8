"""Execute the teaching notebooks and store their outputs, so that a learner who opens one without
running it (on a code-hosting site, in nbviewer, in an editor's preview) sees its results and
pictures.

    python tests/notebooks/execute_notebooks.py                  # all of notebooks/*.ipynb
    python tests/notebooks/execute_notebooks.py 02 notebooks/05_static_vs_dynamic.ipynb
    python tests/notebooks/execute_notebooks.py --check          # which ones are out of date
    python tests/notebooks/execute_notebooks.py --stale          # re-execute only those

Each notebook runs top to bottom in a fresh ``python3`` kernel whose working directory is
``notebooks/``, with this checkout first on ``PYTHONPATH`` and Numba's CUDA simulator switched on
when the machine has no NVIDIA driver (as ``test_notebooks.py`` runs them).  A failing cell stops
that notebook with the cell's traceback and leaves its file untouched.  On success the outputs are
written back and the notebook's metadata is stamped::

    "dlcore": {"executed_from": "<sha256 of the code cells' sources>",
               "executed_at": {"commit": ..., "date": ..., "machine": ...,
                               "load_average": ..., "cuda": ...}}

``test_notebooks.py`` compares ``executed_from`` with the hash of the current code cells, so a code
cell edited without re-executing fails the test with the command to run.  Markdown cells are not
hashed: they render from their source.

Pictures are stored as PNG, graphs and tapes too (``DLCORE_VIZ_FORMAT=png``; an interactive
kernel draws them as SVG): code-hosting sites and notebook viewers inline a notebook's SVG outputs
into their page and sanitize them, which loses text or paints shapes black, while a PNG shows as
drawn.  Each PNG is re-encoded with a 256-colour palette (:func:`small_png`), a quarter of
matplotlib's size with no visible change to line drawings and plots.  No per-cell execution
timestamps are stored, so re-executing a notebook changes only what really changed (timings,
mostly): printed output is stored as one block per stream and cell, however the kernel
flushed it.
"""

from __future__ import annotations

import argparse
import base64
import datetime as _dt
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = ROOT / "notebooks"
CELL_TIMEOUT_S = 300
COMMAND = "python tests/notebooks/execute_notebooks.py"
# matplotlib settings for the kernel: SVG ids from a fixed salt instead of a random UUID (a
# re-executed graph picture is byte-for-byte the same file)


def small_png(data: str) -> str:
    """A base64 PNG (a notebook output) re-encoded with a palette of at most 256 colours: an
    octree picks the palette, then each colour is moved to the mean of the pixels drawn with it
    (so matplotlib's white background stays exactly white, and no channel is off by more than
    about 15 of 255)."""
    import numpy as np
    from PIL import Image
    image = Image.open(io.BytesIO(base64.b64decode(data))).convert("RGBA")
    if image.getextrema()[3][0] == 255:                  # opaque: no alpha channel needed
        image = image.convert("RGB")
    mode, channels = image.mode, len(image.mode)
    small = image.quantize(colors=256, method=Image.Quantize.FASTOCTREE)
    index = np.asarray(small).ravel()
    pixels = np.asarray(image).reshape(-1, channels).astype(np.float64)
    count = np.bincount(index, minlength=256)
    palette = np.zeros((256, channels))
    old = np.asarray(small.getpalette(rawmode=mode), dtype=np.float64).reshape(-1, channels)
    palette[:len(old)] = old[:256]
    used = count > 0
    for c in range(channels):
        palette[used, c] = np.bincount(index, pixels[:, c], minlength=256)[used] / count[used]
    small.putpalette(np.rint(palette).astype(np.uint8).ravel().tolist(), rawmode=mode)
    out = io.BytesIO()
    small.save(out, format="PNG", optimize=True)
    return base64.b64encode(out.getvalue()).decode()


def coalesce_streams(nb) -> None:
    """Consecutive printed outputs of a cell to the same stream as one output, in place (how
    the kernel happened to flush them is not part of what the cell shows)."""
    for cell in nb.cells:
        merged = []
        for out in cell.get("outputs", []):
            if (out.output_type == "stream" and merged and merged[-1].output_type == "stream"
                    and merged[-1].name == out.name):
                merged[-1].text += out.text
            else:
                merged.append(out)
        if cell.cell_type == "code":
            cell.outputs = merged


def shrink_pictures(nb) -> None:
    """:func:`small_png` on every PNG output of ``nb``, in place."""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if "image/png" in out.get("data", {}):
                out.data["image/png"] = small_png(out.data["image/png"])


def code_hash(nb) -> str:
    """sha256 of the notebook's code cells' sources, in order (what its outputs came from)."""
    sources = [cell.source for cell in nb.cells if cell.cell_type == "code"]
    return hashlib.sha256(json.dumps(sources).encode()).hexdigest()


def have_gpu() -> bool:
    """The notebooks' own test for an NVIDIA driver (their first cell uses the same one)."""
    return shutil.which("nvidia-smi") is not None or os.path.exists("/dev/nvidiactl")


def kernel_env(png: bool = False) -> dict[str, str]:
    """The environment a notebook's kernel gets: this checkout first on ``PYTHONPATH``, the CUDA
    simulator on when there is no GPU, and dlcore's pictures as PNG with ``png``."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    if not have_gpu():
        env.setdefault("NUMBA_ENABLE_CUDASIM", "1")
    if png:
        env["DLCORE_VIZ_FORMAT"] = "png"
    return env


def execute(nb, env: dict[str, str] | None = None, timeout: int = CELL_TIMEOUT_S):
    """Run ``nb`` in place, top to bottom, in a fresh kernel in ``notebooks/``.  Raises
    nbclient's ``CellExecutionError`` / ``CellTimeoutError`` on a failing or hanging cell."""
    import nbclient
    client = nbclient.NotebookClient(
        nb, timeout=timeout, kernel_name="python3", record_timing=False,
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}})
    client.execute(env=env if env is not None else kernel_env())
    return nb


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def _load() -> float | None:
    try:
        return round(os.getloadavg()[0], 1)
    except (AttributeError, OSError):            # not Unix
        return None


def stamp(load_at_start: float | None) -> dict:
    """Where and from what the outputs were made (for whoever reads the timings in them, or
    re-executes): the dlcore commit, the date, the machine and its load when the run began."""
    return {
        "commit": _git("rev-parse", "--short=12", "HEAD") or "unknown",
        "date": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d"),
        "machine": f"{os.cpu_count()} CPU threads",
        "load_average": load_at_start,
        "cuda": "NVIDIA GPU" if have_gpu() else "Numba's CUDA simulator (no GPU)",
    }


def is_current(nb) -> bool:
    return nb.metadata.get("dlcore", {}).get("executed_from") == code_hash(nb)


def resolve(names: list[str]) -> list[Path]:
    """Notebook paths from command-line names: a path, a file name, or its number ('02')."""
    everything = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
    if not names:
        return everything
    out = []
    for name in names:
        p = Path(name)
        if p.suffix == ".ipynb" and p.exists():
            out.append(p.resolve())
            continue
        hits = [q for q in everything if q.name == name or q.stem == name
                or q.name.startswith(name + "_")]
        if len(hits) != 1:
            raise SystemExit(f"{COMMAND}: {name!r} names {len(hits)} notebooks in "
                             f"{NOTEBOOK_DIR} ({[q.name for q in everything]})")
        out.append(hits[0])
    return out


def run_one(path: Path, env: dict[str, str]) -> bool:
    import nbclient
    import nbformat
    nb = nbformat.read(path, as_version=4)
    for module in nb.metadata.get("dlcore", {}).get("requires", []):
        try:
            __import__(module)
        except ImportError:
            print(f"{path.name}: needs {module} (pip install it); not executed", flush=True)
            return False
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("execution", None)
    start, load = time.perf_counter(), _load()
    try:
        execute(nb, env)
    except (nbclient.exceptions.CellExecutionError, nbclient.exceptions.CellTimeoutError) as err:
        print(f"{path.name}: a cell failed; the file is left as it was\n{err}", flush=True)
        return False
    coalesce_streams(nb)
    shrink_pictures(nb)
    nb.metadata.setdefault("dlcore", {})
    nb.metadata["dlcore"]["executed_from"] = code_hash(nb)
    nb.metadata["dlcore"]["executed_at"] = stamp(load)
    nbformat.validate(nb)
    nbformat.write(nb, path)
    print(f"{path.name}: executed in {time.perf_counter() - start:.0f} s (load average "
          f"{load} at the start), {path.stat().st_size / 1024:.0f} KiB", flush=True)
    return True


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog=COMMAND, description=__doc__.split("\n\n")[0])
    ap.add_argument("notebooks", nargs="*",
                    help="paths, names or numbers ('02'); default: every notebook")
    ap.add_argument("--check", action="store_true",
                    help="execute nothing; list the notebooks whose code changed since their "
                         "outputs were made (exit status 1 if any)")
    ap.add_argument("--stale", action="store_true",
                    help="execute only the notebooks whose code changed since their outputs "
                         "were made")
    args = ap.parse_args(argv)
    import nbformat
    paths = resolve(args.notebooks)
    if args.check or args.stale:
        stale = [p for p in paths if not is_current(nbformat.read(p, as_version=4))]
        if args.check:
            for p in stale:
                print(f"{p.name}: out of date")
            return 1 if stale else 0
        paths = stale
    env = kernel_env(png=True)
    failed = [p.name for p in paths if not run_one(p, env)]
    if failed:
        print(f"not executed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
