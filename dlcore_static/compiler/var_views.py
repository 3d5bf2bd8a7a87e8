"""What an update written into a variable's own array must know first: which values of the plan
may be (views of) the variable's committed array.  Shared by the CUDA glue's in-place updates
(``cuda_glue._inplace_updates``) and the CPU's GEMM-folded ones (``gemm_fold.in_place``)."""

from __future__ import annotations

from collections.abc import Callable, Collection

from .ir import Node


def views_of_reads(reads: Collection[Node], u: Node, consumers: dict, fetched: set,
                   late: Callable[[Node], bool], fresh: Callable[[Node], bool],
                   strict: bool = False) -> set | None:
    """The variable's ``reads`` and every node that may return a view of one (walked from the
    reads through their consumers, except ``u`` and the nodes ``fresh`` says make new arrays),
    or None when one of them is fetched, is read by a node ``late`` says runs at or after
    ``u`` (it would see the new values), or, with ``strict``, is read by ``u`` other than as
    one of the reads."""
    seen: set = set()
    stack = list(reads)
    while stack:
        x = stack.pop()
        if x in seen:
            continue
        seen.add(x)
        if x in fetched:
            return None
        for c in consumers.get(x, ()):
            if c is u:
                if strict and x not in reads:
                    return None
            elif late(c):
                return None
            elif not fresh(c):
                stack.append(c)           # (may return a view of its input)
    return seen
