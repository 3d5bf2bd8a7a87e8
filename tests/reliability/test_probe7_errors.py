"""Probe 7: errors whose TYPE differed from PyTorch 2.13's (helper-D7's differential probe).

``amax``/``amin``/``aminmax``/``argmax``/``argmin`` over an empty dimension raised dlcore's
ShapeError (a ValueError/RuntimeError, NumPy's and TensorFlow's kind) where PyTorch raises
IndexError (a dim given) or its own RuntimeError (no dim), so ``except IndexError`` missed it.
"""

import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")

_CASES = [((2, 0), name, dim)
          for name in ("amax", "amin", "argmax", "argmin", "aminmax")
          for dim in (None, 1, -1, (0, 1), [-1, 0])
          if not (isinstance(dim, (tuple, list)) and name in ("argmax", "argmin", "aminmax"))]
_CASES += [((0, 2, 0), "amax", (2, 0)), ((0,), "amin", (0, 1)), ((0,), "argmax", 1),
           ((2, 0), "amax", ())]


def _outcome(m, shape, name, dim):
    x = m.ones(*shape)
    try:
        r = getattr(m, name)(x) if dim is None else getattr(m, name)(x, dim=dim)
    except (IndexError, RuntimeError) as e:
        kind = IndexError if isinstance(e, IndexError) else RuntimeError
        return kind, str(e).split(" for '")[0]
    return "ok", tuple((r[0] if isinstance(r, tuple) else r).shape)


@pytest.mark.parametrize("shape,name,dim", _CASES)
def test_empty_reduction_error_as_torch(shape, name, dim):
    assert _outcome(dt, shape, name, dim) == _outcome(torch, shape, name, dim)


def test_empty_reduction_method_and_bool():
    e = dt.ones(2, 0)
    with pytest.raises(IndexError, match=r"^amax\(\): Expected reduction dim 1 to have non-zero"):
        e.amax(1)
    with pytest.raises(IndexError, match=r"^argmin\(\): Expected reduction dim 1 to have non-"):
        e.argmin(-1)
    with pytest.raises(IndexError, match=r"^amin\(\): Expected reduction dim 1 to have non-zero"):
        dt.amin(e.bool(), 1)
    assert dt.amax(e, 0).shape == (0,)          # a non-empty reduced dim stays fine


def test_stack_dim_out_of_range_is_pytorchs_index_error():
    a = dt.ones(2, 3)
    with pytest.raises(IndexError, match=r"^Dimension out of range \(expected to be in range of "
                       r"\[-3, 2\], but got 5\)$"):
        dt.stack([a, a], dim=5)


def _tree(g):
    """A grad_fn graph as text: node class names, children in ``next_functions`` order."""
    if g is None:
        return "None"
    name = type(g).__name__
    kids = ",".join(_tree(f) for f, _ in g.next_functions) if name != "AccumulateGrad" else ""
    return name + (f"({kids})" if kids else "")


@pytest.mark.parametrize("case", ["linear", "linear_nobias", "linear_x_no_grad", "addmm",
                                  "module"])
def test_linear_grad_fn_graph_as_torch(case):
    """F.linear's AddmmBackward0 showed (MmBackward0(x, TransposeBackward0(w)), bias) where
    PyTorch shows (bias, x, TBackward0(w)); gradients are unchanged."""
    def build(m):
        m.manual_seed(0)
        x = m.ones(2, 3, requires_grad=case != "linear_x_no_grad")
        w = m.ones(4, 3, requires_grad=True)
        b = m.ones(4, requires_grad=True)
        F = m.nn.functional
        if case == "addmm":
            return m.addmm(b, x, w.t())
        if case == "module":
            return m.nn.Linear(3, 4)(x)
        return F.linear(x, w) if case == "linear_nobias" else F.linear(x, w, b)
    ours, ref = build(dt), build(torch)
    assert _tree(ours.grad_fn) == _tree(ref.grad_fn)
    ours.sum().backward()                       # (the displayed edges change no gradient)


def _same_error(f):
    errs = []
    for m in (torch, dt):
        with pytest.raises(Exception) as info:
            f(m)
        errs.append(info.value)
    assert type(errs[1]) is type(errs[0]) or isinstance(errs[1], type(errs[0])), errs
    assert str(errs[1]).startswith(str(errs[0])), errs


@pytest.mark.parametrize("case", ["nextafter_shapes", "nextafter_long", "xlogy_shapes",
                                  "isclose_shapes", "isclose_dtypes", "nanmean_int",
                                  "unbind_0d", "split_0d", "chunk_0d", "heaviside_shapes",
                                  "narrow_0d", "diff_0d"])
def test_errors_as_torch(case):
    """NumPy's ValueError leaked from host computations (``except RuntimeError`` missed it),
    integer inputs were computed where PyTorch refuses, 0-d inputs crashed inside."""
    f = {"nextafter_shapes": lambda m: m.nextafter(m.ones(0), m.ones(3)),
         "nextafter_long": lambda m: m.nextafter(m.ones(2, dtype=m.int64),
                                                 m.ones(2, dtype=m.int64)),
         "xlogy_shapes": lambda m: m.xlogy(m.ones(2, 1), m.ones(2, 0, 3)),
         "isclose_shapes": lambda m: m.isclose(m.ones(2, 3), m.ones(3, 2, 2)),
         "isclose_dtypes": lambda m: m.isclose(m.ones(2, dtype=m.int64),
                                               m.ones(2, dtype=m.int32)),
         "nanmean_int": lambda m: m.nanmean(m.ones(2, dtype=m.int32)),
         "unbind_0d": lambda m: m.unbind(m.tensor(1.0), 0),
         "split_0d": lambda m: m.split(m.tensor(1.0), 1, 0),
         "chunk_0d": lambda m: m.chunk(m.tensor(1.0), 1, 0),
         "heaviside_shapes": lambda m: m.heaviside(m.ones(2, 3), m.ones(3, 2, 2)),
         "narrow_0d": lambda m: m.narrow(m.tensor(1.0), 0, 0, 1),
         "diff_0d": lambda m: m.diff(m.tensor(1.0))}[case]
    _same_error(f)


@pytest.mark.parametrize("case", ["mask_minus_true", "mask_minus_int_tensor", "int_minus_mask",
                                  "int_minus_true", "two_minus_mask", "rsub"])
def test_any_subtraction_with_a_bool_operand_is_refused(case):
    """PyTorch refuses a subtraction with any bool operand; dlcore refused only bool - bool
    (``int_tensor - mask`` and ``mask - 1.5`` were computed)."""
    f = {"mask_minus_true": lambda m: m.tensor([True, False]) - True,
         "mask_minus_int_tensor": lambda m: m.tensor([True, False]) - m.tensor([1, 2]),
         "int_minus_mask": lambda m: m.tensor([1, 2]) - m.tensor([True, False]),
         "int_minus_true": lambda m: m.tensor([1, 2]) - True,
         "two_minus_mask": lambda m: 2 - m.tensor([True, False]),
         "rsub": lambda m: m.rsub(m.tensor([True, False]), 1)}[case]
    _same_error(f)
