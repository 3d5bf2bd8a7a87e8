"""Where a fused loop reads an operand from (a mixin of ``emit_numba.Emitter``): a basic slice
from the array it slices, a broadcast from the array it broadcasts.  The loop then indexes that
array itself (``loops.emit``'s ``offset`` and ``broadcast`` operands) rather than a view of
unknown strides or a copy."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .emit_index import Unsupported
from .ir import Val


class LoopSources:
    """``_sliced_source`` and ``_broadcast_source`` (``names``, ``literals`` and
    ``_numpy_index`` are the Emitter's)."""

    if TYPE_CHECKING:          # what the Emitter this mixes into provides (emit_numba.py)
        names: dict
        literals: dict

        def name(self, v: Val) -> str: ...

        def _numpy_index(self, idx: tuple, shape: tuple) -> str: ...

    def _sliced_source(self, v: Val) -> tuple | None:
        """``(base name, axes)`` when ``v`` is a basic slice (``getitem`` with unit steps,
        possibly of another one) of an array this segment names: a loop then reads
        ``base[axes]`` in its place (``loops.emit``'s ``offset`` operands), where ``axes`` gives
        per axis of the base ``("ax", k, start)`` (``v``'s axis ``k`` plus ``start``) or
        ``("int", i)``.  A slice view is typed with unknown strides ('A' layout), so Numba
        loads its elements one by one; its C-contiguous base lets LLVM vectorise the loop.
        Measured on the small ResNet's batch-norm gradient segment reading the gradient of
        ``tf.pad`` (a 32x34x34x16 float32 buffer read at [:, 1:33, 1:33]): 2.9 -> 2.4 ms."""
        axes: list[tuple] = [("ax", k, 0) for k in range(len(v.aval.shape))]
        cur, found = v, False
        while cur not in self.literals:
            n = cur.node
            if n is None or n.kind != "prim" or n.prim.name != "getitem":
                break
            x = n.inputs[0]
            xs = tuple(x.aval.shape)
            if x not in self.names or x in self.literals or not xs:
                break
            try:
                parts = self._numpy_index(n.params["idx"], xs).split(", ")
            except Unsupported:
                break
            parts += ["0:"] * (len(xs) - len(parts))
            if sum(":" in p for p in parts) != len(axes):
                break
            new: list[tuple] = []
            k = 0
            for p in parts:
                if ":" in p:
                    kind, a, off = axes[k] if len(axes[k]) == 3 else (*axes[k], 0)
                    start = int(p.split(":")[0])
                    new.append(("int", a + start) if kind == "int" else ("ax", a, off + start))
                    k += 1
                else:
                    new.append(("int", int(p)))
            axes, cur, found = new, x, True
        return (self.name(cur), tuple(axes)) if found else None

    def _broadcast_source(self, v: Val) -> Val | None:
        """The operand of ``broadcast_to`` value ``v`` when a loop can read it in its place
        (its size-1 and missing axes indexed by 0, ``loops.index_expr``): a per-channel
        vector read through a broadcast view (strides 0) was a strided load per element, and
        a rank-0 one was first copied into a full array (``np.full``)."""
        n = v.node
        if n.kind != "prim" or n.prim.name != "broadcast_to" or n.control:
            return None
        x = n.inputs[0]
        if x in self.literals or x not in self.names or not x.aval.fully_defined or \
                x.aval.dtype != v.aval.dtype or len(x.aval.shape) > len(v.aval.shape):
            return None
        return x
