"""ONNX ``Clip``, ``Split`` and ``Resize`` for ``dlcore_eager.onnx_import``, run with eager
operations as the ONNX specification defines them and onnxruntime computes them (so gradients
reach the float input).

* ``Clip``: ``y = min(max(x, lo), hi)`` (``hi`` wins where ``lo > hi``, as ``clamp``); the
  bounds are the ``min``/``max`` attributes before opset 11 (float32 limits by default) and
  optional scalar inputs from opset 11 on (absent: unbounded).
* ``Split``: ``x`` cut along ``axis`` (default 0, negative from the end) into the node's
  outputs: sizes from the ``split`` attribute (before opset 13) or input (13 on); without them
  into equal parts (the size must divide evenly), or from opset 18 with ``num_outputs`` into
  parts of ``ceil(n / num_outputs)`` with a smaller last one.
* ``Resize`` (opset 10: inputs ``X, scales``, asymmetric coordinates; 11 on: ``X, roi, scales,
  sizes``; 18's ``axes``): the output size is ``floor(n * scale)``, or ``sizes`` (then the scale
  is ``out / n``).  Each resized axis maps output index ``o`` to a source coordinate ``c``
  (``coordinate_transformation_mode``, in float32 as onnxruntime)::

      half_pixel            (o + 0.5) / s - 0.5
      pytorch_half_pixel    (o + 0.5) / s - 0.5, or 0 when out == 1
      align_corners         o (n - 1) / (out - 1), or 0 when out == 1
      asymmetric            o / s
      tf_half_pixel_for_nn  (o + 0.5) / s

  ``nearest`` rounds ``c`` (``nearest_mode``: round_prefer_floor ``ceil(c - 0.5)``,
  round_prefer_ceil ``floor(c + 0.5)``, floor, ceil; opset 10: floor when upsampling, ceil when
  downsampling) and clamps to ``[0, n - 1]``; ``linear`` clamps ``c`` to ``[0, n - 1]`` and
  mixes the two neighbours ``x[i] (1 - w) + x[i + 1] w``, ``i = floor(c)``, ``w = c - i``, one
  axis after the other (multilinear interpolation is separable).  ``cubic``,
  ``tf_crop_and_resize``, ``antialias`` and ``keep_aspect_ratio_policy`` other than ``stretch``
  raise ``NotImplementedError``.
"""

from __future__ import annotations

import numpy as np

from ._host import host as _host
from ._onnx_import_ops import _ints, _str
from .creation import from_numpy


def _bound(v, default, dtype):
    if v is None:
        return default
    b = _host(v).reshape(-1)
    if b.size != 1:
        raise ValueError(f"ONNX import: Clip's min and max must be scalars, got {b.size} "
                         "elements")
    return b[0].item() if np.issubdtype(dtype, np.integer) else float(b[0])


def clip(a: dict, x, lo=None, hi=None):
    dtype = _host(x).dtype
    if "min" in a or "max" in a:             # opset 6: attributes, float32's limits
        lo = float(a.get("min", np.finfo(np.float32).min))
        hi = float(a.get("max", np.finfo(np.float32).max))
    else:
        lo, hi = _bound(lo, None, dtype), _bound(hi, None, dtype)
    if lo is None and hi is None:
        return x
    return x.clamp(min=lo, max=hi)


def split(a: dict, x, sizes=None):
    rank = x.dim()
    axis = int(a.get("axis", 0))
    if not -rank <= axis < rank:
        raise ValueError(f"ONNX import: Split axis {axis} out of range for shape "
                         f"{tuple(x.shape)}")
    axis %= rank
    n, outs = x.shape[axis], int(a["__outputs__"])
    if sizes is not None:
        parts = _ints(sizes)
    elif "split" in a:
        parts = [int(v) for v in a["split"]]
    elif "num_outputs" in a:
        k = int(a["num_outputs"])
        step = -(-n // k)
        parts = [min(step, n - i * step) for i in range(k)]
    else:
        if n % outs:
            raise ValueError(f"ONNX import: Split of axis {axis} (size {n}) of shape "
                             f"{tuple(x.shape)} into {outs} equal parts")
        parts = [n // outs] * outs
    if len(parts) != outs or sum(parts) != n or min(parts, default=0) < 0:
        raise ValueError(f"ONNX import: Split sizes {parts} of axis {axis} (size {n}) of "
                         f"shape {tuple(x.shape)} for {outs} outputs")
    return tuple(x.split(parts, axis))


_MODES = ("half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric",
          "tf_half_pixel_for_nn")


def _source(mode: str, n: int, out: int, scale: np.float32) -> np.ndarray:
    o = np.arange(out, dtype=np.float32)
    half = np.float32(0.5)
    if mode == "half_pixel":
        return (o + half) / scale - half
    if mode == "pytorch_half_pixel":
        return (o + half) / scale - half if out > 1 else np.zeros(out, np.float32)
    if mode == "align_corners":
        return (o * np.float32(n - 1) / np.float32(out - 1) if out > 1
                else np.zeros(out, np.float32))
    if mode == "asymmetric":
        return o / scale
    return (o + half) / scale                  # tf_half_pixel_for_nn


def _nearest(c: np.ndarray, rule: str, scale) -> np.ndarray:
    if rule == "round_prefer_floor":
        return np.ceil(c - np.float32(0.5))
    if rule == "round_prefer_ceil":
        return np.floor(c + np.float32(0.5))
    if rule == "floor":
        return np.floor(c)
    if rule == "ceil":
        return np.ceil(c)
    if rule == "simple":                       # opset 10
        return np.ceil(c) if scale < 1 else np.floor(c)
    raise NotImplementedError(f"ONNX import: Resize with nearest_mode {rule!r}")


def _resize_axis(x, axis: int, out: int, scale, a: dict, opset: int):
    n = x.shape[axis]
    mode = _str(a.get("mode"), "nearest")
    coords = "asymmetric" if opset < 11 else _str(a.get("coordinate_transformation_mode"),
                                                  "half_pixel")
    if coords not in _MODES:
        raise NotImplementedError(f"ONNX import: Resize with coordinate_transformation_mode "
                                  f"{coords!r}")
    c = _source(coords, n, out, np.float32(scale))
    if mode == "nearest":
        rule = "simple" if opset < 11 else _str(a.get("nearest_mode"), "round_prefer_floor")
        i = np.clip(_nearest(c, rule, scale), 0, n - 1).astype(np.int64)
        return x.index_select(axis, from_numpy(i))
    c = np.clip(c, 0, n - 1)
    i0 = np.floor(c).astype(np.int64)
    i1 = np.minimum(i0 + 1, n - 1)
    w = (c - i0).astype(np.float32)
    shape = [1] * x.dim()
    shape[axis] = out
    wt = from_numpy(w.reshape(shape)).to(x.dtype)
    lo, hi = x.index_select(axis, from_numpy(i0)), x.index_select(axis, from_numpy(i1))
    return lo * (1 - wt) + hi * wt


def resize(a: dict, x, *inputs):
    opset = int(a.get("__opset__", 13))
    mode = _str(a.get("mode"), "nearest")
    if mode not in ("nearest", "linear"):
        raise NotImplementedError(f"ONNX import: Resize with mode {mode!r}")
    if int(a.get("antialias", 0)):
        raise NotImplementedError("ONNX import: Resize with antialias=1")
    if _str(a.get("keep_aspect_ratio_policy"), "stretch") != "stretch":
        raise NotImplementedError("ONNX import: Resize with keep_aspect_ratio_policy "
                                  f"{_str(a.get('keep_aspect_ratio_policy'), '')!r}")
    if opset < 11:
        scales, sizes = (inputs[0] if inputs else None), None
    else:
        scales = inputs[1] if len(inputs) > 1 else None
        sizes = inputs[2] if len(inputs) > 2 else None
    rank = x.dim()
    axes = [int(v) % rank for v in a.get("axes", range(rank))]
    shape = tuple(x.shape)
    if sizes is not None and _host(sizes).size:
        outs = _ints(sizes)
        scl = [np.float32(o) / np.float32(shape[ax]) for o, ax in zip(outs, axes)]
    elif scales is not None and _host(scales).size:
        scl = [np.float32(v) for v in _host(scales).reshape(-1)]
        outs = [int(np.float32(shape[ax]) * s) for s, ax in zip(scl, axes)]
    else:
        raise ValueError("ONNX import: Resize needs scales or sizes")
    if len(outs) != len(axes) or min(outs, default=1) < 0:
        raise ValueError(f"ONNX import: Resize of shape {shape} over axes {axes} to {outs}")
    for ax, out, s in zip(axes, outs, scl):
        if out != shape[ax] or s != 1:
            x = _resize_axis(x, ax, out, s, a, opset)
    return x


def ops() -> dict:
    """ONNX operator -> ``run(attrs, *inputs)`` for the operators of this module."""
    return {"Clip": clip, "Split": split, "Resize": resize}
