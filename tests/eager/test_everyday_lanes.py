"""The quick entries of everyday calls (issue 19): ``torch.equal``, ``x.narrow``,
``torch.logical_and``/``or``/``xor``/``not`` and ``x.masked_select``: values, dtypes, views,
grad_fn and errors as PyTorch 2.13's, on the calls each entry takes and on those it hands to
the general path."""

from __future__ import annotations

import builtins

import numpy as np
import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")


def _outcome(f):
    try:
        r = f()
    except Exception as e:  # noqa: BLE001 - the error is the outcome compared
        return type(e).__name__, str(e).split("\n")[0]
    if isinstance(r, bool):
        return r
    if isinstance(r, tuple):
        return tuple(_outcome(lambda e=e: e) for e in r)
    return str(r.dtype).split(".")[-1], tuple(r.shape), repr(r.tolist()), \
        type(r.grad_fn).__name__


def _both(make):
    return _outcome(lambda: make(dl)), _outcome(lambda: make(torch))


NAN = float("nan")
EQUAL = {
    "same": lambda m: m.equal(m.tensor([1.0, 2.0]), m.tensor([1.0, 2.0])),
    "one differs": lambda m: m.equal(m.tensor([1.0, 2.0]), m.tensor([1.0, 3.0])),
    "nan itself": lambda m: (lambda t: m.equal(t, t))(m.tensor([NAN, 1.0])),
    "shapes": lambda m: m.equal(m.zeros(2, 3), m.zeros(3, 2)),
    "empty": lambda m: m.equal(m.zeros(0), m.zeros(0, 1)),
    "int and float": lambda m: m.equal(m.tensor([1]), m.tensor([1.0])),
    "float32 and 64": lambda m: m.equal(m.tensor([0.1]), m.tensor([0.1], dtype=m.float64)),
    "transposed": lambda m: m.equal(m.zeros(2, 3).t(), m.zeros(3, 2)),
    "method": lambda m: m.ones(2).equal(m.ones(2)),
    "number": lambda m: m.equal(m.zeros(1), 1),
}


@pytest.mark.parametrize("case", list(EQUAL))
def test_equal(case):
    got, want = _both(EQUAL[case])
    assert got == want


@pytest.mark.parametrize("args", [(1, 1, 2), (1, -2, 2), (0, 0, 3), (-1, 1, 1), (1, 4, 0),
                                  (0, -3, 1), (1, 3, 2), (2, 0, 1), (1, -5, 1)])
@pytest.mark.parametrize("how", ["method", "function"])
def test_narrow(args, how):
    def make(m):
        x = m.arange(12.0).reshape(3, 4).requires_grad_()
        return x.narrow(*args) if how == "method" else m.narrow(x, *args)
    want = _outcome(lambda: make(torch))
    try:
        r = make(dl)
    except Exception as e:  # noqa: BLE001 - (dlcore's IndexOutOfBounds is a RuntimeError and
        assert isinstance(e, getattr(builtins, want[0]))   # an IndexError, PyTorch's the first)
        assert str(e) == want[1]
        return
    assert _outcome(lambda: r) == want


def test_narrow_is_a_view_with_the_slice_s_gradient():
    x = dl.zeros(4)
    x.narrow(0, 1, 2).fill_(5.0)
    assert x.tolist() == [0.0, 5.0, 5.0, 0.0]
    w = dl.arange(12.0).reshape(3, 4).requires_grad_()
    w.narrow(1, 1, 2).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), np.tile([0.0, 1.0, 1.0, 0.0], (3, 1)))


OPERANDS = {
    "float, int": lambda m: (m.tensor([0.0, 1.0, NAN, -2.0]), m.tensor([1, 0, 3, 0])),
    "bool, bool": lambda m: (m.tensor([True, False, True]), m.tensor([False, False, True])),
    "broadcast": lambda m: (m.tensor([0.0, 1.0, NAN, -2.0]), m.tensor([[1.0], [0.0]])),
    "0-d": lambda m: (m.tensor(0.0), m.tensor([0.0, 1.0])),
    "complex": lambda m: (m.tensor([1.0, 0.0]), m.tensor([1j, 2 + 0j])),
    "mismatch": lambda m: (m.zeros(4), m.zeros(3)),
    "number": lambda m: (m.zeros(4), 1),
}


@pytest.mark.parametrize("name", ["logical_and", "logical_or", "logical_xor"])
@pytest.mark.parametrize("case", list(OPERANDS))
def test_logical_binary(name, case):
    got, want = _both(lambda m: getattr(m, name)(*OPERANDS[case](m)))
    assert got == want
    if case != "number":
        got, want = _both(lambda m: getattr(OPERANDS[case](m)[0], name)(OPERANDS[case](m)[1]))
        assert got == want


def test_logical_ops_of_0_d_tensors_are_0_d_tensors():
    for m in (dl, torch):
        r = [m.logical_not(m.tensor(0.0)), m.tensor(1.0).logical_not(),
             m.logical_and(m.tensor(1.0), m.tensor(0.0)), m.logical_xor(m.tensor(2), m.tensor(0))]
        assert [(x.shape, x.item(), str(x.device)) for x in r] == [
            ((), True, "cpu"), ((), False, "cpu"), ((), False, "cpu"), ((), True, "cpu")]
    assert type(dl.logical_not(dl.tensor(0.0))._buf) is np.ndarray


@pytest.mark.parametrize("case", ["float, int", "bool, bool", "complex"])
def test_logical_not_and_out(case):
    got, want = _both(lambda m: m.logical_not(OPERANDS[case](m)[1]))
    assert got == want
    got, want = _both(lambda m: m.logical_and(*OPERANDS[case](m),
                                              out=m.empty(0, dtype=m.bool)))
    assert got == want


MASKS = {
    "same shape": lambda m, x: x > 4,
    "row": lambda m, x: (x > 4)[0],
    "0-d": lambda m, x: m.tensor(True),
    "none true": lambda m, x: x > 100,
    "float mask": lambda m, x: x,
    "wrong shape": lambda m, x: (x > 4)[:2],
    "number": lambda m, x: 1,
}


@pytest.mark.parametrize("grad", [False, True])
@pytest.mark.parametrize("case", list(MASKS))
def test_masked_select(case, grad):
    def make(m):
        x = m.arange(12.0).reshape(3, 4).requires_grad_(grad)
        return x.masked_select(MASKS[case](m, x))
    got, want = _both(make)
    if case == "wrong shape":           # (the operands named the other way round)
        assert got[0] == want[0] and "must match the size" in got[1]
        return
    assert got == want


PUTS = {
    "row, 0-d value": lambda m, x, i: x.index_put_((i,), m.tensor(0.0)),
    "list of indices": lambda m, x, i: x.index_put_([i], m.tensor([7.0, 8.0, 9.0])),
    "two indices": lambda m, x, i: x.index_put_((i, m.tensor([2])), m.tensor(5.0)),
    "bool mask": lambda m, x, i: x.index_put_((m.tensor([True, False]),), m.tensor(-1.0)),
    "other dtype": lambda m, x, i: x.index_put_((i,), m.tensor(0.0, dtype=m.float64)),
    "a number": lambda m, x, i: x.index_put_((i,), 1.0),
    "accumulate": lambda m, x, i: x.index_put_((m.tensor([0, 0]),), m.tensor([1.0, 2.0, 3.0]),
                                               accumulate=True),
    "out of range": lambda m, x, i: x.index_put_((m.tensor([5]),), m.tensor(0.0)),
    "float index": lambda m, x, i: x.index_put_((m.tensor([1.0]),), m.tensor(0.0)),
    "function": lambda m, x, i: m.index_put_(x, (i,), m.tensor(3.0)),
    "out of place": lambda m, x, i: m.index_put(x, (i,), m.tensor(3.0)),
}


@pytest.mark.parametrize("grad", [False, True])
@pytest.mark.parametrize("case", list(PUTS))
def test_index_put(case, grad):
    def make(m):
        w = m.arange(6.0).reshape(2, 3).requires_grad_(grad)
        x = w * 1
        return PUTS[case](m, x, m.tensor([1])), x, w
    outcomes = []
    for m in (dl, torch):
        try:
            r, x, w = make(m)
        except Exception as e:  # noqa: BLE001 - the error is the outcome compared
            outcomes.append((type(e).__name__, str(e).split("\n")[0]))
            continue
        seen = [r.tolist(), x.tolist(), type(r.grad_fn).__name__, x._version]
        if grad:
            r.sum().backward()
            seen.append(w.grad.tolist())
        outcomes.append(seen)
    assert outcomes[0] == outcomes[1]


def test_index_put_of_a_value_that_requires_grad():
    v = dl.tensor(2.0, requires_grad=True)
    y = dl.zeros(2, 3)
    y.index_put_((dl.tensor([1]),), v)
    assert type(y.grad_fn).__name__ == "IndexPutBackward0"
    y.sum().backward()
    assert v.grad.item() == 3.0


RUNNING = {
    "ties and NaN": lambda m: m.tensor([[1.0, 3.0, 2.0, 3.0], [NAN, 1.0, 5.0, NAN]]),
    "3-d": lambda m: m.arange(24.0).reshape(2, 3, 4).flip(1),
    "0-d": lambda m: m.tensor(4.0),
    "int": lambda m: m.tensor([3, 1, 3, 7]),
    "empty": lambda m: m.zeros(0, 3),
    "bool": lambda m: m.tensor([True, False, True]),
}


@pytest.mark.parametrize("name", ["cummax", "cummin"])
@pytest.mark.parametrize("case", list(RUNNING))
def test_running_extremes(name, case):
    def seen(m):
        x = RUNNING[case](m)
        out = []
        for d in range(-max(x.dim(), 1), max(x.dim(), 1)):
            v, i = getattr(m, name)(x, d)
            out.append((repr(v.tolist()), i.tolist(), str(v.dtype)[-7:], v.stride(), i.stride()))
        return out
    assert seen(dl) == seen(torch)


def test_running_extremes_gradient():
    def grad(m):
        w = m.tensor([[1.0, 3.0, 2.0], [4.0, 0.0, 5.0]], requires_grad=True)
        v, _ = w.cummax(1)
        (v * m.arange(3.0)).sum().backward()
        return type(v.grad_fn).__name__, w.grad.tolist()
    assert grad(dl) == grad(torch)


PROMOTED = {
    "0-d int32 beside uint8": lambda m: (m.tensor(-2 ** 31, dtype=m.int32),
                                        m.tensor([152, 0], dtype=m.uint8)),
    "0-d float64 beside float32": lambda m: (m.tensor(1e-50, dtype=m.float64),
                                            m.tensor([0.0, 1.0])),
    "int64 beside uint8": lambda m: (m.tensor([256, 0]), m.tensor([1, 1], dtype=m.uint8)),
}


@pytest.mark.parametrize("name", ["logical_and", "logical_or", "logical_xor"])
@pytest.mark.parametrize("case", list(PROMOTED))
def test_logical_ops_test_the_common_dtype_s_values(name, case):
    """PyTorch promotes the operands first: the truth of -2**31 wrapped into uint8 is False."""
    got, want = _both(lambda m: getattr(m, name)(*PROMOTED[case](m)))
    assert got == want
    got, want = _both(lambda m: getattr(PROMOTED[case](m)[0], name)(PROMOTED[case](m)[1]))
    assert got == want


@pytest.mark.parametrize("case", list(PROMOTED) + ["int8 by 0-d uint8"])
def test_true_division_of_integers_reads_each_in_its_own_dtype(case):
    """Integer operands go to the float result each from its own dtype (a 0-d int32 2**31 - 1
    beside a uint8 tensor was wrapped into uint8 first: 255 / 136)."""
    make = PROMOTED.get(case) or (lambda m: (m.tensor([0, -2, 5], dtype=m.int8),
                                             m.tensor(219, dtype=m.uint8)))
    if case == "0-d int32 beside uint8":
        make = lambda m: (m.tensor(2 ** 31 - 1, dtype=m.int32),  # noqa: E731
                          m.tensor([136, 27], dtype=m.uint8))
    for f in (lambda m: make(m)[0] / make(m)[1], lambda m: m.div(*make(m)),
              lambda m: m.true_divide(make(m)[1], make(m)[0])):
        got, want = _both(f)
        assert got == want


CLAMPS = {
    "uint8, int and huge float": lambda m: m.tensor([196, 97], dtype=m.uint8).clip(-1, 1e10),
    "uint8, float bounds": lambda m: m.tensor([196, 97], dtype=m.uint8).clamp(-1.5, 100.5),
    "uint8, float max": lambda m: m.clamp(m.tensor([196, 97], dtype=m.uint8), max=2.5),
    "uint8, int min": lambda m: m.tensor([196, 97], dtype=m.uint8).clamp(min=-1),
    "int32, -1e20": lambda m: m.tensor([1, 5], dtype=m.int32).clamp(-1e20, 3),
    "int64, ints": lambda m: m.tensor([1, 5]).clamp(1, 3),
    "int64, np.float32": lambda m: m.tensor([1, 5]).clamp(np.float32(0.5), 2),
}


@pytest.mark.parametrize("case", list(CLAMPS))
def test_clamp_of_integers_by_float_bounds_is_float(case):
    """A float bound makes the result the default float, the bounds unwrapped (uint8's
    clamp(-1, 1e10) was 255 everywhere: -1 wrapped into uint8 first)."""
    got, want = _both(CLAMPS[case])
    assert got == want


@pytest.mark.parametrize("value", [np.float64(-0.25), np.int64(3), np.float32(2.0)])
def test_scatter_takes_a_numpy_number_as_a_number(value):
    def make(m):
        x = m.zeros(2, 2, dtype=m.int8 if isinstance(value, np.integer) else m.float32)
        return x.scatter_(0, m.zeros(2, 2, dtype=m.long), value)
    got, want = _both(make)
    assert got == want


WHERES = {
    "tensors": lambda m, c, x, y: m.where(c, x, y),
    "float": lambda m, c, x, y: m.where(c, x, 0.5), "int": lambda m, c, x, y: m.where(c, x, 2),
    "past float32": lambda m, c, x, y: m.where(c, x, 1e39),
    "float64, 1e300": lambda m, c, x, y: m.where(c, x.double(), 1e300),
    "nan": lambda m, c, x, y: m.where(c, x, float("nan")),
    "inf": lambda m, c, x, y: m.where(c, x, float("inf")),
    "two dtypes": lambda m, c, x, y: m.where(c, x, y.double()),
    "no broadcast": lambda m, c, x, y: m.where(c, x, y[:2]),
    "broadcast": lambda m, c, x, y: m.where(c[:, None], x, y),
    "grad": lambda m, c, x, y: m.where(c, x.requires_grad_(), y),
    "int tensor": lambda m, c, x, y: m.where(c, m.tensor([1, 2, 3]), 0.5),
    "one argument": lambda m, c, x, y: m.where(c),
    "int mask": lambda m, c, x, y: m.where(c.int(), x, y),
    "bool number": lambda m, c, x, y: m.where(c, x, True),
    "0-d mask": lambda m, c, x, y: m.where(m.tensor(True), x, y),
    "out=": lambda m, c, x, y: m.where(c, x, y, out=m.empty(3)),
}


@pytest.mark.parametrize("case", list(WHERES))
def test_where(case):
    def make(m):
        return WHERES[case](m, m.tensor([True, False, True]), m.tensor([1.0, 2.0, 3.0]),
                            m.tensor([-1.0, -2.0, -3.0]))
    got, want = _both(make)
    assert got == want
    with dl.no_grad(), torch.no_grad():
        got, want = _both(make)
    assert got == want


@pytest.mark.parametrize("k", [1, -2, 0])
@pytest.mark.parametrize("fn", ["diag", "diag_embed"])
def test_empty_vectors_on_an_offset_diagonal_are_zero_matrices_with_a_gradient(fn, k):
    """diag(empty, k) is a (|k|, |k|) zero matrix (it was (0, 0) with a gradient), connected
    to the input; the static front end's matrix_diag of an empty vector is a graph tensor."""
    def make(m):
        v = m.zeros(2, 0, requires_grad=True) if fn == "diag_embed" else \
            m.zeros(0, requires_grad=True)
        d = getattr(m, fn)(v, k)
        d.sum().backward()
        return str(d.dtype), tuple(d.shape), d.tolist(), tuple(v.grad.shape)
    assert make(dl) == make(torch)
    import dlcore_static as tf
    with tf.Graph().as_default(), tf.Session() as s:
        assert s.run(tf.linalg.diag(tf.zeros([3, 0]))).shape == (3, 0, 0)


EXPANDED_WRITES = {
    "add_": lambda m, v: v.add_(m.ones(3)), "mul_": lambda m, v: v.mul_(2),
    "fill_": lambda m, v: v.fill_(3), "zero_": lambda m, v: v.zero_(),
    "copy_": lambda m, v: v.copy_(m.arange(3.0)), "clamp_": lambda m, v: v.clamp_(0.5, 1),
    "setitem": lambda m, v: v.__setitem__(slice(0, 2), 7.0),
    "masked_fill_": lambda m, v: v.masked_fill_(m.tensor([True, False, True]), 1.0),
    "index_put_": lambda m, v: v.index_put_((m.tensor([0]),), m.tensor(5.0)),
    "scatter_": lambda m, v: v.scatter_(0, m.tensor([2]), 4.0),
}


@pytest.mark.parametrize("op", list(EXPANDED_WRITES))
def test_a_slice_of_an_expand_is_written_through_to_its_base(op):
    """``s.expand(2, 3)[1]`` has no repeated element: PyTorch writes it (into ``s``); NumPy's
    read-only broadcast view made dlcore raise NumPy's ValueError."""
    def make(m):
        s = m.full((3,), 0.25)
        EXPANDED_WRITES[op](m, s.expand(2, 3)[1])
        z = m.zeros(2, 3)
        EXPANDED_WRITES[op](m, z.expand(4, 2, 3)[2][1])
        return s.tolist(), z.tolist()
    assert make(dl) == make(torch)


EXPAND_VIEWS = {
    "row of a leading expand": lambda y: y.expand(2, 3, 3)[1],
    "column of a size-1 expand": lambda y: y[:, :1].expand(3, 3)[:, 2],
    "slice of an unsqueezed expand": lambda y: y.unsqueeze(1).expand(3, 2, 3)[:, 1],
    "transposed row": lambda y: y.expand(2, 3, 3)[1].t(),
    "strided row": lambda y: y.expand(2, 3, 3)[0, ::2],
    "row of a row's expand": lambda y: y[0].expand(3, 3)[1],
}


@pytest.mark.parametrize("op", ["mul_", "sigmoid_", "copy_", "masked_fill_"])
@pytest.mark.parametrize("view", list(EXPAND_VIEWS))
def test_a_slice_of_an_expand_of_a_tensor_that_requires_grad(view, op):
    """The base takes each written element once (CopySlices through the broadcast): PyTorch's
    values and gradients, to the written value where written and to the old one elsewhere."""
    a = np.random.default_rng(1).random((3, 3))

    def run(m):
        x = m.tensor(a, requires_grad=True)
        y = x * 1.0
        v = EXPAND_VIEWS[view](y)
        {"mul_": lambda: v.mul_(2), "sigmoid_": lambda: v.sigmoid_(),
         "copy_": lambda: v.copy_(v * 3 + 1), "masked_fill_": lambda: v.masked_fill_(v > 0.5, -1.0),
         }[op]()
        (y * y * m.arange(9.0, dtype=m.float64).reshape(3, 3)).sum().backward()
        return (np.round(y.detach().numpy(), 6).tolist(), np.round(x.grad.numpy(), 6).tolist(),
                type(y.grad_fn).__name__)
    assert run(dl) == run(torch)


def test_a_whole_expand_and_read_only_memory_stay_refused():
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        dl.zeros(3).expand(2, 3).add_(1)
    y = dl.ones(3, 3, requires_grad=True) * 1.0
    for v in (y[:, :1].expand(3, 3)[1], y.expand(2, 3, 3)):       # (a repeated element)
        with pytest.raises(RuntimeError, match="more than one element of the written-to"):
            v.mul_(2)
    assert y.tolist() == [[1.0] * 3] * 3
    a = np.zeros(3, np.float32)
    a.setflags(write=False)
    with pytest.raises(ValueError, match="read-only"):
        dl.from_numpy(a).add_(1)
    assert a.tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("second", ["add_", "exp_then_mul", "sin_"])
@pytest.mark.parametrize("view", ["diagonal", "reshape", "slice", "transpose", "select"])
def test_a_base_written_through_its_view_takes_further_in_place_ops(view, second):
    """After ``v = y.diagonal(); v.pow_(2)``, ``y`` itself (its node CopySlices over the view)
    was refused as if it were a view ("in-place on a view ... not supported"); PyTorch goes on
    (and raises its own error where a saved output was modified: exp_ then mul_)."""
    a = np.random.default_rng(0).random((3, 3))

    def run(m):
        x = m.tensor(a, requires_grad=True)
        y = x * 1.0
        v = {"diagonal": lambda: y.diagonal(), "reshape": lambda: y.reshape(9),
             "slice": lambda: y[:, 1], "transpose": lambda: y.t(),
             "select": lambda: y.select(0, 2)}[view]()
        v.pow_(2)
        if second == "add_":
            y.add_(1)
            y.mul_(3)
        elif second == "exp_then_mul":
            y.exp_()
            y.mul_(3)
        else:
            y.sin_()
        try:
            (y * y).sum().backward()
        except RuntimeError as e:
            return "RuntimeError", str(e).split(",")[0]
        return (np.round(y.detach().numpy(), 5).tolist(), np.round(x.grad.numpy(), 4).tolist(),
                type(y.grad_fn).__name__)
    assert run(dl) == run(torch)


SETS = {
    "empty region, number": (lambda m: m.zeros(1, 1, 2), ([0, 0], slice(1, 0, 2), 1), 5.0),
    "empty region, +=": (lambda m: m.zeros(1, 1, 2), ([0, 0], slice(1, 0, 2), 1), "+="),
    "empty trailing dim": (lambda m: m.zeros(2, 0, 3), ([1, 0],), "+="),
    "ellipsis for no dim": (lambda m: m.arange(4.0).reshape(2, 2, 1, 1),
                            (slice(None, 1), [0, -1], Ellipsis, "mask", slice(None)), "+="),
    "ellipsis for one dim": (lambda m: m.arange(8.0).reshape(2, 2, 2, 1),
                             (slice(None, 1), [0, -1], Ellipsis, "mask"), "+="),
}


@pytest.mark.parametrize("case", list(SETS))
def test_setitem_with_index_arrays_is_torch_s(case):
    """An empty selected region (the -1 of a reshape was ambiguous: ShapeError) and an
    Ellipsis standing for no dimension between two index arrays (NumPy's rule put their
    result first: a shape mismatch) written as PyTorch writes them."""
    make, key, value = SETS[case]

    def run(m):
        x = make(m)
        k = tuple(m.tensor([True]) if e == "mask" else e for e in key)
        got = x[k]
        if value == "+=":
            x[k] += 1
        else:
            x[k] = value
        return tuple(got.shape), x.tolist()
    assert run(dl) == run(torch)


NOT_DIFFERENTIABLE = {
    "nll_loss weight": lambda m, F, g: F.nll_loss(m.rand(2, 3, requires_grad=True),
                                                  m.tensor([0, 1]), weight=m.rand(3) * g),
    "cross_entropy weight": lambda m, F, g: F.cross_entropy(
        m.rand(2, 3, requires_grad=True), m.tensor([0, 1]), weight=m.rand(3) * g),
    "cross_entropy probabilities, weight": lambda m, F, g: F.cross_entropy(
        m.rand(2, 3, requires_grad=True), m.rand(2, 3).softmax(1), weight=m.rand(3) * g),
    "soft_margin_loss target": lambda m, F, g: F.soft_margin_loss(
        m.rand(2, requires_grad=True), m.rand(2) * g),
    "binary_cross_entropy weight": lambda m, F, g: F.binary_cross_entropy(
        m.rand(2, requires_grad=True), m.rand(2), weight=m.rand(2) * g),
    "binary_cross_entropy target": lambda m, F, g: F.binary_cross_entropy(
        m.rand(2), m.rand(2) * g),
    "multi_margin_loss weight": lambda m, F, g: F.multi_margin_loss(
        m.rand(2, 3, requires_grad=True), m.tensor([0, 1]), weight=m.rand(3) * g),
    "bce_with_logits pos_weight": lambda m, F, g: F.binary_cross_entropy_with_logits(
        m.rand(2, requires_grad=True), m.rand(2), pos_weight=m.rand(2) * g),
    "bce_with_logits weight": lambda m, F, g: F.binary_cross_entropy_with_logits(
        m.rand(2, requires_grad=True), m.rand(2), weight=m.rand(2) * g),
}


@pytest.mark.parametrize("case", list(NOT_DIFFERENTIABLE))
def test_arguments_without_a_gradient_refuse_requires_grad(case):
    """PyTorch refuses, at the call, an argument its kernel has no gradient for that requires
    grad (dlcore took it and gave it a gradient); under no_grad both take it."""
    def run(m, grad_mode=True):
        g = m.ones((), requires_grad=True)
        try:
            if grad_mode:
                NOT_DIFFERENTIABLE[case](m, m.nn.functional, g)
            else:
                with m.no_grad():
                    NOT_DIFFERENTIABLE[case](m, m.nn.functional, g)
        except RuntimeError as e:
            return str(e)
        return "ok"
    assert run(dl) == run(torch)
    assert run(dl, False) == run(torch, False) == "ok"
