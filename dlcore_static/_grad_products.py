"""Cotangents of a matrix product's right factor kept as their factors until summed.

A weight ``W`` used in several products ``a_i @ W`` (a recursive net's one weight at each
node of a tree, an unrolled RNN's at each step: a graph built per batch, issue 19) gets one
cotangent ``a_i^T @ g_i`` per product: built as they arrive, n products made n MatMul nodes
and an n-term AddN of full-size matrices.  Their sum is one product of the stacked factors,
``concat(a_i)^T @ concat(g_i)`` (each element the same sum of the same terms), so the
cotangent of ``W`` stays a ``Products`` of its factors until it is complete (``tf.gradients``'
reverse pass reaches ``W``): one term is the MatMul it was before, built at that point (the
node next to its product's other gradient in a plain network: the same graph as before),
several are two ConcatV2 nodes and one MatMul, while the stacked factors hold no more than the
separate products would (``_stacks``: a big batch and a small weight, or a row count known only
at run time, take a MatMul per product and their AddN, TensorFlow's graph).

The left factor's cotangent ``g @ W^T`` where that factor is a concatenation along its columns
(``concat([l, r], 1) @ W``: the tree net's every inner node) is sliced by the concat's
gradient, one StridedSlice per piece: as ``LeftProduct`` it reaches the concat unbuilt, which
gives each piece its product with the rows of ``W`` it meets, ``g @ W[i:j]^T`` (the same sums),
the rows sliced once per ``tf.gradients`` call (shared as its transposes are,
``frontend.share_transposes``): one MatMul per piece instead of a MatMul and a StridedSlice
per piece.  A piece's product is itself a ``LeftProduct`` until used: a piece that is a slice
of rows (a tree's leaf, ``E[w:w+1]``) keeps it in its ``gradients.RowSlices``, whose sum
makes one MatMul per row block of ``W`` of the stacked ``g``s (``stack_rows``: a batch's 24
leaves, 2 MatMuls instead of 24).  Anywhere else (summed with other terms, wanted, or
reaching another op) it is the MatMul it was before.

Both outside cond branches and loop bodies only, for real 2-D factors of one dtype
(``gradients.op_vjp``)."""

from __future__ import annotations

import functools

import numpy as np

from dlcore.ops.accumulate import add_n
from dlcore.ops.elementwise import add
from dlcore.ops.indexing import getitem_p
from dlcore.ops.linalg import matmul_p
from dlcore.ops.shape import concatenate, concatenate_p

from . import frontend as _frontend
from .graph import Tensor


class Products:
    """The cotangent of ``ref`` (the right factor of ``lefts[i] @ ref``, each real 2-D of
    ``ref``'s dtype): the sum of ``lefts[i]^T @ gs[i]`` in that order, not yet built."""

    __slots__ = ("aval", "gs", "lefts")

    def __init__(self, lefts: list, gs: list, aval):
        self.lefts, self.gs, self.aval = lefts, gs, aval

    def __dlcore_aval__(self):
        return self.aval

    def dense(self):
        """The sum as graph nodes: one MatMul (``transpose_a``) of the stacked factors, or,
        when the stacked factors would hold more than the separate products (``_stacks``), a
        MatMul per term and their sum (TensorFlow's graph)."""
        lefts, gs = self.lefts, self.gs
        if len(lefts) == 1:
            a, g = lefts[0], gs[0]
        elif _stacks(lefts, gs):
            a, g = concat_rows(lefts), concat_rows(gs)
        else:
            terms = [_apply(matmul_p, (a, g), {"transpose_a": True, "transpose_b": False}, None,
                            _TA)
                     for a, g in zip(lefts, gs)]
            if len(terms) > 2 and terms[0].aval.dtype in _ADD_N_DTYPES:
                return add_n(terms)
            total = terms[0]
            for t in terms[1:]:
                total = add(total, t)
            return total
        return _apply(matmul_p, (a, g), {"transpose_a": True, "transpose_b": False}, None, _TA)


# ``StaticFrontend.apply``: what ``bind`` calls for graph tensors (the factors here all are),
# with the parameters' part of the shape rule's key for the two MatMuls made here (``plain``)
_apply = _frontend.StaticFrontend.apply
_TA = (("transpose_a", bool, True), ("transpose_b", bool, False))
_TB = (("transpose_a", bool, False), ("transpose_b", bool, True))


def concat_rows(xs: list):
    """``dlcore.ops.concatenate(xs, 0)``: for two or more graph tensors of one dtype object and
    a rank (the stacked factors and rows here), the one ConcatV2 node it binds, made directly
    (its axis normalisation, dtype set and ``bind``'s frames do nothing for these; issue 19:
    a tree net's stacks of 20 rows, one ``aval_of`` call per row); one block is the block
    itself (``concatenate`` makes tf.concat's Identity of it); anything else through it."""
    if len(xs) > 1:
        x0 = xs[0]
        if type(x0) is Tensor and x0.aval.shape:
            d = x0.aval.dtype
            for x in xs:
                if type(x) is not Tensor or x.aval.dtype is not d:
                    break
            else:
                return _apply(concatenate_p, tuple(xs), {"axis": 0}, None, True)
    elif len(xs) == 1:
        return xs[0]                    # (one block: itself, no Identity node in the gradient)
    return concatenate(xs, 0)

#: the stacked factors of a weight's products are always small enough up to this many
#: elements (256 KiB of float32)
STACK_FLOOR = 1 << 16
_ADD_N_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _stacks(lefts: list, gs: list) -> bool:
    """Stack the factors of ``sum(lefts[i]^T @ gs[i])``?  The two stacked factors hold
    ``rows * (k + m)`` elements (``rows`` the sum of the terms' row counts) for the whole run
    (a plan keeps its values until the run ends), the separate products ``n * k * m``: a big
    batch and a small weight (batch 4096, a 128x128 weight, 100 products: 420 MB against
    6.5 MB) take the separate products, as does a row count known only at run time (no bound
    can be checked); the stack wins for small batches (a tree net's one-row nodes)."""
    k = lefts[0].aval.shape[1]
    m = gs[0].aval.shape[1]
    if k is None or m is None:
        return False
    rows = 0
    for a in lefts:
        n = a.aval.shape[0]
        if n is None:
            return False
        rows += int(n)
    return rows * (int(k) + int(m)) <= max(len(lefts) * int(k) * int(m), STACK_FLOOR)


def merge(terms: list) -> Products | None:
    """One ``Products`` of several (their terms in order), or None if a term is not one."""
    lefts: list = []
    gs: list = []
    for t in terms:
        if type(t) is not Products:
            return None
        lefts += t.lefts
        gs += t.gs
    return Products(lefts, gs, terms[0].aval)


class LeftProduct:
    """The cotangent ``g @ b^T`` of ``a`` in ``a @ b`` (real 2-D, one dtype), ``a`` a
    concatenation along its columns or one of its pieces, not yet built; ``aval`` is
    ``a``'s."""

    __slots__ = ("aval", "b", "g")

    def __init__(self, g, b, aval):
        self.g, self.b, self.aval = g, b, aval

    def __dlcore_aval__(self):
        return self.aval

    def dense(self):
        """The product as a graph node: the MatMul (``transpose_b``) ``matmul_grads`` makes
        (``bind``'s call of the static front end for two graph tensors, made directly)."""
        return _apply(matmul_p, (self.g, self.b), {"transpose_a": False, "transpose_b": True},
                      None, _TB)

    def split(self, pieces) -> tuple | None:
        """The concatenation's vjp: for each piece (its columns ``i:j`` of ``a``), a thunk of
        its cotangent ``g @ b[i:j]^T`` (a ``LeftProduct``), made only if that piece needs it;
        None if a piece's width is known only at run time (the concat's own vjp slices the
        product then)."""
        out = []
        start = 0
        piece = self._piece
        for x in pieces:
            n = x.aval.shape[1]
            if n is None:
                return None
            stop = start + int(n)
            out.append(functools.partial(piece, start, stop, x.aval))
            start = stop
        return tuple(out)

    def _piece(self, start: int, stop: int, aval):
        b = self.b
        shared = _frontend._SHARED.__dict__.get("nodes")     # (share_transposes)
        key = ("rows", id(b), start, stop)
        hit = shared.get(key) if shared is not None else None
        if hit is None:
            # (bind's call of the static front end for a graph tensor, made directly, its
            # index plain: the same node, without bind's, _rule_key's and _plain_tuple's calls)
            rows = _apply(getitem_p, (b,), {"idx": (("slice", start, stop, None),)}, None, True)
            if shared is not None:
                shared[key] = (rows, b)     # (b kept alive with it: its id stays)
        else:
            rows = hit[0]
        return LeftProduct(self.g, rows, aval)


def stack_rows(values: list, rows: list):
    """A ``RowSlices``' ``values`` (tensors, ``LeftProduct``s) and their rows (one list, each
    value's rows in turn) with the products of one right factor made one MatMul of their
    stacked ``g``s: ``(tensors, rows)`` in that order (the plain values first, as they came,
    then a block per factor), or None when a product's row count is known only at run time."""
    plain: list = []
    plain_rows: list = []
    groups: dict = {}
    at = 0
    for v in values:
        n = v.aval.shape[0]
        if n is None:
            return None
        n = int(n)
        if type(v) is LeftProduct:
            group = groups.get(id(v.b))
            if group is None:
                group = groups[id(v.b)] = (v.b, [], [])
            group[1].append(v.g)
            group[2].extend(rows[at:at + n])
        else:
            plain.append(v)
            plain_rows.extend(rows[at:at + n])
        at += n
    for b, gs, block in groups.values():
        g = gs[0] if len(gs) == 1 else concat_rows(gs)
        plain.append(_apply(matmul_p, (g, b), {"transpose_a": False, "transpose_b": True},
                            None, _TB))
        plain_rows.extend(block)
    return plain, plain_rows


def complete(g, wanted: bool):
    """A value's complete cotangent ``g`` as the reverse pass keeps it: a ``Products`` built;
    a ``LeftProduct`` built if the value is wanted (its concat's vjp splits it otherwise)."""
    t = type(g)
    if t is Products or (wanted and t is LeftProduct):
        return g.dense()
    return g
