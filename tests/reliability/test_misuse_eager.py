"""Misuse of the eager front end: each case must raise PyTorch's exception class with a message
naming the op and the shapes/dims, and must leave every parameter, gradient and optimizer
state exactly as it was.  Real PyTorch runs the same lambda as the reference for the class (and
for the message where the wording is PyTorch's own).

A case is ``(id, fn, exc, pattern, same_msg)``: ``fn(T)`` misuses module ``T`` (dlcore_eager or
torch); ``pattern`` is a regex the message must match; ``same_msg`` says PyTorch's message
matches it too.
"""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl

R, I, T_ = RuntimeError, IndexError, TypeError


def _mm(a, b):
    return lambda T: T.ones(*a) @ T.ones(*b)


CASES: list = []
# --- matmul / mm / Linear: RuntimeError, PyTorch's "mat1 and mat2" wording
for a, b in [((64, 1000), (100, 10)), ((2, 3), (4, 5)), ((1, 7), (6, 1)), ((5, 2), (3, 2)),
             ((3, 4, 5), (6, 2)), ((2, 2, 3), (4, 4)), ((8, 1), (2, 8)), ((4, 3), (2, 3)),
             ((1, 1), (2, 2)), ((2, 5, 3), (2, 3))]:
    rows = int(np.prod(a[:-1]))
    CASES.append((f"matmul{a}{b}", _mm(a, b), R,
                  rf"mat1 and mat2 shapes cannot be multiplied \({rows}x{a[-1]} and "
                  rf"{b[0]}x{b[1]}\)", True))
for n, m in [(3, 4), (5, 2), (1, 2)]:
    CASES.append((f"dot{n},{m}", (lambda n, m: lambda T: T.ones(n) @ T.ones(m))(n, m), R,
                  rf"inconsistent tensor size.*\[{n}\].*\[{m}\]", True))
for fin, fout, xin in [(5, 3, 4), (10, 2, 11), (1, 1, 2), (100, 10, 1000)]:
    CASES.append((f"Linear{fin}->{fout}x{xin}",
                  (lambda fin, fout, xin: lambda T: T.nn.Linear(fin, fout)(T.ones(2, xin)))(
                      fin, fout, xin), R,
                  rf"mat1 and mat2 shapes cannot be multiplied \(2x{xin} and {fin}x{fout}\)",
                  True))
for da, db, na, nb in [("int64", "float32", "long int", "float"),
                       ("float32", "float64", "float", "double"),
                       ("float64", "int64", "double", "long int")]:
    CASES.append((f"matmul_dtype_{da}_{db}",
                  (lambda da, db: lambda T: T.ones(2, 2, dtype=getattr(T, da)) @
                   T.ones(2, 2, dtype=getattr(T, db)))(da, db), R,
                  f"expected m1 and m2 to have the same dtype, but got: {na} != {nb}", True))
# --- cat
for shapes, dim, k, exp, got, d in [
        (((2, 3), (2, 4)), 0, 1, 3, 4, 0), (((2, 3), (3, 3), (2, 5)), 1, 1, 2, 3, 1),
        (((1, 2, 3), (1, 2, 4)), 1, 1, 3, 4, 1), (((4, 1), (4, 1), (5, 2)), 0, 2, 1, 2, 0),
        (((2, 2), (2, 3)), -2, 1, 2, 3, 0)]:
    CASES.append((f"cat{shapes}d{dim}",
                  (lambda shapes, dim: lambda T: T.cat([T.ones(*s) for s in shapes], dim))(
                      shapes, dim), R,
                  rf"Sizes of tensors must match except in dimension {d}\. Expected size {exp} "
                  rf"but got size {got} for tensor number {k} in the list", True))
CASES.append(("cat_rank", lambda T: T.cat([T.ones(2, 3), T.ones(2, 3, 1)]), R,
              "Tensors must have same number of dimensions: got 2 and 3", True))
for dim in (2, -3, 5):
    CASES.append((f"cat_dim{dim}", (lambda dim: lambda T: T.cat([T.ones(2, 3), T.ones(2, 3)],
                                                                  dim))(dim), I,
                  rf"Dimension out of range \(expected to be in range of \[-2, 1\], but got "
                  rf"{dim}\)", True))
# --- reshape / view
for shape, new in [((2, 3), (4, 2)), ((6,), (4,)), ((2, 3), (7, -1)), ((4, 4), (3, 5)),
                   ((1,), (2,)), ((3, 5), (2, -1))]:
    for meth in ("reshape", "view"):
        CASES.append((f"{meth}{shape}->{new}",
                      (lambda shape, new, meth: lambda T: getattr(T.ones(*shape), meth)(*new))(
                          shape, new, meth), R,
                      rf"shape '\[{', '.join(map(str, new))}\]' is invalid for input of size "
                      rf"{int(np.prod(shape))}", True))
CASES.append(("reshape_two_minus_one", lambda T: T.ones(2, 3).reshape(-1, -1), R,
              "only one dimension can be inferred", True))
# --- expand
for shape, sizes, val, old, dim in [((2, 3), (4, 2), 2, 3, 1), ((3,), (2, 4), 4, 3, 1),
                                    ((2, 1), (3, 5), 3, 2, 0), ((1, 4), (2, 3), 3, 4, 1)]:
    CASES.append((f"expand{shape}->{sizes}",
                  (lambda shape, sizes: lambda T: T.ones(*shape).expand(*sizes))(shape, sizes),
                  R, rf"The expanded size of the tensor \({val}\) must match the existing size "
                  rf"\({old}\) at non-singleton dimension {dim}", True))
# --- dims out of range: IndexError "Dimension out of range"
_DIM = r"Dimension out of range \(expected to be in range of \[{lo}, {hi}\], but got {d}\)"
for name, call, nd, d in [
        ("transpose0,5", lambda T: T.ones(2, 3).transpose(0, 5), 2, 5),
        ("transpose-3,0", lambda T: T.ones(2, 3).transpose(-3, 0), 2, -3),
        ("transpose3d", lambda T: T.ones(2, 3, 4).transpose(1, 3), 3, 3),
        ("flatten3", lambda T: T.ones(2, 3).flatten(3), 2, 3),
        ("flatten_end", lambda T: T.ones(2, 3).flatten(0, 4), 2, 4),
        ("permute_range", lambda T: T.ones(2, 3).permute(0, 2), 2, 2),
        ("max_dim5", lambda T: T.ones(2, 3).max(dim=5), 2, 5),
        ("min_dim-3", lambda T: T.ones(2, 3).min(dim=-3), 2, -3),
        ("argmax_dim", lambda T: T.ones(2, 3).argmax(dim=2), 2, 2),
        ("sum_dim", lambda T: T.ones(2, 3).sum(dim=2), 2, 2),
        ("mean_dim", lambda T: T.ones(2, 3).mean(dim=-4), 2, -4),
        ("softmax_dim", lambda T: T.softmax(T.ones(2, 3), dim=2), 2, 2),
        ("unsqueeze", lambda T: T.ones(2, 3).unsqueeze(4), 3, 4),
        ("unsqueeze_neg", lambda T: T.ones(2, 3).unsqueeze(-5), 3, -5),
        ("cumsum_dim", lambda T: T.ones(2, 3).cumsum(dim=3), 2, 3),
        ("transpose_1d", lambda T: T.ones(4).transpose(0, 1), 1, 1),
        ("sum_dim_neg", lambda T: T.ones(2, 3).sum(dim=-3), 2, -3),
        ("std_dim", lambda T: T.ones(2, 3).std(dim=3), 2, 3),
        ("var_dim", lambda T: T.ones(2, 3).var(dim=-3), 2, -3),
        ("argmin_dim", lambda T: T.ones(2, 3).argmin(dim=4), 2, 4),
        ("amax_dim", lambda T: T.ones(2, 3).amax(dim=2), 2, 2),
        ("logsumexp_dim", lambda T: T.ones(2, 3).logsumexp(dim=2), 2, 2),
        ("log_softmax_dim", lambda T: T.log_softmax(T.ones(2, 3), dim=-3), 2, -3),
        ("sum_dim_3d", lambda T: T.ones(2, 3, 4).sum(dim=3), 3, 3)]:
    CASES.append((name, call, I, _DIM.format(lo=-nd, hi=nd - 1, d=d), True))
CASES.append(("permute_dup", lambda T: T.ones(2, 3).permute(1, 1), R,
              r"permute\(\): duplicate dims are not allowed", True))
CASES.append(("permute_len", lambda T: T.ones(2, 3).permute(1, 0, 2), R,
              r"input.dim\(\) = 2 is not equal to len\(dims\) = 3", True))
CASES.append(("flatten_order", lambda T: T.ones(2, 3, 4).flatten(2, 1), R,
              "flatten\\(\\) has invalid args: start_dim cannot come after end_dim", True))
# --- reductions over empty dims
for name, call, exc, pat in [
        ("max_empty_dim", lambda T: T.ones(0, 3).max(dim=0), I,
         r"max\(\): Expected reduction dim 0 to have non-zero size"),
        ("min_empty_dim", lambda T: T.ones(3, 0).min(dim=1), I,
         r"min\(\): Expected reduction dim 1 to have non-zero size"),
        ("max_empty_all", lambda T: T.ones(0, 3).max(), R,
         r"max\(\): Expected reduction dim to be specified for input.numel\(\) == 0"),
        ("min_empty_all", lambda T: T.ones(0).min(), R,
         r"min\(\): Expected reduction dim to be specified for input.numel\(\) == 0")]:
    CASES.append((name, call, exc, pat, True))
# --- indexing
for shape, idx, dim, size in [((2, 3), 5, 0, 2), ((4,), -5, 0, 4), ((3, 3), 3, 0, 3),
                              ((1, 2), 1, 0, 1)]:
    CASES.append((f"index{shape}[{idx}]", (lambda shape, idx: lambda T: T.ones(*shape)[idx])(
        shape, idx), I, rf"index {idx} is out of bounds for dimension {dim} with size {size}",
        True))
# --- creation
for args in [(0, 5, 0), (1.0, 2.0, 0.0), (0, 5, -1), (5, 0, 1), (0.0, -1.0, 0.5)]:
    pat = "step must be nonzero" if args[2] == 0 else \
        "upper bound and lower bound inconsistent with step sign"
    CASES.append((f"arange{args}", (lambda args: lambda T: T.arange(*args))(args), R, pat, True))


def _set_grad(dtype):
    def f(T):
        t = T.ones(2, requires_grad=True)
        t.grad = T.ones(2, dtype=getattr(T, dtype))
    return f


def _set_grad_shape(T):
    t = T.ones(2, requires_grad=True)
    t.grad = T.ones(3)


CASES += [
    ("grad_dtype_f64", _set_grad("float64"), R,
     "attempting to assign a gradient with dtype 'double' to a tensor with grad_dtype 'Float'",
     True),
    ("grad_dtype_i64", _set_grad("int64"), R, "attempting to assign a gradient with dtype", True),
    ("grad_shape", _set_grad_shape, R,
     r"attempting to assign a gradient of size '\[3\]' to a tensor of size '\[2\]'", True),
    ("backward_no_grad", lambda T: T.ones(2).sum().backward(), R,
     "element 0 of tensors does not require grad and does not have a grad_fn", True),
    ("backward_nonscalar", lambda T: (T.ones(2, requires_grad=True) * 2).backward(), R,
     "grad can be implicitly created only for scalar outputs", True),
    ("requires_grad_int", lambda T: T.ones(2, dtype=T.int64).requires_grad_(), R,
     "only Tensors of floating point dtype can require gradients", True),
    ("stack_shapes", lambda T: T.stack([T.ones(2), T.ones(3)]), R,
     r"stack expects each tensor to be equal size", True),
    ("clamp_none", lambda T: T.clamp(T.ones(2)), R, "At least one of 'min' or 'max' must not "
     "be None", True),
    ("bmm_rank", lambda T: T.bmm(T.ones(2, 3), T.ones(3, 2)), R, "batch1.*3D", False),
    ("mm_rank", lambda T: T.mm(T.ones(2, 3, 1), T.ones(3, 2)), R, "matrix", False),
    ("t_rank", lambda T: T.ones(2, 3, 4).t(), R, r"t\(\) expects a tensor with <= 2 dimensions",
     True),
    ("dropout_p", lambda T: T.nn.functional.dropout(T.ones(2), p=1.5), ValueError,
     "dropout probability has to be between 0 and 1, but got 1.5", True),
    ("optim_lr", lambda T: T.optim.SGD([T.ones(2, requires_grad=True)], lr=-1), ValueError,
     "Invalid learning rate: -1", True),
    ("optim_beta", lambda T: T.optim.Adam([T.ones(2, requires_grad=True)], betas=(1.0, 0.9)),
     ValueError, "Invalid beta parameter at index 0: 1.0", True),
    ("optim_empty", lambda T: T.optim.SGD([], lr=0.1), ValueError,
     "optimizer got an empty parameter list", True),
    ("optim_tensor_params", lambda T: T.optim.SGD(T.ones(2, requires_grad=True), lr=0.1),
     TypeError, "params argument given to the optimizer should be an iterable of Tensors", True),
]


# ============================================================================ state fixture
class _Model:
    """A small model, its gradients and an Adam optimizer with state (after one step)."""

    def __init__(self):
        dl.manual_seed(0)
        self.net = dl.nn.Sequential(dl.nn.Linear(4, 3), dl.nn.ReLU(), dl.nn.Linear(3, 2))
        self.opt = dl.optim.Adam(self.net.parameters(), lr=0.01)
        loss = self.net(dl.randn(5, 4)).pow(2).sum()
        loss.backward()
        self.opt.step()

    def snapshot(self):
        params = [p.detach().numpy().copy() for p in self.net.parameters()]
        grads = [p.grad.numpy().copy() for p in self.net.parameters()]
        st = self.opt.state_dict()
        state = {i: {k: (v.numpy().copy() if hasattr(v, "numpy") else v) for k, v in s.items()}
                 for i, s in st["state"].items()}
        return params, grads, state, [dict(g) for g in st["param_groups"]]


def _same(a, b):
    if isinstance(a, np.ndarray):
        return np.array_equal(a, b, equal_nan=True)
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


@pytest.fixture(scope="module")
def model():
    return _Model()


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_misuse_raises_pytorch_class_and_changes_nothing(case, model):
    name, fn, exc, pattern, _ = case
    before = model.snapshot()
    with pytest.raises(exc, match=pattern):
        fn(dl)
    assert _same(before, model.snapshot()), f"{name} changed the model or optimizer state"
    # and the model still trains
    x = dl.ones(1, 4)
    assert np.isfinite(model.net(x).detach().numpy()).all()


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_pytorch_raises_the_same(case):
    torch = pytest.importorskip("torch")
    name, fn, exc, pattern, same_msg = case
    with pytest.raises(exc) as info:
        fn(torch)
    if same_msg:
        import re
        assert re.search(pattern, str(info.value)), (name, str(info.value))


def test_at_least_100_eager_cases():
    assert len(CASES) >= 100


def test_to_a_cuda_device_that_does_not_exist_raises():
    if not dl.cuda.is_available():
        pytest.skip("no CUDA device or simulator in this process")
    x = dl.ones(2)
    with pytest.raises(RuntimeError, match=r"invalid device ordinal.*cuda:7"):
        x.to("cuda:7")
    np.testing.assert_array_equal(x.numpy(), [1.0, 1.0])


def test_backward_with_an_integer_gradient_casts_it_as_pytorch():
    torch = pytest.importorskip("torch")
    grads = []
    for T in (dl, torch):
        w = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
        (w * w).backward(T.tensor([1, 2, 3]))
        assert w.grad.dtype == T.float32
        grads.append(w.grad.numpy())
    np.testing.assert_array_equal(grads[0], grads[1])
