"""Recurrent layers with PyTorch's names, shapes, parameters and initialisation: ``RNN``,
``LSTM``, ``GRU`` (num_layers, bias, batch_first, dropout between layers, bidirectional, initial
states, packed sequences, LSTM projections: proj_size) and the single-step ``RNNCell``,
``LSTMCell``, ``GRUCell``.

Each step is dlcore's cell composite (``dlcore.ops.sequence``), run by an ordinary Python loop
over time, so the tape records every step like any other eager code.  One layer and direction:

    xw = X W_ih^T + b_ih (+ b_hh)         one matmul over all time steps (rows of X: N, D)
    for t in time (reversed for the reverse direction):
        z = xw[rows of t] + h[:bs_t] W_hh^T;  h[:bs_t], c[:bs_t] = cell update(z, ...)

A padded input (T, B, D) and a ``PackedSequence`` share this code: the input is held as its
``data`` rows (time-major, ``bs_t`` rows at step t; a padded batch has ``bs_t = B``), so a packed
batch simply stops updating a sequence's state after its last step, as PyTorch does.

A batch of three steps or more (no autocast, no LSTM projections; dropout between layers or
not) runs each layer and direction as the fused ``lstm_seq``, ``gru_seq`` or
``rnn_seq`` primitive instead of the step loop (``_rnn_fused``: the reverse direction over the
time-reversed inputs; a packed batch padded around the layer): the same values, in two kernel
calls (forward, and backpropagation through time) per layer and direction.
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from dlcore import ops as _ops
from dlcore.ops import sequence as _seq

from .. import _autocast, _lane
from .. import _dispatch as _D
from .._graph import labelled
from ..creation import empty, zeros
from ..tensor import Tensor
from ..tracing import _RECORDERS
from . import _rnn_checks as _checks
from . import _rnn_fused as _fused
from . import functional as F
from . import init
from .module import Module, Parameter
from .utils.rnn import PackedSequence

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _run_direction(mode, xw, steps, h, c, w_hh, b_hh, reverse, w_hr=None):
    """One layer, one direction over ``steps`` [(row offset, batch size)]: returns the outputs
    in time order (a list of (bs_t, H) tensors), the final h and (LSTM) c.  Each step's hidden
    product is ``F.linear(h, w_hh, b_hh)``, as PyTorch's cells compute it (under autocast in
    its lower precision, ``xw`` then holding ``x W_ih^T + b_ih`` only; else ``b_hh`` is GRU's,
    the other modes' being in ``xw``).  ``w_hr`` (an LSTM with projections): each step's h
    is ``(o * tanh(c)) W_hr^T``."""
    outs = [None] * len(steps)
    full = h.shape[0]
    rows = xw.shape[0]
    order = range(len(steps) - 1, -1, -1) if reverse else range(len(steps))
    for t in order:
        off, bs = steps[t]
        # (one step, a decoder's: xw itself, no slice)
        x_t = xw if bs == rows else _ops.getitem(xw, (slice(off, off + bs),))
        hp = h if bs == full else _ops.getitem(h, (slice(0, bs),))
        # h W_hh^T (+ b_hh: GRU's, or every mode's under autocast; the others' b_hh is in
        # xw) as F.linear computes it: one addmm node through its lane, the same values as
        # the matmul and add it replaced (issue 19: a seq2seq decoder's steps)
        hz = F.linear(hp, w_hh, b_hh)
        if mode == "GRU":
            hn = _seq.gru_gates(x_t, hz, hp)
        else:
            z = _ops.add(x_t, hz)
            if mode == "LSTM":
                cp = c if bs == full else _ops.getitem(c, (slice(0, bs),))
                hn, cn = _seq.lstm_gates(z, cp)
                if w_hr is not None:
                    hn = F.linear(hn, w_hr)
                c = cn if bs == full else _ops.concatenate(
                    [cn, _ops.getitem(c, (slice(bs, full),))], 0)
            else:
                hn = _ops.tanh(z) if mode == "RNN_TANH" else _ops.relu(z)
        outs[t] = hn
        h = hn if bs == full else _ops.concatenate([hn, _ops.getitem(h, (slice(bs, full),))], 0)
    return outs, h, c


_FUSED_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
#: The fewest time steps run as the fused layer: a fused layer's fixed cost (the reshapes and
#: slices around it, its gradient's product for ``W_hh`` and the bias sum) is a few eager ops
#: more than one step of the loop, so one and two steps run the loop (measured below).
_FUSED_FROM = 3


class RNNBase(Module):
    """The multi-layer recurrent network shared by ``RNN``, ``LSTM`` and ``GRU``."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device=None,
                 dtype=None) -> None:
        super().__init__()
        if not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1 or \
                isinstance(dropout, bool):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", UserWarning,
                          stacklevel=2)
        if not isinstance(hidden_size, int) or hidden_size <= 0:
            raise ValueError("hidden_size must be an integer greater than zero")
        if not isinstance(num_layers, int) or num_layers <= 0:
            raise ValueError("num_layers must be an integer greater than zero")
        if not isinstance(proj_size, int) or proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable "
                             "projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        real = proj_size or hidden_size        # the size of h (LSTM with projections: h W_hr^T)
        g = _GATES[mode] * hidden_size
        self._flat_weights_names = []
        for layer in range(num_layers):
            for sfx in ("", "_reverse")[: 2 if bidirectional else 1]:
                d_in = input_size if layer == 0 else real * (2 if bidirectional else 1)
                shapes: list[tuple[str, tuple[int, ...]]] = [("weight_ih", (g, d_in)),
                                                             ("weight_hh", (g, real))]
                if bias:
                    shapes += [("bias_ih", (g,)), ("bias_hh", (g,))]
                if proj_size:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                for name, shape in shapes:
                    full = f"{name}_l{layer}{sfx}"
                    setattr(self, full, Parameter(empty(*shape, dtype=dtype, device=device)))
                    self._flat_weights_names.append(full)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for name in self._flat_weights_names:
            init.uniform_(getattr(self, name), -stdv, stdv)

    def flatten_parameters(self) -> None:
        """PyTorch packs cuDNN's weights here; dlcore's weights are already separate tensors."""

    @property
    def _flat_weights(self) -> list:
        return [getattr(self, n) for n in self._flat_weights_names]

    @property
    def all_weights(self) -> list:
        per = (4 if self.bias else 2) + (1 if self.proj_size else 0)
        w = self._flat_weights
        return [w[i:i + per] for i in range(0, len(w), per)]

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s

    # ------------------------------------------------------------------ forward
    def _check_hidden(self, hx, expected, what="hidden"):
        if tuple(hx.size()) != tuple(expected):     # (torch's hx.size(): a list's AttributeError)
            raise RuntimeError(f"Expected {what} size {tuple(expected)}, got {list(hx.shape)}")

    def forward(self, input, hx=None):
        lstm = self.mode == "LSTM"
        ndir = 2 if self.bidirectional else 1
        packed = isinstance(input, PackedSequence)
        unbatched = False
        if packed:
            data, batch_sizes, sorted_idx, unsorted_idx = input
            bsz = [int(b) for b in np.asarray(batch_sizes._buf)]
            B = bsz[0]
            steps, off = [], 0
            for b in bsz:
                steps.append((off, b))
                off += b
            x = data
        else:
            if input.dim() not in (2, 3):
                raise ValueError(f"{self._name()}: Expected input to be 2D or 3D, got "   # (only
                                 f"{input.dim()}D{' tensor' * (self._name() == 'RNN')} instead")
            unbatched = input.dim() == 2
            x = input.unsqueeze(1) if unbatched else input
            if self.batch_first and not unbatched:
                x = x.transpose(0, 1)
            T, B = x.shape[0], x.shape[1]
            steps = [(t * B, B) for t in range(T)]
            x = x.reshape(T * B, x.shape[2])
            sorted_idx = unsorted_idx = None
        if hx is not None and not packed:
            _checks.hx_dims(hx, lstm, unbatched)
        ac = _autocast.active()
        _checks.input_dtype(self, input, packed and lstm, ac)
        if x.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {x.shape[-1]}")
        shape = (self.num_layers * ndir, B, self.proj_size or self.hidden_size)
        c_shape = (self.num_layers * ndir, B, self.hidden_size)
        h0 = c0 = None
        if hx is not None:
            # (torch's LSTM indexes hx: a tuple or a list of two; _VF.lstm refuses the rest,
            # a packed batch's first; an unbatched one's hx is rebuilt from hx[0], hx[1])
            if lstm and packed:
                _checks.packed_lstm_hx(hx)
            h0, c0 = (hx[0], hx[1]) if lstm else (hx, None)
            if unbatched:
                h0 = h0.unsqueeze(1)
                c0 = c0.unsqueeze(1) if c0 is not None else None
            if sorted_idx is not None:
                h0 = _seq.gather(h0, sorted_idx, 1)
                c0 = _seq.gather(c0, sorted_idx, 1) if c0 is not None else None
            self._check_hidden(h0, shape, "hidden[0]" if lstm else "hidden")   # (torch's
            if c0 is not None:                                                 # names)
                self._check_hidden(c0, c_shape, "hidden[1]")
            if lstm and not unbatched:
                _checks.packed_lstm_hx(hx, dims=False)
            if not ac:
                c0 = _checks.state_dtype(self, h0, c0, lstm and not packed)
        if h0 is None:
            h0 = zeros(*shape, dtype=x.dtype, device=x.device)
        if lstm and c0 is None:
            c0 = zeros(*c_shape, dtype=x.dtype, device=x.device)
        hs, cs = [], []
        # each layer and direction runs as one fused primitive (lstm_seq, gru_seq, rnn_seq;
        # a packed batch padded around it, _rnn_fused.Packing) from _FUSED_FROM steps, dropout
        # between layers in training applied to a layer's whole output as in the loop (the
        # same draws); LSTM projections and autocast keep the step loop, where each step is
        # PyTorch's linear(x, W_ih, b_ih) + linear(h, W_hh, b_hh), both in autocast's lower
        # precision
        fused = len(steps) >= _FUSED_FROM and \
            x._buf.dtype in _FUSED_DTYPES and not ac and not self.proj_size
        packing = _fused.Packing(bsz) if fused and packed else None
        w = self._flat_weights
        per = (4 if self.bias else 2) + (1 if self.proj_size else 0)
        for layer in range(self.num_layers):
            outs = []
            for d in range(ndir):
                k = layer * ndir + d
                p = w[k * per:(k + 1) * per]
                w_ih, w_hh = p[0], p[1]
                b_ih, b_hh = (p[2], p[3]) if self.bias else (None, None)
                if ac or b_ih is None or self.mode == "GRU":
                    xw = F.linear(x, w_ih, b_ih)
                else:               # (b_hh in xw: the steps add h W_hh^T alone)
                    xw = F.linear(x, w_ih, _ops.add(b_ih, b_hh))
                if fused:
                    o, h, c = _fused.direction(self.mode, xw, len(steps), B, h0[k],
                                               c0[k] if c0 is not None else None, w_hh,
                                               b_hh, d == 1, packing)
                    outs.append(o)
                else:
                    o, h, c = _run_direction(self.mode, xw, steps, h0[k],
                                             c0[k] if c0 is not None else None, w_hh,
                                             b_hh if self.mode == "GRU" or ac else None, d == 1,
                                             p[-1] if self.proj_size else None)
                    outs.append(_ops.concatenate(o, 0) if len(o) > 1 else o[0])
                hs.append(h)
                cs.append(c)
            x = outs[0] if ndir == 1 else _ops.concatenate(outs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        h_n = labelled(_ops.stack(hs, 0), "StackBackward0", *hs)
        c_n = labelled(_ops.stack(cs, 0), "StackBackward0", *cs) if lstm else None
        if packed:
            if unsorted_idx is not None:
                h_n = _seq.gather(h_n, unsorted_idx, 1)
                c_n = _seq.gather(c_n, unsorted_idx, 1) if lstm else None
            out = PackedSequence(x, batch_sizes, sorted_idx, unsorted_idx)
        else:
            out = labelled(_ops.reshape(x, (len(steps), B, x.shape[-1])), self._out_label(x), x)
            if unbatched:
                out = out.squeeze(1)
                h_n = h_n.squeeze(1)
                c_n = c_n.squeeze(1) if c_n is not None else None
            elif self.batch_first:
                out = labelled(out.transpose(0, 1), "TransposeBackward0" if lstm
                               else "TransposeBackward1", out)
        return out, ((h_n, c_n) if lstm else h_n)

    def _out_label(self, x) -> str:
        """PyTorch 2.13's CPU grad_fn of the padded output: the two directions' CatBackward0,
        else MkldnnRnnLayerBackward0 for a float32 LSTM (its oneDNN kernel), else the steps'
        StackBackward0."""
        if self.bidirectional:
            return "CatBackward0"
        if self.mode == "LSTM" and x._buf.dtype == np.float32 and not self.proj_size:
            return "MkldnnRnnLayerBackward0"    # (not with projections: oneDNN has none)
        return "StackBackward0"

    def _name(self) -> str:
        return "RNN" if self.mode.startswith("RNN") else self.mode


class RNN(RNNBase):
    """Elman RNN: ``h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)``, act tanh or relu."""

    def __init__(self, *args, **kwargs) -> None:
        nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if len(args) > 3:
            nonlinearity = args[3]
            args = args[:3] + args[4:]
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or "
                             "'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", *args, **kwargs)


class LSTM(RNNBase):
    """Long short-term memory: gates i, f, g, o (PyTorch's order and layout)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    """Gated recurrent unit: gates r, z, n; ``n = tanh(x_n + r (h W_hn^T + b_hn))``."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__("GRU", *args, **kwargs)


# ----------------------------------------------------------------------------- cells
class RNNCellBase(Module):
    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device=None, dtype=None) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        g = num_chunks * hidden_size
        self.weight_ih = Parameter(empty(g, input_size, dtype=dtype, device=device))
        self.weight_hh = Parameter(empty(g, hidden_size, dtype=dtype, device=device))
        if bias:
            self.bias_ih = Parameter(empty(g, dtype=dtype, device=device))
            self.bias_hh = Parameter(empty(g, dtype=dtype, device=device))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for p in self.parameters():
            init.uniform_(p, -stdv, stdv)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += ", bias=False"
        return s

    def _prepare(self, input: Tensor, hx, n_states: int):
        hs = (hx,) if n_states == 1 and type(hx) is Tensor else \
            hx if n_states == 2 and type(hx) is tuple else ()
        if type(input) is Tensor and len(hs) == n_states:
            # a batch and its states as Tensors (every step of a cell loop): the checks below
            # on the buffers' shapes (no Size objects; issue 19: 1.7 -> 0.5 us), anything
            # else (and every error) below
            shape = input._buf.shape
            w = self._parameters["weight_ih"]
            if len(shape) == 2 and shape[1] == self.input_size and \
                    input._buf.dtype is w._buf.dtype:
                want = (shape[0], self.hidden_size)
                for st in hs:
                    if type(st) is not Tensor or st._buf.shape != want:
                        break
                else:
                    if hs[0]._buf.dtype is w._buf.dtype:
                        return input, hs, True
        name = type(self).__name__
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D "
                             "instead")
        batched = input.dim() == 2
        if hx is not None:          # (torch's forward's checks, then _VF's)
            _checks.cell_hx(name, hx, n_states, batched)
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[-1]} "
                               f"expected {self.input_size}")
        x = input if batched else input.unsqueeze(0)
        if hx is None:
            z = zeros(x.shape[0], self.hidden_size, dtype=x.dtype, device=x.device)
            states = (z,) * n_states
        else:
            states = (hx,) if n_states == 1 else (hx[0], hx[1])
            states = tuple(s if batched else s.unsqueeze(0) for s in states)
            for i, s in enumerate(states):      # (torch's texts: hidden0, hidden1)
                if tuple(s.shape) != (x.shape[0], self.hidden_size):
                    raise RuntimeError(f"hidden{i} has inconsistent hidden_size: got "
                                       f"{s.shape[-1]}, expected {self.hidden_size}"
                                       if s.shape[0] == x.shape[0] else
                                       f"Input batch size {x.shape[0]} doesn't match hidden{i} "
                                       f"batch size {s.shape[0]}")
        if not _autocast.active():      # (torch's first matmuls: x W_ih^T, then h W_hh^T)
            _checks.cell_dtypes(x, states[0], self.weight_ih.dtype)
        return x, states, batched

    def _autocast_products(self, x: Tensor, h: Tensor) -> tuple:
        """PyTorch's cells' ``linear(x, W_ih, b_ih)`` and ``linear(h, W_hh, b_hh)``; under
        autocast each in autocast's lower precision (the state update then promotes with a
        float32 cell state, as PyTorch's does)."""
        return (F.linear(x, self.weight_ih, self.bias_ih),
                F.linear(h, self.weight_hh, self.bias_hh))


class RNNCell(RNNCellBase):
    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        x, (h,), batched = self._prepare(input, hx, 1)
        if _autocast.active():
            z = _ops.add(*self._autocast_products(x, h))
            out = _ops.tanh(z) if self.nonlinearity == "tanh" else _ops.relu(z)
        else:
            out = _seq.rnn_cell(x, h, self.weight_ih, self.weight_hh, self.bias_ih,
                                self.bias_hh, self.nonlinearity)
        return out if batched else out.squeeze(0)


class LSTMCell(RNNCellBase):
    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def _mixed_cell_state(self, x: Tensor, h: Tensor, c: Tensor) -> tuple:
        """A cell state of another dtype than the weights' (float32 weights, a float64 c):
        ATen's CPU lstm_cell, the gates in the weights' dtype, then ``cy = f * c + i * g``
        and ``hy = o * tanh(cy)`` promoting to c's dtype (torch returns float64 h and c)."""
        z = F.linear(x, self.weight_ih, self.bias_ih) + F.linear(h, self.weight_hh,
                                                                   self.bias_hh)
        i, f, g, o = z.chunk(4, 1)
        cy = f.sigmoid() * c + i.sigmoid() * g.tanh()
        return o.sigmoid() * cy.tanh(), cy

    def forward(self, input: Tensor, hx=None):
        x, (h, c), batched = self._prepare(input, hx, 2)
        if c._buf.dtype is not h._buf.dtype and not _autocast.active():
            h2, c2 = self._mixed_cell_state(x, h, c)
        elif _autocast.active():
            h2, c2 = _seq.lstm_gates(_ops.add(*self._autocast_products(x, h)), c)
        elif self.bias and x._buf.dtype in _FUSED_DTYPES:    # one fused primitive per step
            h2, c2 = _lstm_step(x, h, c, self.weight_ih, self.weight_hh, self.bias_ih,
                                self.bias_hh)
        else:
            h2, c2 = _seq.lstm_cell(x, h, c, self.weight_ih, self.weight_hh, self.bias_ih,
                                    self.bias_hh)
        return (h2, c2) if batched else (h2.squeeze(0), c2.squeeze(0))


def _no_params(bufs, key) -> dict:
    return {}


def _lstm_step(x, h, c, w_ih, w_hh, b_ih, b_hh):
    """``_seq.lstm_step`` (h', c') of CPU tensors through the eager lane (``small_many``: the
    rule checked once per shapes, then the kernel and one node; was the general ``apply``,
    ~7 us a step of N 16, H 64) and h', c' sliced by the tensor's fast path (the same
    getitem parameters); the primitive's own entry for anything else (a trace records it,
    autocast, other devices)."""
    ts = (x, h, c, w_ih, w_hh, b_ih, b_hh)
    if not _RECORDERS and not _D._AUTOCAST:
        bufs = tuple([t._buf for t in ts])
        for b in bufs:
            if type(b) is not np.ndarray:
                break
        else:
            y = _lane.small_many(_seq.lstm_step_p, ts, bufs, None, _no_params)
            if y is not None:
                n = bufs[2].shape[1]
                return y[:, 0:n], y[:, n:2 * n]
    return _seq.lstm_step(x, h, c, w_ih, w_hh, b_ih, b_hh)


class GRUCell(RNNCellBase):
    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        x, (h,), batched = self._prepare(input, hx, 1)
        # both products through F.linear (PyTorch's cell: two linear calls, then the fused
        # update), two eager ops instead of gru_cell's six (two transposes, matmuls, adds):
        # B 16, D 32, H 64 float32 forward+backward 191 -> 163 us, no-grad forward 56 -> 36
        xz, hz = self._autocast_products(x, h)
        out = _seq.gru_gates(xz, hz, h)
        return out if batched else out.squeeze(0)
