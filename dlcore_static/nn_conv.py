"""``tf.nn`` for images: ``conv1d``, ``conv2d``, ``conv2d_transpose``, ``depthwise_conv2d``,
``max_pool``/``max_pool2d``/``max_pool1d``, ``avg_pool``/``avg_pool2d``/``avg_pool1d``,
``batch_normalization``, ``local_response_normalization``/``lrn`` and
``tf.extract_image_patches`` (the 3-D, separable and atrous ones live in :mod:`.nn_conv3d`, the
convention's second module): the ``conv`` convention's adapters (``dlcore_static._api``), put under their
``tf.nn`` names from the ops' definition blocks.

TensorFlow's arguments (4-element ``strides``/``ksize`` lists, 'SAME'/'VALID', ``data_format``
'NHWC' or 'NCHW', filters laid out HWIO) turned into the parameters of dlcore's channels-first
primitives.  Layout lives here, at the boundary (see :mod:`dlcore.ops.conv` for the measurement
behind that choice): NHWC input is transposed to NCHW and the result back, and an HWIO filter
is transposed to OIHW; each is a visible ``transpose`` node in the graph.
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops
from dlcore.ops import pool as _pool_ops

from .frontend import constant_value as _frontend_constant_value
from .frontend import rename, to_tensor
from .graph import Tensor, get_default_graph


def _spatial(v, n: int, name: str, channels_last: bool, op: str) -> tuple:
    """TF's 1, n or n+2 element strides/ksize/dilations as n spatial values."""
    if v is None:
        return (1,) * n
    if isinstance(v, int):
        return (int(v),) * n
    v = [int(a) for a in v]
    if len(v) == 1:
        return (v[0],) * n
    if len(v) == n:
        return tuple(v)
    if len(v) == n + 2:
        if (v[0], v[-1] if channels_last else v[1]) != (1, 1):
            raise ValueError(f"{op}: {name} in the batch and depth dimensions must be 1, got {v}")
        return tuple(v[1:-1] if channels_last else v[2:])
    raise ValueError(f"{op}: {name} should be of length 1, {n} or {n + 2}, got {v}")


def _channels_last(data_format, op: str) -> bool:
    if data_format in (None, "NHWC", "NWC", "NDHWC", "channels_last"):
        return True
    if data_format in ("NCHW", "NCW", "NCDHW", "channels_first"):
        return False
    raise ValueError(f"{op}: data_format must be NHWC/NWC/NDHWC or NCHW/NCW/NCDHW, got "
                     f"{data_format!r}")


def _padding(padding, op: str):
    if isinstance(padding, str):
        if padding.upper() not in ("SAME", "VALID"):
            raise ValueError(f"{op}: padding must be 'SAME' or 'VALID' or a list, got "
                             f"{padding!r}")
        return padding.upper()
    return padding


def _layout(op: str, n: int, data_format, strides, dilations, padding,
            stride_name: str = "strides") -> tuple:
    """TensorFlow's layout arguments of an n-d convolution as (channels_last, strides,
    dilations, padding) for the channels-first primitives."""
    cl = _channels_last(data_format, op)
    return (cl, _spatial(strides, n, stride_name, cl, op),
            _spatial(dilations, n, "dilations", cl, op), _padding(padding, op))


def _to_first(x, nd: int):
    return _ops.transpose(x, (0, nd - 1) + tuple(range(1, nd - 1)))


def _to_last(x, nd: int):
    return _ops.transpose(x, (0,) + tuple(range(2, nd)) + (1,))


def _hwio_to_oihw(w, nd: int):
    return _ops.transpose(w, (nd - 1, nd - 2) + tuple(range(nd - 2)))


def _check_operands(op_type: str, first, first_arg: str, second, second_arg: str) -> None:
    """TensorFlow's check of two inputs of one type attribute: two tensors of different dtypes
    are a TypeError naming the op and both inputs (no promotion; data takes the tensor's)."""
    def as_t(v):
        if isinstance(v, Tensor):
            return v
        conv = getattr(v, "_as_graph_element", None)
        return conv() if conv is not None else None
    a, b = as_t(first), as_t(second)
    if a is not None and b is not None and a.dtype.base_dtype != b.dtype.base_dtype:
        raise TypeError(f"Input '{second_arg}' of '{op_type}' Op has type "
                        f"{b.dtype.base_dtype.name} that does not match type "
                        f"{a.dtype.base_dtype.name} of argument '{first_arg}'.")


def _run(name, scope, x, fn, channels_last, nd):
    g = get_default_graph()
    first = len(g._ops)
    with g.name_scope(name or scope) as made:
        x = to_tensor(x, g)
        xf = _to_first(x, nd) if channels_last else x
        y = fn(xf)
        out = _to_last(y, nd) if channels_last else y
    # TF1's one op (Conv2D, MaxPool, ...): the result takes the scope's own name
    return rename(out, made[:-1], first, False)


def conv2d(input=None, filter=None, strides=None, padding=None, use_cudnn_on_gpu=True,
           data_format="NHWC", dilations=None, name=None, filters=None):
    """y = the 2-D cross-correlation of ``input`` with an HWIO ``filter``."""
    filt = filters if filter is None else filter
    _check_operands("Conv2D", input, "input", filt, "filter")
    cl, st, dl, pad = _layout("conv2d", 2, data_format, strides, dilations, padding)
    if not isinstance(pad, str):       # explicit [[0,0],[t,b],[l,r],[0,0]] (TF 1.14+)
        pad = [tuple(p) for p in (pad[1:3] if cl else pad[2:4])]

    def fn(xf):
        f = to_tensor(filt, None, xf.aval.dtype)        # (NumPy data: the input's dtype)
        w = _hwio_to_oihw(f, 4)
        c, cg = xf.aval.shape[1], f.aval.shape[2]
        if c is not None and cg and c % cg:
            raise ValueError(f"Depth of input ({c}) is not a multiple of input depth of filter "
                             f"({cg}) for 'Conv2D' with input shapes: {list(xf.aval.shape)}, "
                             f"{list(f.aval.shape)}")
        groups = c // cg if c is not None and cg else 1
        return _ops.conv(xf, w, st, pad, dl, groups)
    return _run(name, "Conv2D", input, fn, cl, 4)


def conv1d(value=None, filters=None, stride=None, padding=None, use_cudnn_on_gpu=None,
           data_format="NWC", name=None, input=None, dilations=None):
    """1-D convolution with a (width, in, out) filter."""
    x = input if value is None else value
    _check_operands("Conv2D", x, "input", filters, "filter")
    cl, st, dl, pad = _layout("conv1d", 1, data_format, stride, dilations, padding, "stride")
    return _run(name, "conv1d", x,
                lambda xf: _ops.conv(xf, _hwio_to_oihw(to_tensor(filters), 3), st, pad, dl),
                cl, 3)


def depthwise_conv2d(input, filter, strides, padding, rate=None, name=None, data_format=None,
                     dilations=None):
    """Each input channel convolved with its own ``channel_multiplier`` filters (H, W, C, M)."""
    _check_operands("DepthwiseConv2dNative", input, "input", filter, "filter")
    cl, st, dl, pad = _layout("depthwise_conv2d", 2, data_format, strides,
                              dilations if dilations is not None else rate, padding)

    def fn(xf):
        f = to_tensor(filter)
        kh, kw, c, m = f.aval.shape
        w = _ops.reshape(_ops.transpose(f, (2, 3, 0, 1)), (c * m, 1, kh, kw))
        return _ops.conv(xf, w, st, pad, dl, c)
    return _run(name, "depthwise", input, fn, cl, 4)


def conv2d_transpose(value=None, filter=None, output_shape=None, strides=None, padding="SAME",
                     data_format="NHWC", name=None, input=None, filters=None, dilations=None):
    """The gradient of conv2d with respect to its input; ``filter`` is (H, W, out, in)."""
    x = input if value is None else value
    filt = filters if filter is None else filter
    _check_operands("Conv2DBackpropInput", filt, "filter", x, "out_backprop")
    cl, st, dl, pad = _layout("conv2d_transpose", 2, data_format, strides, dilations, padding)
    shape = _shape_entries(output_shape, "conv2d_transpose")
    if len(shape) != 4:                 # (TF 1.15 nn_ops.conv2d_transpose's checks)
        raise ValueError(f"output_shape must have shape (4,), got ({len(shape)},)")
    fs = to_tensor(filt).aval.shape
    axis = 3 if cl else 1
    xs = to_tensor(x).aval.shape
    if len(fs) == 4 and len(xs) == 4:
        if xs[axis] is not None and fs[3] is not None and xs[axis] != fs[3]:
            raise ValueError(f"input channels does not match filter's input channels, "
                             f"{xs[axis]} != {fs[3]}")
        if shape[axis] is not None and fs[2] is not None and shape[axis] != fs[2]:
            raise ValueError(f"output_shape does not match filter's output channels, "
                             f"{shape[axis]} != {fs[2]}")
    size = shape[1:3] if cl else shape[2:4]
    if None in size:
        raise ValueError("conv2d_transpose: the output_shape's spatial sizes must be known when "
                         f"the graph is built, got {shape}")
    out = _run(name, "conv2d_transpose", x,
               lambda xf: _ops.conv_transpose(xf, _hwio_to_oihw(to_tensor(filt), 4), st, pad,
                                              dilation=dl, output_size=size), cl, 4)
    # TF: the output_shape's known entries; the batch entry not (tf.layers/keras transposes
    # pass a placeholder 1 for an unknown batch)
    out.set_shape([None] + list(shape[1:]))
    return out


def _shape_entries(output_shape, op: str) -> list:
    """The entries of an ``output_shape`` (a list, an array, a constant tensor, or a
    ``tf.stack`` of scalars such as ``[tf.shape(x)[0], 14, 14, 8]``) known when the graph is
    built: ints, None for those computed at run time (TensorFlow's
    ``constant_value_as_shape``)."""
    def constant_value(t):
        while t.op.type in ("Cast", "Identity") and len(t.op.inputs) == 1:
            t = t.op.inputs[0]
        return _frontend_constant_value(t)

    if isinstance(output_shape, Tensor):
        v = constant_value(output_shape)
        if v is not None:
            return [int(d) for d in np.asarray(v).reshape(-1)]
        op_ = output_shape.op
        if op_.type == "Pack" and all(t.aval.ndim == 0 for t in op_.inputs):
            out = []
            for t in op_.inputs:
                c = constant_value(t)
                out.append(None if c is None else int(c))
            return out
        n = output_shape.aval.shape[0] if output_shape.aval.ndim == 1 else None
        if n is None:
            raise ValueError(f"{op}: output_shape must be a 1-D tensor of known length, got "
                             f"{output_shape!r}")
        return [None] * int(n)
    return [None if isinstance(d, Tensor) and constant_value(d) is None else
            int(constant_value(d) if isinstance(d, Tensor) else d) for d in output_shape]


def _pool(kind, value, ksize, strides, padding, data_format, name, n):
    op = f"{kind}_pool"
    cl = _channels_last(data_format, op)
    k = _spatial(ksize, n, "ksize", cl, op)
    s = _spatial(strides, n, "strides", cl, op)
    pad = _padding(padding, op)
    if kind == "max":
        fn = lambda xf: _ops.max_pool(xf, k, s, pad)      # noqa: E731
    else:
        fn = lambda xf: _ops.avg_pool(xf, k, s, pad)      # noqa: E731
    return _run(name, "MaxPool" if kind == "max" else "AvgPool", value, fn, cl, n + 2)


def max_pool(value=None, ksize=None, strides=None, padding=None, data_format="NHWC", name=None,
             input=None):
    x = input if value is None else value
    return _pool("max", x, ksize, strides, padding, data_format, name, to_tensor(x).aval.ndim - 2)


def max_pool_with_argmax(input, ksize, strides, padding, data_format="NHWC", Targmax=None,
                         name=None, output_dtype=None, include_batch_in_index=False):
    """TF1's ``(output, argmax)`` of a 2-D max pool of NHWC ``input``: ``argmax`` holds each
    maximum's flat index ``(y * W + x) * C + c`` (plus ``b * H * W * C`` with
    ``include_batch_in_index``), int64 unless ``Targmax``/``output_dtype`` says int32; the
    first maximum of a window wins; ``output`` is differentiable, ``argmax`` is not.  From the
    core's channels-first pool with PyTorch's per-plane indices ``y * W + x``."""
    op = "MaxPoolWithArgmax"
    if data_format != "NHWC":
        raise ValueError(f"{op}: only the NHWC data_format is supported, got {data_format!r}")
    dt = Targmax if Targmax is not None else output_dtype
    dt = np.dtype(getattr(dt, "as_numpy_dtype", dt) if dt is not None else np.int64)
    g = get_default_graph()
    with g.name_scope(name or op) as scope:
        x = to_tensor(input, g)
        shape = x.aval.shape
        if len(shape) != 4:
            raise ValueError(f"{op}: input must be 4-dimensional (NHWC), got shape "
                             f"{list(shape)}")
        if None in shape[1:]:
            raise ValueError(f"{op}: the height, width and channels must be known, got "
                             f"{list(shape)}")
        _, h, w, c = shape
        k = _spatial(ksize, 2, "ksize", True, op)
        s = _spatial(strides, 2, "strides", True, op)
        values, idx = _pool_ops.max_pool_with_argmax(_to_first(x, 4), k, s, _padding(padding, op))
        idx = _ops.cast(idx, np.int64)
        flat = _ops.add(_ops.mul(idx, c), _ops.reshape(_ops.cast(
            _ops.arange(0, c, 1, np.int64), np.int64), (1, c, 1, 1)))
        if include_batch_in_index:        # the batch index by a running count (N may be None)
            b = _ops.sub(_ops.cumsum(_ops.full_like(flat, 1), 0), 1)
            flat = _ops.add(flat, _ops.mul(b, h * w * c))
        out = _to_last(values, 4), _to_last(_ops.cast(flat, dt), 4)
    g.alias_outputs(scope[:-1], out)    # TF1's one op: MaxPoolWithArgmax:0 output, :1 argmax
    return out


def avg_pool(value=None, ksize=None, strides=None, padding=None, data_format="NHWC", name=None,
             input=None):
    x = input if value is None else value
    return _pool("avg", x, ksize, strides, padding, data_format, name, to_tensor(x).aval.ndim - 2)


def max_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    return _pool("max", input, ksize, strides, padding, data_format, name, 2)


def avg_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    return _pool("avg", input, ksize, strides, padding, data_format, name, 2)


def max_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):
    return _pool("max", input, ksize, strides, padding, data_format, name, 1)


def avg_pool1d(value, ksize, strides, padding, data_format="NWC", name=None):
    return _pool("avg", value, ksize, strides, padding, data_format, name, 1)


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """(x - mean) / sqrt(variance + variance_epsilon) * scale + offset, broadcast as given
    (1-D statistics on the last axis, or statistics of x's rank)."""
    g = get_default_graph()
    with g.name_scope(name or "batchnorm"):
        return _ops.batch_norm(to_tensor(x), mean, variance, scale, offset,
                               float(variance_epsilon), axis=-1)


def local_response_normalization(input, depth_radius=5, bias=1, alpha=1, beta=0.5,
                                 name=None):
    """Local response normalisation across the last axis of 4-D (NHWC) input:
    ``y = x / (bias + alpha sum_{c' in [c - r, c + r]} x_c'^2)^beta`` (``r = depth_radius``, the
    window zero padded at both ends; PyTorch's ``local_response_norm`` divides alpha by the
    window size and is channels-first).

    Example::

        >>> import numpy as np
        >>> x = tf.constant(np.random.randn(1, 2, 2, 6).astype(np.float32))
        >>> y = tf.nn.local_response_normalization(x, depth_radius=2, alpha=0.1)
        >>> tf.Session().run(y).shape
        (1, 2, 2, 6)
    """
    from dlcore.ops.nn_long_tail import lrn as _lrn
    g = get_default_graph()
    first = len(g._ops)
    with g.name_scope(name or "LRN") as made:
        from .unknown_rank_ops import with_rank
        x = with_rank(to_tensor(input, g), 4, "LRN")
        shape = list(x.aval.shape)
        if len(shape) != 4:
            dims = ",".join("?" if d is None else str(d) for d in shape)
            raise ValueError(f"Shape must be rank 4 but is rank {len(shape)} for 'LRN' (op: "
                             f"'LRN') with input shapes: [{dims}].")
        if shape[-1] is None:
            raise ValueError("local_response_normalization: the depth (last) dimension must be "
                             "known when the graph is built")
        r = int(depth_radius)
        out = _lrn(x, -1, r, r, float(bias), float(alpha), float(beta))
    return rename(out, made[:-1], first, False)        # (TF1's one op, LRN)


lrn = local_response_normalization


def extract_image_patches(images, ksizes, strides, rates, padding, name=None):
    """The ``ksizes`` patches of NHWC ``images`` every ``strides`` pixels, their taps
    ``rates`` apart, as depth: ``(N, H, W, C) -> (N, out_rows, out_cols, kh kw C)``, each patch
    laid out (row, col, channel); 'SAME' pads with zeros as a convolution would.

    Example::

        >>> import numpy as np
        >>> x = tf.constant(np.arange(16.0).reshape(1, 4, 4, 1))
        >>> p = tf.extract_image_patches(x, [1, 2, 2, 1], [1, 2, 2, 1], [1, 1, 1, 1], 'VALID')
        >>> tf.Session().run(p).shape
        (1, 2, 2, 4)
    """
    from dlcore.ops.nn_long_tail import unfold
    op = "ExtractImagePatches"
    k = _spatial(ksizes, 2, "ksizes", True, op)
    st = _spatial(strides, 2, "strides", True, op)
    dl = _spatial(rates, 2, "rates", True, op)
    pad = _padding(padding, op)
    if pad not in ("SAME", "VALID"):                  # no explicit padding lists here
        raise ValueError(f"{op}: padding must be 'SAME' or 'VALID', got {padding!r}")
    g = get_default_graph()
    with g.name_scope(name or op):
        x = to_tensor(images, g)
        shape = list(x.aval.shape)
        if len(shape) != 4:
            dims = ",".join("?" if d is None else str(d) for d in shape)
            raise ValueError(f"Shape must be rank 4 but is rank {len(shape)} for '{op}' (op: "
                             f"'{op}') with input shapes: [{dims}].")
        _, h, w, c = shape
        if None in (h, w, c):
            raise ValueError(f"{op}: the height, width and depth of images must be known when "
                             f"the graph is built, got {shape}")
        eff = [d * (kk - 1) + 1 for d, kk in zip(dl, k)]
        if pad == "SAME":
            pads = []
            for size, s, e in zip((h, w), st, eff):
                out = -(-size // s)
                total = max((out - 1) * s + e - size, 0)
                pads.append((total // 2, total - total // 2))
        else:
            pads = [(0, 0), (0, 0)]
            if h < eff[0] or w < eff[1]:
                raise ValueError(f"{op}: the patch {eff} (ksizes with rates) does not fit the "
                                 f"images {h}x{w} with VALID padding")
        xf = _to_first(x, 4)
        if any(lo or hi for lo, hi in pads):
            xf = _ops.pad(xf, [(0, 0), (0, 0)] + pads)
        cols = unfold(xf, k, dl, 0, st)                         # (N, C kh kw, L)
        oh = (h + sum(pads[0]) - eff[0]) // st[0] + 1
        ow = (w + sum(pads[1]) - eff[1]) // st[1] + 1
        y = _ops.reshape(cols, (-1, c, k[0] * k[1], oh, ow))
        y = _ops.transpose(y, (0, 3, 4, 2, 1))
        return _ops.reshape(y, (-1, oh, ow, k[0] * k[1] * c))

