"""Printing, assertions and multi-way branching in a graph: ``tf.Print``/``tf.print``,
``tf.Assert`` and the ``tf.assert_*`` family (also under ``tf.debugging``), and ``tf.case``.

``Print`` and ``Assert`` are graph-level nodes with a run-time effect: ``Print`` passes its first
input through and writes the others when it runs; ``Assert`` raises
``InvalidArgumentError`` (naming the node and where it was built) when its condition is false.
Like in TensorFlow 1, an assertion that nothing depends on never runs: put it in
``tf.control_dependencies`` or fetch it.  ``case`` is a chain of ``cond``\\ s.
"""

from __future__ import annotations

import sys
import types

import numpy as np

from dlcore import ops as _ops
from dlcore.device import to_host
from dlcore.dtypes import is_floating

from . import plan as _plan
from ._convert import _args
from .control_flow import cond
from .errors import InvalidArgumentError, node_suffix
from .frontend import to_tensor
from .graph import Operation, Tensor, get_default_graph

__all__ = ["add_check_numerics_ops", "Print", "print", "Assert", "assert_equal",
           "assert_none_equal", "assert_less", "assert_less_equal", "assert_greater",
           "assert_greater_equal", "assert_positive", "assert_negative", "assert_non_negative",
           "assert_non_positive", "assert_rank", "assert_type", "assert_near", "assert_all_finite",
           "verify_tensor_all_finite",
           "case", "debugging", "check_numerics"]


def _fmt(v, summarize) -> str:
    a = np.asarray(to_host(v))
    if a.ndim == 0:
        return str(a.item() if a.dtype.kind != "b" else bool(a))
    flat = a.reshape(-1)
    n = summarize if summarize is not None and summarize >= 0 else flat.size
    body = " ".join(str(e) for e in flat[:n]) + ("..." if flat.size > n else "")
    return f"[{body}]"


def _element(e) -> str:
    """One element as TF's ``PrintOneElement``: a float in the shortest form that reads back
    (``strings::StrCat``: 6, then 9 digits for float32; 15, then 17 for float64), a string's
    bytes as text, a bool as 1/0."""
    if isinstance(e, bytes):
        return e.decode("utf-8", "backslashreplace")
    if isinstance(e, (bool, np.bool_)):
        return "1" if e else "0"
    if isinstance(e, np.floating):
        short, full = (6, 9) if e.dtype.itemsize <= 4 else (15, 17)
        t = f"{float(e):.{short}g}"
        return t if np.isnan(e) or type(e)(t) == e else f"{float(e):.{full}g}"
    return str(e)


def _summarize(v, summarize) -> str:
    """TF 1.15's ``Tensor::SummarizeValue``: the first ``summarize`` elements, flat, spaced,
    "..." when there are more."""
    a = np.asarray(to_host(v))
    flat = a.reshape(-1)
    n = summarize if summarize is not None and summarize >= 0 else flat.size
    return " ".join(_element(e) for e in flat[:n]) + ("..." if flat.size > n else "")


# ============================================================================ printing
def Print(input_, data, message=None, first_n=None, summarize=None, name=None) -> Tensor:
    """``input_`` unchanged; when it is computed, ``message`` and the values of ``data`` are
    written to standard error (the first ``summarize`` elements, default 3)."""
    g = get_default_graph()
    x = to_tensor(input_)
    ins = [x] + [to_tensor(d) for d in data]
    op = Operation(g, "Print", g.unique_name(name or "Print"), ins, [x.aval],
                   attrs={"message": message or "", "first_n": first_n,
                          "summarize": 3 if summarize is None else summarize,
                          "stream": None, "sep": "", "end": "\n"})
    return op.outputs[0]


def print(*inputs, output_stream=None, summarize=3, sep=" ", end="\n", name=None) -> Operation:
    """``tf.print``: an op that writes its inputs (tensors or Python values) when run."""
    g = get_default_graph()
    tensors: list[Tensor] = []
    parts: list[int | str] = []
    for v in inputs:
        if isinstance(v, Tensor) or hasattr(v, "_as_graph_element"):
            parts.append(len(tensors))
            tensors.append(to_tensor(v))
        else:
            parts.append(str(v))
    op = Operation(g, "PrintV2", g.unique_name(name or "PrintV2"), tensors, [],
                   attrs={"parts": parts, "summarize": summarize, "sep": sep, "end": end,
                          "stream": output_stream})
    return op


def _print_factory(op: Operation, session, device):
    a = op.attrs
    count = [0]

    def stream():
        s = a["stream"]
        if s is None or s is sys.stderr:
            return sys.stderr
        if s is sys.stdout:
            return sys.stdout
        return s

    if op.type == "Print":
        def run(x, *data):
            count[0] += 1
            if a["first_n"] is None or a["first_n"] < 0 or count[0] <= a["first_n"]:
                stream().write(a["message"] + "".join(_fmt(d, a["summarize"]) for d in data)
                               + "\n")
            return x
        return run, {}

    def run_v2(*vals):
        text = a["sep"].join(_fmt(vals[p], a["summarize"]) if isinstance(p, int) else p
                             for p in a["parts"])
        stream().write(text + a["end"])
        return ()
    return run_v2, {}


_plan.EXECUTORS["Print"] = _print_factory
_plan.EXECUTORS["PrintV2"] = _print_factory


# ============================================================================ assertions
def Assert(condition, data, summarize=None, name=None) -> Operation:
    """An op that raises ``InvalidArgumentError`` when ``condition`` is false at run time."""
    g = get_default_graph()
    c = to_tensor(condition)
    parts = [to_tensor(d) if isinstance(d, Tensor) or hasattr(d, "_as_graph_element") else d
             for d in data]
    tensors = [p for p in parts if isinstance(p, Tensor)]
    return Operation(g, "Assert", g.unique_name(name or "Assert"), [c] + tensors, [],
                     attrs={"parts": [("t", tensors.index(p)) if isinstance(p, Tensor)
                                      else ("s", str(p)) for p in parts],
                            "summarize": 3 if summarize is None else summarize})


def _assert_factory(op: Operation, session, device):
    a = op.attrs

    def run(c, *vals):
        if bool(np.all(to_host(c))):
            return ()
        # TF 1.15's AssertOp: each datum's SummarizeValue in brackets, a space between
        text = " ".join("[" + (_summarize(vals[i], a["summarize"]) if k == "t" else i) + "]"
                        for k, i in a["parts"])
        raise InvalidArgumentError(None, op, f"assertion failed: {text}{node_suffix(op)}")
    return run, {}


_plan.EXECUTORS["Assert"] = _assert_factory


def _binary_assert(kind: str, test, sym: str):
    def check(x, y, data=None, summarize=None, message=None, name=None):
        g = get_default_graph()
        with g.name_scope(name or kind) as scope:
            xt, yt = _args(x, y, cast_data=True)
            # (a Python number beside a tensor stays a weak scalar in _args; the message names
            # both operands' tensors, so it is made a tensor of the other's dtype, as TF does)
            if not isinstance(xt, Tensor):
                xt = to_tensor(xt, None, yt.aval.dtype)
            if not isinstance(yt, Tensor):
                yt = to_tensor(yt, None, xt.aval.dtype)
            ok = _ops.reduce_all(test(xt, yt))
            # TF 1.15's data: the message ('' when none), the condition, x and y by name
            msg = [message or "", f"Condition x {sym} y did not hold element-wise:",
                   f"x ({xt.name}) = ", xt, f"y ({yt.name}) = ", yt]
            return Assert(ok, msg if data is None else list(data), summarize,
                          name=scope[:-1].rsplit("/", 1)[-1] + "/Assert")
    check.__name__ = kind
    check.__doc__ = f"An op raising InvalidArgumentError unless ``x {sym} y`` everywhere."
    return check


assert_equal = _binary_assert("assert_equal", _ops.equal, "==")
assert_none_equal = _binary_assert("assert_none_equal", _ops.not_equal, "!=")
assert_less = _binary_assert("assert_less", _ops.less, "<")
assert_less_equal = _binary_assert("assert_less_equal", _ops.less_equal, "<=")
assert_greater = _binary_assert("assert_greater", _ops.greater, ">")
assert_greater_equal = _binary_assert("assert_greater_equal", _ops.greater_equal, ">=")


def _sign_assert(kind: str, test, text: str):
    def check(x, data=None, summarize=None, message=None, name=None):
        g = get_default_graph()
        with g.name_scope(name or kind):
            xt = _args(x)[0]
            ok = _ops.reduce_all(test(xt))
            msg = [message or "", f"Condition x {text} did not hold element-wise:",
                   f"x ({xt.name}) = ", xt]
            return Assert(ok, msg if data is None else list(data), summarize)
    check.__name__ = kind
    return check


assert_positive = _sign_assert("assert_positive", lambda x: _ops.greater(x, 0), "> 0")
assert_negative = _sign_assert("assert_negative", lambda x: _ops.less(x, 0), "< 0")
assert_non_negative = _sign_assert("assert_non_negative", lambda x: _ops.greater_equal(x, 0),
                                   ">= 0")
assert_non_positive = _sign_assert("assert_non_positive", lambda x: _ops.less_equal(x, 0),
                                   "<= 0")
def verify_tensor_all_finite(t=None, msg=None, name=None, x=None, message=None) -> Tensor:
    """TF 1.15's ``tf.verify_tensor_all_finite`` (also ``tf.debugging.assert_all_finite``):
    ``t`` (or ``x``), after a ``check_numerics(t, msg)`` that raises InvalidArgumentError
    '<msg> : Tensor had NaN values' when it runs on a NaN or Inf."""
    t = x if t is None else t
    msg = message if msg is None else msg
    if t is None:
        raise TypeError("verify_tensor_all_finite() missing the tensor argument 't'")
    g = get_default_graph()
    with g.name_scope(name or "VerifyFinite"):
        xt = to_tensor(t)
        chk = check_numerics(xt, "" if msg is None else msg)
        with g.control_dependencies([chk]):
            return _ops.identity(xt)


assert_all_finite = verify_tensor_all_finite


def assert_near(x, y, rtol=None, atol=None, data=None, summarize=None, message=None,
                name=None) -> Operation:
    g = get_default_graph()
    with g.name_scope(name or "assert_near"):
        xt, yt = _args(x, y, cast_data=True)
        eps = float(np.finfo(xt.aval.dtype).eps) if is_floating(xt.aval.dtype) else 0.0
        rtol = 10 * eps if rtol is None else rtol
        atol = 10 * eps if atol is None else atol
        tol = _ops.add(_ops.mul(_ops.abs(yt), float(rtol)), float(atol))
        ok = _ops.reduce_all(_ops.less_equal(_ops.abs(_ops.sub(xt, yt)), tol))
        msg = ([message] if message else []) + ["x and y not equal to tolerance", xt, yt]
        return Assert(ok, msg if data is None else list(data), summarize)


def assert_rank(x, rank, message=None, name=None):
    """Checked when the graph is built (ranks are static here): raises ValueError."""
    t = to_tensor(x)
    if t.aval.ndim != int(rank) and not t.op.attrs.get("unknown_rank"):
        raise ValueError(f"{message + ' ' if message else ''}Tensor {t.name} must have rank "
                         f"{int(rank)}.  Received rank {t.aval.ndim}, shape {t.shape}")
    return _noop()


def assert_type(tensor, tf_type, message=None, name=None):
    from . import dtypes as _dtypes
    t = to_tensor(tensor)
    if t.dtype != _dtypes.as_dtype(tf_type):
        raise TypeError(f"{message + ' ' if message else ''}{t.name} must be of type "
                        f"{_dtypes.as_dtype(tf_type)!r}; got {t.dtype!r}")
    return _noop()


def _noop():
    from .control_flow import no_op
    return no_op()


def _numerics_impl(any_nan, any_inf, *, message):
    """The host half of CheckNumerics: two bools reduced where the tensor lives (a GPU
    Session copies two bools to the host, not the tensor)."""
    nan, inf = bool(np.asarray(any_nan)), bool(np.asarray(any_inf))
    if nan or inf:
        what = "Inf and NaN" if inf and nan else "Inf" if inf else "NaN"
        raise InvalidArgumentError(None, None, f"{message} : Tensor had {what} values")
    return np.zeros((), np.int32)


def check_numerics(tensor, message, name=None) -> Tensor:
    """``tensor`` unchanged, after checking at run time that it holds no NaN or Inf: TF's
    InvalidArgumentError '<message> : Tensor had NaN values' ('Inf values', 'Inf and NaN
    values') naming the node.  Its gradient passes through (the identity's)."""
    from .host_ops import host_op, register
    if "CheckNumericsHost" not in _NUMERICS:
        register("CheckNumericsHost", _numerics_impl)
        _NUMERICS.add("CheckNumericsHost")
    t = to_tensor(tensor)
    if not is_floating(t.aval.dtype):
        raise TypeError(f"CheckNumerics: the tensor must be floating point, got "
                        f"{t.aval.dtype.name} ({t.name})")
    g = get_default_graph()
    # the check is TF's CheckNumerics node (its name in the error); the pass-through, the
    # tensor returned, is '<name>/Identity'
    # (any NaN, any Inf reduced where the tensor lives; only the two bools reach the host)
    full = g.unique_name(name or "CheckNumerics")
    with g.name_scope(full + "/"):
        flags = [_ops.reduce_any(_ops.isnan(t)), _ops.reduce_any(_ops.isinf(t))]
    chk = host_op("CheckNumericsHost", flags, [((), np.int32)], {"message": str(message)},
                  name=full, unique=False)
    with g.name_scope(chk.name + "/"), g.control_dependencies([chk]):
        return _ops.identity(t)


_NUMERICS: set = set()


def add_check_numerics_ops() -> Operation:
    """TF1's ``tf.add_check_numerics_ops()``: a ``check_numerics`` on every float output of
    the default graph's ops so far (message ``'<op name>:<output index>'``), each after the
    previous one (producers are checked before their consumers), and a group of the last.
    A graph holding ``tf.cond`` or ``tf.while_loop`` is TensorFlow's ValueError."""
    from .control_flow import group
    g = get_default_graph()
    ops = list(g.get_operations())
    if any(op.type in ("Cond", "While") for op in ops):     # (their branches' ops are listed)
        raise ValueError("`tf.add_check_numerics_ops() is not compatible with TensorFlow "
                         "control flow operations such as `tf.cond()` or `tf.while_loop()`.")
    check: list = []
    for op in ops:
        for i, out in enumerate(op.outputs):
            if not is_floating(np.dtype(out.aval.dtype)):
                continue
            with g.control_dependencies(check):
                check = [check_numerics(out, message=f"{op.name}:{i}")]
    return group(*check)


# ============================================================================ case
def case(pred_fn_pairs, default=None, exclusive=False, strict=False, name="case"):
    """The value of the first ``fn`` whose ``pred`` is true, else ``default()``; a chain of
    ``cond``\\ s.  ``exclusive=True`` also checks at run time that at most one is true."""
    pairs = list(pred_fn_pairs.items()) if isinstance(pred_fn_pairs, dict) else \
        list(pred_fn_pairs)
    for p, f in pairs:
        if not callable(f):
            raise TypeError(f"fn for pred {p} must be callable.")
    if default is None:
        if not pairs:
            raise ValueError("case needs at least one (pred, fn) pair or a default")
        pairs, default = pairs[:-1], pairs[-1][1]
    g = get_default_graph()
    with g.name_scope(name):
        if exclusive and len(pairs) > 1:
            preds = [_ops.cast(to_tensor(p), np.int32) for p, _ in pairs]
            total = preds[0]
            for p in preds[1:]:
                total = _ops.add(total, p)
            chk = Assert(_ops.less_equal(total, 1), ["Input error: exclusive=True: more than "
                                                     "1 conditions evaluated as True"])
            deps = [chk]
        else:
            deps = []

        def chain(i):
            if i == len(pairs):
                return default()
            p, f = pairs[i]
            return cond(p, f, lambda: chain(i + 1))
        with g.control_dependencies(deps):
            return chain(0)


debugging = types.SimpleNamespace(
    Assert=Assert, assert_equal=assert_equal, assert_none_equal=assert_none_equal,
    assert_less=assert_less, assert_less_equal=assert_less_equal,
    assert_greater=assert_greater, assert_greater_equal=assert_greater_equal,
    assert_positive=assert_positive, assert_negative=assert_negative,
    assert_non_negative=assert_non_negative, assert_non_positive=assert_non_positive,
    assert_near=assert_near, assert_rank=assert_rank, assert_type=assert_type,
    assert_all_finite=assert_all_finite, check_numerics=check_numerics)
