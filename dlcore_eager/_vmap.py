"""``torch.func.vmap``, ``functional_call`` and ``stack_module_state`` (see
``dlcore_eager.func``).

``vmap`` maps ``func`` over a batch dimension by a Python loop: sample ``i`` of each mapped
input is ``x.select(in_dim, i)``, and each output's samples are stacked at its ``out_dim``.  The
loop and ``stack`` are recorded like any eager code, so ``vmap`` composes with ``grad`` and
``backward`` either way round.  A batch of size 0 runs ``func`` once on zeros to learn the
outputs' shapes and returns them empty.
"""

# ruff: noqa: TRY004  (PyTorch's error types: ValueError where it raises them)
from __future__ import annotations

import builtins
from collections.abc import Callable

import numpy as np

from ._pytree import _flatten, _unflatten
from .creation import _default_generator
from .tensor import Tensor

_RANDOMNESS = ("error", "different", "same")


def _spec_str(tree) -> str:
    if isinstance(tree, (tuple, list)):
        return f"{type(tree).__name__}[{', '.join(_spec_str(t) for t in tree)}]"
    if isinstance(tree, dict):
        return "dict{" + ", ".join(f"{k!r}: {_spec_str(v)}" for k, v in tree.items()) + "}"
    return "*"


def _dims_for(dims, tree, where: str, kind: str = "in") -> list:
    """Broadcast ``in_dims``/``out_dims`` (``kind``: "in"/"out"; an int, None, or a structure
    of them) to the leaves of ``tree``; ValueError naming both structures where they differ."""
    if dims is None or isinstance(dims, builtins.int):
        return [dims] * len(_flatten(tree)[0])
    if isinstance(dims, (tuple, list)) and isinstance(tree, (tuple, list)) and \
            len(dims) == len(tree):
        return [d for sub, t in zip(dims, tree) for d in _dims_for(sub, t, where, kind)]
    if isinstance(dims, dict) and isinstance(tree, dict) and set(dims) == set(tree):
        return [d for k in tree for d in _dims_for(dims[k], tree[k], where, kind)]
    what = "inputs" if kind == "in" else "outputs"
    raise ValueError(f"{where}: {kind}_dims is not compatible with the structure of `{what}`. "
                     f"{kind}_dims has structure {_spec_str(dims)} but {what} has structure "
                     f"{_spec_str(tree)}.")


def vmap(func: Callable, in_dims=0, out_dims=0, randomness: str = "error", *,
         chunk_size=None) -> Callable:
    """``func`` mapped over dimension ``in_dims`` of its inputs (None: not mapped), the results
    stacked at ``out_dims``; ``randomness`` as in ``dlcore_eager.func``'s docstring."""
    if randomness not in _RANDOMNESS:
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or "
                           f"'same'. Got {randomness}")
    if chunk_size is not None and (not isinstance(chunk_size, builtins.int) or chunk_size < 1):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got "
                         f"{chunk_size})")
    name = getattr(func, "__name__", repr(func))

    def wrapped(*args, **kwargs):
        where = f"vmap({name}, in_dims={in_dims}, ...)(<inputs>)"
        if not isinstance(in_dims, (builtins.int, tuple)):
            raise ValueError(f"{where}: expected `in_dims` to be int or a (potentially nested) "
                             f"tuple matching the structure of inputs, got: {type(in_dims)}.")
        if isinstance(in_dims, tuple) and len(in_dims) != len(args):
            raise ValueError(f"{where}: in_dims is not compatible with the structure of "
                             f"`inputs`. in_dims has structure {_spec_str(in_dims)} but inputs "
                             f"has structure {_spec_str(args)}.")
        leaves, spec = _flatten(args)
        dims = _dims_for(in_dims if isinstance(in_dims, tuple) else (in_dims,) * len(args),
                         args, where)
        sizes = []
        for x, d in zip(leaves, dims):
            if d is None:
                continue
            if not isinstance(x, Tensor):
                raise ValueError(f"{where}: Got in_dim={d} for an input but the input is of type "
                                 f"{type(x)}. We cannot vmap over non-Tensor arguments, please "
                                 "use None as the respective in_dim")
            if not -x.dim() <= d < x.dim():
                raise ValueError(f"{where}: Got in_dim={d} for some input, but that input is a "
                                 f"Tensor of dimensionality {x.dim()} so expected in_dim to "
                                 f"satisfy -{x.dim()} <= in_dim < {x.dim()}.")
            sizes.append(x.shape[d])
        if not sizes:
            raise ValueError(f"{where}: at least one input must be a Tensor with a non-None "
                             "in_dim (there is nothing to map over)")
        if len(set(sizes)) > 1:
            raise ValueError(f"vmap: Expected all tensors to have the same size in the mapped "
                             f"dimension, got sizes {sizes} for the mapped dimension")
        batch = sizes[0]
        results = _run(func, leaves, dims, spec, batch, kwargs, randomness)
        return _stack_outputs(results, out_dims, name, batch)
    wrapped.__name__ = f"vmap({name})"
    return wrapped


def _sample(x, d, i):
    if d is None:
        return x
    if i is None:                            # a batch of size 0: a zero sample
        shape = tuple(s for k, s in enumerate(x.shape) if k != d % x.dim())
        zero = Tensor._wrap(np.zeros(shape, x._buf.dtype))
        return zero.cuda() if x.is_cuda else zero
    return x.select(d, i)


def _run(func, leaves, dims, spec, batch, kwargs, randomness) -> list:
    gen = _default_generator()                # (a DataLoader worker thread's own)
    get_rng_state, set_rng_state = gen.get_state, gen.set_state
    token = gen._engine.token         # (1 us where get_state takes 47: twice a sample)
    start = get_rng_state()
    results = []
    for i in (range(batch) if batch else [None]):
        if randomness == "same":
            set_rng_state(start)
        before = token() if randomness == "error" else None
        out = func(*_unflatten(spec, [_sample(x, d, i) for x, d in zip(leaves, dims)]),
                   **kwargs)
        if before is not None and token() != before:
            set_rng_state(start)            # (every sample before drew nothing: as at start)
            raise RuntimeError("vmap: called random operation while in randomness error mode. "
                               "Please either use the 'same' or 'different' randomness flags on "
                               "vmap or perform the randomness operation out of vmap")
        results.append(out)
    if not batch and randomness != "different":
        set_rng_state(start)
    return results


def _stack_outputs(results: list, out_dims, name: str, batch: builtins.int):
    from ._shape_ops import stack
    first = results[0]
    leaves0, spec = _flatten(first)
    if isinstance(out_dims, tuple) and not isinstance(first, tuple):
        raise ValueError(f"vmap({name}, ...): out_dims is not compatible with the structure of "
                         f"`outputs`. out_dims has structure {_spec_str(out_dims)} but outputs "
                         f"has structure {_spec_str(first)}.")
    dims = _dims_for(out_dims, first, f"vmap({name}, ...)", "out")
    per_sample = [_flatten(r)[0] for r in results]
    out = []
    for k, (leaf, d) in enumerate(zip(leaves0, dims)):
        if d is None:
            out.append(leaf)
            continue
        if not isinstance(leaf, Tensor):
            raise ValueError(f"vmap({name}, ...): `{name}` must only return Tensors, got type "
                             f"{type(leaf)}. Did you mean to set out_dims= to None for output?")
        nd = leaf.dim() + 1
        if not -nd <= d < nd:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, "
                             f"{nd - 1}], but got {d})")
        if batch == 0:
            shape = list(leaf.shape)
            shape.insert(d % nd, 0)
            out.append(Tensor._wrap(np.zeros(shape, leaf._buf.dtype)))
            continue
        out.append(stack([s[k] for s in per_sample], d))
    return _unflatten(spec, out)


# ----------------------------------------------------------------------------- functional_call
def _walk(module, prefix=""):
    """(qualified name, owning module, attribute name, store) for every parameter and buffer,
    tied ones under each of their names."""
    for name, p in module._parameters.items():
        yield prefix + name, module, name, "_parameters", p
    for name, b in module._buffers.items():
        yield prefix + name, module, name, "_buffers", b
    for name, child in module._modules.items():
        if child is not None:
            yield from _walk(child, prefix + name + ".")


def _owner(module, dotted: str):
    *path, attr = dotted.split(".")
    for p in path:
        module = getattr(module, p)
    return module, attr


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *,
                    tie_weights: builtins.bool = True, strict: builtins.bool = False):
    """``module(*args, **kwargs)`` with the tensors of ``parameter_and_buffer_dicts`` (a dict,
    or a tuple/list of dicts with distinct keys; dotted names) in place of its parameters and
    buffers; the module is restored afterwards, also when the call raises."""
    dicts = parameter_and_buffer_dicts
    if isinstance(dicts, dict):
        mapping = dict(dicts)
    elif isinstance(dicts, (tuple, list)):
        mapping = {}
        seen: dict = {}
        for d in dicts:
            for k in d:
                seen[k] = seen.get(k, 0) + 1
        dup = [k for k, n in seen.items() if n > 1]
        if dup:
            raise ValueError(f"{dup} appeared in multiple dictionaries; behavior of functional "
                             "call is ambiguous")
        for d in dicts:
            mapping.update(d)
    else:
        raise ValueError(f"Expected parameter_and_buffer_dicts to be a dict, or a list/tuple "
                         f"of dicts, but got {type(dicts)}")
    entries = list(_walk(module))
    known = {e[0] for e in entries}
    if strict:
        missing = sorted(known - set(mapping))
        unexpected = sorted(set(mapping) - known)
        if missing or unexpected:
            msg = f"Error(s) in reparametrizing for {type(module).__name__}:"
            if unexpected:
                msg += "\n\tUnexpected key(s): " + ", ".join(f"'{k}'" for k in unexpected) + "."
            if missing:
                msg += "\n\tMissing key(s): " + ", ".join(f"'{k}'" for k in missing) + "."
            raise RuntimeError(msg)
    if tie_weights:           # a tensor given under one of its tied names serves them all
        by_obj = {}
        for qual, _, _, _, t in entries:
            if qual in mapping and t is not None:
                by_obj[id(t)] = mapping[qual]
        for qual, _, _, _, t in entries:
            if qual not in mapping and t is not None and id(t) in by_obj:
                mapping[qual] = by_obj[id(t)]
    saved: list[tuple] = []   # (owner, attr, store or None, old value or a marker)
    missing_marker = object()
    try:
        for qual, value in mapping.items():
            owner, attr = _owner(module, qual)
            for store in ("_parameters", "_buffers"):
                d = getattr(owner, store)
                if attr in d:
                    saved.append((owner, attr, store, d[attr]))
                    d[attr] = value
                    break
            else:
                saved.append((owner, attr, None, owner.__dict__.get(attr, missing_marker)))
                object.__setattr__(owner, attr, value)
        call_args = args if isinstance(args, tuple) else (() if args is None else (args,))
        return module(*call_args, **(kwargs or {}))
    finally:
        for owner, attr, store, old in reversed(saved):
            if store is not None:
                getattr(owner, store)[attr] = old
            elif old is missing_marker:
                owner.__dict__.pop(attr, None)
            else:
                object.__setattr__(owner, attr, old)


def stack_module_state(models) -> tuple[dict, dict]:
    """``(params, buffers)``: each parameter and buffer of the same-class ``models`` stacked
    along a new leading dimension (the model-ensembling recipe: ``vmap`` over them with
    ``functional_call``).  Stacked parameters are new leaves that require grad when the
    models' do."""
    from ._shape_ops import stack
    models = list(models)
    if not models:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if any(type(m) is not type(models[0]) for m in models):
        raise RuntimeError("stack_module_state: Expected all models to be of the same class.")

    def stacked(named: list[dict], leaf: builtins.bool) -> dict:
        out = {}
        for name in named[0]:
            ts = [n[name] for n in named]
            flags = {t.requires_grad for t in ts}
            if leaf and len(flags) > 1:
                raise RuntimeError(f"Expected {name} from each model to have the same "
                                   ".requires_grad")
            r = stack([t.detach() for t in ts])
            out[name] = r.requires_grad_(True) if leaf and flags == {True} else r
        return out
    params = stacked([dict(m.named_parameters()) for m in models], True)
    buffers = stacked([dict(m.named_buffers()) for m in models], False)
    return params, buffers

