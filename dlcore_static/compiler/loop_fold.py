"""Folded loops: a fused loop over several axes run over fewer, as NumPy's iterator coalesces
adjacent axes (issue 19's compile time).

A fused loop (``loops.emit``) is a nest of one ``for`` per axis of its shape, each operand
indexed by all of them: an NHWC training plan's ReLU gradient with its bias gradient is four
loops over ``(16, 10, 10, 16)``, whose index arithmetic and bounds LLVM spends most of the
segment's compile time on.  Where the operands allow it (``fold_axes``), the segment reads and
writes them through reshaped views (``x.reshape((1600, 16))``, free for the C-contiguous arrays
a segment holds: its arguments, made so by the glue, and the buffers it makes) and runs the
loop over the folded shape: same elements, same order, same values.  ``plan`` is what
``emit_numba.Emitter.loop`` asks.
"""

from __future__ import annotations

import math
import os

from . import loops

#: ``DLCORE_LOOP_FOLD=0`` leaves every loop unfolded (for measuring the difference)
FOLD = os.environ.get("DLCORE_LOOP_FOLD", "1") != "0"


def fold_axes(loop_shape: tuple, shapes: list, summed: list, keep_last: bool) -> tuple | None:
    """The groups of adjacent axes of a loop over ``loop_shape`` that can run as one axis, as
    NumPy's iterator coalesces them (``(16, 10, 10, 16)`` -> ``(1600, 16)``), or None when no
    two can: every operand, of ``shapes`` (each aligned to the loop's last axes, a 1 where it
    is broadcast), is full on all of a group's axes or broadcast on all of them (axes of size 1
    go with any), and every partial reduction, of ``summed`` (sets of loop axes), sums all or
    none of a group's; with ``keep_last`` the innermost axis stays its own (a sum of it is a
    row buffer's ``fsum64``, whose rounding a longer row would change).  The elements are
    visited in the same order, so every value and sum is the same.  Measured (issue 19): a
    LeNet-5 training plan's NHWC segment, the ReLU gradient with the bias gradient and two
    momentum updates, compiled 1.2 -> 0.7 s (LLVM 0.98 -> 0.37 s), ran 24 -> 20 us."""
    rank = len(loop_shape)
    groups: list[list[int]] = [[0]]
    padded = [(1,) * (rank - len(s)) + tuple(int(d) for d in s) for s in shapes]
    status: list = [None if loop_shape[0] == 1 else s[0] != 1 for s in padded]
    for k in range(1, rank):
        ok = not (keep_last and k == rank - 1) and \
            all((k - 1 in a) == (k in a) for a in summed)
        if ok and loop_shape[k] != 1:
            ok = all(st is None or st == (s[k] != 1) for st, s in zip(status, padded))
        if not ok:
            groups.append([k])
            status = [None] * len(padded)
        else:
            groups[-1].append(k)
        if loop_shape[k] != 1:
            status = [s[k] != 1 for s in padded]
    if len(groups) == rank:
        return None
    return tuple(tuple(g) for g in groups)


def folded_shape(shape: tuple, rank: int, fold: tuple) -> tuple:
    """``shape`` (aligned to a loop of ``rank`` axes) with each group of ``fold`` one axis."""
    padded = (1,) * (rank - len(shape)) + tuple(int(d) for d in shape)
    return tuple(math.prod(padded[k] for k in grp) for grp in fold)


def plan(members: list, loop_shape: tuple, name_of: dict, c_arrays: set, fresh) -> tuple | None:
    """``(fold, folded loop shape, the lines making the views, name_of for the folded loop,
    {view: array} of the outputs)`` for a loop over ``loop_shape`` whose operands are named by
    ``name_of`` (``Emitter.loop``'s, outputs ``('out', name)``), or None to leave it as it is:
    an operand read at an offset (``_sliced_source``), or an array not known to be
    C-contiguous (``c_arrays``: the names of those that are), or no two axes to fold."""
    rank = len(loop_shape)
    if rank < 2 or not FOLD:
        return None
    shapes: list = []
    for v, (kind, text) in name_of.items():
        if kind in ("scalar", "literal"):
            continue
        if kind == "offset":
            return None
        name, shape = text if kind == "broadcast" else (text, tuple(v.aval.shape))
        if name not in c_arrays:
            return None
        shapes.append(shape)
    summed = []
    reduces = False
    for m in members:
        if loops.is_reduction(m):
            reduces = True
            if loops.is_partial_reduction(m):
                r = len(m.inputs[0].aval.shape)
                axes = {int(a) % r for a in m.params["axes"]}
                if r != rank or len(m.avals[0].shape) not in (rank, rank - len(axes)):
                    return None
                summed.append(axes)
    fold = fold_axes(loop_shape, shapes, summed, keep_last=reduces)
    if fold is None:
        return None
    lines: list[str] = []
    named: dict = {}
    back: dict = {}
    views: dict = {}
    for v, (kind, text) in name_of.items():
        if kind in ("scalar", "literal"):
            named[v] = (kind, text)
            continue
        name, shape = text if kind == "broadcast" else (text, tuple(v.aval.shape))
        to = folded_shape(shape, rank, fold)
        view = views.get((name, to))
        if view is None:
            view = views[(name, to)] = fresh("f")
            lines.append(f"{view} = c_view({name}, {loops._shape_text(to)})")
        if kind == "out":
            named[v] = ("out", view)
            back[view] = name
        else:
            named[v] = ("broadcast", (view, to))
    return fold, folded_shape(loop_shape, rank, fold), lines, named, back


def bounds(loop_shape: tuple, named: dict) -> list[str]:
    """``loops.bound_texts`` of a folded loop: the innermost bound read from a view of the
    loop's shape at run time from ``loops.RUN_TIME_INNER_BOUND`` on (a literal 16 was
    unrolled whole and left unvectorised, see there)."""
    out = [str(d) for d in loop_shape]
    if loop_shape[-1] >= loops.RUN_TIME_INNER_BOUND:
        for kind, text in named.values():
            if kind == "broadcast" and text[1] == tuple(loop_shape):
                out[-1] = f"{text[0]}.shape[{len(loop_shape) - 1}]"
                break
            if kind == "out":
                out[-1] = f"{text}.shape[{len(loop_shape) - 1}]"
                break
    return out
