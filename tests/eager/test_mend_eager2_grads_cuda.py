"""Grad ownership on CUDA (Numba's simulator, in a child process with NUMBA_ENABLE_CUDASIM=1 as
tests/cuda runs it): no two leaves' ``.grad`` share device memory, nor a leaf's ``.grad`` and
the caller's seed, views included (before: ``(a + b).sum().backward()`` on 'cuda' left
``a.grad._buf is b.grad._buf``, and ``a.grad.mul_(5)`` scaled ``b.grad``).  The values are
torch 2.13's on the CPU (the same graph; torch has no CUDA here)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

torch = pytest.importorskip("torch")

#: Every test reads the one child run (``cuda_results``): one xdist group, so one worker starts
#: it (spread, both workers ran the child: 2.4 + 2.1 s of CPU, importing dlcore under the
#: simulator).
pytestmark = pytest.mark.xdist_group("mend-eager2-cuda-child")

_CHILD = textwrap.dedent("""
    import json
    import dlcore, dlcore_eager as dl
    assert dlcore.cuda_simulator()
    out = {}
    def two(shape_b, f, scale):
        a = dl.ones(3, device='cuda', requires_grad=True)
        b = dl.ones(*shape_b, device='cuda', requires_grad=True)
        f(a, b).backward()
        same = a.grad._buf is b.grad._buf
        (a.grad if scale == 'a' else b.grad).mul_(5)
        return [same, a.grad.cpu().tolist(), b.grad.cpu().tolist(), str(a.grad.device)]
    out['a+b'] = two((3,), lambda a, b: (a + b).sum(), 'a')
    out['a+b.view'] = two((1, 3), lambda a, b: (a + b.view(3)).sum(), 'a')
    out['b.view+a'] = two((1, 3), lambda a, b: (b.view(3) + a).sum(), 'b')
    out['a-b'] = two((3,), lambda a, b: (a - b).mean(), 'b')
    s = dl.ones(1, 3, device='cuda')
    c = dl.ones(3, device='cuda', requires_grad=True)
    (c * 1).backward(s.view(3))
    c.grad.add_(1)
    out['seed'] = [s.cpu().tolist(), c.grad.cpu().tolist()]
    print(json.dumps(out))
""")


@pytest.fixture(scope="module")
def cuda_results():
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    r = subprocess.run([sys.executable, "-c", _CHILD], env=env, capture_output=True, text=True,
                       check=False, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def _torch_two(shape_b, f, scale):
    a = torch.ones(3, requires_grad=True)
    b = torch.ones(*shape_b, requires_grad=True)
    f(a, b).backward()
    (a.grad if scale == "a" else b.grad).mul_(5)
    return a.grad.tolist(), b.grad.tolist()


@pytest.mark.parametrize("name, shape_b, f, scale", [
    ("a+b", (3,), lambda a, b: (a + b).sum(), "a"),
    ("a+b.view", (1, 3), lambda a, b: (a + b.view(3)).sum(), "a"),
    ("b.view+a", (1, 3), lambda a, b: (b.view(3) + a).sum(), "b"),
    ("a-b", (3,), lambda a, b: (a - b).mean(), "b"),
])
def test_cuda_leaves_own_their_grads_as_torch(cuda_results, name, shape_b, f, scale):
    same, ag, bg, dev = cuda_results[name]
    ta, tb = _torch_two(shape_b, f, scale)
    assert dev == "cuda:0"
    assert not same
    np.testing.assert_allclose(ag, ta)
    np.testing.assert_allclose(bg, tb)


def test_cuda_seed_stays_the_callers(cuda_results):
    s, cg = cuda_results["seed"]
    ts = torch.ones(1, 3)
    tc = torch.ones(3, requires_grad=True)
    (tc * 1).backward(ts.view(3))
    tc.grad.add_(1)
    assert s == ts.tolist() == [[1.0, 1.0, 1.0]]
    assert cg == tc.grad.tolist() == [2.0, 2.0, 2.0]
