"""Datasets that make elements: ``from_tensor_slices``, ``from_tensors``, ``range``,
``from_generator``, ``zip``, ``concatenate``.

NumPy arrays and Python values are kept as host arrays (TensorFlow embeds them as constants);
graph tensors (a placeholder, any tensor) are *captured*: their values are read when an
iterator is initialised (``base.py``).
"""

from __future__ import annotations

import numpy as np

from .. import dtypes as _dtypes
from ..errors import InvalidArgumentError
from ..graph import Tensor
from .base import REGISTRY, Context, Dataset, ElementError, scalar_arg
from .structure import (
    Spec,
    Structure,
    flatten,
    host_array,
    most_specific_common,
    shape_compatible,
    shape_text,
)


def _component(v, what: str):
    """A leaf given to a source: a captured Tensor, or a host array."""
    if isinstance(v, Tensor):
        return v
    if hasattr(v, "_as_graph_element"):            # a Variable: its value at initialisation
        return v._as_graph_element()
    if isinstance(v, Dataset):
        raise TypeError(f"{what}: a Dataset is not a tensor (use Dataset.zip to combine "
                        "datasets)")
    return host_array(v, what)


def _no_sparse(structure: Structure, what: str) -> None:
    if structure.sparse_starts():
        raise TypeError(f"{what}: SparseTensor components are not supported here (they are "
                        "in elements made by map, e.g. from parse_example's VarLenFeature)")


def _static(c):
    if isinstance(c, Tensor):
        return c.aval.dtype, c.shape.dims
    return c.dtype, tuple(c.shape)


class TensorSliceDataset(Dataset):
    def __init__(self, tensors):
        what = "Dataset.from_tensor_slices"
        structure = Structure.of(tensors)
        _no_sparse(structure, what)
        comps = [_component(v, what) for v in flatten(tensors)]
        statics = [_static(c) for c in comps]
        n = None
        names = []
        for i, (c, (_, shape)) in enumerate(zip(comps, statics)):
            label = c.name if isinstance(c, Tensor) else f"component {i}"
            if shape is not None and len(shape) == 0:
                raise ValueError(f"{what}: {label} is a scalar; every component must have "
                                 "at least one dimension to slice")
            first = None if shape is None else shape[0]
            if first is not None:
                if n is not None and first != n[0]:
                    raise ValueError(f"{what}: Dimensions {n[0]} and {first} are not "
                                     f"compatible: all components must have the same size in "
                                     f"their first dimension ({n[1]} has {n[0]}, {label} has "
                                     f"{first})")
                n = n or (first, label)
            names.append(label)
        spec = Spec(structure, tuple(dt for dt, _ in statics),
                    tuple(None if s is None else tuple(s[1:]) for _, s in statics))
        super().__init__(spec, captures=[c for c in comps if isinstance(c, Tensor)])
        self._comps = comps
        self._names = names

    def _sizes(self, ctx: Context):
        vals = [ctx.values[c] if isinstance(c, Tensor) else c for c in self._comps]
        sizes = {np.shape(v)[0] if np.ndim(v) else None for v in vals}
        if None in sizes or len(sizes) > 1:
            got = ", ".join(f"{n}: {np.shape(v)}" for n, v in zip(self._names, vals))
            raise InvalidArgumentError(None, None, "Dataset.from_tensor_slices: all components "
                                       f"must have the same size in their first dimension; "
                                       f"got shapes {got}")
        return vals, sizes.pop()

    def _check(self, ctx: Context) -> None:
        self._sizes(ctx)

    def _iterate(self, ctx: Context):
        vals, n = self._sizes(ctx)
        for i in range(n):
            yield tuple(v[i, ...] if v.dtype.kind == "O" else v[i] for v in vals)   # bytes: 0-d


class TensorDataset(Dataset):
    def __init__(self, tensors):
        _no_sparse(Structure.of(tensors), "Dataset.from_tensors")
        comps = [_component(v, "Dataset.from_tensors") for v in flatten(tensors)]
        statics = [_static(c) for c in comps]
        spec = Spec(Structure.of(tensors), tuple(dt for dt, _ in statics),
                    tuple(s for _, s in statics))
        super().__init__(spec, captures=[c for c in comps if isinstance(c, Tensor)])
        self._comps = comps

    def _iterate(self, ctx: Context):
        yield tuple(ctx.values[c] if isinstance(c, Tensor) else c for c in self._comps)


class RangeDataset(Dataset):
    def __init__(self, *args, output_type=None):
        if not 1 <= len(args) <= 3:
            raise ValueError(f"Dataset.range takes 1 to 3 arguments (start, stop, step), got "
                             f"{len(args)}")
        args = tuple(scalar_arg(a, "argument", "Dataset.range") for a in args)
        if len(args) == 1:
            args = (0,) + args
        if len(args) == 2:
            args = args + (1,)
        if isinstance(args[2], int) and args[2] == 0:
            raise ValueError("Dataset.range: step must not be 0")
        dt = np.dtype(np.int64) if output_type is None else _dtypes.as_np(output_type)
        super().__init__(Spec(Structure.of(0), (dt,), ((),)),
                         captures=[a for a in args if isinstance(a, Tensor)])
        self._args = args

    def _iterate(self, ctx: Context):
        start, stop, step = (int(ctx.value(a)) for a in self._args)
        if step == 0:
            raise InvalidArgumentError(None, None, "Dataset.range: step must not be 0")
        dt = self._spec.dtypes[0]
        for i in range(start, stop, step):
            yield (np.asarray(i, dt),)


class GeneratorDataset(Dataset):
    def __init__(self, generator, output_types, output_shapes=None, args=None):
        what = "Dataset.from_generator"
        if not callable(generator):
            raise TypeError(f"{what}: `generator` must be callable, got "
                            f"{type(generator).__name__}")
        spec = Spec.declared(output_types, output_shapes, what)
        structure, dts, shapes = spec.structure, spec.dtypes, spec.shapes
        captures: list = []
        self._args: tuple = ()
        if args is not None:
            self._args = tuple(_component(a, what) for a in args)
            captures = [a for a in self._args if isinstance(a, Tensor)]
        super().__init__(Spec(structure, dts, shapes), captures=captures)
        self._generator = generator

    def _iterate(self, ctx: Context):
        # as TensorFlow's py_func hands them over: NumPy arrays, a 0-d one as its scalar
        # (a tf.string scalar as bytes, so the generator can hash or decode it)
        args = [ctx.values[a] if isinstance(a, Tensor) else a for a in self._args]
        args = [a[()] if isinstance(a, np.ndarray) and a.ndim == 0 else a for a in args]
        for value in self._generator(*args):
            elem: tuple | ElementError
            try:
                elem = self._element(value)
            except InvalidArgumentError as e:   # (this element's: the generator goes on)
                elem = ElementError(e)
            yield elem

    def _element(self, value) -> tuple:
        """A yielded value as the element's flat arrays, checked against the spec."""
        spec = self._spec
        try:
            if spec.structure.kind == "leaf":
                flat = [value]
            else:
                value = tuple(value) if isinstance(value, list) else value
                if not Structure.of(value).same_as(spec.structure):
                    raise TypeError
                flat = flatten(value)
            arrs = [v if dt.kind == "O" else np.asarray(v) for v, dt in zip(flat, spec.dtypes)]
            arrs = [_dtypes.as_bytes_array(a) if dt.kind == "O" else
                    a.astype(dt, copy=False) if a.dtype != dt else a
                    for a, dt in zip(arrs, spec.dtypes)]
        except (TypeError, ValueError):
            raise InvalidArgumentError(
                None, None, f"TypeError: `generator` yielded an element that did not "
                f"match the expected structure. The expected structure was "
                f"{spec.describe_types()}, but the yielded element was {value!r}."
            ) from None
        for a, s in zip(arrs, spec.shapes):
            if not shape_compatible(a.shape, s):
                raise InvalidArgumentError(
                    None, None, f"`generator` yielded an element of shape "
                    f"{shape_text(a.shape)} where an element of shape {shape_text(s)} "
                    "was expected.")
        return tuple(arrs)


class ZipDataset(Dataset):
    def __init__(self, datasets):
        structure = Structure.of(datasets)
        flat = flatten(datasets)
        if not flat or not all(isinstance(d, Dataset) for d in flat):
            raise TypeError("Dataset.zip: `datasets` must be a nested tuple or dict of "
                            f"Dataset objects, got {datasets!r}")
        children = [d._spec.structure for d in flat]
        spec = Spec(_substitute(structure, iter(children)),
                    tuple(dt for d in flat for dt in d._spec.dtypes),
                    tuple(s for d in flat for s in d._spec.shapes))
        super().__init__(spec, children=flat)

    def _iterate(self, ctx: Context):
        its = [d._iterate(ctx) for d in self._children]
        while True:
            out: list = []
            for it in its:
                try:
                    e = next(it)
                except StopIteration:
                    return
                if type(e) is ElementError:     # (TF 1.15's zip_dataset_op: the first input's
                    break                       # error returns at once; the inputs after it
                out.extend(e)                   # are not advanced, those before lose theirs)
            else:
                yield tuple(out)
                continue
            yield e


def _substitute(s: Structure, leaves) -> Structure:
    if s.kind == "leaf":
        return next(leaves)
    return Structure(s.kind, [_substitute(c, leaves) for c in s.children], s.keys, s.cls)


class ConcatenateDataset(Dataset):
    def __init__(self, first: Dataset, second):
        if not isinstance(second, Dataset):
            raise TypeError(f"concatenate: expected a Dataset, got {type(second).__name__}")
        a, b = first._spec, second._spec
        if not a.structure.same_as(b.structure) or a.dtypes != b.dtypes:
            raise TypeError(f"Two datasets to concatenate have different types "
                            f"{a.describe_types()} and {b.describe_types()}")
        if not all(shape_compatible(x, y) for x, y in zip(a.shapes, b.shapes)):
            raise TypeError(f"Two datasets to concatenate have incompatible shapes "
                            f"{a.describe_shapes()} and {b.describe_shapes()}")
        shapes = tuple(most_specific_common(x, y) for x, y in zip(a.shapes, b.shapes))
        super().__init__(Spec(a.structure, a.dtypes, shapes), children=(first, second))

    def _iterate(self, ctx: Context):
        for d in self._children:
            yield from d._iterate(ctx)


REGISTRY.update({
    "from_tensor_slices": TensorSliceDataset, "from_tensors": TensorDataset,
    "range": RangeDataset, "from_generator": GeneratorDataset, "zip": ZipDataset,
    "concatenate": ConcatenateDataset,
})
