"""The replay lane (dlcore_eager/_replay_lane.py): each wrapped entry makes a plan on its
second call, and the replayed call gives the general path's values, gradients, grad_fn and
errors bit for bit; what must not be replayed is not."""

import threading
import warnings

import numpy as np
import pytest

import dlcore_eager as torch
from dlcore_eager import _replay_lane as R

F = torch.nn.functional
OWNERS = {"Tensor": torch.Tensor, "torch": torch, "functional": F}


def _x(seed, shape=(4, 6), dtype="float32"):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


# one call per wrapped entry: (where, name, call of f on (x, y, z), z's values made positive)
CALLS = [
    ("Tensor", "flip", lambda f, x, y, z: f(x, 0)),
    ("Tensor", "roll", lambda f, x, y, z: f(x, 1, 1)),
    ("Tensor", "tril", lambda f, x, y, z: f(x)),
    ("Tensor", "triu", lambda f, x, y, z: f(x, 1)),
    ("Tensor", "lerp", lambda f, x, y, z: f(x, y, 0.3)),
    ("Tensor", "addcmul", lambda f, x, y, z: f(x, y, z, value=0.5)),
    ("Tensor", "addcdiv", lambda f, x, y, z: f(x, y, z, value=-2)),
    ("Tensor", "prod", lambda f, x, y, z: f(x, 1)),
    ("Tensor", "diff", lambda f, x, y, z: f(x)),
    ("Tensor", "atan2", lambda f, x, y, z: f(x, y)),
    ("Tensor", "hypot", lambda f, x, y, z: f(x, y)),
    ("Tensor", "logaddexp", lambda f, x, y, z: f(x, y)),
    ("Tensor", "outer", lambda f, x, y, z: f(x[0], y[1])),
    ("Tensor", "trace", lambda f, x, y, z: f(x)),
    ("Tensor", "dist", lambda f, x, y, z: f(x, y)),
    ("Tensor", "repeat", lambda f, x, y, z: f(x, 2, 1)),
    ("Tensor", "tile", lambda f, x, y, z: f(x, (1, 2))),
    ("Tensor", "index_select", lambda f, x, y, z: f(x, 1, torch.tensor([3, 0, 5, 5]))),
    ("Tensor", "logsumexp", lambda f, x, y, z: f(x, 1)),
    ("Tensor", "norm", lambda f, x, y, z: f(x, dim=1)),
    ("Tensor", "gather", lambda f, x, y, z: f(x, 1, torch.tensor([[0, 5]] * 4))),
    ("Tensor", "var", lambda f, x, y, z: f(x, 0)),
    ("Tensor", "std", lambda f, x, y, z: f(x, 1, keepdim=True, correction=0)),
    ("Tensor", "amax", lambda f, x, y, z: f(x, 1)),
    ("Tensor", "amin", lambda f, x, y, z: f(x, (0, 1))),
    ("Tensor", "fmod", lambda f, x, y, z: f(x, 0.7)),
    ("Tensor", "remainder", lambda f, x, y, z: f(x, z)),
    ("Tensor", "frac", lambda f, x, y, z: f(x)),
    ("Tensor", "rsqrt", lambda f, x, y, z: f(z)),
    ("Tensor", "round", lambda f, x, y, z: f(x, decimals=1)),
    ("Tensor", "square", lambda f, x, y, z: f(x)),
    ("Tensor", "cross", lambda f, x, y, z: f(x[:3], y[:3], dim=0)),
    ("torch", "flip", lambda f, x, y, z: f(x, [0, 1])),
    ("torch", "roll", lambda f, x, y, z: f(x, (1, -2), (0, 1))),
    ("torch", "tril", lambda f, x, y, z: f(x, -1)),
    ("torch", "triu", lambda f, x, y, z: f(x)),
    ("torch", "lerp", lambda f, x, y, z: f(x, y, 0.75)),
    ("torch", "addcmul", lambda f, x, y, z: f(x, y, z)),
    ("torch", "addcdiv", lambda f, x, y, z: f(x, y, z, value=0.25)),
    ("torch", "prod", lambda f, x, y, z: f(x, 0)),
    ("torch", "diff", lambda f, x, y, z: f(x, dim=0)),
    ("torch", "atan2", lambda f, x, y, z: f(y, x)),
    ("torch", "hypot", lambda f, x, y, z: f(x, z)),
    ("torch", "logaddexp", lambda f, x, y, z: f(y, x)),
    ("torch", "outer", lambda f, x, y, z: f(x[1], z[0])),
    ("torch", "trace", lambda f, x, y, z: f(y)),
    ("torch", "dist", lambda f, x, y, z: f(x, y, 1)),
    ("torch", "tile", lambda f, x, y, z: f(x, (2,))),
    ("torch", "fliplr", lambda f, x, y, z: f(x)),
    ("torch", "flipud", lambda f, x, y, z: f(x)),
    ("torch", "index_select", lambda f, x, y, z: f(y, 1, torch.tensor([1, 1, 0]))),
    ("torch", "logsumexp", lambda f, x, y, z: f(x, (0, 1), keepdim=True)),
    ("torch", "where", lambda f, x, y, z: f(x.detach() > 0, x, y)),
    ("torch", "norm", lambda f, x, y, z: f(x, 1, 0)),
    ("torch", "gather", lambda f, x, y, z: f(y, 0, torch.tensor([[3, 0, 1, 1, 2, 0]]))),
    ("torch", "var", lambda f, x, y, z: f(x)),
    ("torch", "std", lambda f, x, y, z: f(x, (0, 1))),
    ("torch", "amax", lambda f, x, y, z: f(x, 0)),
    ("torch", "amin", lambda f, x, y, z: f(x, -1, True)),
    ("torch", "einsum", lambda f, x, y, z: f("ij,kj->ik", x, y)),
    ("torch", "bmm", lambda f, x, y, z: f(x[None], y.T[None])),
    ("torch", "baddbmm", lambda f, x, y, z: f(x[None, :, :4], x[None], y.T[None], beta=0.5)),
    ("torch", "fmod", lambda f, x, y, z: f(x, z)),
    ("torch", "remainder", lambda f, x, y, z: f(x, -1.5)),
    ("torch", "rsqrt", lambda f, x, y, z: f(z)),
    ("torch", "round", lambda f, x, y, z: f(x)),
    ("torch", "square", lambda f, x, y, z: f(y)),
    ("torch", "cross", lambda f, x, y, z: f(x[:, :3], z[:, 3:], 1)),
    ("functional", "pad", lambda f, x, y, z: f(x, (1, 2))),
    ("functional", "glu", lambda f, x, y, z: f(x)),
    ("functional", "layer_norm", lambda f, x, y, z: f(x, (6,), y[0], z[1])),
    ("functional", "binary_cross_entropy_with_logits",
     lambda f, x, y, z: f(x, y.detach().sigmoid())),
    ("functional", "mse_loss", lambda f, x, y, z: f(x, y)),
    ("functional", "l1_loss", lambda f, x, y, z: f(x, y, reduction="sum")),
    ("functional", "smooth_l1_loss", lambda f, x, y, z: f(x, y, beta=0.5)),
    ("functional", "kl_div", lambda f, x, y, z: f(x, y, reduction="batchmean")),
    ("functional", "normalize", lambda f, x, y, z: f(x, dim=0)),
    ("functional", "elu", lambda f, x, y, z: f(x, 0.5)),
    ("functional", "embedding", lambda f, x, y, z: f(torch.tensor([[0, 3], [3, 1]]), x)),
    ("functional", "max_pool2d", lambda f, x, y, z: f(x.reshape(1, 2, 3, 4), 2, 1)),
    ("functional", "avg_pool2d", lambda f, x, y, z: f(x.reshape(1, 1, 4, 6), 2)),
    ("functional", "adaptive_avg_pool2d", lambda f, x, y, z: f(x.reshape(1, 2, 3, 4), 1)),
    ("functional", "group_norm", lambda f, x, y, z: f(x.reshape(1, 4, 6), 2)),
    ("functional", "instance_norm", lambda f, x, y, z: f(x.reshape(2, 2, 6))),
    ("functional", "local_response_norm", lambda f, x, y, z: f(x.reshape(1, 4, 6), 2)),
    ("functional", "triplet_margin_loss", lambda f, x, y, z: f(x, y, z)),
    ("functional", "margin_ranking_loss", lambda f, x, y, z: f(x[0], y[0], z[1].detach())),
    ("functional", "softmin", lambda f, x, y, z: f(x, 1)),
    ("functional", "pairwise_distance", lambda f, x, y, z: f(x, y)),
    ("functional", "cosine_similarity", lambda f, x, y, z: f(x, y)),
    ("functional", "softsign", lambda f, x, y, z: f(x)),
]


def _outcome(where, name, call, dtype, contiguous=True, replay=True):
    """The call's value, grad_fn name, next_functions' names and the gradients of x, y, z
    under a random cotangent (the third call: the second made the plan)."""
    f = getattr(OWNERS[where], name)
    if not replay:
        f = f.__wrapped__
    arrays = [_x(i, dtype=dtype) for i in range(3)]
    arrays[2] = np.abs(arrays[2]) + 0.5
    if not contiguous:
        arrays = [np.ascontiguousarray(a.T).T for a in arrays]
    for _ in range(2):
        call(f, *[torch.tensor(a, requires_grad=True) for a in arrays])
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    if not contiguous:
        ts = [torch.tensor(np.ascontiguousarray(a.T), requires_grad=True).T for a in arrays]
    out = call(f, *ts)
    g = _x(9, out.shape, dtype) if out.dim() else np.array(0.7, dtype)
    out.backward(torch.tensor(g))
    leaves = ts if contiguous else [t._view[0] for t in ts]     # (the transposes' bases)
    return (out.detach().numpy().tobytes(), str(out.dtype), tuple(out.shape),
            type(out.grad_fn).__name__,
            [None if n is None else type(n).__name__ for n, _ in out.grad_fn.next_functions],
            [None if t.grad is None else t.grad.numpy().tobytes() for t in leaves])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("where, name, call", CALLS, ids=[f"{w}.{n}" for w, n, _ in CALLS])
def test_replayed_is_the_general_path_bit_for_bit(where, name, call, dtype):
    R.PLANS.clear()
    got = _outcome(where, name, call, dtype)
    plans = [v for k, v in R.PLANS.items() if k[0] == f"{where}.{name}"]
    assert plans and all(plans), (where, name)          # the lane took it
    assert got == _outcome(where, name, call, dtype, replay=False)


@pytest.mark.parametrize("where, name, call", CALLS[:6], ids=[n for _, n, _ in CALLS[:6]])
def test_a_transposed_argument_gets_its_own_plan(where, name, call):
    R.PLANS.clear()
    got = _outcome(where, name, call, "float64", contiguous=False)
    assert len(R.PLANS) >= 1
    assert got == _outcome(where, name, call, "float64", contiguous=False, replay=False)


def test_every_wrapped_entry_is_listed_and_called_here():
    from dlcore_eager._replay_entries import NAMES
    wrapped = {(w, n) for w, names in NAMES for n in names}
    assert wrapped == {(w, n) for w, n, _ in CALLS}
    for w, n in wrapped:
        assert getattr(getattr(OWNERS[w], n), "__replayed__", False), (w, n)


def test_without_grad_the_plan_runs_and_records_nothing():
    x = torch.tensor(_x(1), requires_grad=True)
    for _ in range(3):
        x.lerp(x * 2, 0.5)
    with torch.no_grad():
        out = x.lerp(x * 2, 0.5)
    assert out.grad_fn is None and not out.requires_grad
    np.testing.assert_array_equal(out.numpy(), x.detach().numpy() * 1.5)


def test_a_new_value_of_a_number_argument_is_a_new_signature():
    x = torch.tensor(_x(2))
    for w in (0.25, 0.25, 0.25, 0.75, 0.75, 0.75, 1, 1, True):
        np.testing.assert_allclose(x.lerp(x * 0, w).numpy(), x.numpy() * (1 - w), rtol=1e-6)
    zero = [F.pad(x, (1, 1), value=v)[0, 0].item() for v in (0.0, 0.0, -0.0, -0.0, -0.0)]
    assert [np.signbit(z) for z in zero] == [False, False, True, True, True]


def test_a_constant_computed_from_values_is_never_frozen():
    # a composite that scales by its input's detached maximum: 0-d and no node, like lerp's
    # weight, but a function of the values; the check on normal draws refuses its plan
    def general(x):
        return x * x.detach().max()
    f = R.replayed(general, "test.scaled")
    for seed in range(4):
        a = _x(seed)
        x = torch.tensor(a, requires_grad=True)
        np.testing.assert_array_equal(f(x).detach().numpy(), a * a.max())
    assert R.PLANS[("test.scaled", R._signature((x,), {}))] is None


def test_an_index_read_into_a_param_is_never_frozen():
    # a composite that takes the rows its index names through a param (as a take by an
    # array would): the redrawn index of the plan's check refuses it
    def general(x, index):
        return x[index.numpy().copy()]
    f = R.replayed(general, "test.rows")
    x = torch.tensor(_x(1), requires_grad=True)
    for rows in ([0, 2], [1, 3], [3, 3], [2, 0]):
        np.testing.assert_array_equal(f(x, torch.tensor(rows)).detach().numpy(), _x(1)[rows])
    assert not any(v for k, v in R.PLANS.items() if k[0] == "test.rows")


def test_a_tensor_weights_lerp_has_no_plan():
    # its composite picks a form per element by the weight's values (a mask no node made):
    # no plan, and each call is the general path's
    R.PLANS.clear()
    x, y = torch.tensor(_x(1)), torch.tensor(_x(2))
    for seed in range(4):
        w = _x(seed + 10)
        out = torch.lerp(x, y, torch.tensor(w, requires_grad=True))
        np.testing.assert_allclose(out.detach().numpy(), _x(1) + w * (_x(2) - _x(1)),
                                   rtol=1e-5, atol=1e-6)
    assert list(R.PLANS.values()) == [None]


def test_a_saved_input_changed_in_place_is_refused_in_backward_as_before():
    x = torch.tensor(_x(3), requires_grad=True)
    for _ in range(3):
        y = x * 1
        out = torch.atan2(y, y + 1)
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


def test_errors_are_the_general_paths_and_leave_no_plan():
    x = torch.tensor(_x(4))
    for _ in range(3):
        with pytest.raises(IndexError, match="Dimension out of range"):
            x.flip(2)
    assert not [v for k, v in R.PLANS.items() if k[0] == "Tensor.flip" and v]


def test_index_select_out_of_range_is_torchs_error_after_a_plan():
    x = torch.tensor(_x(4), requires_grad=True)
    for _ in range(3):
        x.index_select(1, torch.tensor([0, 5]))
    assert any(k[0] == "Tensor.index_select" and v for k, v in R.PLANS.items())
    # (PyTorch's words for dim 1 of a matrix: _index_errors.torch_error)
    for bad in ([0, 6], [0, -1]):
        with pytest.raises(RuntimeError, match=f"id={bad[1]} axis_dim=6"):
            x.index_select(1, torch.tensor(bad))


def test_shown_saved_values_are_the_calls():
    x = torch.tensor(_x(4), requires_grad=True)
    for _ in range(3):
        out = F.glu(x, 0)
    assert out.grad_fn._saved_dim == 0 and out.grad_fn._saved_self is x
    y = torch.tensor(_x(5), requires_grad=True)
    for _ in range(3):
        out = y.logsumexp(1, keepdim=True)
    assert out.grad_fn._saved_dim == (1,) and out.grad_fn._saved_keepdim is True
    assert out.grad_fn._saved_self is y
    torch.testing.assert_close(out.grad_fn._saved_result, out)


def test_a_replaced_kernel_is_run(monkeypatch):
    # (as the lanes' tables, keyed by the kernel: a test's or a backend's new kernel is used)
    from dlcore import ops
    x = torch.tensor(_x(1), requires_grad=True)
    for _ in range(3):
        x.flip(0), x.lerp(x * 2, 0.5)
    calls = []
    for prim in (ops.flip_roll.flip_p, ops.elementwise.sub_p):
        old = prim.kernels["cpu"]
        monkeypatch.setitem(prim.kernels, "cpu", lambda *a, _old=old, _n=prim.name, **k:
                            calls.append(_n) or _old(*a, **k))
    np.testing.assert_array_equal(x.flip(0).detach().numpy(), _x(1)[::-1])
    np.testing.assert_allclose(x.lerp(x * 2, 0.5).detach().numpy(), _x(1) * 1.5, rtol=1e-6)
    assert set(calls) == {"flip", "sub"}


def test_threads_replay_one_plan():
    x = torch.tensor(_x(5), requires_grad=True)
    x.roll(1, 0)
    want = np.roll(x.detach().numpy(), 1, 0)
    bad = []

    def work():
        for _ in range(200):
            out = x.roll(1, 0)
            if not np.array_equal(out.detach().numpy(), want) or \
                    type(out.grad_fn).__name__ != "RollBackward0":
                bad.append(out)
    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not bad


def test_inference_and_half_tensors_take_the_general_path():
    x = torch.tensor(_x(6))
    with torch.inference_mode():
        y = x * 1
    for _ in range(3):
        assert torch.flip(y, [0]).is_inference() is False
    h = torch.tensor(_x(7)).half()
    for _ in range(3):
        out = torch.lerp(h, h * 0, 0.5)
    assert out.dtype == torch.float16
    np.testing.assert_allclose(out.float().numpy(), _x(7) * 0.5, rtol=1e-3)


WARNS = [
    lambda: torch.ones(1, 6, requires_grad=True).var(0),
    lambda: torch.ones(3, 2, requires_grad=True).std(dim=(0, 1), correction=6),
    lambda: torch.var(torch.ones(1, requires_grad=True)),
    lambda: F.mse_loss(torch.ones(4, 1, requires_grad=True), torch.ones(4)),
    lambda: F.l1_loss(torch.ones(4, 1, requires_grad=True), torch.ones(4)),
    lambda: F.smooth_l1_loss(torch.ones(3, requires_grad=True), torch.ones(1)),
    lambda: F.kl_div(torch.zeros(2, 3, requires_grad=True), torch.ones(2, 3) / 3),
]


@pytest.mark.parametrize("case", range(len(WARNS)))
def test_a_call_that_warns_warns_every_time(case):
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        for _ in range(4):
            WARNS[case]()
    assert len(seen) == 4, [str(w.message) for w in seen]


def test_no_warning_is_swallowed_by_a_plan():
    # the listed entries never warn: the first and a replayed call alike
    x = torch.tensor(_x(8), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(3):
            F.pad(x, (1, 1)), x.prod(1), torch.dist(x, x * 2)


def test_inference_mode_makes_no_plan_and_gets_inference_tensors():
    R.PLANS.clear()
    x = torch.tensor(_x(9), requires_grad=True)
    with torch.inference_mode():
        for _ in range(3):
            y = x.flip(0)
        assert y.is_inference() and not y.requires_grad
    assert not any(R.PLANS.values())
    for _ in range(3):
        y = x.flip(0)
    assert any(R.PLANS.values()) and type(y.grad_fn).__name__ == "FlipBackward0"
    with torch.inference_mode():
        y = x.flip(0)                   # (the plan, in the mode)
    assert y.is_inference() and not y.requires_grad and y.grad_fn is None


def test_a_nan_number_argument_makes_no_entry():
    R.PLANS.clear()
    x = torch.tensor(_x(9))
    for _ in range(5):
        out = F.pad(x, (1, 1), value=float("nan"))
    assert np.isnan(out.numpy()[:, 0]).all() and not R.PLANS


def test_an_in_place_activation_is_the_general_paths():
    # F.elu(x, inplace=True): its key's own, no plan (the check's leaves refuse it); each
    # call writes into x as PyTorch's
    import torch as real
    a = _x(10)
    grads = []
    for lib in (torch, real):
        w = lib.tensor(a, requires_grad=True)
        for _ in range(3):
            h = w * 1
            out = lib.nn.functional.elu(h, 0.5, inplace=True)
            assert out is h
        (out * out).sum().backward()
        grads.append((np.asarray(out.detach().tolist()), np.asarray(w.grad.tolist()),
                      type(out.grad_fn).__name__))
    np.testing.assert_allclose(grads[0][0], grads[1][0], rtol=1e-6)
    np.testing.assert_allclose(grads[0][1], grads[1][1], rtol=1e-5)
    assert grads[0][2] == grads[1][2]
    assert not any(v for k, v in R.PLANS.items() if k[0] == "functional.elu" and
                   (bool, True) in [e[1] for e in k[1] if len(e) == 2 and e[0] == "inplace"])


def test_a_call_that_writes_an_argument_has_no_plan():
    # batch_norm's running statistics and an embedding's max_norm renorm are written by the
    # general path: never replayed (the plan's check sees the written leaf)
    mean, var = torch.zeros(4), torch.ones(4)
    x = torch.tensor(_x(11, (3, 4)), requires_grad=True)
    f = R.replayed(torch.nn.functional.batch_norm.__wrapped__
                   if hasattr(torch.nn.functional.batch_norm, "__wrapped__")
                   else torch.nn.functional.batch_norm, "test.bn")
    for k in range(4):
        f(x, mean, var, None, None, True)
    assert not any(v for key, v in R.PLANS.items() if key[0] == "test.bn")
    np.testing.assert_allclose(mean.numpy(), (1 - 0.9 ** 4) * _x(11, (3, 4)).mean(0), rtol=1e-5)
    w = torch.tensor(_x(12, (5, 3)) * 10, requires_grad=True)
    ids = torch.tensor([0, 4])
    for _ in range(3):
        out = torch.nn.functional.embedding(ids, w, max_norm=1.0)
    np.testing.assert_allclose(np.linalg.norm(w.detach().numpy()[[0, 4]], axis=1), 1.0,
                               rtol=1e-4)
    np.testing.assert_allclose(np.linalg.norm(out.detach().numpy(), axis=1), 1.0, rtol=1e-4)


def test_an_embedding_index_out_of_range_is_the_general_paths_error():
    w = torch.tensor(_x(13, (5, 3)), requires_grad=True)
    for _ in range(3):
        torch.nn.functional.embedding(torch.tensor([1, 2]), w)
    with pytest.raises(IndexError, match="index out of range in self"):
        torch.nn.functional.embedding(torch.tensor([1, 5]), w)


def test_the_plans_check_sees_an_argument_written():
    # a general path that writes into an argument's buffer (as a kernel updating running
    # statistics does, version counter untouched): no plan, every call writes
    def general(x, counts):
        counts._buf[...] += 1
        return x * 2
    f = R.replayed(general, "test.writes")
    x, counts = torch.tensor(_x(14), requires_grad=True), torch.zeros(3)
    for _ in range(5):
        out = f(x, counts)
    assert counts.tolist() == [5.0] * 3 and type(out.grad_fn).__name__ == "MulBackward0"
    assert not any(v for key, v in R.PLANS.items() if key[0] == "test.writes")
