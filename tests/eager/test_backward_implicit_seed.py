"""``t.backward()``'s common call (no gradient, no inputs, no create_graph: engine's
``_backward_implicit``, its seed passed as a buffer) and ``grad()``'s detached results
(``_grad_raw``) against PyTorch: values, dtypes, errors, hooks, buffer identity."""

import numpy as np
import pytest
import torch

import dlcore_eager as T


def _both(fn):
    return fn(torch), fn(T)


def test_scalar_leaf_backward_twice_accumulates_in_its_own_buffer():
    for L in (torch, T):
        s = L.tensor(2.0, requires_grad=True)
        s.backward()
        g = s.grad
        s.backward()
        assert s.grad is g                        # accumulated in place
        assert float(s.grad) == 2.0
        g.add_(5.0)                                # the cached seed is not that buffer
        u = L.tensor(1.5, requires_grad=True)
        u.backward()
        assert float(u.grad) == 1.0


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_chain_values_and_dtypes_match_torch(dtype):
    rng = np.random.default_rng(3)
    a = rng.standard_normal((4, 8)).astype(dtype)
    b = rng.standard_normal((4, 8)).astype(dtype)

    def run(L):
        x = L.tensor(a, requires_grad=True)
        y = L.tensor(b, requires_grad=True)
        z = (x * y).exp().neg().relu() + x
        (z * y).sum().backward()
        (x * 3).mean().backward()
        return x.grad, y.grad

    (tx, ty), (dx, dy) = _both(run)
    assert str(dx.dtype) == str(tx.dtype)
    tol = 1e-2 if dtype == "float16" else 1e-6
    np.testing.assert_allclose(dx.numpy().astype(np.float64), tx.numpy().astype(np.float64),
                               rtol=tol, atol=tol)
    np.testing.assert_allclose(dy.numpy().astype(np.float64), ty.numpy().astype(np.float64),
                               rtol=tol, atol=tol)


def _err(L, make):
    with pytest.raises(RuntimeError) as e:
        make(L)
    return str(e.value)


@pytest.mark.parametrize("case", ["non_scalar", "no_grad", "complex", "twice"])
def test_errors_match_torch(case):
    def make(L):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        if case == "non_scalar":
            (x * 2).backward()
        elif case == "no_grad":
            L.tensor(1.0).backward()
        elif case == "complex":
            c = L.tensor([1.0 + 2.0j], requires_grad=True)
            (c * 2).sum().backward()
        else:
            y = (x * x).sum()
            y.backward()
            y.backward()
    assert _err(T, make) == _err(torch, make)


def test_retain_graph_true_allows_a_second_backward():
    for L in (torch, T):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        y.backward(retain_graph=True)
        y.backward()
        assert x.grad.tolist() == [4.0, 8.0]


def test_root_leaf_hooks_see_ones_and_post_hook_runs_after_accumulation():
    def run(L):
        seen = []
        s = L.tensor(3.0, requires_grad=True)
        s.register_hook(lambda g: seen.append(("hook", float(g))) or g * 2)
        s.register_post_accumulate_grad_hook(lambda t: seen.append(("post", float(t.grad))))
        s.backward()
        return seen, float(s.grad)
    assert run(T) == run(torch)


def test_grad_results_are_fresh_detached_tensors():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 4)).astype(np.float32)

    def run(L):
        x = L.tensor(a, requires_grad=True)
        w = L.tensor(a.T.copy(), requires_grad=True)
        loss = (x @ w).tanh().sum()
        gx, gw = L.autograd.grad(loss, [x, w])
        assert not gx.requires_grad and gx.grad_fn is None and gx.is_leaf
        assert gx.data_ptr() != gw.data_ptr()
        before = gw.clone()
        gx.add_(1.0)                              # in place on one result: the other unchanged
        assert L.equal(gw, before)
        return gx, gw

    (tx, tw), (dx, dw) = _both(run)
    np.testing.assert_allclose(dx.numpy(), tx.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(dw.numpy(), tw.numpy(), rtol=1e-5, atol=1e-6)


def test_grad_of_an_input_seeded_directly_shares_the_seed_values():
    for L in (torch, T):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        v = L.tensor([3.0, 4.0])
        r, = L.autograd.grad(x, x, v)
        assert r.tolist() == [3.0, 4.0] and not r.requires_grad
        assert r.data_ptr() == v.data_ptr()


@pytest.mark.parametrize("case", ["leaf", "requires_grad", "non_leaf", "create_graph", "twice",
                                  "output", "hook", "two_outputs", "implicit"])
def test_output_differentiated_by_itself_returns_what_torch_returns(case):
    """PyTorch returns the very grad_outputs tensor for an output differentiated with respect
    to itself (even one that requires grad), unless a hook or a sum made a new one."""
    def run(L):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        v = L.tensor([3.0, 4.0], requires_grad=case in ("requires_grad", "non_leaf",
                                                          "create_graph"))
        if case == "non_leaf" or case == "create_graph":
            v = v * 2
        if case == "hook":
            x.register_hook(lambda g: g * 10)
        if case == "twice":
            rs = L.autograd.grad(x, [x, x], v)
        elif case == "output":
            y = x * 1
            rs = L.autograd.grad(y, y, v)
        elif case == "two_outputs":
            rs = L.autograd.grad([x * 2, x], [x], [v, v])
        elif case == "implicit":
            s = L.tensor(2.0, requires_grad=True)
            rs = L.autograd.grad(s, s)
            v = None
        else:
            rs = L.autograd.grad(x, x, v, create_graph=case == "create_graph")
        return [(r is v, r.requires_grad, r.grad_fn is not None, r.tolist()) for r in rs]
    assert run(T) == run(torch)


def _outcome(fn):
    try:
        fn()
        return "ok"
    except Exception as e:          # noqa: BLE001 - the type and message are compared
        return f"{type(e).__name__}: {e}"


_INPUT_CASES = {
    "non_grad_input": lambda L, x, c: L.autograd.backward((x * c).sum(), inputs=[c]),
    "non_grad_single": lambda L, x, c: L.autograd.backward((x * c).sum(), inputs=c),
    "empty_list": lambda L, x, c: L.autograd.backward((x * c).sum(), inputs=[]),
    "empty_method": lambda L, x, c: (x * c).sum().backward(inputs=()),
    "empty_with_gradient": lambda L, x, c: (x * c).sum().backward(L.tensor(1.0), inputs=[]),
    "mixed": lambda L, x, c: (x * c).sum().backward(inputs=[x, c]),
    "grad_empty": lambda L, x, c: L.autograd.grad((x * c).sum(), []),
    "no_grad_root_empty": lambda L, x, c: L.tensor(1.0).backward(inputs=[]),
    "no_grad_root": lambda L, x, c: L.tensor(1.0).backward(inputs=[c]),
    "non_scalar_root": lambda L, x, c: (x * 2).backward(inputs=[c]),
    "non_scalar_root_empty": lambda L, x, c: (x * 2).backward(inputs=[]),
    "grad_no_grad_output_empty": lambda L, x, c: L.autograd.grad(L.tensor(1.0), []),
}


@pytest.mark.parametrize("case", sorted(_INPUT_CASES))
def test_backward_inputs_checks_match_torch(case):
    """backward(inputs=...)/grad(inputs) checks and their order, as PyTorch's: an empty
    ``inputs`` first, then the seeds' errors, then retain_grad's on each input."""
    def run(L):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        c = L.tensor([1.0, 2.0])
        return _outcome(lambda: _INPUT_CASES[case](L, x, c)), x.grad is None
    assert run(T) == run(torch)


def test_backward_inputs_non_leaf_and_leaf():
    def run(L):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.sum().backward(inputs=[y, x])
        return y.grad.tolist(), x.grad.tolist()
    assert run(T) == run(torch)


def test_plain_backward_adds_in_place_into_a_grad_that_requires_grad():
    """After a create_graph backward, .grad requires grad; a plain backward then adds into that
    same tensor in place (PyTorch's AccumulateGrad with grad mode off), which keeps requiring
    grad and can still be differentiated."""
    def run(L):
        a = L.tensor([1.0, 2.0], requires_grad=True)
        (a * a).sum().backward(create_graph=True)
        g0 = a.grad
        (a * a * a).sum().backward()
        same = a.grad is g0
        vals = a.grad.tolist()
        rg = a.grad.requires_grad
        g0.sum().backward()
        return same, vals, rg, a.grad.tolist()
    assert run(T) == run(torch)
