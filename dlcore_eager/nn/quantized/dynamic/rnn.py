"""``nn.quantized.dynamic.LSTM`` and ``GRU`` (PyTorch's ``DynamicQuantizedLSTM`` / ``GRU``).

Each layer and direction keeps its two weights as qint8 QTensors (``_packed.quantize_weight``)
and its biases in float.  PyTorch's CPU steps, which these follow so that outputs agree to
float32 rounding: a layer's input projection ``x W_ih^T + b_ih`` is one dynamic int8 linear
map over the whole sequence (one activation scale for all time steps), the recurrent one
``h W_hh^T + b_hh`` one per step (a scale per step); the gates are then PyTorch's LSTM/GRU cell
in float32.  State dict: ``_all_weight_values.<i>.param`` per layer and direction, as
PyTorch's keys; its value here is the tuple ``(w_ih, w_hh, b_ih, b_hh)`` (PyTorch stores a
TorchScript object there, which only its own pickle can hold).  Inference only, as PyTorch's;
``PackedSequence`` input is not supported.
"""

from __future__ import annotations

import numpy as np

from ...._qtensor import QTensor, qint8
from ....tensor import Tensor
from ...layers import ModuleList
from ...module import Module
from ._packed import (
    PackedEntries,
    check_bias,
    check_qweight,
    float_input,
    linear_dynamic,
    quantize_weight,
)

_F32 = np.dtype(np.float32)
_GATES = {"LSTM": 4, "GRU": 3}


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return (np.float32(1) / (np.float32(1) + np.exp(-z))).astype(_F32, copy=False)


class PackedParameter(PackedEntries):
    """One layer-direction's ``(w_ih, w_hh, b_ih, b_hh)``, saved as ``param``."""

    names = ("param",)
    _version = 1

    def __init__(self, params: tuple) -> None:
        super().__init__()
        object.__setattr__(self, "param", params)

    def value(self, name: str):
        return self.param

    def check(self, name: str, value) -> str | None:
        if not (isinstance(value, tuple) and len(value) == 4):
            return "expected a (w_ih, w_hh, b_ih, b_hh) tuple"
        w_ih, w_hh = self.param[0], self.param[1]
        return check_qweight(value[0], w_ih.shape, "w_ih") or \
            check_qweight(value[1], w_hh.shape, "w_hh") or \
            check_bias(value[2], w_ih.shape[0], "b_ih") or \
            check_bias(value[3], w_hh.shape[0], "b_hh")

    def apply_values(self, values: dict) -> None:
        object.__setattr__(self, "param", tuple(values["param"]))

    def __repr__(self) -> str:
        return "PackedParameter()"


class RNNBase(Module):
    """The dynamic quantized multi-layer LSTM / GRU (see the module docstring)."""

    _FLOAT = ""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, dtype=qint8) -> None:
        super().__init__()
        if dtype is not qint8:
            raise RuntimeError(f"dlcore_eager: dynamic quantized {mode} supports dtype "
                               f"torch.qint8 only, got {dtype}")
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.dtype = dtype
        self.version = 2
        self._all_weight_values = ModuleList()

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    def __repr__(self) -> str:
        return f"DynamicQuantized{self.mode}({self.extra_repr()})"

    def get_weight(self) -> dict:
        out = {}
        for i, p in enumerate(self._all_weight_values):
            layer, d = divmod(i, 2 if self.bidirectional else 1)
            sfx = f"_l{layer}" + ("_reverse" if d else "")
            out["weight_ih" + sfx], out["weight_hh" + sfx] = p.param[0], p.param[1]
        return out

    def get_bias(self) -> dict:
        out = {}
        for i, p in enumerate(self._all_weight_values):
            layer, d = divmod(i, 2 if self.bidirectional else 1)
            sfx = f"_l{layer}" + ("_reverse" if d else "")
            out["bias_ih" + sfx], out["bias_hh" + sfx] = p.param[2], p.param[3]
        return out

    # ------------------------------------------------------------------ forward
    def _cell(self, gi: np.ndarray, gh: np.ndarray, h: np.ndarray, c):
        if self.mode == "LSTM":
            gates = gi + gh
            i, f, g, o = np.split(gates, 4, axis=1)
            c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
            return _sigmoid(o) * np.tanh(c), c
        ir, iz, in_ = np.split(gi, 3, axis=1)
        hr, hz, hn = np.split(gh, 3, axis=1)
        r = _sigmoid(hr + ir)
        z = _sigmoid(hz + iz)
        n = np.tanh(in_ + hn * r)
        return (h - n) * z + n, None

    def forward(self, input, hx=None):
        lstm = self.mode == "LSTM"
        x = float_input(input, f"quantized_{self.mode.lower()}")
        if input._buf.dtype != _F32:
            raise RuntimeError(f"expected scalar type Float but found "
                               f"{input.dtype._legacy}")
        if x.ndim != 3:        # (PyTorch's quantized RNNs take no unbatched input)
            raise RuntimeError(f"input must have 3 dimensions, got {x.ndim}")
        if self.batch_first:
            x = x.transpose(1, 0, 2)
        T, B, _ = x.shape
        if x.shape[2] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {x.shape[2]}")
        ndir = 2 if self.bidirectional else 1
        H = self.hidden_size
        shape = (self.num_layers * ndir, B, H)
        h0, c0 = np.zeros(shape, _F32), np.zeros(shape, _F32)
        if hx is not None:
            if lstm and (not isinstance(hx, tuple) or len(hx) != 2):
                raise RuntimeError("LSTM: expected hx to be a tuple (h_0, c_0)")
            parts = hx if lstm else (hx,)
            bufs = []
            for j, t in enumerate(parts):
                b = float_input(t, self.mode)
                if b.shape != shape:
                    what = f"hidden[{j}]" if lstm else "hidden"
                    raise RuntimeError(f"Expected {what} size {shape}, got {list(b.shape)}")
                bufs.append(b)
            h0 = bufs[0]
            c0 = bufs[1] if lstm else c0
        hs, cs = [], []
        params = [p.param for p in self._all_weight_values]
        for layer in range(self.num_layers):
            outs = []
            for d in range(ndir):
                k = layer * ndir + d
                w_ih, w_hh, b_ih, b_hh = params[k]
                xw = linear_dynamic(x.reshape(T * B, -1), w_ih,
                                    None if b_ih is None else b_ih._buf).reshape(T, B, -1)
                h, c = h0[k], c0[k]
                seq = np.empty((T, B, H), _F32)
                order = range(T - 1, -1, -1) if d else range(T)
                bh = None if b_hh is None else b_hh._buf
                for t in order:
                    h, c = self._cell(xw[t], linear_dynamic(h, w_hh, bh), h, c)
                    seq[t] = h
                outs.append(seq)
                hs.append(h)
                cs.append(c)
            x = outs[0] if ndir == 1 else np.concatenate(outs, axis=2)
        out = x.transpose(1, 0, 2) if self.batch_first else x
        h_n = np.stack(hs)

        def wrap(a):
            return Tensor._wrap(np.ascontiguousarray(a).astype(input._buf.dtype, copy=False))
        if lstm:
            c_n = np.stack(cs)
            return wrap(out), (wrap(h_n), wrap(c_n))
        return wrap(out), wrap(h_n)

    @classmethod
    def from_float(cls, mod, use_precomputed_fake_quant: bool = False):
        """The dynamic quantized copy of a float ``nn.LSTM`` / ``nn.GRU``."""
        from ... import rnn as float_rnn
        want = getattr(float_rnn, cls._FLOAT)
        if type(mod) is not want:
            raise AssertionError(f"nn.quantized.dynamic.{cls._FLOAT}.from_float only works for "
                                 f"nn.{cls._FLOAT}, got {type(mod).__name__}")
        if not mod.bias:             # (PyTorch's from_float asserts it too)
            raise AssertionError("mod.bias must be True")
        if getattr(mod, "proj_size", 0):
            raise NotImplementedError("dlcore_eager: a dynamic quantized LSTM with proj_size is "
                                      "not supported")
        q = cls(mod.input_size, mod.hidden_size, mod.num_layers, mod.bias, mod.batch_first,
                mod.dropout, mod.bidirectional)
        q._all_weight_values = ModuleList()
        for layer in range(mod.num_layers):
            for sfx in ("", "_reverse")[: 2 if mod.bidirectional else 1]:
                def get(name, tail=f"_l{layer}{sfx}"):
                    return getattr(mod, name + tail)
                b_ih = get("bias_ih").detach().float().clone() if mod.bias else None
                b_hh = get("bias_hh").detach().float().clone() if mod.bias else None
                q._all_weight_values.append(PackedParameter(
                    (quantize_weight(get("weight_ih")), quantize_weight(get("weight_hh")),
                     b_ih, b_hh)))
        return q


class LSTM(RNNBase):
    """``nn.quantized.dynamic.LSTM``."""

    _FLOAT = "LSTM"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__("LSTM", *args, **kwargs)
        _zero_weights(self)


class GRU(RNNBase):
    """``nn.quantized.dynamic.GRU``."""

    _FLOAT = "GRU"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__("GRU", *args, **kwargs)
        _zero_weights(self)


def _zero_weights(m: RNNBase) -> None:
    """Zero weights of the right shapes (as a directly built PyTorch module's are untrained);
    ``from_float`` or ``load_state_dict`` gives them their values."""
    from ...._qtensor import per_tensor_affine
    from ....creation import zeros
    g = _GATES[m.mode] * m.hidden_size
    ndir = 2 if m.bidirectional else 1
    for layer in range(m.num_layers):
        d_in = m.input_size if layer == 0 else m.hidden_size * ndir
        for _ in range(ndir):
            def qz(shape):
                return QTensor(np.zeros(shape, np.int8), qint8, per_tensor_affine, 1.0, 0)
            bias = (zeros(g), zeros(g)) if m.bias else (None, None)
            m._all_weight_values.append(PackedParameter(
                (qz((g, d_in)), qz((g, m.hidden_size))) + bias))
