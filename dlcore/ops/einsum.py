"""``einsum``: Einstein summation as a composite of transpose, reshape, matmul, mul and sum.

    einsum("bij,bjk->bik", a, b)      y[b,i,k] = sum_j a[b,i,j] b[b,j,k]
    einsum("...ij,...jk", a, b)       the same over broadcast leading ("...") dimensions
    einsum("ii->i", a)                a diagonal (a letter repeated within one operand)

Semantics are PyTorch's (and NumPy's): subscripts are letters; ``...`` stands for the operand's
leading dimensions not named by letters, right-aligned and broadcast across operands; without
``->`` the output is the ellipsis dimensions followed by the letters that appear once, in
alphabetical order; a letter's sizes must agree or be 1 (broadcast).  ``einsum(a, [0, 1], b,
[1, 2], [0, 2])`` (subscripts as integer lists) is accepted too.

How it runs.  Each operand first takes the diagonal of every repeated letter and sums out the
letters no other operand or the output needs.  Operands are then contracted left to right, two
at a time, as PyTorch does without opt_einsum.  A pair with contracted letters and free letters
on a side is one batched ``matmul``: each side is transposed to (batch, free, contracted),
reshaped to (batch.., F, K) and (batch.., K, F'), multiplied, and reshaped back; batch letters
of size 1 broadcast inside matmul.  A pair with no contracted letter is a broadcasting ``mul``
(an outer product) and one with no free letter a ``mul`` then ``sum`` (a dot product), neither
needing an intermediate larger than the result or the operands.  In a static graph a dimension
may be unknown (None) until run time; a reshape that merges or splits such dimensions reads the
sizes from ``shape_of`` at run time (``reshape_dynamic``).

Gradients come from the primitives (matmul, transpose, reshape, getitem, sum, mul).
"""

from __future__ import annotations

import contextvars

from ..api import exports
from ..errors import ShapeError
from ..registry import aval_of
from .elementwise import mul
from .linalg import matmul
from .reduce import sum
from .reduce_extra import dim_size as _dim
from .shape import expand_dims, reshape_dynamic, transpose

_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _error(message: str, operands=()) -> ShapeError:
    return ShapeError("einsum", f"einsum(): {message}", [_shape(x) for x in operands])


def _shape(x) -> tuple:
    return tuple(aval_of(x).shape)


# ----------------------------------------------------------------------------- parsing
def _sublists(args) -> tuple[str, tuple]:
    """``einsum(a, [0, 1], b, [1, 2], [0, 2])`` -> ``("ab,bc->ac", (a, b))``."""
    def letters(sub):
        out = []
        for s in sub:
            if s is Ellipsis:
                out.append("...")
            elif isinstance(s, int) and 0 <= s < 52:
                out.append("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"[s])
            else:
                raise ValueError(f"einsum(): subscript in subscript list is not within the "
                                 f"valid range [0, 52), got {s!r}")
        return "".join(out)
    ops, subs = list(args[0::2]), list(args[1::2])
    out = None
    if len(ops) > len(subs):             # a trailing output list
        out = ops.pop()
    eq = ",".join(letters(s) for s in subs)
    if out is not None:
        eq += "->" + letters(out)
    return eq, tuple(ops)


def _tokens(text: str, start: int, operand: int | None, operands=()):
    """Letters and "..." of one term; ``start`` is its offset in the equation (for messages)."""
    out, i, seen_ellipsis = [], 0, False
    while i < len(text):
        c = text[i]
        if c == " ":
            i += 1
            continue
        if c == ".":
            who = f"operand {operand}" if operand is not None else "the output"
            if text[i:i + 3] != "...":
                raise _error(f"found '.' for {who} that is not part of any ellipsis", operands)
            if seen_ellipsis:
                raise _error(f"found '.' for {who} for which an ellipsis was already found",
                             operands)
            seen_ellipsis = True
            out.append("...")
            i += 3
            continue
        if c not in _LETTERS:
            raise _error(f"invalid subscript given at index {start + i} in the equation "
                         "string, subscripts must be in [a-zA-Z]", operands)
        out.append(c)
        i += 1
    return out


def parse(equation: str, operands) -> tuple[list, list]:
    """``(terms, output)``: each operand's labels and the output's, with every dimension an
    ellipsis covers named by its position among the broadcast ellipsis dimensions (an int)."""
    lhs, arrow, rhs = equation.partition("->")
    raw_terms, starts, pos = lhs.split(","), [], 0
    for t in raw_terms:
        starts.append(pos)
        pos += len(t) + 1
    if len(operands) < len(raw_terms):
        raise _error("fewer operands were provided than specified in the equation", operands)
    if len(operands) > len(raw_terms):
        raise _error("more operands were provided than specified in the equation", operands)
    toks = [_tokens(t, s, k, operands) for k, (t, s) in enumerate(zip(raw_terms, starts))]
    ell = []
    for k, (tk, x) in enumerate(zip(toks, operands)):
        nd, n_letters = aval_of(x).ndim, _n_letters(tk)
        if "..." not in tk:
            if n_letters != nd:
                raise _error(f"the number of subscripts in the equation ({n_letters}) does not "
                             f"match the number of dimensions ({nd}) for operand {k} and no "
                             "ellipsis was given", operands)
            ell.append(0)
        elif n_letters > nd:
            raise _error(f"the number of subscripts in the equation ({n_letters}) is more than "
                         f"the number of dimensions ({nd}) for operand {k}", operands)
        else:
            ell.append(nd - n_letters)
    n_ell = max(ell, default=0)
    terms = []
    for tk, e in zip(toks, ell):
        labels: list[str | int] = []
        for t in tk:
            labels.extend(range(n_ell - e, n_ell) if t == "..." else [t])
        terms.append(labels)
    if arrow:
        out_tokens = _tokens(rhs, len(lhs) + 2, None, operands)
        used = {c for t in terms for c in t}
        output: list[str | int] = []
        for t in out_tokens:
            if t == "...":
                output.extend(range(n_ell))
                continue
            if t not in used:
                raise _error(f"output subscript {t} does not appear in the equation for any "
                             "input operand", operands)
            if t in output:
                raise _error(f"output subscript {t} appears more than once in the output",
                             operands)
            output.append(t)
    else:
        counts: dict = {}
        for term in terms:
            for c in term:
                if isinstance(c, str):
                    counts[c] = counts.get(c, 0) + 1
        output = list(range(n_ell)) + sorted(c for c, n in counts.items() if n == 1)
    return terms, output


def _n_letters(tokens) -> int:
    return len([t for t in tokens if t != "..."])


def _check_sizes(terms, operands) -> None:
    """A label's sizes agree across operands or are 1 (broadcast); a repeated label's sizes
    within one operand agree exactly."""
    seen: dict = {}
    for k, (labels, x) in enumerate(zip(terms, operands)):
        shape = _shape(x)
        mine: dict = {}
        for lab, d in zip(labels, shape):
            if lab in mine and d is not None and mine[lab] is not None and d != mine[lab]:
                raise _error(f"subscript {lab} is repeated for operand {k} but the sizes don't "
                             f"match, {d} != {mine[lab]}", operands)
            mine.setdefault(lab, d)
        for lab, d in mine.items():
            prev = seen.get(lab)
            if d is None or d == 1:
                seen.setdefault(lab, d)
                continue
            if prev is not None and prev != 1 and prev != d:
                if isinstance(lab, int):
                    raise _error("operands do not broadcast: the dimensions covered by the "
                                 f"ellipsis have sizes {prev} and {d}", operands)
                raise _error(f"subscript {lab} has size {d} for operand {k} which does not "
                             f"broadcast with previously seen size {prev}", operands)
            seen[lab] = d


# ----------------------------------------------------------------------------- sizes
def _prod(dims):
    out = 1
    for d in dims:
        if isinstance(d, int) and isinstance(out, int):
            out *= d
        elif isinstance(d, int):
            out = out if d == 1 else mul(out, d)
        else:
            out = d if isinstance(out, int) and out == 1 else mul(d, out)
    return out


# ----------------------------------------------------------------------------- steps
def _take_diagonals(x, labels: list):
    """The diagonal of every label repeated within one operand (moved to the last axis)."""
    from .linalg_extra import diagonal
    while True:
        dup = next((lab for lab in labels if labels.count(lab) > 1), None)
        if dup is None:
            return x, labels
        p = labels.index(dup)
        q = labels.index(dup, p + 1)
        if _shape(x)[p] is None:
            raise _error(f"subscript {dup} is repeated, which needs its size known when the "
                         "graph is built", [x])
        x = _op(diagonal, x, 0, p, q)
        labels = [lab for i, lab in enumerate(labels) if i not in (p, q)] + [dup]


def _sum_out(x, labels: list, drop):
    axes = tuple(i for i, lab in enumerate(labels) if lab in drop)
    if not axes:
        return x, labels
    return _op(sum, x, axes), [lab for lab in labels if lab not in drop]


def _permute(x, labels: list, order: list):
    """``x`` with its axes in the order of ``order`` (a subset of ``labels``, all of them)."""
    perm = tuple(labels.index(lab) for lab in order)
    return (_op(transpose, x, perm) if perm != tuple(range(len(perm))) else x), list(order)


def _align(x, labels: list, order: list):
    """``x`` laid out over ``order`` (a superset of its labels): transposed, then size-1 axes
    inserted for the labels it lacks (broadcasting)."""
    mine = [lab for lab in order if lab in labels]
    x, _ = _permute(x, labels, mine)
    missing = tuple(i for i, lab in enumerate(order) if lab not in labels)
    return _op(expand_dims, x, missing) if missing else x


def _reshaped(x, dims: list):
    """``x`` reshaped to ``dims`` (sizes or run-time values), or ``x`` itself where its known
    shape is already that."""
    if all(type(d) is int for d in dims) and _shape(x) == tuple(dims):
        return x
    return _op(reshape_dynamic, x, dims)


def _contract(a, la: list, b, lb: list, needed: set):
    """Contract two operands over the labels they share that nothing later needs."""
    shared = [lab for lab in la if lab in lb]
    batch = [lab for lab in shared if lab in needed]
    contr = [lab for lab in shared if lab not in needed]
    a_only = [lab for lab in la if lab not in lb]
    b_only = [lab for lab in lb if lab not in la]
    # A contracted letter of size 1 on one side only broadcasts: sum the other side first.
    for lab in contr:
        da, db = _shape(a)[la.index(lab)], _shape(b)[lb.index(lab)]
        if da == 1 and db not in (1, None):
            b = _op(sum, b, lb.index(lab), keepdims=True)
        elif db == 1 and da not in (1, None):
            a = _op(sum, a, la.index(lab), keepdims=True)
    if not contr:                                   # an outer (broadcast) product
        order = batch + a_only + b_only
        return _op(mul, _align(a, la, order), _align(b, lb, order)), order
    if not a_only and not b_only:                   # a dot product over the batch
        order = batch + contr
        prod = _op(mul, _align(a, la, order), _align(b, lb, order))
        return _op(sum, prod, tuple(range(len(batch), len(order)))), batch
    nb = len(batch)
    a, _ = _permute(a, la, batch + a_only + contr)
    b, _ = _permute(b, lb, batch + contr + b_only)
    sa = [_dim(a, i) for i in range(nb)]
    sb = [_dim(b, i) for i in range(nb)]
    fa = [_dim(a, i) for i in range(nb, nb + len(a_only))]
    k = [_dim(b, i) for i in range(nb, nb + len(contr))]
    fb = [_dim(b, i) for i in range(nb + len(contr), nb + len(contr) + len(b_only))]
    a = _reshaped(a, sa + [_prod(fa), _prod(k)])
    b = _reshaped(b, sb + [_prod(k), _prod(fb)])
    y = _op(matmul, a, b)
    y = _reshaped(y, [_dim(y, i) for i in range(nb)] + fa + fb)
    return y, batch + a_only + b_only


# ----------------------------------------------------------------------------- plans
# The steps above depend on the equation and the operands' shapes alone.  The first call with
# fully known shapes records the ops it makes (``_op``: the op, its arguments, its result); the
# next calls with that equation, those shapes and dtypes and the same operands repeated replay
# them (``_replay``): the ops themselves again, without the parsing, the checks and the label
# bookkeeping (issue 19: a selective scan's ``einsum("bdn,bn->bd", x, C[:, i])`` per step,
# 93 -> ~35 us, PyTorch 23).  A failing call records nothing; the plans are bounded.
_REC: contextvars.ContextVar = contextvars.ContextVar("dlcore_einsum_steps", default=None)
_PLANS: dict = {}
_MAX_PLANS = 256


def _op(fn, *args, **kw):
    """``fn(*args, **kw)``, recorded when a plan is being made."""
    out = fn(*args, **kw)
    steps = _REC.get()
    if steps is not None:
        steps.append((fn, args, kw, out))
    return out


def _plan_key(equation: str, operands) -> tuple | None:
    """The plan's key: the equation, each operand's shape and dtype and the first position of
    the same object (None where a size is unknown: a static graph's)."""
    parts = []
    for i, x in enumerate(operands):
        av = aval_of(x)
        if None in av.shape:
            return None
        same = next(j for j in range(i + 1) if operands[j] is x)
        parts.append((tuple(av.shape), av.dtype, same))
    return (equation, tuple(parts))


def _build(operands, steps: list, result) -> tuple | None:
    """The recorded ``steps`` as a plan: each argument that is an operand or an earlier result
    by its position, the rest as constants; None where the result is neither."""
    vals = list(operands)
    at: dict = {}
    for i, v in enumerate(vals):
        at.setdefault(id(v), i)

    def ref(a):
        i = at.get(id(a))
        return (True, i) if i is not None and vals[i] is a else (False, a)
    plan = []
    for fn, args, kw, out in steps:
        plan.append((fn, tuple(ref(a) for a in args), kw))
        at[id(out)] = len(vals)
        vals.append(out)
    r = ref(result)
    return (tuple(plan), r[1]) if r[0] else None


def _replay(plan: tuple, operands):
    steps, result = plan
    vals = list(operands)
    for fn, args, kw in steps:
        vals.append(fn(*[vals[a] if is_ref else a for is_ref, a in args], **kw))
    return vals[result]


@exports({"torch": "einsum"}, "plain", same_dtype=True)
def einsum(equation, *operands):
    """Einstein summation (see the module docstring)."""
    if not isinstance(equation, str):
        equation, operands = _sublists((equation,) + operands)
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise ValueError("einsum(): must specify the equation string and at least one operand, "
                         "or at least one operand and its subscripts list")
    try:
        key = _plan_key(equation, operands)
    except TypeError:                   # (not a value: _einsum's own error)
        key = None
    plan = _PLANS.get(key) if key is not None else None
    if plan is not None:
        return _replay(plan, operands)
    steps: list | None = [] if key is not None else None
    token = _REC.set(steps)             # (None: an einsum inside an op records nothing)
    try:
        y = _einsum(equation, operands)
    finally:
        _REC.reset(token)
    if steps is not None:
        built = _build(operands, steps, y)
        if built is not None:
            if len(_PLANS) >= _MAX_PLANS:
                _PLANS.clear()
            _PLANS[key] = built
    return y


def _einsum(equation: str, operands):
    terms, output = parse(equation, operands)
    _check_sizes(terms, operands)
    xs, labels = [], []
    for x, t in zip(operands, terms):
        x, t = _take_diagonals(x, list(t))
        xs.append(x)
        labels.append(t)
    # Letters only one operand has and the output lacks: summed out at once.
    for i in range(len(xs)):
        others = {lab for j, t in enumerate(labels) if j != i for lab in t}
        xs[i], labels[i] = _sum_out(xs[i], labels[i],
                                    {lab for lab in labels[i]
                                     if lab not in others and lab not in output})
    y, ly = xs[0], labels[0]
    for i in range(1, len(xs)):
        needed = set(output) | {lab for t in labels[i + 1:] for lab in t}
        y, ly = _contract(y, ly, xs[i], labels[i], needed)
    y, ly = _sum_out(y, ly, {lab for lab in ly if lab not in output})
    return _align(y, ly, output)
