"""``python -m dlcore.warmup``: compile dlcore's common kernels into the kernel cache ahead of
the first real program, in parallel processes (a precompile workload, as Julia's packages run
theirs when they are installed).

Every kernel is compiled by Numba the first time a process needs it with those argument types,
and kept in the per-user cache (:mod:`dlcore.jitcache`, :mod:`dlcore.kernel_cache`), keyed by
content and argument types, not by the shapes of a program.  So a machine's first CNN or LSTM
program spends most of its first step compiling kernels that every such program shares (the
convolutions, pools, cross-entropy, recurrent steps, optimizers' updates): 6-13 s of CPU on the
2-core machine of the benchmarks, where a step takes milliseconds once they are cached.

This command runs small training programs written as the PyTorch, TF1 and Keras tutorials write
them (an MLP, a CNN with batch norm and dropout, an embedding and LSTM/GRU model, a text model
with attention, a 1-D convolution and layer norm, through ``dlcore_eager`` and
``dlcore_static``), each in a fresh process with the cache it fills, as many at a time as there
are usable cores and memory for (:func:`default_jobs`).  The static programs run twice: as a
Session runs a plan by default (interpreted first, :mod:`dlcore_static.compiler`'s tiering) and
compiled from their first run (``DLCORE_OPTIMIZE_AFTER=1``), so the library kernels called by
compiled plans are cached too.  The generated segments of a program's own compiled plan (its
shapes are in their text) still compile in its first process.

Measured on that machine (2 cores, so two jobs; CPU seconds of the process to its first
step's loss, an empty cache -> a copy of the warm-up's): the warm-up took 36-41 s of wall time.
``python -m benchmarks.cold_start --after-warmup`` (batches, image sizes and the LSTM's widths
other than the warm-up's; LeNet-5's channels are among its configurations): PyTorch's tutorial
LeNet-5 in ``dlcore_eager`` 6.58 -> 0.69 s and an LSTM classifier 4.89 -> 0.58 s, nothing left
to compile; the Keras LeNet-5 compiled from its first step 9.97 -> 4.07 s and the Keras LSTM
8.33 -> 3.89 s, what is left being their plans' own segments.  As a Session runs a plan by
default (interpreted first): the Keras LeNet-5 6.72 -> 0.70 s, the Keras LSTM 4.94 -> 0.63 s,
and a 10- and 20-channel CNN at 28x28, channels the warm-up does not use: 5.95 -> 1.14 s
(Keras), 5.78 -> 1.15 s (``dlcore_eager``).

Nothing here runs in an importing process: each program is its own ``python -c`` child.  A
program that fails is reported with the end of its error output, the others still run, and the
command exits with status 1.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from .kernels.cpu.blas_threads import _cores     # the usable cores (affinity)

_EAGER_MLP = """
import dlcore_eager as torch
import dlcore_eager.nn as nn
# (in, hidden, out, batch): a small model, and a wide one whose products are large enough for
# the float32 GEMM routes of larger models (dlcore.kernels.cpu.gemm_mkl on Intel CPUs)
for (d, h, o, n), act in (((20, 16, 3, 8), nn.ReLU()), ((20, 16, 3, 8), nn.Tanh()),
                          ((20, 16, 3, 8), nn.Sigmoid()), ((256, 128, 64, 64), nn.ReLU())):
    model = nn.Sequential(nn.Linear(d, h), act, nn.Linear(h, o))
    x, y = torch.randn(n, d), torch.randint(0, o, (n,))
    for opt, loss_fn, target in ((torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
                                  nn.CrossEntropyLoss(), y),
                                 (torch.optim.Adam(model.parameters(), lr=1e-3),
                                  nn.MSELoss(reduction="sum"), torch.randn(n, o))):
        for _ in range(2):
            opt.zero_grad()
            loss = loss_fn(model(x), target)
            loss.backward()
            opt.step()
        loss.item()
with torch.no_grad():
    torch.softmax(model(x), dim=1).argmax(dim=1)
"""

_EAGER_CNN = """
import dlcore_eager as torch
import dlcore_eager.nn as nn
import dlcore_eager.nn.functional as F

class Net(nn.Module):
    def __init__(self, c1, c2, k, size):
        super().__init__()
        self.conv1 = nn.Conv2d(1, c1, k)
        self.conv2 = nn.Conv2d(c1, c2, k)
        self.conv3 = nn.Conv2d(c2, c2, 3, padding=1)
        self.bn = nn.BatchNorm2d(c2)
        self.drop = nn.Dropout(0.25)
        side = ((size - k + 1) // 2 - k + 1) // 2
        self.fc1 = nn.Linear(c2 * side * side, 12)
        self.fc2 = nn.Linear(12, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.bn(self.conv3(x)))
        x = self.drop(torch.flatten(x, 1))
        return self.fc2(F.relu(self.fc1(x)))

# (channels, kernel, image side): PyTorch's LeNet-5 tutorial, its MNIST example's 32 and 64
# channels, and one with odd planes (pooled with a remainder)
for c1, c2, k, size in ((6, 16, 5, 32), (32, 64, 3, 28), (8, 12, 3, 17)):
    net = Net(c1, c2, k, size)
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    x, y = torch.randn(2, 1, size, size), torch.randint(0, 10, (2,))
    for _ in range(2):
        opt.zero_grad()
        loss = F.cross_entropy(net(x), y)
        loss.backward()
        opt.step()
    loss.item()
    net.eval()
    with torch.no_grad():
        net(x).argmax(1)
"""

_EAGER_RNN = """
import dlcore_eager as torch
import dlcore_eager.nn as nn

class Tagger(nn.Module):
    def __init__(self, cell):
        super().__init__()
        self.emb = nn.Embedding(30, 8)
        self.rnn = cell(8, 32, batch_first=True)
        self.fc = nn.Linear(32, 5)

    def forward(self, x):
        out, _ = self.rnn(self.emb(x))
        return self.fc(out[:, -1, :])

for cell in (nn.LSTM, nn.GRU):
    model = Tagger(cell)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = torch.randint(0, 30, (8, 7)), torch.randint(0, 5, (8,))
    for _ in range(2):
        opt.zero_grad()
        loss = nn.CrossEntropyLoss()(model(x), y)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
    loss.item()
lstm = nn.LSTM(8, 32)
lstm(torch.randn(5, 3, 8))[0].sum().backward()
"""

_STATIC_MLP = """
import numpy as np
import dlcore_static as tf
rng = np.random.default_rng(0)
# (in, hidden, out, batch): a small graph, and a wide one whose products are large enough for
# the float32 GEMM routes of larger models; each with three optimizers
for (d, h, o, n) in ((20, 16, 3, 8), (256, 128, 64, 64)):
    for opt in (tf.train.GradientDescentOptimizer(0.1), tf.train.AdamOptimizer(1e-3),
                tf.train.MomentumOptimizer(0.1, 0.9)):
        g = tf.Graph()
        with g.as_default():
            x = tf.placeholder(tf.float32, shape=(None, d))
            y = tf.placeholder(tf.int64, shape=(None,))
            w1 = tf.Variable(tf.random_normal((d, h), stddev=0.1))
            b1 = tf.Variable(tf.zeros((h,)))
            w2 = tf.Variable(tf.random_normal((h, o), stddev=0.1))
            hid = tf.nn.relu(tf.matmul(x, w1) + b1)
            logits = tf.matmul(hid, w2)
            loss = tf.reduce_mean(
                tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
            mse = tf.reduce_mean(tf.reduce_sum(tf.square(tf.nn.softmax(logits) - 0.5), axis=1))
            train = opt.minimize(loss + mse)
            acc = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), y), tf.float32))
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
                feed = {x: rng.standard_normal((n, d)).astype("float32"),
                        y: rng.integers(0, o, n)}
                for _ in range(3):
                    sess.run([train, loss], feed)
                sess.run(acc, feed)
"""

_KERAS_CNN = """
import os
import numpy as np
from dlcore_static import keras
from dlcore_static.keras import layers
rng = np.random.default_rng(0)
# (channels, kernel, image side): LeNet-5, Keras' MNIST convnet example's 32 and 64 channels,
# and one with odd planes (pooled with a remainder).  Compiled from the first run
# (DLCORE_OPTIMIZE_AFTER=1), the first only: the other two's kernels are the default run's, and
# a compiled plan's own segments are of its shapes, of use to no other program
configs = ((6, 16, 5, 32), (32, 64, 3, 28), (8, 12, 3, 17))
metrics = ["accuracy"]
if os.environ.get("DLCORE_OPTIMIZE_AFTER") == "1":
    configs, metrics = configs[:1], []
for c1, c2, k, size in configs:
    model = keras.Sequential([
        layers.Conv2D(c1, k, activation="relu", input_shape=(size, size, 1)),
        layers.MaxPooling2D(2),
        layers.Conv2D(c2, k, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(c2, 3, padding="same"),
        layers.BatchNormalization(),
        layers.Activation("relu"),
        layers.Flatten(),
        layers.Dropout(0.25),
        layers.Dense(12, activation="relu"),
        layers.Dense(10)])
    model.compile(optimizer=keras.optimizers.SGD(0.01, momentum=0.9),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=metrics)
    x = rng.standard_normal((4, size, size, 1)).astype("float32")
    y = rng.integers(0, 10, 4)
    model.fit(x, y, batch_size=2, epochs=2, verbose=0)
    model.predict(x, verbose=0)
"""

_KERAS_RNN = """
import os
import numpy as np
from dlcore_static import keras
from dlcore_static.keras import layers
rng = np.random.default_rng(0)
# batches of 8 and 32 units: the recurrent products' float32 GEMM route (8 rows, 128 columns)
metrics = [] if os.environ.get("DLCORE_OPTIMIZE_AFTER") == "1" else ["accuracy"]
for rnn in (layers.LSTM, layers.GRU):
    model = keras.Sequential([layers.Embedding(30, 8, input_length=7), rnn(32),
                              layers.Dense(5)])
    model.compile(optimizer="adam",
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=metrics)
    x, y = rng.integers(0, 30, (16, 7)), rng.integers(0, 5, 16)
    model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    model.predict(x, verbose=0)
"""

_EAGER_TEXT = """
import dlcore_eager as torch
import dlcore_eager.nn as nn
import dlcore_eager.nn.functional as F

class TextModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(50, 32)
        layer = nn.TransformerEncoderLayer(d_model=32, nhead=4, dim_feedforward=64,
                                           dropout=0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=1)
        self.conv = nn.Conv1d(32, 16, 3, padding=1)
        self.norm = nn.LayerNorm(16)
        self.fc = nn.Linear(16, 1)

    def forward(self, x):
        h = self.encoder(self.emb(x))
        h = F.relu(self.conv(h.transpose(1, 2))).transpose(1, 2)
        h = self.norm(h).mean(dim=1)
        return self.fc(h).squeeze(1)

model = TextModel()
opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
x, y = torch.randint(0, 50, (8, 10)), torch.randint(0, 2, (8,)).float()
for _ in range(2):
    opt.zero_grad()
    loss = F.binary_cross_entropy_with_logits(model(x), y)
    loss.backward()
    opt.step()
loss.item()
model.eval()
with torch.no_grad():
    torch.sigmoid(model(x))
    F.log_softmax(torch.randn(4, 5), dim=1)
    F.nll_loss(F.log_softmax(torch.randn(4, 5), dim=1), torch.tensor([0, 1, 2, 3]))
"""

_KERAS_TEXT = """
import numpy as np
from dlcore_static import keras
from dlcore_static.keras import layers
rng = np.random.default_rng(0)
inputs = keras.Input(shape=(10,), dtype="int32")
h = layers.Embedding(50, 32)(inputs)
a = layers.MultiHeadAttention(num_heads=4, key_dim=8)(h, h)
h = layers.LayerNormalization()(h + a)
h = layers.Conv1D(16, 3, padding="same", activation="relu")(h)
h = layers.GlobalAveragePooling1D()(h)
h = layers.Dropout(0.1)(h)
outputs = layers.Dense(1, activation="sigmoid")(h)
model = keras.Model(inputs, outputs)
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
x, y = rng.integers(0, 50, (16, 10)), rng.integers(0, 2, 16).astype("float32")
model.fit(x, y, batch_size=8, epochs=2, verbose=0)
model.predict(x, verbose=0)
"""

#: name -> the program's source: a warm-up program runs in a fresh ``python -c`` process
PROGRAMS: dict[str, str] = {
    "eager_mlp": _EAGER_MLP,
    "eager_cnn": _EAGER_CNN,
    "eager_rnn": _EAGER_RNN,
    "eager_text": _EAGER_TEXT,
    "static_mlp": _STATIC_MLP,
    "keras_cnn": _KERAS_CNN,
    "keras_rnn": _KERAS_RNN,
    "keras_text": _KERAS_TEXT,
}
#: programs also run with their plans compiled from the first run (``DLCORE_OPTIMIZE_AFTER=1``)
STATIC = ("static_mlp", "keras_cnn", "keras_rnn", "keras_text")
#: the end of a failed program's error output kept in its report
ERROR_TAIL = 2000
#: memory a job may take: the programs peaked at 240-300 MB resident while compiling
JOB_BYTES = 512 << 20


def _available_bytes() -> int | None:
    """The memory the system can give without swapping (Linux's MemAvailable), or None."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def default_jobs() -> int:
    """Processes at a time: one per usable core, no more than the available memory holds
    (:data:`JOB_BYTES` each), at least one."""
    jobs = _cores()
    free = _available_bytes()
    if free is not None:
        jobs = min(jobs, free // JOB_BYTES)
    return max(1, jobs)


@dataclass
class Result:
    """One warm-up process: its program, how it ran (``tier``: "default", or "compiled" for
    ``DLCORE_OPTIMIZE_AFTER=1``), its wall time, and the end of its error output if it failed."""
    program: str
    tier: str
    seconds: float
    error: str | None = None


def _jobs_of(programs: dict[str, str]) -> list[tuple[str, str]]:
    """(program, tier) for each process to run, the longest first (the static programs' two
    tiers), so the last jobs to start are the short ones."""
    jobs = [(name, "compiled") for name in programs if name in STATIC]
    jobs += [(name, "default") for name in programs]
    return jobs


def run_program(name: str, source: str, tier: str, cache_dir: str | None, timeout: float,
                started: Callable[[subprocess.Popen | None], None] | None = None) -> Result:
    """Run one warm-up program in a fresh Python process on ``cache_dir`` (the user's cache
    when None) and report it.  ``started`` is called with the process once it runs and with
    None once it has ended (``warmup``: to stop the running ones on an interrupt)."""
    env = dict(os.environ)
    if cache_dir is not None:
        env["DLCORE_CACHE_DIR"] = str(cache_dir)
        env.pop("NUMBA_CACHE_DIR", None)    # (would send dlcore's kernels elsewhere)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, "1")            # (BLAS pools: run-time only, one per job)
    if tier == "compiled":
        env["DLCORE_OPTIMIZE_AFTER"] = "1"
    else:
        env.pop("DLCORE_OPTIMIZE_AFTER", None)
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", source], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        if started is not None:
            started(proc)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            return Result(name, tier, time.perf_counter() - start,
                          f"did not finish within {timeout:g} s")
    finally:
        if proc.poll() is None:             # (an interrupt in this thread: no orphan left)
            proc.kill()
            proc.wait()
        if started is not None:
            started(None)
    seconds = time.perf_counter() - start
    if proc.returncode:
        tail = (err or out)[-ERROR_TAIL:]
        return Result(name, tier, seconds, f"exit status {proc.returncode}:\n{tail}")
    return Result(name, tier, seconds)


def warmup(programs: dict[str, str] | None = None, jobs: int | None = None,
           cache_dir: str | None = None, timeout: float = 600.0,
           report: Callable[[Result], None] | None = None) -> list[Result]:
    """Run the warm-up ``programs`` (default :data:`PROGRAMS`), ``jobs`` processes at a time
    (default: :func:`default_jobs`), into ``cache_dir`` (default: the user's cache,
    :func:`dlcore.jitcache.cache_root`); ``report`` is called with each result as it ends.
    Returns the results in the order the processes were started.  An interrupt (Ctrl-C) or
    any other exception while it waits starts no further program, kills the running ones
    and is raised (what they had compiled stays cached: Numba writes each entry whole)."""
    programs = PROGRAMS if programs is None else programs
    work = _jobs_of(programs)
    if jobs is None:
        jobs = default_jobs()
    if jobs < 1:
        raise ValueError(f"dlcore.warmup: jobs must be at least 1, got {jobs}")
    lock = threading.Lock()
    running: dict[int, subprocess.Popen] = {}       # thread id -> its process
    stopped = threading.Event()

    def started(proc: subprocess.Popen | None) -> None:
        with lock:
            if proc is None:
                running.pop(threading.get_ident(), None)
            elif stopped.is_set():
                proc.kill()                 # (started as the interrupt came)
            else:
                running[threading.get_ident()] = proc

    def one(job: tuple[str, str]) -> Result | None:
        if stopped.is_set():
            return None
        name, tier = job
        r = run_program(name, programs[name], tier, cache_dir, timeout, started)
        if report is not None and not stopped.is_set():
            report(r)
        return r

    pool = ThreadPoolExecutor(max_workers=min(jobs, len(work)) or 1)
    futures = [pool.submit(one, job) for job in work]
    try:
        results = [f.result() for f in futures]
    except BaseException:
        stopped.set()
        for f in futures:
            f.cancel()
        with lock:
            for proc in running.values():
                proc.kill()
        pool.shutdown(wait=True)
        raise
    pool.shutdown(wait=True)
    return [r for r in results if r is not None]


def main(argv: list[str] | None = None) -> int:
    from .jitcache import cache_root
    p = argparse.ArgumentParser(prog="python -m dlcore.warmup",
                                description="Compile dlcore's common kernels into the kernel "
                                "cache ahead of a first program, in parallel processes.")
    p.add_argument("--programs", default=",".join(PROGRAMS),
                   help=f"comma-separated, of: {', '.join(PROGRAMS)} (default: all)")
    p.add_argument("--jobs", type=int, default=None,
                   help="processes at a time (default: the usable cores, as memory allows)")
    p.add_argument("--list", action="store_true", help="list the programs and exit")
    args = p.parse_args(argv)
    if args.list:
        for name in PROGRAMS:
            tiers = "default and compiled" if name in STATIC else "default"
            print(f"{name:12s} {tiers}")
        return 0
    names = [n for n in args.programs.split(",") if n]
    unknown = [n for n in names if n not in PROGRAMS]
    if unknown or not names:
        p.error(f"unknown program(s) {', '.join(unknown) or '(none given)'}; known: "
                f"{', '.join(PROGRAMS)}")
    if args.jobs is not None and args.jobs < 1:
        p.error(f"--jobs must be at least 1, got {args.jobs}")
    jobs = args.jobs or default_jobs()
    print(f"dlcore warm-up: {len(names)} program(s), {jobs} at a time, into {cache_root()}",
          flush=True)

    def report(r: Result) -> None:
        state = "ok" if r.error is None else "FAILED"
        print(f"  {r.program:12s} {r.tier:9s} {r.seconds:6.1f} s  {state}", flush=True)
        if r.error is not None:
            print("    " + r.error.replace("\n", "\n    "), flush=True)

    start = time.perf_counter()
    try:
        results = warmup({n: PROGRAMS[n] for n in names}, jobs=jobs, report=report)
    except KeyboardInterrupt:
        print(f"interrupted after {time.perf_counter() - start:.1f} s: the programs still "
              "running were stopped (what they compiled is cached)", flush=True)
        return 130
    failed = [r for r in results if r.error is not None]
    print(f"done in {time.perf_counter() - start:.1f} s"
          + (f"; {len(failed)} failed" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
