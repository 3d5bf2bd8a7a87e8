"""Generated kernels come from the disk cache in the next process, whatever the graph's names.

A generated module is a file named by a hash of its text (``dlcore.jitcache``).  The fused
kernels' header used to list the members' graph names (``dense_26/Add``), which depend on what
else the process had built: the same kernel got new text, a new file and a new Numba compile
in every run (5-8 s of CPU in every run of one Keras test under the fused passes).  Here one
process builds a tiny graph (a fused interpreter plan and a compiled plan, with a gradient and
a while_loop), and a second process builds the same graph after other layers and ops have
shifted every name: it must load every kernel, compiling none.

The two processes share a cache folder of their own whose ``generated/`` starts empty; its
``numba/`` (dlcore's own kernels, keyed by content: ``dlcore.kernel_cache``) is the suite's
usual one, linked, so the first process compiles the generated kernels but not dlcore's own
(which ``tests/core/test_kernel_cache.py`` checks across processes): 5.8 s of CPU before.
"""

from __future__ import annotations

import os
import subprocess
import sys

from dlcore.jitcache import cache_root

_CHILD = r'''
import sys
from numba.core import event

compiled = []


class _Count(event.Listener):
    def on_start(self, ev):
        f = getattr(ev.data.get("dispatcher"), "py_func", None)
        compiled.append(getattr(f, "__module__", "?") + "." + getattr(f, "__qualname__", "?"))

    def on_end(self, ev):
        pass


event.register("numba:compile", _Count())
import numpy as np
import dlcore_static as tf


def build():
    x = tf.placeholder(tf.float32, [None, 3])
    w = tf.Variable(np.arange(6, dtype=np.float32).reshape(3, 2) / 7)
    h = tf.nn.relu(tf.matmul(x, w) + 0.5)
    _, r = tf.while_loop(lambda i, v: i < 2, lambda i, v: (i + 1, tf.tanh(v) * 1.5), [0, h])
    loss = tf.reduce_sum(r * r)
    return x, loss, tf.gradients(loss, w)[0]


for _ in range(int(sys.argv[1])):            # shifts every name the graph run below is given
    build()
x, loss, g = build()
feed = {x: np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3)}
out = []
for passes in ("prune,constant_folding,simplify,cse,fusion", "all"):
    with tf.Session(passes=passes) as s:
        s.run(tf.global_variables_initializer())
        out += [float(v.sum()) for v in s.run([loss, g], feed)]
print("RESULT", out, "COMPILED", compiled)
'''


def _run(shift: int, cache: str) -> tuple[str, str]:
    env = dict(os.environ, DLCORE_CACHE_DIR=cache, DLCORE_OPTIMIZE_AFTER="1")
    env.pop("NUMBA_CACHE_DIR", None)
    env.pop("DLCORE_PASSES", None)
    done = subprocess.run([sys.executable, "-c", _CHILD, str(shift)], env=env, check=False,
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    line = [s for s in done.stdout.splitlines() if s.startswith("RESULT ")][-1]
    result, _, compiled = line[len("RESULT "):].partition(" COMPILED ")
    return result, compiled


def test_second_process_with_other_names_compiles_nothing(tmp_path):
    kernels = cache_root() / "numba"
    kernels.mkdir(parents=True, exist_ok=True)
    (tmp_path / "numba").symlink_to(kernels, target_is_directory=True)
    first, compiled_first = _run(0, str(tmp_path))
    assert list((tmp_path / "generated").glob("_dlcore_gen_fused_*.py"))   # its own, fresh
    assert "_dlcore_gen_fused_" in compiled_first and "_dlcore_gen_seg_" in compiled_first
    second, compiled_second = _run(3, str(tmp_path))
    assert compiled_second == "[]"
    assert second == first
