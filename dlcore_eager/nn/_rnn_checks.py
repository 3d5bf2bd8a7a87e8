"""The checks nn.RNN/GRU/LSTM and their cells make of their input and initial state, in
torch 2.13's order with its error types and texts (moved out of ``rnn.py``: its 600-line
limit): the forward's rank checks of ``hx``, ``_VF.lstm``'s of the hx it is given, the input
dtype against the weights' (``check_input``), a state dtype against the weights' (the
kernels' refusals), and the cells' forward and ``_VF`` checks."""

from __future__ import annotations

import numpy as np

from .utils.rnn import PackedSequence


def hx_dims(hx, lstm: bool, unbatched: bool) -> None:
    """torch's forward's check of the initial state's rank (before the dtype and size
    checks): an LSTM's ``hx[0]``, ``hx[1]`` (a tuple or a list; one of one state: its
    IndexError), an RNN's or GRU's ``hx`` itself (a tuple or list: its AttributeError)."""
    want, what = (2, "unbatched 2-D") if unbatched else (3, "batched 3-D")
    if lstm:
        d0, d1 = hx[0].dim(), hx[1].dim()
        if d0 != want or d1 != want:
            raise RuntimeError(f"For {what} input, hx and cx should also be {want}-D but got "
                               f"({d0}-D, {d1}-D) tensors")
    elif hx.dim() != want:
        raise RuntimeError(f"For {what} input, hx should also be {want}-D but got "
                           f"{hx.dim()}-D tensor")


def packed_lstm_hx(hx, dims: bool = True) -> None:
    """_VF.lstm's checks of the hx it is given (a packed batch's, a batched one's after the
    forward's): a tuple or list (else the argument parser's TypeError) of two states, each
    (``dims``: a packed batch's, not checked by the forward first) of three dimensions."""
    if not isinstance(hx, (tuple, list)):
        raise TypeError("lstm() received an invalid combination of arguments - got hx of type "
                        f"{type(hx).__name__}, but expected a tuple of Tensors (h_0, c_0)")
    if len(hx) != 2:
        raise RuntimeError("lstm expects two hidden states")
    for st in hx if dims else ():
        d = st.dim()
        if d < 3:
            raise IndexError(f"Dimension out of range (expected to be in range of "
                             f"[{-max(d, 1)}, {max(d, 1) - 1}], but got 2)")


def input_dtype(module, input, packed_lstm: bool, autocast: bool) -> None:
    """torch's ``check_input``: an input whose dtype is not the weights' is refused (outside
    autocast); a packed LSTM's, which torch's forward does not check, as its first matmul
    refuses it."""
    w = module._flat_weights[0]
    data = input.data if isinstance(input, PackedSequence) else input
    if data.dtype == w.dtype or autocast:
        return
    if packed_lstm:
        raise RuntimeError("mat1 and mat2 must have the same dtype, but got "
                           f"{data.dtype._legacy} and {w.dtype._legacy}")
    raise ValueError(f"RNN input dtype ({data.dtype}) does not match weight dtype "
                     f"({w.dtype}). Convert input: input.to({w.dtype}), or convert model: "
                     f"model.to({data.dtype})")


def state_dtype(module, h0, c0, lstm: bool):
    """An initial state whose dtype is not the weights': torch's kernels' refusals (a float32
    LSTM's oneDNN one, for h or c; the others' first matmul of h).  Returns ``c0``: an LSTM's
    cell state only meets elementwise ops off oneDNN, so one that promotes to the weights'
    dtype (float32 c, float64 weights) is taken, converted (exactly: torch's ``f * c``
    promotes it); another dtype refused as the second step's matmul refuses it."""
    w = module._flat_weights[0].dtype
    onednn = lstm and module._flat_weights[0]._buf.dtype == np.float32 and \
        not module.proj_size
    for st in (h0, c0):
        if st is not None and st.dtype != w:
            if onednn:
                raise RuntimeError("get_mkldnn_dtype: unsupported data type")
            if st is c0 and st.is_floating_point() and st.element_size() < w.itemsize:
                return c0.to(w)
            raise RuntimeError("mat1 and mat2 must have the same dtype, but got "
                               f"{st.dtype._legacy} and {w._legacy}")
    return c0


def cell_hx(name: str, hx, n_states: int, batched: bool) -> None:
    """A cell's forward checks of its state (RNNCell/GRUCell: ``hx.dim()``, a tuple's or
    list's AttributeError; LSTMCell: each ``hx[i]``), then ``_VF.lstm_cell``'s of a batched
    one (a tuple or list of two)."""
    if n_states == 1:
        if hx.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected hidden to be 1D or 2D, got {hx.dim()}D "
                             "instead")
        return
    for idx, value in enumerate(hx):
        if value.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected hx[{idx}] to be 1D or 2D, got "
                             f"{value.dim()}D instead")
    if batched and not isinstance(hx, (tuple, list)):
        raise TypeError("lstm_cell(): argument 'hx' (position 2) must be tuple of Tensors, "
                        f"not {type(hx).__name__}")
    if batched and len(hx) != 2:            # (unbatched: torch takes hx[0], hx[1])
        raise RuntimeError("lstm_cell expects two hidden states")


def cell_dtypes(x, h, wd) -> None:
    """A cell's first matmuls (x W_ih^T, then h W_hh^T): an operand of another dtype than
    the weights' (``wd``) refused with the matmul's text."""
    for t in (x, h):
        if t.dtype != wd:
            raise RuntimeError("mat1 and mat2 must have the same dtype, but got "
                               f"{t.dtype._legacy} and {wd._legacy}")
