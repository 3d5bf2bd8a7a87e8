"""Which arguments a vjp rule's code reads (``_reads_out``): the eager engine's saved-tensor
checks, half-precision backward's up-casts and the create_graph rules ask it.  Standard library
and the core only, so that any eager module can import it without a cycle."""

from __future__ import annotations

import dis as _dis
from types import MethodType as _MethodType

from dlcore.ops.complex_ops import _conj_vjp

#: instructions that only store or delete the local they name (anything else that names the
#: output argument counts as reading it)
_ONLY_STORES = frozenset({"STORE_FAST", "DELETE_FAST", "STORE_FAST_STORE_FAST"})


def _reads_out(rule, index: int) -> bool:
    """Does ``rule``'s code read its output argument (``y``, at ``index``)?  A rule that never
    loads it (nor hands it to a nested function) gets None there: no Tensor made for it.
    Anything else, a callable without code included, gets the output.  Conservative across
    Python versions: any instruction naming the argument but a pure store counts as a read,
    an instruction naming several locals (3.13's LOAD_FAST_LOAD_FAST, STORE_FAST_LOAD_FAST:
    a tuple argval) included; a bound method's ``self`` shifts the index."""
    if isinstance(rule, _MethodType):
        index += 1
    code = getattr(rule, "__code__", None)
    if code is None or code.co_argcount <= index or code.co_flags & 0x08:   # (**kw: locals)
        return True
    name = code.co_varnames[index]
    if name in code.co_cellvars:
        return True
    for ins in _dis.get_instructions(code):
        arg = ins.argval
        if (arg == name or (type(arg) is tuple and name in arg)) and \
                ins.opname not in _ONLY_STORES:
            return True
    return False


#: the code of ``complex_ops``' wrapper of a holomorphic primitive's vjp (``complex_vjp``),
#: which calls the rule it wraps (``__wrapped__``) as it is where the output is real
_COMPLEX_VJP = _conj_vjp(_conj_vjp).__code__



_READS: dict = {}       # (rule, position) -> whether the rule's code reads that argument


def reads(rule, index: int) -> bool:
    """``_reads_out(rule, index)``, once per rule and position."""
    got = _READS.get((rule, index))
    if got is None:
        got = _READS[(rule, index)] = _reads_out(rule, index)
    return got


def real_rule(rule):
    """The rule that ``rule`` runs for real values: a holomorphic primitive's complex wrapper
    (``_COMPLEX_VJP``) calls the rule it wraps as it is there."""
    return rule.__wrapped__ if getattr(rule, "__code__", None) is _COMPLEX_VJP else rule
