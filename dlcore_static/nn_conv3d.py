"""``tf.nn`` volumes and factorised convolutions: ``conv3d``, ``conv3d_transpose``,
``max_pool3d``, ``avg_pool3d``, the N-d ``convolution``, ``atrous_conv2d`` and
``separable_conv2d``.

The ``conv`` convention's adapters like those of :mod:`.nn_conv` (which re-exports these), with
TensorFlow 1's arguments: 5-element ``strides``/``ksize`` lists, ``data_format`` 'NDHWC' (the
default) or 'NCDHW', filters laid out DHWIO (``conv3d_transpose``: DHW, out, in).  The layout
lives here, as in 2-D: NDHWC input is transposed to the primitives' NCDHW and the result back.

``atrous_conv2d(value, filters, rate, padding)`` is ``conv2d`` with every tap ``rate`` pixels
apart (``dilations=rate``, stride 1).  ``separable_conv2d`` is a depthwise convolution
(``depthwise_conv2d``, each channel with its own ``channel_multiplier`` filters) followed by a
1x1 ``pointwise`` convolution that mixes the channels, as TensorFlow composes it; both are
plain compositions of the ``conv`` primitive, so gradients come from its vjps.
"""

from __future__ import annotations

from dlcore import ops as _ops

from .frontend import to_tensor
from .nn_conv import _hwio_to_oihw, _layout, _pool, _run, conv2d, depthwise_conv2d


def _dims(shape) -> str:
    return ",".join("?" if d is None else str(d) for d in shape)


def _rank5(op: str, x, f=None) -> None:
    shapes = [x.aval.shape] + ([] if f is None else [f.aval.shape])
    for s in shapes:
        if len(s) != 5:
            raise ValueError(f"Shape must be rank 5 but is rank {len(s)} for '{op}' (op: "
                             f"'{op}') with input shapes: "
                             + ", ".join(f"[{_dims(t)}]" for t in shapes) + ".")


def conv3d(input=None, filter=None, strides=None, padding=None, data_format="NDHWC",
           dilations=None, name=None, filters=None):
    """y = the 3-D cross-correlation of ``input`` with a DHWIO ``filter``
    (``[depth, height, width, in_channels, out_channels]``)."""
    filt = filters if filter is None else filter
    cl, st, dl, pad = _layout("Conv3D", 3, data_format, strides, dilations, padding)
    _rank5("Conv3D", to_tensor(input), to_tensor(filt))

    def fn(xf):
        f = to_tensor(filt)
        c, cg = xf.aval.shape[1], f.aval.shape[3]
        if c is not None and cg is not None and c != cg:
            raise ValueError(f"Depth of input ({c}) must match input depth of filter ({cg}) "
                             f"for 'Conv3D' with input shapes: {list(xf.aval.shape)}, "
                             f"{list(f.aval.shape)}")
        return _ops.conv(xf, _hwio_to_oihw(f, 5), st, pad, dl)
    return _run(name, "Conv3D", input, fn, cl, 5)


def conv3d_transpose(value=None, filter=None, output_shape=None, strides=None, padding="SAME",
                     data_format="NDHWC", name=None, input=None, filters=None, dilations=None):
    """The gradient of conv3d with respect to its input; ``filter`` is (D, H, W, out, in) and
    ``output_shape`` the 5-element shape of the result."""
    x = input if value is None else value
    filt = filters if filter is None else filter
    cl, st, dl, pad = _layout("conv3d_transpose", 3, data_format, strides, dilations, padding)
    shape = [int(d) for d in output_shape]
    if len(shape) != 5:
        raise ValueError(f"conv3d_transpose: output_shape must have 5 elements, got {shape}")
    size = shape[1:4] if cl else shape[2:5]
    _rank5("Conv3DBackpropInputV2", to_tensor(x), to_tensor(filt))

    def fn(xf):
        f = to_tensor(filt)
        c_out = shape[4] if cl else shape[1]
        if f.aval.shape[3] is not None and f.aval.shape[3] != c_out:
            raise ValueError(f"conv3d_transpose: output_shape's channel dimension {c_out} does "
                             f"not match the filter's out_channels {f.aval.shape[3]}")
        return _ops.conv_transpose(xf, _hwio_to_oihw(f, 5), st, pad, dilation=dl,
                                   output_size=size)
    return _run(name, "conv3d_transpose", x, fn, cl, 5)


def max_pool3d(input, ksize, strides, padding, data_format="NDHWC", name=None):
    """The maximum of each ``ksize`` window of a 5-D input ('SAME' pads with -inf)."""
    _rank5("MaxPool3D", to_tensor(input))
    return _pool("max", input, ksize, strides, padding, data_format, name, 3)


def avg_pool3d(input, ksize, strides, padding, data_format="NDHWC", name=None):
    """The mean of each ``ksize`` window of a 5-D input ('SAME' counts only real values)."""
    _rank5("AvgPool3D", to_tensor(input))
    return _pool("avg", input, ksize, strides, padding, data_format, name, 3)


def convolution(input, filter=None, padding=None, strides=None, dilation_rate=None, name=None,
                data_format=None, filters=None, dilations=None):
    """TensorFlow's N-d ``convolution``: the rank (1, 2 or 3 spatial axes) from ``input``;
    ``strides`` and ``dilation_rate`` one value per spatial axis; the filter
    ``(*spatial, in_channels / groups, out_channels)``."""
    filt = filters if filter is None else filter
    x, f = to_tensor(input), to_tensor(filt)
    nd = len(x.aval.shape)
    if nd not in (3, 4, 5) or len(f.aval.shape) != nd:
        raise ValueError(f"convolution: input and filter must both be of rank 3, 4 or 5, got "
                         f"shapes {list(x.aval.shape)} and {list(f.aval.shape)}")
    dil = dilations if dilation_rate is None else dilation_rate
    cl, st, dl, pad = _layout("Convolution", nd - 2, data_format, strides, dil, padding)
    if max(st) > 1 and max(dl) > 1:
        raise ValueError(f"convolution: strides > 1 not supported in conjunction with "
                         f"dilation_rate > 1, got strides {list(st)} and dilation_rate "
                         f"{list(dl)}")

    def fn(xf):
        c, cg = xf.aval.shape[1], f.aval.shape[-2]
        if c is not None and cg and c % cg:
            raise ValueError(f"convolution: the input depth {c} is not a multiple of the "
                             f"filter's input depth {cg}")
        groups = c // cg if c is not None and cg else 1
        return _ops.conv(xf, _hwio_to_oihw(f, nd), st, pad, dl, groups)
    return _run(name, "convolution", x, fn, cl, nd)


def atrous_conv2d(value, filters, rate, padding, name=None):
    """``conv2d`` of NHWC ``value`` with HWIO ``filters`` whose taps are ``rate`` apart."""
    if int(rate) < 1:
        raise ValueError(f"rate {rate} cannot be less than one")
    return conv2d(value, filters, [1, 1, 1, 1], padding, dilations=[1, int(rate), int(rate), 1],
                  name=name or "atrous_conv2d")


def separable_conv2d(input, depthwise_filter, pointwise_filter, strides, padding, rate=None,
                     name=None, data_format=None, dilations=None):
    """``conv2d(depthwise_conv2d(input, depthwise_filter), pointwise_filter)``: the depthwise
    filter (H, W, in, multiplier), the pointwise one (1, 1, in * multiplier, out)."""
    pw = to_tensor(pointwise_filter)
    dw = to_tensor(depthwise_filter)
    ps, ds = pw.aval.shape, dw.aval.shape
    if len(ps) != 4 or tuple(ps[:2]) != (1, 1):
        raise ValueError(f"Shape must be rank 4 with 1x1 spatial dimensions for the pointwise "
                         f"filter, got {list(ps)}")
    if None not in (ds[2], ds[3], ps[2]) and ps[2] != ds[2] * ds[3]:
        raise ValueError(f"separable_conv2d: the pointwise filter's in_channels {ps[2]} must be "
                         f"in_channels * channel_multiplier = {ds[2] * ds[3]}")
    fmt = data_format or "NHWC"
    y = depthwise_conv2d(input, dw, strides, padding, rate=rate, name=name or "separable_conv2d",
                         data_format=fmt, dilations=dilations)
    return conv2d(y, pw, [1, 1, 1, 1], "VALID", data_format=fmt,
                  name=(name or "separable_conv2d") + "_pointwise")
