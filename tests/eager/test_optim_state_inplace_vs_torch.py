"""Optimizer state tensors updated in place, as PyTorch 2.13's optimizers do (``exp_avg.lerp_``,
``step_t += 1``, ``momentum_buffer.mul_().add_()``): a reference to a state tensor taken before
a step sees the step's values, ``state_dict()`` holds the live tensors (a "best" state dict
kept without ``deepcopy`` keeps changing), ``load_state_dict(sd)`` without a copy makes two
optimizers share their state tensors (``.to(dtype, device)`` returns the same tensor).  Each
case runs the same program on dlcore_eager and on torch and compares the identities and the
values (float32, after 5 steps).  An update that raises leaves the state as it was."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(7)
P0 = [RNG.standard_normal((5, 3)).astype(np.float32), RNG.standard_normal(3).astype(np.float32)]
GRADS = [[RNG.standard_normal(p.shape).astype(np.float32) for p in P0] for _ in range(6)]

CONFIGS = {
    "sgd_momentum": ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    "sgd_nesterov": ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    "adam": ("Adam", dict(lr=0.01, weight_decay=0.01)),
    "adam_amsgrad_maximize": ("Adam", dict(lr=0.01, amsgrad=True, maximize=True)),
    "adamw": ("AdamW", dict(lr=0.01)),
    "adamw_amsgrad": ("AdamW", dict(lr=0.01, amsgrad=True)),
    "rmsprop": ("RMSprop", dict(lr=0.01)),
    "rmsprop_centered_momentum": ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True,
                                                  weight_decay=0.01)),
    "adagrad": ("Adagrad", dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1)),
    "adadelta": ("Adadelta", dict(lr=0.5)),
    "adamax": ("Adamax", dict(lr=0.01)),
    "nadam": ("NAdam", dict(lr=0.01)),
    "radam": ("RAdam", dict(lr=0.01)),
    "asgd": ("ASGD", dict(lr=0.01, t0=2)),
    "rprop": ("Rprop", dict(lr=0.01)),
}


def _opt(m, key, params):
    name, kw = CONFIGS[key]
    return getattr(m.optim, name)(params, **kw)


def _params(m):
    return [m.tensor(p.copy(), requires_grad=True) for p in P0]


def _step(m, opt, params, i):
    for p, g in zip(params, GRADS[i]):
        p.grad = m.tensor(g.copy())
    opt.step()


def _np(x):
    return np.array(x.detach().numpy() if hasattr(x, "detach") else x)


def _trace(m, key):
    """(per step: the state entries' identity against references taken after step 1), the
    final parameters and state values."""
    params = _params(m)
    opt = _opt(m, key, params)
    _step(m, opt, params, 0)
    refs = [dict(opt.state[p]) for p in params]
    same = []
    for i in range(1, 5):
        _step(m, opt, params, i)
        same.append([{k: opt.state[p][k] is r[k] for k in r} for p, r in zip(params, refs)])
    final = [{k: _np(v) for k, v in opt.state[p].items() if hasattr(v, "shape")}
             for p in params]
    # the references taken after step 1 hold the final values
    held = [{k: _np(r[k]) for k in f} for r, f in zip(refs, final)]
    return same, [_np(p) for p in params], final, held


@pytest.mark.parametrize("key", sorted(CONFIGS))
def test_state_tensors_keep_identity_and_values_match_torch(key):
    same_d, ps_d, st_d, held_d = _trace(dt, key)
    same_t, ps_t, st_t, held_t = _trace(torch, key)
    assert same_d == same_t
    assert all(all(d.values()) for step in same_d for d in step)        # torch: all in place
    for a, b in zip(ps_d, ps_t):
        np.testing.assert_allclose(a, b, rtol=2e-6, atol=1e-7)
    for sd_, st_, hd in zip(st_d, st_t, held_d):
        assert sorted(sd_) == sorted(st_)
        for k in st_:
            assert sd_[k].dtype == st_[k].dtype and sd_[k].shape == st_[k].shape, k
            np.testing.assert_allclose(sd_[k], st_[k], rtol=2e-6, atol=1e-7, err_msg=k)
            np.testing.assert_array_equal(hd[k], sd_[k], err_msg=k)


def _state_dict_aliasing(m, key):
    params = _params(m)
    opt = _opt(m, key, params)
    _step(m, opt, params, 0)
    sd = opt.state_dict()
    deep = copy.deepcopy(sd)
    before = {k: _np(v) for k, v in sd["state"][0].items()}
    _step(m, opt, params, 1)
    live = opt.state[params[0]]
    changed = {k: not np.array_equal(_np(sd["state"][0][k]), before[k]) for k in before}
    aliased = {k: sd["state"][0][k] is live[k] for k in before}
    deep_kept = {k: np.array_equal(_np(deep["state"][0][k]), before[k]) for k in before}
    return changed, aliased, deep_kept


@pytest.mark.parametrize("key", ["sgd_momentum", "adam", "adamw_amsgrad", "rmsprop", "adagrad",
                                 "nadam", "asgd"])
def test_state_dict_holds_the_live_state_tensors_as_torch(key):
    got, want = _state_dict_aliasing(dt, key), _state_dict_aliasing(torch, key)
    assert got == want
    assert any(want[0].values()) and all(want[1].values()) and all(want[2].values())


def _load_shares(m, key):
    params = _params(m)
    opt = _opt(m, key, params)
    _step(m, opt, params, 0)
    params2 = _params(m)
    opt2 = _opt(m, key, params2)
    opt2.load_state_dict(opt.state_dict())
    shared = {k: opt2.state[params2[0]][k] is v for k, v in opt.state[params[0]].items()}
    _step(m, opt2, params2, 1)                 # opt2's step writes into opt's state
    seen = {k: _np(v) for k, v in opt.state[params[0]].items()}
    return shared, seen, opt2.state[params2[0]] is opt.state[params[0]]


@pytest.mark.parametrize("key", ["sgd_momentum", "adam", "adamw", "rmsprop", "adagrad",
                                 "radam", "rprop"])
def test_load_state_dict_without_copy_shares_state_tensors_as_torch(key):
    (sh_d, seen_d, same_dict_d), (sh_t, seen_t, same_dict_t) = _load_shares(dt, key), \
        _load_shares(torch, key)
    assert sh_d == sh_t and all(sh_t.values())
    assert same_dict_d is same_dict_t is False
    for k in seen_t:
        np.testing.assert_allclose(seen_d[k], seen_t[k], rtol=2e-6, atol=1e-7, err_msg=k)


def test_a_refused_sparse_gradient_leaves_every_state_as_it_was():
    w = dt.tensor(P0[0].copy(), requires_grad=True)
    emb = dt.nn.Embedding(4, 3, sparse=True)
    opt = dt.optim.Adam([w, emb.weight], lr=0.1)
    w.grad = dt.tensor(GRADS[0][0].copy())
    opt.step()
    st = opt.state[w]
    before = {k: _np(v) for k, v in st.items()}
    w0 = _np(w)
    w.grad = dt.tensor(GRADS[1][0].copy())
    emb(dt.tensor([1, 2])).sum().backward()
    with pytest.raises(RuntimeError, match="Adam does not support sparse gradients, please "
                                           "consider SparseAdam instead"):
        opt.step()
    for k, v in before.items():
        np.testing.assert_array_equal(_np(st[k]), v, err_msg=k)
    np.testing.assert_array_equal(_np(w), w0)


@pytest.mark.parametrize("key", ["adam", "adamw_amsgrad", "rmsprop_centered_momentum",
                                 "nadam", "adadelta"])
def test_an_incomplete_loaded_state_raises_before_changing_anything(key):
    """A checkpoint whose state lacks a buffer: KeyError naming it (torch's too), and the
    step count, the buffers there and the parameter stay as they were."""
    params = _params(dt)
    opt = _opt(dt, key, params)
    _step(dt, opt, params, 0)
    sd = opt.state_dict()
    keys = [k for k in sd["state"][0] if k != "step"]
    missing = keys[-1]
    sd["state"] = {i: {k: v for k, v in s.items() if k != missing}
                   for i, s in sd["state"].items()}
    opt.load_state_dict(sd)
    before = {k: _np(v) for k, v in opt.state[params[0]].items()}
    p0 = _np(params[0])
    with pytest.raises(KeyError, match=missing):
        _step(dt, opt, params, 1)
    for k, v in before.items():
        np.testing.assert_array_equal(_np(opt.state[params[0]][k]), v, err_msg=k)
    np.testing.assert_array_equal(_np(params[0]), p0)


def _lbfgs_run(m, ls, complex_=False):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((6, 5)) + (1j * rng.standard_normal((6, 5)) if complex_ else 0)
    b = rng.standard_normal(6)
    x = m.zeros(5, dtype=m.complex128 if complex_ else m.float64, requires_grad=True)
    w = m.tensor(np.array([0.5, -0.2]), requires_grad=True)
    at, bt = m.tensor(a), m.tensor(b)
    opt = m.optim.LBFGS([x, w], lr=1, max_iter=2, history_size=3, line_search_fn=ls)

    def closure():
        opt.zero_grad()
        loss = ((at @ x - bt).abs() ** 2).sum() + (x.abs() ** 4).sum() + ((w - 1) ** 2).sum()
        loss.backward()
        return loss
    opt.step(closure)
    opt.step(closure)
    st = opt.state[x]
    ref = dict(st)
    ref_lists = {k: list(st[k]) for k in ("old_dirs", "old_stps", "ro")}
    opt.step(closure)
    ids = {k: st[k] is ref[k] for k in ref}
    kept = {k: [any(e is f for f in st[k]) for e in v] for k, v in ref_lists.items()}
    return ids, kept, list(st), _np(x), _np(w), st["func_evals"], st["n_iter"]


@pytest.mark.parametrize("ls", [None, "strong_wolfe"])
@pytest.mark.parametrize("complex_", [False, True])
def test_lbfgs_keeps_its_history_lists_and_prev_flat_grad_as_torch(ls, complex_):
    """torch's LBFGS mutates its history lists and ``prev_flat_grad.copy_``, makes ``d`` and
    ``H_diag`` anew; a complex parameter steps through its real view (before: left as it
    was)."""
    got, want = _lbfgs_run(dt, ls, complex_), _lbfgs_run(torch, ls, complex_)
    assert got[0] == want[0] and got[0]["prev_flat_grad"] and got[0]["old_dirs"]
    assert got[1] == want[1] and got[2] == want[2]
    np.testing.assert_allclose(got[3], want[3], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(got[4], want[4], rtol=1e-9, atol=1e-12)
    assert got[5:] == want[5:]
    assert np.abs(got[3]).max() > 0.01


def _complex_refusals(m):
    out = []
    q = m.zeros(3, requires_grad=True)
    p = m.zeros(3, dtype=m.complex64, requires_grad=True)
    opt = m.optim.Adafactor([q, p])
    q.grad, p.grad = m.ones(3), m.ones(3, dtype=m.complex64)
    with pytest.raises(RuntimeError) as e:
        opt.step()
    out.append(str(e.value))
    with pytest.raises(ValueError) as e:
        m.optim.SparseAdam([{"params": [q]}, {"params": [q.detach().clone(), p]}])
    out.append(str(e.value))
    return out, _np(q)


def test_adafactor_and_sparse_adam_refuse_complex_parameters_as_torch():
    got, want = _complex_refusals(dt), _complex_refusals(torch)
    assert got[0] == want[0] == ["Adafactor does not support complex parameters",
                                 "Complex params at indices [[1, 1]]: SparseAdam does not "
                                 "support complex parameters"]
    np.testing.assert_array_equal(got[1], np.zeros(3, np.float32))    # nothing stepped


def _sparse_sgd(m):
    m.manual_seed(0)
    emb = m.nn.Embedding(5, 3, sparse=True)
    with m.no_grad():
        emb.weight.copy_(m.tensor(np.arange(15, dtype=np.float32).reshape(5, 3) / 10))
    opt = m.optim.SGD(emb.parameters(), lr=0.1, momentum=0.9)
    for i, idx in enumerate(([1, 2], [2, 4], [1, 2])):
        opt.zero_grad()
        (emb(m.tensor(idx)) ** 2).sum().backward()
        opt.step()
        if i == 0:
            ref = opt.state[emb.weight]["momentum_buffer"]
    buf = opt.state[emb.weight]["momentum_buffer"]
    return buf is ref, buf.is_sparse, _np(buf.to_dense()), _np(emb.weight)


def test_sgd_sparse_momentum_buffer_updated_in_place_as_torch():
    got, want = _sparse_sgd(dt), _sparse_sgd(torch)
    assert got[:2] == want[:2] == (True, True)
    np.testing.assert_allclose(got[2], want[2], rtol=2e-6, atol=1e-7)
    np.testing.assert_allclose(got[3], want[3], rtol=2e-6, atol=1e-7)


@pytest.mark.parametrize("key", ["rmsprop_centered_momentum", "adadelta", "nadam", "asgd"])
def test_state_tensors_on_cuda_keep_identity_and_equal_the_cpu_path(key):
    """The generic (device) path writes its new values into the device arrays already in
    the state (Numba's CUDA simulator in CI)."""
    import dlcore
    if not dlcore.cuda_simulator() and not dt.cuda.is_available():
        pytest.skip("no CUDA device or simulator")
    out = {}
    for dev in ("cpu", "cuda"):
        params = [dt.tensor(p.copy(), device=dev, requires_grad=True) for p in P0]
        opt = _opt(dt, key, params)
        for i in range(4):
            for p, g in zip(params, GRADS[i]):
                p.grad = dt.tensor(g.copy(), device=dev)
            opt.step()
            if i == 0:
                refs = [(dict(opt.state[p]), {k: v._buf for k, v in opt.state[p].items()
                                              if hasattr(v, "_buf") and v.dim()})
                        for p in params]
        for p, (r, bufs) in zip(params, refs):
            assert all(opt.state[p][k] is v for k, v in r.items()), dev
            assert all(opt.state[p][k]._buf is b for k, b in bufs.items()), dev
        out[dev] = [_np(p.cpu()) for p in params] + \
            [_np(v.cpu()) for p in params for v in opt.state[p].values() if hasattr(v, "cpu")]
    for a, b in zip(out["cpu"], out["cuda"]):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)
