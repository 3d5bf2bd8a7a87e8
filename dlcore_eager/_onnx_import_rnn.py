"""ONNX ``RNN``, ``LSTM`` and ``GRU`` for ``dlcore_eager.onnx_import``: the operators as ONNX
defines them, run with eager operations (a Python loop over the run-time time steps), so an
imported recurrent model takes any sequence length and gradients reach its weights.

Inputs ``X`` (T, batch, D) (``layout=1``: batch, T, D), ``W`` (dirs, G*H, D), ``R``
(dirs, G*H, H), optional ``B`` (dirs, 2*G*H) = ``[Wb, Rb]``, ``initial_h``/``initial_c``
(dirs, batch, H); outputs ``Y`` (T, dirs, batch, H), ``Y_h`` and ``Y_c`` (dirs, batch, H).
Gate blocks in ONNX's order, with the default activations::

    LSTM (i, o, f, c):  i, o, f = s(x Wi' + h Ri' + b), ...;  c~ = tanh(...)
                        C = f * C + i * c~;  H = o * tanh(C)
    GRU (z, r, h):      z, r = s(x Wz' + h Rz' + Wbz + Rbz), ...
                        h~ = tanh(x Wh' + r * (h Rh' + Rbh) + Wbh)      (linear_before_reset=1)
                        h~ = tanh(x Wh' + (r * h) Rh' + Rbh + Wbh)      (linear_before_reset=0)
                        H = (1 - z) * h~ + z * H
    RNN:                H = f(x Wi' + h Ri' + Wbi + Rbi), f Tanh (default) or Relu

``direction`` forward, reverse or bidirectional.  ``sequence_lens`` (batch,): sequence ``b``
runs its first ``sequence_lens[b]`` steps (a reverse direction from its last valid step back),
its state stays put past them and ``Y`` is zero there, so ``Y_h``/``Y_c`` are the states at
its last valid step; each step blends with the mask ``t < sequence_lens`` (as PyTorch's
packed sequences give).  Peepholes ``P``, ``clip``, ``input_forget`` and other activations
raise ``NotImplementedError`` naming them.
"""

from __future__ import annotations

from typing import Any

_GATES = {"LSTM": 4, "GRU": 3, "RNN": 1}


def _check(kind: str, a: dict, peep) -> None:
    if peep is not None:
        raise NotImplementedError(f"ONNX import: {kind} with peepholes (input P)")
    for name in ("clip", "input_forget", "activation_alpha", "activation_beta"):
        if a.get(name):
            raise NotImplementedError(f"ONNX import: {kind} with attribute {name!r}")
    acts = [v.decode() if isinstance(v, bytes) else v for v in a.get("activations", [])]
    default = {"LSTM": ["Sigmoid", "Tanh", "Tanh"], "GRU": ["Sigmoid", "Tanh"],
               "RNN": ["Tanh"]}[kind]
    per = len(default)
    for d in range(0, len(acts), per):
        if acts[d:d + per] != default and not (kind == "RNN" and acts[d:d + per] == ["Relu"]):
            raise NotImplementedError(f"ONNX import: {kind} with activations {acts}")


def _step(kind: str, a: dict, x_t, h, c, w, r, wb, rb):
    """One time step of one direction: the new (h, c)."""
    hid = h.shape[-1]

    def blocks(t):
        return [t[..., k * hid:(k + 1) * hid] for k in range(_GATES[kind])]
    xw = x_t @ w.t()
    if wb is not None:
        xw = xw + wb
    if kind == "GRU":
        xz, xr, xh = blocks(xw)
        hr = h @ r.t()
        hz, hrr, hh = blocks(hr if rb is None else hr + rb)
        z, rg = (xz + hz).sigmoid(), (xr + hrr).sigmoid()
        if a.get("linear_before_reset", 0):
            cand = (xh + rg * hh).tanh()
        else:
            rh = (rg * h) @ r[2 * hid:].t()
            cand = (xh + (rh if rb is None else rh + rb[2 * hid:])).tanh()
        return (1 - z) * cand + z * h, None
    g = xw + h @ r.t()
    if rb is not None:
        g = g + rb
    if kind == "RNN":
        acts = a.get("activations", [b"Tanh"])
        relu = (acts[0].decode() if isinstance(acts[0], bytes) else acts[0]) == "Relu"
        return (g.relu() if relu else g.tanh()), None
    i, o, f, cc = blocks(g)
    c = f.sigmoid() * c + i.sigmoid() * cc.tanh()
    return o.sigmoid() * c.tanh(), c


def recurrent(kind: str):
    """``run(attrs, X, W, R, B, sequence_lens, initial_h, initial_c, P)`` for the importer:
    returns ``(Y, Y_h)`` or ``(Y, Y_h, Y_c)``."""
    def run(a: dict, x, w, r, b=None, seq_lens=None, h0=None, c0=None, peep=None):
        from ._shape_ops import stack
        from .creation import zeros
        _check(kind, a, peep)
        if int(a.get("layout", 0)):
            x = x.transpose(0, 1)
            h0 = None if h0 is None else h0.transpose(0, 1)
            c0 = None if c0 is None else c0.transpose(0, 1)
        direction = a.get("direction", b"forward")
        direction = direction.decode() if isinstance(direction, bytes) else direction
        steps, batch = x.shape[0], x.shape[1]
        hid = int(a["hidden_size"]) if "hidden_size" in a else r.shape[-1]
        g = _GATES[kind] * hid
        ys, hs, cs = [], [], []
        for d in range(w.shape[0]):
            reverse = direction == "reverse" or (direction == "bidirectional" and d == 1)
            h = h0[d] if h0 is not None else zeros(batch, hid, dtype=x.dtype)
            c = c0[d] if c0 is not None else (zeros(batch, hid, dtype=x.dtype)
                                              if kind == "LSTM" else None)
            wb, rb = (b[d][:g], b[d][g:]) if b is not None else (None, None)
            out: list[Any] = [None] * steps
            for t in (range(steps - 1, -1, -1) if reverse else range(steps)):
                h2, c2 = _step(kind, a, x[t], h, c, w[d], r[d], wb, rb)
                if seq_lens is None:
                    h, c = h2, c2
                    out[t] = h
                    continue
                keep = (seq_lens > t).to(x.dtype).unsqueeze(1)       # (batch, 1): 1 while t runs
                h = keep * h2 + (1 - keep) * h
                if c2 is not None:
                    c = keep * c2 + (1 - keep) * c
                out[t] = keep * h2
            ys.append(stack(out, 0) if steps else zeros(0, batch, hid, dtype=x.dtype))
            hs.append(h)
            cs.append(c)
        y = stack(ys, 1)                                   # (T, dirs, batch, H)
        y_h = stack(hs, 0)
        if int(a.get("layout", 0)):
            y, y_h = y.permute(2, 0, 1, 3), y_h.transpose(0, 1)
        if kind != "LSTM":
            return y, y_h
        y_c = stack(cs, 0)
        return y, y_h, (y_c.transpose(0, 1) if int(a.get("layout", 0)) else y_c)
    return run
