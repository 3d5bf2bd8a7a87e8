"""Test-suite set-up.

Numba's CUDA simulator must be switched on before numba is first imported, so it is done here,
at the top of the first file pytest loads.  On a machine with a real NVIDIA GPU, set
``DLCORE_TEST_REAL_GPU=1`` to run the CUDA tests on the device instead.
"""

import gc
import os
import sys
from pathlib import Path

if os.environ.get("DLCORE_TEST_REAL_GPU") != "1":
    os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")

# One BLAS/OpenMP thread per test process, set before NumPy (or torch) loads its pools and
# inherited by every process a test starts (the static suite under the passes, the notebooks'
# kernels, the benchmark CLI).  The tests' matrices are tiny, so more threads buy nothing; and
# with one xdist worker per core, each worker's two-thread OpenBLAS pool spins waiting for a
# thread the other worker has descheduled: a 64x96 @ 96x96 matmul took 20 ms instead of 50 us,
# and tests/static/test_session_interrupts.py 18.5 s instead of 3.0 s.  Values do not depend on
# it.  A user's own setting of these variables wins; dlcore's Numba kernels keep their threads
# (their pool waits passively: dlcore sets OMP_WAIT_POLICY=PASSIVE).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
if "numpy" in sys.modules:                      # loaded by a plugin first: limit it at run time
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(limits=1, user_api="blas")
    except ImportError:
        pass


# Python's bytecode cache on, for this process and every process a test starts.  A machine
# whose environment sets PYTHONDONTWRITEBYTECODE (this project's CI machine does) otherwise
# recompiles every module from source in every process, and pytest rewrites the asserts of
# every test module afresh in each xdist worker and in each subprocess that runs pytest (the
# static suite under the passes): collecting the suite cost 25.6 s of CPU per process that way,
# and importing both front ends 1.2 s instead of 0.7 s in each of the suite's subprocesses
# (notebook kernels, tutorial programs, MPI ranks).  The cache lives in __pycache__/ folders
# (git-ignored) next to the sources; what a test computes does not depend on it.
sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

# Hypothesis's storage (its example database, and the constants it reads from the source of
# every local module to try them as inputs, cached per file content) in dlcore's per-user cache
# folder (dlcore.jitcache.cache_root: $DLCORE_CACHE_DIR, else $XDG_CACHE_HOME/dlcore, else
# ~/.cache/dlcore) rather than .hypothesis/ in the checkout, as the kernels' and mypy's caches.
# In a fresh clone each xdist worker otherwise parsed the ~600 modules of the three packages
# afresh while collecting (4.1 s of CPU per process, 0.4 s from the cache).  A user's own
# setting wins.
_cache_root = os.environ.get("DLCORE_CACHE_DIR") or os.path.join(
    os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "dlcore")
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(_cache_root, "hypothesis"))

# XLA's persistent compilation cache for every JAX compilation in the suite (the tests that check
# dlcore against JAX, Keras 3's ops, the benchmark harness's JAX engine in a child), in
# ``<dlcore cache>/jax``, the folder the harness's JAX engine uses (benchmarks/engines/jax_jit.
# compile_cache), and for every compilation, not only those over JAX's default 1 s: eager JAX
# compiles each primitive it runs.  Set before jax is imported (it reads them at import) and
# inherited by the processes the tests start.  JAX loads the same executable it would compile;
# what a test computes does not depend on it.  tests/static/test_keras_ops_spectral_more.py
# -k as_jax (-n 0, taskset -c 1, three runs each, interleaved): 5.8-6.8 -> 4.4-4.5 s of CPU.
# A user's own setting wins.
for _var, _value in (("JAX_COMPILATION_CACHE_DIR", os.path.join(_cache_root, "jax")),
                     ("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0"),
                     ("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "0")):
    os.environ.setdefault(_var, _value)
if "jax" in sys.modules:                        # loaded by a plugin first: set it at run time
    sys.modules["jax"].config.update("jax_compilation_cache_dir",
                                     os.environ["JAX_COMPILATION_CACHE_DIR"])
    sys.modules["jax"].config.update("jax_persistent_cache_min_compile_time_secs",
                                     float(os.environ["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"]))
    sys.modules["jax"].config.update("jax_persistent_cache_min_entry_size_bytes",
                                     int(os.environ["JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES"]))

import pytest  # after the simulator switch above


def pytest_configure(config):
    """Under Numba's CUDA simulator, a shorter GIL switch interval (0.2 ms, Python's default is
    5 ms) in each process that runs tests (not the xdist controller).  The simulator runs each
    simulated CUDA thread as a Python thread and its BlockManager polls them holding the GIL, so
    each hand-off to a simulated thread waited up to the switch interval while the poller burned
    CPU.  Measured by ciops (taskset -c 1, interleaved, load ~10): tests/core/test_op_table.py
    -k cuda 24.7/24.7 s of user CPU -> 16.8/17.3 s at 0.5 ms; -k eager-cuda 11.9/10.2 s at 5 ms,
    8.3/7.3 at 0.5 ms, 7.2/6.7 at 0.2 ms, 7.8/8.4 at 0.1 ms.  A real GPU leaves it as it is."""
    if os.environ.get("NUMBA_ENABLE_CUDASIM") == "1" and not _is_xdist_controller(config):
        sys.setswitchinterval(2e-4)
    if _is_xdist_controller(config):
        # a worker whose memory passed a limit is replaced by a fresh one (Numba never gives
        # compiled code back: a cold-cache run's workers grew to 12 GB; tests/_xdist_recycle.py)
        from _xdist_recycle import install
        install(config)


def _is_xdist_controller(config) -> bool:
    """True in pytest-xdist's controller process (it collects and runs no test)."""
    return (not hasattr(config, "workerinput")
            and config.getoption("dist", "no") != "no" and bool(config.getoption("tx", None)))


_run_tempdir: list = []     # [folder, tempfile.tempdir before, $TMPDIR before] while redirected


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session):
    """Everything the tests (and the processes they start) put in the temporary folder without a
    ``tmp_path`` goes to one folder of this process's own, ``<tmp>/dlcore-tests-XXXX``, removed
    when the process ends (``pytest_unconfigure``): ``tempfile.tempdir`` for this process,
    ``$TMPDIR`` for its children.  The tutorial programs keep their own text (``tempfile.
    mkdtemp(prefix='fully_connected_feed_')``, ``'runs_'``, ``'checkpoints_'``, ``'linear_reg_'``,
    a checkpoint folder each), and so do dlcore's docstring examples run as doctests
    (``os.path.join(tempfile.mkdtemp(), "a.bin")``); each README run left about 50 such folders
    in /tmp, 2,800 of them in a morning.  pytest's own ``tmp_path`` folders stay where they were
    (its base folder is made first, from the real temporary folder; pytest keeps the last three
    runs').  Not in the xdist controller, which runs no test."""
    config = session.config
    if _is_xdist_controller(config):
        _precompile_for_workers(config)
        return
    if _run_tempdir:
        return
    import tempfile
    factory = getattr(config, "_tmp_path_factory", None)
    if factory is not None:
        factory.getbasetemp()
    _remove_folders_of_ended_runs(tempfile.gettempdir())
    folder = tempfile.mkdtemp(prefix=f"dlcore-tests-{os.getpid()}-")
    _run_tempdir[:] = [folder, tempfile.tempdir, os.environ.get("TMPDIR")]
    tempfile.tempdir = folder
    os.environ["TMPDIR"] = folder


def _remove_folders_of_ended_runs(parent: str) -> None:
    """The ``dlcore-tests-<pid>-*`` folders in ``parent`` whose process has ended without
    removing its own (killed: a ``timeout``, a SIGKILL) are removed."""
    import shutil
    try:
        names = [n for n in os.listdir(parent) if n.startswith("dlcore-tests-")]
    except OSError:
        return
    for name in names:
        pid = name.split("-")[2]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(os.path.join(parent, name), ignore_errors=True)
        except OSError:               # alive, another user's
            pass


def _precompile_for_workers(config) -> None:
    """In the xdist controller, before the workers start (xdist starts them in its own
    ``pytest_sessionstart``, run after this one): the packages' bytecode and the test modules'
    assert-rewritten bytecode written once, by forked processes, one per worker
    (tests/_precompile.py), instead of by every worker while it collects (in a fresh clone each
    of the two workers rewrote the same ~600 test modules and compiled the same ~900 package
    modules).  With the bytecode already there it reads one header per file."""
    from _precompile import precompile
    precompile(config, Path(__file__).resolve().parent.parent, len(config.getoption("tx") or ()))


def pytest_unconfigure(config):
    """The folder :func:`pytest_sessionstart` redirected the temporary files to is removed, and
    ``tempfile.tempdir`` and ``$TMPDIR`` are put back."""
    if not _run_tempdir:
        return
    import shutil
    import tempfile
    folder, tempdir, env = _run_tempdir
    _run_tempdir.clear()
    tempfile.tempdir = tempdir
    if env is None:
        os.environ.pop("TMPDIR", None)
    else:
        os.environ["TMPDIR"] = env
    shutil.rmtree(folder, ignore_errors=True)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_collection(session):
    """The cyclic garbage collector is off while the tests are collected, and on again after.
    Collecting imports every test module (and with it PyTorch, Keras 3, JAX, both front ends: a
    heap of a million objects) and, in a fresh clone, rewrites the asserts of every test module
    and compiles it and the packages to bytecode: millions of short-lived AST and code objects,
    each batch of them setting off a collection that walked the whole growing heap.  In a fresh
    clone of the repository (one process, --collect-only, taskset -c 1, machine under load):
    31.0 s of CPU with 9.6 s of it in 8,636 collections; with the collector off 22.2 s (with
    __pycache__ already written: 12.9 -> 12.4 s).  Each xdist worker collects: fresh clones,
    ``-n 2 --dist loadgroup --collect-only``, old and new conftest side by side, twice: 38.9 ->
    32.0 s and 42.6 -> 34.8 s of CPU (controller and workers).  What collection leaves as cyclic garbage (about 600,000 objects,
    +15 MB at the peak) is freed by the collection before the first test
    (``pytest_runtest_setup`` below); what the tests run with is unchanged.  In the xdist
    controller, which collects nothing, this wraps a call that returns at once."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return (yield)
    finally:
        if enabled:
            gc.enable()
        # read by tests/test_collection_settings.py (the state the tests start from; a test
        # may switch the collector off for itself later in the worker)
        session.config.dlcore_gc_after_collection = gc.isenabled()


@pytest.hookimpl(optionalhook=True)             # a hook of pytest-xdist, absent without it
def pytest_xdist_auto_num_workers(config):
    """``-n auto`` (the README's test command): one worker per core this process may run on,
    at most 8, and at most one per 4 GB of the machine's memory.  Each worker imports both
    front ends and keeps every kernel it compiles (1.1 GB after collecting, 3-4 GB by the end
    of a warm run here, more with every cache empty: tests/_xdist_recycle.py retires it past
    its share), so more workers buy little and cost memory."""
    from _xdist_recycle import auto_workers, machine_mb
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:                       # not Linux
        cores = os.cpu_count() or 1
    return auto_workers(cores, machine_mb())


@pytest.hookimpl(tryfirst=True, optionalhook=True)  # a hook of pytest-xdist, absent without it
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadgroup`` (the README's test command) by tests/_xdist_loadgroup.py: the stock
    scheduler's decisions, without its per-test scans of everything handed out so far, which
    made the controller's CPU grow with the square of the number of tests (pytest-xdist #279)."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from _xdist_loadgroup import LoadGroupSchedulingCounted
    return LoadGroupSchedulingCounted(config, log)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session):
    """In the xdist controller (it runs no test), what it holds at the end (every test's three
    reports, for the summary) is moved out of the cyclic collector's sight before pytest's
    unconfigure collects five times over to surface unraisable exceptions: those walks over
    the 65,000 reports took 1.1 s of the controller's CPU in a 20,000-test run.  The workers,
    whose tests those collections check, are left as they are."""
    config = session.config
    if not hasattr(config, "workerinput") and config.pluginmanager.has_plugin("dsession"):
        gc.freeze()


@pytest.hookimpl(wrapper=True)
def pytest_report_to_serializable(config, report):
    """An xdist worker's test reports go to the controller without their ``keywords`` (the
    test's name, its parameters' id, its marks' and folders' names: 9 entries for a typical
    parametrised test), which nothing in the controller reads: the terminal's lines, ``-ra``,
    ``--durations`` and the exit status come from the nodeid, location, outcome, longrepr,
    sections and durations, all still sent.  Three reports a test, each encoded by execnet in
    the worker and decoded in the controller: 140 + 110 us a report with them, 70 + 80 us
    without (2026-12-03, 2-core machine under load), about 7 s of CPU over the README's run.
    Each teardown report also carries the worker's resident memory (``dlcore_rss_mb``), read
    by the controller's worker recycler (tests/_xdist_recycle.py)."""
    data = yield
    if (hasattr(config, "workerinput") and isinstance(data, dict)
            and data.get("$report_type") == "TestReport"):
        if data.get("keywords"):
            data["keywords"] = {}
        from _xdist_recycle import add_rss
        add_rss(data)           # (the worker's memory after a test: tests/_xdist_recycle.py)
    return data


def pytest_collection_modifyitems(config, items):
    """Tests marked ``slow`` (several seconds each: mypy, the static suite under the passes, the
    notebooks, ...) are collected first, in their order, ahead of everything else.  With
    ``--dist loadgroup``, pytest-xdist hands out the ``xdist_group`` groups first (the larger
    first), then single tests in collection order; so the long ones start early and the short
    ones even out the workers' ends.  Collected in file order, mypy's 22 s (tests/test_typing.py)
    started on one worker near the end while the other finished: a tail of about 15 s of the
    README's run."""
    items[:] = sorted(items, key=lambda item: item.get_closest_marker("slow") is None)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """What is alive before the first test (the libraries collection imported: both front ends,
    PyTorch, Keras 3, JAX, SciPy, ...; several million objects) is moved out of the cyclic
    garbage collector's sight (``gc.freeze``, after one collection), so that each full
    collection walks only what the tests made since.  A full collection walked all of it: in a
    run of tests/eager, 35 full collections (automatic, the tests' own ``gc.collect()``, and the
    five pytest runs at the end of a session) took 14.6 s of the 215 s of CPU.  Frozen objects
    are still freed by reference counting; only cycles among them stay (they lived until the
    end anyway).  The benchmark runner's ``gc.unfreeze()`` (benchmarks/runner.py) puts them
    back, so the first test of each module freezes again (what was made since: cheap).

    Not ``gc.get_freeze_count() == 0`` before each test: it counts the frozen objects one by one,
    22 ms or more a call with the libraries loaded (it grows with the heap); once per test, it
    was most of the README run's CPU: 1,593 s of user CPU and 14 min 14 s of wall time before,
    257 s and 2 min 38 s after (11,012 tests, 2026-12-02, tenth session)."""
    global _frozen_module
    module = getattr(item, "module", None)
    if module is not _frozen_module:
        _frozen_module = module
        gc.collect()
        gc.freeze()


_frozen_module = None


@pytest.fixture(autouse=True)
def _per_test(request):
    """The suite's per-test set-up and checks, in one fixture (each autouse fixture costs pytest
    its own set-up and teardown bookkeeping: three of them took 0.19 ms a test, one 0.12 ms;
    3,000 trivial tests, -n 0, taskset -c 1, three runs each, interleaved), in this order:
    :func:`_own_generators`, :func:`_sigint_handler_kept`, and after the test
    :func:`_no_default_graph_left_entered`, :func:`_gc_left_enabled` and :func:`_np_errors_kept`."""
    saved = _own_generators(request)
    sigint = _sigint_handler_kept()
    next(sigint)
    gc_before = gc.isenabled()
    np_errors = _np_errors()
    try:
        yield
    finally:
        try:
            _no_default_graph_left_entered()
            next(sigint, None)
            _gc_left_enabled(request, gc_before)
            _np_errors_kept(request, np_errors)
        finally:
            module = getattr(request, "module", None)
            for name, value in saved.items():
                setattr(module, name, value)


def _own_generators(request) -> dict:
    """Each test draws from generators of its own.  A module-level ``RNG = np.random.
    default_rng(5)`` shared by a file's tests made each test's draws (inputs, finite-difference
    cotangents) depend on which tests of the file ran before it on the same xdist worker: a
    fresh-clone CI run failed a gradient check of tests/static/test_tf_linalg2.py by 1.7e-8
    with the draws another order gave.  So, for the length of each test, every NumPy Generator
    or RandomState among its module's globals is replaced by a new one seeded from the old
    one's seed (when it has one) and the test's id: the same draws for a test whether it runs
    alone, first or last, on any worker.  Draws made at import (module constants,
    parametrize lists) are untouched.  Returns what it replaced (name: the module's own)."""
    module = getattr(request, "module", None)
    saved: dict = {}
    if module is None:
        return saved
    import zlib

    import numpy as np
    key = zlib.crc32(request.node.nodeid.encode())
    for name, value in list(vars(module).items()):
        if isinstance(value, np.random.Generator):
            entropy = getattr(value.bit_generator.seed_seq, "entropy", None)
            seed = [key] if not isinstance(entropy, int) else [entropy, key]
            saved[name] = value
            setattr(module, name, np.random.default_rng(seed))
        elif isinstance(value, np.random.RandomState):
            saved[name] = value
            setattr(module, name, np.random.RandomState(key))
    return saved


def _sigint_handler_kept():
    """A test whose library leaves SIGINT ignored (seen on fresh-machine runs: after it, on the
    same worker, ``_thread.interrupt_main()`` raised nothing and deferred_interrupt had no handler
    to defer; PyTorch's Inductor compile workers set SIG_IGN) gets Python's handler put back, so
    the interrupt tests that follow see the process as a user's program would.  Found so before
    the test (pytest started as a background job of a non-interactive shell inherits SIGINT
    ignored, and Python then installs no handler; or an import at collection, a module fixture),
    Python's handler is put in before it too: such a README run failed two Ctrl-C tests of
    tests/reliability/test_mend_data.py that pass in the foreground ("'Handlers' object is not
    callable", 2026-12-03).  From then on the process keeps Python's handler.  (A generator:
    before the test up to its ``yield``, after it the rest.)"""
    import signal
    import warnings
    before = signal.getsignal(signal.SIGINT)
    if before in (signal.SIG_IGN, signal.SIG_DFL):
        signal.signal(signal.SIGINT, signal.default_int_handler)
        before = signal.default_int_handler
    yield
    after = signal.getsignal(signal.SIGINT)
    if callable(before) and not callable(after):
        signal.signal(signal.SIGINT, before)
    hold = getattr(after, "__self__", None)
    if type(hold).__module__ == "dlcore.deferred_interrupt":
        # a dlcore.deferred_interrupt hold left entered (only a KeyboardInterrupt raised on one
        # of its own lines can do that, never a real SIGINT): every later Ctrl-C on the worker
        # would be recorded and never raised; put the handler back and say which test it was
        from dlcore import deferred_interrupt as _di
        previous = getattr(hold, "previous", None)
        signal.signal(signal.SIGINT, previous if callable(previous) else before)
        _di._held[0] = False
        warnings.warn("a test left a dlcore.deferred_interrupt hold entered (SIGINT handler "
                      f"{after!r}); the handler was put back", RuntimeWarning, stacklevel=1)


def _no_default_graph_left_entered() -> None:
    """A test that leaves a graph entered as default (a ``with g.as_default()`` generator that
    was never closed) would make every later ``tf.reset_default_graph()`` on the same worker
    raise; the stack is emptied after each test so one test's leak cannot fail the next."""
    graph = sys.modules.get("dlcore_static.graph")
    if graph is not None:
        graph._stack().clear()


def _gc_left_enabled(request, before: bool) -> None:
    """A test that leaves CPython's cyclic garbage collector disabled (it was on when the test
    started) gets it switched on again, with a warning naming the test, so the tests after it on
    the same worker run with the collector as everywhere else (and test_collection_settings'
    kind of check does not fail by order).  Found in a README run (2026-12-04):
    tests/reliability/test_probe9_queues.py::test_interrupted_get_next_loses_at_most_that_batch
    left it off for the last 2,642 tests of its worker: its interrupt sweep raises
    KeyboardInterrupt inside dlcore_static/_gc_pause.py's pause (right after ``gc.disable()``
    in ``paused.__enter__``, and between a ``with paused():`` body and its ``__exit__``), a
    product leak, since fixed (``_gc_pause.call``; tests/reliability/test_gc_pause_interrupts.py)."""
    if before and not gc.isenabled():
        import warnings
        gc.enable()
        warnings.warn(f"{request.node.nodeid} left the cyclic garbage collector disabled; "
                      "switched on again", RuntimeWarning, stacklevel=1)


def _np_errors() -> dict | None:
    """NumPy's floating-point error handling (``np.geterr()``) if NumPy is loaded, else None."""
    np = sys.modules.get("numpy")
    return np.geterr() if np is not None else None


def _np_errors_kept(request, before: dict | None) -> None:
    """A test that leaves NumPy's floating-point error handling changed (an ``np.seterr`` not
    undone) gets it put back, with a warning naming the test: the tests after it on the same
    worker otherwise ran with it, and tests/eager/test_grad_buffer_pass.py (which checks that
    dlcore puts back the caller's state, from NumPy's default) failed three tests by order in
    a run of tests/static + tests/eager (2026-12-04: ``{'over': 'ignore'} != {'over': 'warn'}``).
    The one found: tests/static/test_session_interrupts.py::test_random_interrupts_leave_all_or_
    nothing_and_later_runs_work[default-passes0] left every error ignored (a random Ctrl-C can land
    between an ``np.errstate`` block's ``__enter__`` setting the state and the block, where
    CPython does not call ``__exit__``)."""
    if before is None:
        return
    after = _np_errors()
    if after != before:
        import warnings
        sys.modules["numpy"].seterr(**before)
        warnings.warn(f"{request.node.nodeid} left NumPy's error handling changed ({after}, "
                      f"was {before}); put back", RuntimeWarning, stacklevel=1)
