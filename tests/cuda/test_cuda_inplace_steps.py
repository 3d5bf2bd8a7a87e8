"""Eager training steps on CUDA write into the device arrays that already hold the weights,
the gradients and the optimizer state (issue 19): the same values as the CPU path, the same
device array objects after every step, and no device allocation or copy for them in a
steady-state step (counted by ``benchmarks.cuda_counts`` under Numba's CUDA simulator)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore
import dlcore_eager as torch

pytestmark = pytest.mark.cuda


@pytest.fixture(autouse=True)
def _need_sim():
    if not dlcore.cuda_simulator():
        pytest.skip("the counts are taken under Numba's CUDA simulator")


def _counts():
    from benchmarks.cuda_counts import CudaCounts
    return CudaCounts()


W0 = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], np.float32)
X = np.array([[1.0, -2.0], [0.5, 3.0]], np.float32)


def _train(device, make_opt, steps=3, set_to_none=True):
    """Loss (x @ w)^2 summed; returns weights, state buffers, and device-array identities and
    counts of the last step on CUDA."""
    w = torch.tensor(W0, device=device, requires_grad=True)
    x = torch.tensor(X, device=device)
    opt = make_opt([w])
    ids, counts = [], None
    for i in range(steps):
        opt.zero_grad(set_to_none=set_to_none)
        ((x @ w) ** 2).sum().backward()
        if i == steps - 1 and device == "cuda":
            with _counts() as c:
                opt.step()
            counts = c.per(1)
        else:
            opt.step()
        ids.append((id(w._buf), [id(v._buf) for v in opt.state[w].values()
                                 if isinstance(v, torch.Tensor)]))
    state = {k: v.cpu().numpy() for k, v in opt.state[w].items() if isinstance(v, torch.Tensor)}
    return w.detach().cpu().numpy(), state, ids, counts


OPTS = {
    "sgd": lambda p: torch.optim.SGD(p, lr=0.01),
    "sgd_momentum_wd_nesterov": lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9,
                                                           weight_decay=0.1, nesterov=True),
    "sgd_dampening_maximize": lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.5,
                                                         dampening=0.3, maximize=True),
    "adam_wd": lambda p: torch.optim.Adam(p, lr=0.05, weight_decay=0.1),
    "adamw_amsgrad": lambda p: torch.optim.AdamW(p, lr=0.05, amsgrad=True),
}


@pytest.mark.parametrize("name", list(OPTS))
def test_optimizer_steps_in_place_equal_the_cpu_path(name):
    w_cpu, s_cpu, _, _ = _train("cpu", OPTS[name])
    w_gpu, s_gpu, ids, counts = _train("cuda", OPTS[name])
    np.testing.assert_allclose(w_gpu, w_cpu, rtol=2e-6, atol=1e-6)
    assert s_gpu.keys() == s_cpu.keys()
    for k in s_cpu:
        np.testing.assert_allclose(s_gpu[k], s_cpu[k], rtol=2e-6, atol=1e-6)
    assert ids[1] == ids[2] and ids[0][0] == ids[2][0]      # the same device arrays
    # the step itself: one kernel, nothing allocated or copied
    assert counts == {"alloc": 0, "h2d": 0, "d2h": 0, "d2d": 0, "launches": 1}, counts


def test_seed_style_update_zero_grad_and_accumulation_in_place():
    """``w -= lr * w.grad``, ``p.data -= lr * p.grad``, ``grad.zero_()`` and accumulation into
    an existing ``.grad``: the weight's and the gradient's device arrays stay the same objects,
    no device-to-device copy, values as on the CPU."""
    out = {}
    for device in ("cpu", "cuda"):
        w = torch.tensor(W0, device=device, requires_grad=True)
        x = torch.tensor(X, device=device)
        wb = w._buf
        for i in range(3):
            ((x @ w) ** 2).sum().backward()
            ((x @ w) * 0.5).sum().backward()           # accumulates into .grad
            gb = w.grad._buf
            with _counts() as c:
                with torch.no_grad():
                    if i % 2:
                        w -= 0.01 * w.grad
                    else:
                        w.data -= 0.01 * w.grad
                w.grad.zero_()
            assert w._buf is wb and w.grad._buf is gb
            if device == "cuda" and i:
                per = c.per(1)
                # the product 0.01 * grad is the one new array; lr is copied once, not here
                assert (per["alloc"], per["h2d"], per["d2d"]) == (1, 0, 0), per
                assert per["launches"] == 3, per
        out[device] = (w.detach().cpu().numpy(), w.grad.cpu().numpy())
    np.testing.assert_allclose(out["cuda"][0], out["cpu"][0], rtol=1e-6)
    assert not out["cuda"][1].any()


def test_inplace_kernel_declines_an_overlapping_operand():
    """``b += b`` (an exact alias) is written in place, the same values as the CPU; ``a[1:] +=
    a[:-1]`` is PyTorch's partial-overlap error on the CPU, before anything is written (a CUDA
    tensor's slices are copies here, so nothing overlaps there: see the note of issue 19)."""
    vals = np.arange(5, dtype=np.float32)
    res = {}
    for device in ("cpu", "cuda"):
        b = torch.tensor(vals, device=device)
        b += b
        res[device] = b.cpu().numpy()
    np.testing.assert_array_equal(res["cuda"], res["cpu"])
    np.testing.assert_array_equal(res["cpu"], 2 * vals)
    a = torch.tensor(vals)
    with pytest.raises(RuntimeError, match="refer to a single memory location"):
        a[1:] += a[:-1]
    np.testing.assert_array_equal(a.numpy(), vals)


def test_zero_grad_without_set_to_none_keeps_the_gradient_array():
    """``zero_grad(set_to_none=False)`` fills ``.grad`` in place and backward accumulates into
    it: one gradient device array for the whole run, values as on the CPU."""
    out = {}
    for device in ("cpu", "cuda"):
        w = torch.tensor(W0, device=device, requires_grad=True)
        x = torch.tensor(X, device=device)
        opt = torch.optim.Adam([w], lr=0.05)
        grads = set()
        for _ in range(3):
            opt.zero_grad(set_to_none=False)
            ((x @ w) ** 2).sum().backward()
            grads.add(id(w.grad._buf))
            opt.step()
        assert len(grads) == 1
        out[device] = w.detach().cpu().numpy()
    np.testing.assert_allclose(out["cuda"], out["cpu"], rtol=2e-6, atol=1e-6)


def test_the_overlap_check_reads_device_arrays():
    """The partial-overlap check on device buffers (a GPU's views of one allocation): by
    their device addresses (the simulator's: its arrays' NumPy memory)."""
    from numba import cuda

    from dlcore_eager._overlap import check_no_partial_overlap, check_view_write
    d = cuda.to_device(np.arange(6, dtype=np.float32))
    tail, head = torch.Tensor._wrap(d[1:]), torch.Tensor._wrap(d[:-1])
    with pytest.raises(RuntimeError, match="refer to a single memory location"):
        check_no_partial_overlap(tail, (head,))
    check_no_partial_overlap(tail, (torch.Tensor._wrap(d[1:]),))     # (an exact alias)
    check_no_partial_overlap(tail, (torch.Tensor._wrap(cuda.to_device(np.ones(5, np.float32))),))
    whole = torch.Tensor._wrap(d)
    with pytest.raises(RuntimeError, match="refer to a single memory location"):
        check_view_write(whole._buf, slice(1, None), head)
    check_view_write(whole._buf, slice(1, None), tail)
