"""One test table, one test body: every row of ``op_table.py`` (one per primitive and composite)
through every way of running it, forward against the row's NumPy reference and gradient against
central finite differences.

The ways ({front end} x {device}):

* ``functional``     dlcore's own JAX-style ``vjp`` on plain buffers (the core alone);
* ``eager``          dlcore_eager tensors (``requires_grad``, ``backward``);
* ``static``         a dlcore_static graph, interpreted (``Session(passes=())``);
* ``static+passes``  the same graph with every pass and the whole-plan compiler;

each on the CPU (every sample shape, float64; the functional configuration also float32 and
with non-contiguous inputs) and on CUDA (the first sample, float32; Numba's
CUDA simulator in CI, so shapes stay tiny).  On CUDA every row runs, forward and vjp, in one of
the two configurations that launch kernels directly, the eager one (every
``EAGER_CUDA_STRIDE``-th row) or the functional one (the others): both call the same ``row.fn``
and the same registered vjps, so each CUDA kernel (and every vjp on the device) still runs,
while the eager tape and tensor placement on the device are exercised on a quarter of the rows
(every row in both took 61 s of CPU under the simulator, 24 s functional and 37 s eager; half
the rows eager, 23 s).  The two static configurations run every
``STATIC_CUDA_STRIDE``-th row, enough for what they add (device placement, host copies, the
compiler's fused CUDA kernels, which tests/compiler/test_cuda_fusion.py also checks): all rows
in those two took 140 s of the README command's CPU time, about a fifth of it, and every 4th
row 35 s.  A row's differentiable inputs (``row.diff``) get the
gradient of ``sum(out * g)`` for a random cotangent ``g``; the finite differences are computed
once per sample on the CPU in float64 and shared by every configuration.

The static configurations build *one* graph holding every row and sample (one compile for the
whole table instead of hundreds), run it once, and each row's test reads its own slice; a row that
does not build fails its own test with the build error.
"""

from __future__ import annotations

import functools
import zlib

import numpy as np
import pytest

import dlcore
from dlcore import functional as F

from .op_table import ROWS, make_input, make_inputs

FRONT_ENDS = ("functional", "eager", "static", "static+passes")
DEVICES = ("cpu", "cuda")
CONFIGS = [(fe, dev) for dev in DEVICES for fe in FRONT_ENDS]
STATIC_CUDA_STRIDE = 8          # the static configurations on CUDA run every 8th row
EAGER_CUDA_STRIDE = 4           # eager on CUDA: every 4th row; functional: the others
EPS = 1e-6


@functools.cache
def _is_float_domain(domain: str) -> bool:
    sample = make_input(domain, (2,), "float64", np.random.default_rng(0))
    return np.asarray(sample).dtype.kind == "f"


def _is_float_row(row) -> bool:
    return any(_is_float_domain(d) for d in row.domains)


def _samples(row, dev):
    return range(len(row.shapes)) if dev == "cpu" else range(1)


def _dtype(row, dev) -> str:
    if not _is_float_row(row):
        return "float32"               # integer/bool domains ignore it
    if dev == "cuda":
        return "float32"
    return "float64" if "float64" in row.dtypes else row.dtypes[0]


@functools.cache
def _inputs(label: str, k: int, dtype: str):
    row = _BY_LABEL[label]
    # A seed that is the same in every process (str hashes are salted per process): the same
    # inputs, the same constants in the compiled plans, so Numba's disk cache finds them.
    rng = np.random.default_rng(zlib.crc32(f"{label}/{k}".encode()))
    xs = make_inputs(row, row.shapes[k], "float64" if dtype == "float64" else dtype, rng)
    with np.errstate(all="ignore"):
        want = np.asarray(row.ref(*xs))
    g = rng.standard_normal(want.shape) if want.dtype.kind == "f" else None
    return xs, want, g


@functools.cache
def _finite_differences(label: str, k: int):
    """<g, d out / d x_i> for each differentiable input, float64 on the CPU."""
    row = _BY_LABEL[label]
    dtype = "float64" if "float64" in row.dtypes else row.dtypes[0]
    xs, _, g = _inputs(label, k, dtype)
    xs = [x.astype(np.float64) if x.dtype.kind == "f" else x for x in xs]
    grads = {}
    # A row whose output is float32 even for float64 inputs (a cast) needs a larger step.
    eps = EPS if np.asarray(row.fn(*xs)).dtype == np.float64 else 1e-2
    for i in row.diff:
        x = xs[i]
        grad = np.zeros(x.shape)
        flat = grad.reshape(-1)
        for j in range(x.size):
            def at(delta, j=j, i=i, x=x):
                step = np.zeros(x.size)
                step[j] = delta
                args = list(xs)
                args[i] = x + step.reshape(x.shape)
                return np.asarray(row.fn(*args), dtype=np.float64)
            flat[j] = np.sum(g * (at(eps) - at(-eps))) / (2 * eps)
        grads[i] = grad
    return grads


_BY_LABEL = {r.label: r for r in ROWS}


def _wants_grad(row, want) -> bool:
    return bool(row.diff) and want.dtype.kind == "f" and want.size > 0


# ----------------------------------------------------------------------------- runners
def _to_dev(x, dev):
    return dlcore.to_device(np.array(x, order="C"), "cuda") if dev == "cuda" else x


def _host(x):
    return np.asarray(dlcore.to_host(x)) if not isinstance(x, np.ndarray) else x


def run_functional(row, xs, g, dev):
    bufs = [_to_dev(x, dev) for x in xs]
    if g is None or not row.diff:
        return _host(row.fn(*bufs)), {}
    out, f_vjp = F.vjp(row.fn, *bufs)
    cots = f_vjp(_to_dev(g.astype(_host(out.buf).dtype), dev))
    return _host(out.buf), {i: _host(cots[i].buf) for i in row.diff if cots[i] is not None}


def run_eager(row, xs, g, dev):
    import dlcore_eager as torch
    ts = []
    for i, x in enumerate(xs):
        t = torch.from_numpy(np.array(x, order="C"))
        t = t.cuda() if dev == "cuda" else t
        if i in row.diff and x.dtype.kind == "f" and g is not None:
            t.requires_grad_(True)
        ts.append(t)
    out = row.fn(*ts)
    got = _host(out.detach()._buf)
    grads = {}
    if g is not None and row.diff and out.requires_grad:
        gt = torch.from_numpy(g.astype(got.dtype))
        out.backward(gt.cuda() if dev == "cuda" else gt)
        grads = {i: _host(ts[i].grad._buf) for i in row.diff if ts[i].grad is not None}
    return got, grads


#: The static configurations' graphs.  One graph for the whole table would compile once, but
#: Numba's time and memory grow faster than linearly with a plan's size (the whole table as one
#: plan took several GB), so the rows are split into this many graphs of about 15 rows (a few
#: hundred nodes each).  A row's graph is chosen by a hash of its label, not by its position:
#: with positional chunks of 16, one row added near the top changed every later chunk's plan, so
#: the next run recompiled nearly all of them (up to 70 s of CPU a chunk); now it changes one.
N_CHUNKS = 24


def _chunk(row) -> int:
    return zlib.crc32(row.label.encode()) % N_CHUNKS


@functools.cache
def _static_table(dev: str, passes: str, chunk: int):
    """The rows of one chunk in one graph; ``{(label, k): (out, grads) | Exception}``."""
    import dlcore_static as tf
    graph = tf.Graph()
    entries, feed, fetches, results = [], {}, [], {}
    with graph.as_default():
        for row in ROWS:
            if _chunk(row) != chunk:
                continue
            if not _in_config(row, "static", dev):
                continue
            dtype = _dtype(row, dev)
            for k in _samples(row, dev):
                xs, want, g = _inputs(row.label, k, dtype)
                try:
                    with tf.name_scope(f"row{len(entries)}"):
                        phs = [tf.placeholder(x.dtype, shape=x.shape) for x in xs]
                        out = row.fn(*phs)
                        grads = {}
                        if g is not None and _wants_grad(row, want):
                            cot = tf.constant(g.astype(out.aval.dtype))
                            gs = tf.gradients(tf.reduce_sum(out * cot), [phs[i] for i in row.diff])
                            grads = {i: gr for i, gr in zip(row.diff, gs) if gr is not None}
                except Exception as e:  # noqa: BLE001 - reported by the row's own test
                    results[(row.label, k)] = e
                    continue
                feed.update(zip(phs, xs))
                entries.append(((row.label, k), len(fetches), list(grads)))
                fetches.append(out)
                fetches.extend(grads.values())
    kwargs: dict = {"passes": ()}
    if passes != "none":
        # every pass, the plan optimised before its first run (``after=1``, as tests/compiler
        # do): one run of the compiled plan.  The default pipeline interprets a plan's first
        # run and optimises on its second, so this run was preceded by an interpreted run of
        # the whole chunk, which the ``static`` configuration makes already.
        from dlcore_static.compiler import Pipeline
        kwargs = {"passes": "all", "pipeline": Pipeline("all", after=1)}
    if dev == "cuda":
        kwargs["device"] = "cuda"
    with tf.Session(graph=graph, **kwargs) as sess:
        vals = sess.run(fetches, feed)
    for key, at, diff in entries:
        results[key] = (np.asarray(vals[at]),
                        {i: np.asarray(vals[at + 1 + n]) for n, i in enumerate(diff)})
    return results


_ROW_INDEX = {r.label: n for n, r in enumerate(ROWS)}


def _in_config(row, front_end: str, device: str) -> bool:
    """Does this configuration run this row (see STATIC_CUDA_STRIDE and the module docstring)?"""
    if device != "cuda":
        return True
    index = _ROW_INDEX[row.label]
    if front_end.startswith("static"):
        return index % STATIC_CUDA_STRIDE == 0
    return (index % EAGER_CUDA_STRIDE == 1) == (front_end == "eager")


def run_static(row, k, dev, passes):
    r = _static_table(dev, passes, _chunk(row))[(row.label, k)]
    if isinstance(r, Exception):
        raise AssertionError(f"{row.label}: does not build as a static graph: "
                             f"{type(r).__name__}: {r}") from r
    return r


# ----------------------------------------------------------------------------- the body
def _check(row, k, dev, got, want, grads):
    label = f"{row.label} sample {k} on {dev}"
    assert got.shape == want.shape, f"{label}: shape {got.shape} != {want.shape}"
    if dev == "cpu" or want.dtype.kind != "f":
        assert got.dtype == want.dtype, f"{label}: dtype {got.dtype} != {want.dtype}"
    if want.dtype.kind == "f":
        tol = (1e-10, 1e-12) if got.dtype == np.float64 else (row.rtol, row.atol)
        np.testing.assert_allclose(got, want.astype(got.dtype), rtol=tol[0], atol=tol[1],
                                   err_msg=label)
    else:
        np.testing.assert_array_equal(got, want, err_msg=label)
    if not _wants_grad(row, want):
        return
    fd = _finite_differences(row.label, k)
    for i in row.diff:
        assert i in grads, f"{label}: no gradient for input {i}"
        gi = grads[i]
        assert gi.shape == fd[i].shape, f"{label}: gradient {i} shape {gi.shape}"
        tol = (1e-5, 1e-7) if gi.dtype == np.float64 and got.dtype == np.float64 \
            else (2e-3, 2e-4)
        np.testing.assert_allclose(gi, fd[i], rtol=tol[0], atol=tol[1],
                                   err_msg=f"{label}: gradient of input {i}")


def _cuda_ready() -> bool:
    return dlcore.cuda_available()


def _cases():
    """(row, front end, device) for every case.  The static cases of one chunk share one graph
    (``_static_table``), so under pytest-xdist they form one group (``--dist loadgroup``): one
    worker builds and compiles the chunk once instead of every worker that draws one of its
    rows."""
    for front_end, device in CONFIGS:
        for row in ROWS:
            if not _in_config(row, front_end, device):
                continue
            marks = ()
            if front_end.startswith("static"):
                chunk = _chunk(row)
                marks = (pytest.mark.xdist_group(f"{front_end}-{device}-{chunk}"),)
            yield pytest.param(row, front_end, device, marks=marks,
                               id=f"{row.label}-{front_end}-{device}")


def test_every_row_runs_forward_and_vjp_on_cuda_in_exactly_one_kernel_configuration():
    for row in ROWS:
        chosen = [fe for fe in ("functional", "eager") if _in_config(row, fe, "cuda")]
        assert len(chosen) == 1, (row.label, chosen)


@pytest.mark.parametrize("row,front_end,device", list(_cases()))
def test_row(row, front_end, device):
    if device == "cuda" and not _cuda_ready():
        pytest.fail("numba.cuda is not usable: neither a GPU nor the simulator "
                    "(tests/conftest.py sets NUMBA_ENABLE_CUDASIM=1)")
    dtype = _dtype(row, device)
    for k in _samples(row, device):
        xs, want, g = _inputs(row.label, k, dtype)
        if front_end == "functional":
            got, grads = run_functional(row, xs, g, device)
        elif front_end == "eager":
            got, grads = run_eager(row, xs, g, device)
        else:
            got, grads = run_static(row, k, device,
                                    "none" if front_end == "static" else "all")
        _check(row, k, device, got, want, grads)
    if front_end == "functional" and device == "cpu":
        _check_float32_and_strided(row)


def _strided(x):
    """The same values as ``x`` in a non-contiguous view (every other element of a copy)."""
    if x.ndim == 0:
        return x
    big = np.repeat(x, 2, axis=-1)
    return big[..., ::2]


def _check_float32_and_strided(row):
    """The functional CPU configuration also runs float32 (the kernels' other dtype) and
    non-contiguous inputs (the kernels read strided views in place)."""
    for k in range(len(row.shapes)):
        if _is_float_row(row) and "float32" in row.dtypes:
            xs, _, _ = _inputs(row.label, k, "float32")
            with np.errstate(all="ignore"):
                want = np.asarray(row.ref(*xs))
            got = np.asarray(row.fn(*xs))
            assert got.dtype == want.dtype, (row.label, k, got.dtype, want.dtype)
            np.testing.assert_allclose(got, want, rtol=row.rtol, atol=row.atol,
                                       err_msg=f"{row.label} sample {k} float32")
        xs, want, _ = _inputs(row.label, k, _dtype(row, "cpu"))
        views = [_strided(x) for x in xs]
        for v, x in zip(views, xs):
            np.testing.assert_array_equal(v, x)
        got = np.asarray(row.fn(*views))
        if want.dtype.kind == "f":
            tol = (1e-10, 1e-12) if got.dtype == np.float64 else (row.rtol, row.atol)
            np.testing.assert_allclose(got, want, rtol=tol[0], atol=tol[1],
                                       err_msg=f"{row.label} sample {k} strided")
        else:
            np.testing.assert_array_equal(got, want, err_msg=f"{row.label} sample {k} strided")
