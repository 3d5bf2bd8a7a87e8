"""Random ops: sources of random values, sampled anew on every run.

``random_normal``, ``random_uniform`` and ``truncated_normal`` are graph-level source nodes.  A
Session keeps one NumPy generator per seeded op: with ``tf.set_random_seed(s)`` (graph seed)
and/or ``seed=`` (op seed), a new Session gives the same sequence of samples, as in TensorFlow;
without either, samples come from a Session-wide generator seeded by the OS.  Within one run a
random node has one value, shared by all its consumers.
"""

from __future__ import annotations

import numpy as np

from dlcore.device import to_device
from dlcore.registry import AVal

from . import dtypes as _dtypes
from . import plan as _plan
from .graph import Operation, Tensor, TensorShape, get_default_graph


def set_random_seed(seed) -> None:
    """The graph-level seed of the default graph."""
    get_default_graph().seed = None if seed is None else int(seed)


def _shape(shape) -> tuple:
    if isinstance(shape, TensorShape):
        return tuple(shape.as_list())
    if isinstance(shape, Tensor):
        raise NotImplementedError("random ops need a static shape (a list or tuple), not a "
                                  "Tensor")
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(d) for d in shape)


def _random(kind: str, shape, dtype, seed, name, like=None, **params) -> Tensor:
    g = get_default_graph()
    dt = _dtypes.as_np(dtype)
    if like is None:
        from .array_ops import zeros
        from .run_time_shapes import _run_time_shape
        if not isinstance(shape, TensorShape) and _run_time_shape(shape):
            # a shape known at run time (a shape tensor, or ints mixed with scalar tensors,
            # as `K.random_normal(shape=(K.shape(z)[0], dim))`): sample like a filled tensor
            return _random(kind, None, dtype, seed, name, like=zeros(shape, dt), **params)
        dims = _shape(shape)
        if any(d is not None and d < 0 for d in dims):
            # refused while building, as TensorFlow's shape function does: the node would
            # fail every run, and a variable initialised by it every later Keras session's
            # initialisation of the graph's variables
            raise ValueError(f"{kind}: Shape [{','.join(str(d) for d in dims)}] has negative "
                             "dimensions")
        inputs = []
    else:
        dims = like.aval.shape
        inputs = [like]
    op = Operation(g, kind, g.unique_name(name or kind), inputs, [AVal(dims, dt)],
                   attrs={"shape": dims, "dtype": dt, "seed": seed, "params": params})
    return op.outputs[0]


def _is_tensor(v) -> bool:
    return isinstance(v, Tensor) or hasattr(v, "_as_graph_element")


def _scaled(kind, shape, mean, stddev, dtype, seed, name) -> Tensor:
    """Samples of mean 0 and deviation 1, then ``* stddev + mean`` as graph ops (TensorFlow
    accepts tensors for ``mean`` and ``stddev``)."""
    from dlcore import ops as _ops

    from .frontend import to_tensor
    g = get_default_graph()
    with g.name_scope(name or kind) as scope:
        z = _random(kind, shape, dtype, seed, None, mean=0.0, stddev=1.0)
        dt = z.aval.dtype
        out = _ops.mul(z, to_tensor(stddev, g, dt)) if _is_tensor(stddev) else \
            _ops.mul(z, float(stddev))
        out = _ops.add(out, to_tensor(mean, g, dt)) if _is_tensor(mean) else \
            _ops.add(out, float(mean))
    g.rename_op(out.op, scope[:-1], unique=False)      # (the scope's own name)
    return out


def random_normal(shape, mean=0.0, stddev=1.0, dtype=_dtypes.float32, seed=None,
                  name=None) -> Tensor:
    name = name or "random_normal"      # (TF1: the result is its name scope's, random_ops.py)
    if _is_tensor(mean) or _is_tensor(stddev):
        return _scaled("RandomStandardNormal", shape, mean, stddev, dtype, seed, name)
    return _random("RandomStandardNormal", shape, dtype, seed, name, mean=float(mean),
                   stddev=float(stddev))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=_dtypes.float32, seed=None,
                     name=None) -> Tensor:
    name = name or "truncated_normal"
    if _is_tensor(mean) or _is_tensor(stddev):
        return _scaled("TruncatedNormal", shape, mean, stddev, dtype, seed, name)
    return _random("TruncatedNormal", shape, dtype, seed, name, mean=float(mean),
                   stddev=float(stddev))


def random_uniform(shape, minval=0, maxval=None, dtype=_dtypes.float32, seed=None,
                   name=None) -> Tensor:
    dt = _dtypes.as_dtype(dtype)
    if maxval is None:
        if dt.is_integer:
            raise ValueError(f"Must specify maxval for integer dtype {dt!r}")
        maxval = 1.0
    return _random("RandomUniform", shape, dtype, seed, name or "random_uniform", minval=minval, maxval=maxval)


def random_uniform_like(ref: Tensor, minval=0.0, maxval=1.0, seed=None, name=None) -> Tensor:
    """Uniform samples shaped like ``ref`` at run time (its batch size may be unknown)."""
    return _random("RandomUniform", None, ref.dtype, seed, name, like=ref, minval=minval,
                   maxval=maxval)


def _sample(rng: np.random.Generator, kind: str, shape: tuple, dt: np.dtype, p: dict):
    if kind == "RandomStandardNormal":
        out = rng.standard_normal(shape) * p["stddev"] + p["mean"]
    elif kind == "TruncatedNormal":
        out = rng.standard_normal(shape)
        bad = np.abs(out) > 2
        while bad.any():                       # resample beyond two standard deviations
            out[bad] = rng.standard_normal(int(bad.sum()))
            bad = np.abs(out) > 2
        out = out * p["stddev"] + p["mean"]
    elif dt.kind in "iu":           # (keras.random.randint draws in its dtype, as Keras 3)
        out = rng.integers(p["minval"], p["maxval"], size=shape, dtype=dt) if p.get("keras") \
            else rng.integers(p["minval"], p["maxval"], size=shape)
    else:
        out = rng.uniform(p["minval"], p["maxval"], size=shape)
    return np.asarray(out, dtype=dt)


def _rng_for(op: Operation, session) -> np.random.Generator:
    gseed, oseed = op.graph.seed, op.attrs["seed"]
    if op.attrs.get("stateless"):       # keras.random with an int seed: the same draw each run
        return np.random.default_rng([int(oseed), 0])           # (Keras 3's NumPy backend)
    if gseed is None and oseed is None:                # the Session-wide, OS-seeded stream
        return session.random_stream(op, lambda: session.random_stream(
            None, np.random.default_rng))
    return session.random_stream(op, lambda: np.random.default_rng(
        [87654321 if gseed is None else gseed, op._id if oseed is None else int(oseed)]))


def _random_factory(op: Operation, session, device):
    kind, dt, p = op.type, op.attrs["dtype"], op.attrs["params"]
    shape = op.attrs["shape"]
    on_host = device.type == "cpu"

    def sample(*like):
        rng = _rng_for(op, session)
        out = _sample(rng, kind, tuple(like[0].shape) if like else shape, dt, p)
        return out if on_host else to_device(out, device)
    return sample, {}


for _kind in ("RandomStandardNormal", "TruncatedNormal", "RandomUniform"):
    _plan.EXECUTORS[_kind] = _random_factory
