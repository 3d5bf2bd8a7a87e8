"""Sequence workloads (issue 12): an LSTM language-model training step and a batch of
variable-length sequences.  Each workload carries its own programs (``torch_program`` for the
PyTorch-style engines: PyTorch and dlcore_eager run the same text; ``tf1_program`` for the
TF1-style engines), which the engine adapters pick up by name.

* ``LSTMLanguageModel``: PTB "small" (Zaremba et al.): batch 20, 35 steps, vocabulary 10,000,
  2 LSTM layers of 200 units, embedding 200; one SGD step of the mean cross-entropy.  Eager:
  ``nn.Embedding`` + ``nn.LSTM`` + a linear decoder; static: ``embedding_lookup`` +
  ``dynamic_rnn`` over ``MultiRNNCell([LSTMCell] * 2)`` (one while_loop) + the decoder.  The
  weights are one set of arrays in PyTorch's layout (biases zero; ``bias_hh`` frozen, since
  TensorFlow's cell has one bias per gate); the TF program reorders the gates into TensorFlow's
  kernel (i, j, f, o; ``forget_bias=0``) so every engine computes the same training step.
* ``VariableLength``: 32 sequences of lengths 5..100 (32 features, 64 units), the final state of
  each sequence -> a linear read-out, squared error, SGD.  Eager: an ``LSTMCell`` in a Python
  loop over the *true* lengths (sequences sorted by length; the active batch shrinks as they
  end).  Static: ``dynamic_rnn(sequence_length=...)`` over the batch padded to 100 steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
import numpy as np

from .base import FloatArrays, Workload

ORDER = 35


def _uniform(rng, shape, bound):
    return rng.uniform(-bound, bound, shape).astype(np.float32)


def _tf_kernel(w_ih: np.ndarray, w_hh: np.ndarray) -> np.ndarray:
    """PyTorch's (4H, D) and (4H, H), gates i, f, g, o -> TF's (D + H, 4H), gates i, j, f, o."""
    k = np.concatenate([w_ih, w_hh], 1).T
    i, f, g, o = np.split(k, 4, 1)
    return np.ascontiguousarray(np.concatenate([i, g, f, o], 1))


def _set(torch, param, array) -> None:
    with torch.no_grad():
        param.copy_(torch.from_numpy(np.ascontiguousarray(array)))


@dataclass(frozen=True)
class LSTMLanguageModel(Workload):
    """One training step of a word-level LSTM language model."""

    B: int = 20
    T: int = 35
    V: int = 10000
    H: int = 200
    layers: int = 2
    lr: float = 1.0

    @cached_property
    def arrays(self) -> FloatArrays:
        rng = np.random.default_rng(self.seed)
        H, V = self.H, self.V
        a = {"emb": _uniform(rng, (V, H), 0.1), "dec_w": _uniform(rng, (V, H), 0.1),
             "dec_b": np.zeros(V, np.float32),
             "x": rng.integers(0, V, (self.B, self.T)).astype(np.int64),
             "y": rng.integers(0, V, (self.B, self.T)).astype(np.int64)}
        for k in range(self.layers):
            a[f"w_ih{k}"] = _uniform(rng, (4 * H, H), 0.1)
            a[f"w_hh{k}"] = _uniform(rng, (4 * H, H), 0.1)
        return a

    def torch_program(self, torch, device: str):
        from ..engines.base import Prepared
        a = self.arrays
        nn, F = torch.nn, torch.nn.functional
        emb = nn.Embedding(self.V, self.H)
        lstm = nn.LSTM(self.H, self.H, self.layers)
        dec = nn.Linear(self.H, self.V)
        _set(torch, emb.weight, a["emb"])
        _set(torch, dec.weight, a["dec_w"])
        _set(torch, dec.bias, a["dec_b"])
        for k in range(self.layers):
            _set(torch, getattr(lstm, f"weight_ih_l{k}"), a[f"w_ih{k}"])
            _set(torch, getattr(lstm, f"weight_hh_l{k}"), a[f"w_hh{k}"])
            for b in ("bias_ih", "bias_hh"):
                _set(torch, getattr(lstm, f"{b}_l{k}"), np.zeros(4 * self.H, np.float32))
        for k in range(self.layers):       # one trained bias per gate, as TF's cell has
            getattr(lstm, f"bias_hh_l{k}").requires_grad_(False)
        params = [q for q in list(emb.parameters()) + list(lstm.parameters()) +
                  list(dec.parameters()) if q.requires_grad]
        opt = torch.optim.SGD(params, lr=self.lr)
        x = torch.from_numpy(np.ascontiguousarray(a["x"].T))          # (T, B): time-major
        y = torch.from_numpy(np.ascontiguousarray(a["y"].T.reshape(-1)))

        def step() -> float:
            opt.zero_grad()
            out, _ = lstm(emb(x))
            loss = F.cross_entropy(dec(out.reshape(-1, self.H)), y)
            loss.backward()
            opt.step()
            return loss.item()

        return Prepared(step)

    def tf1_program(self, tf, wl):
        a = self.arrays
        x = tf.placeholder(tf.int64, (self.B, self.T))
        y = tf.placeholder(tf.int64, (self.B, self.T))
        emb = tf.Variable(a["emb"], name="emb")
        dec_w = tf.Variable(np.ascontiguousarray(a["dec_w"].T), name="dec_w")
        dec_b = tf.Variable(a["dec_b"], name="dec_b")
        cells = [tf.nn.rnn_cell.LSTMCell(
            self.H, forget_bias=0.0,
            initializer=tf.constant_initializer(_tf_kernel(a[f"w_ih{k}"], a[f"w_hh{k}"])))
            for k in range(self.layers)]
        out, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.MultiRNNCell(cells),
                                   tf.nn.embedding_lookup(emb, x), dtype=tf.float32)
        logits = tf.matmul(tf.reshape(out, (-1, self.H)), dec_w) + dec_b
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=tf.reshape(y, (-1,)), logits=logits))
        train = tf.train.GradientDescentOptimizer(self.lr).minimize(loss)
        feed = {x: a["x"], y: a["y"]}

        def run_step(sess) -> float:
            return float(sess.run([loss, train], feed)[0])

        return run_step, {}


@dataclass(frozen=True)
class VariableLength(Workload):
    """One training step on a batch of sequences of different lengths."""

    N: int = 32
    D: int = 32
    H: int = 64
    min_len: int = 5
    max_len: int = 100
    lr: float = 0.01

    @cached_property
    def arrays(self) -> FloatArrays:
        rng = np.random.default_rng(self.seed)
        H, D = self.H, self.D
        lengths = np.sort(rng.integers(self.min_len, self.max_len + 1, self.N))[::-1].copy()
        lengths[0] = self.max_len
        return {"x": rng.standard_normal((self.N, self.max_len, D)).astype(np.float32),
                "lengths": lengths.astype(np.int64),
                "y": rng.standard_normal((self.N, 1)).astype(np.float32),
                "w_ih": _uniform(rng, (4 * H, D), H ** -0.5),
                "w_hh": _uniform(rng, (4 * H, H), H ** -0.5),
                "w_out": _uniform(rng, (1, H), H ** -0.5)}

    def torch_program(self, torch, device: str):
        from ..engines.base import Prepared
        a = self.arrays
        cell = torch.nn.LSTMCell(self.D, self.H)
        out = torch.nn.Linear(self.H, 1, bias=False)
        _set(torch, cell.weight_ih, a["w_ih"])
        _set(torch, cell.weight_hh, a["w_hh"])
        _set(torch, cell.bias_ih, np.zeros(4 * self.H, np.float32))
        _set(torch, cell.bias_hh, np.zeros(4 * self.H, np.float32))
        _set(torch, out.weight, a["w_out"])
        cell.bias_hh.requires_grad_(False)      # one trained bias per gate, as TF's cell has
        opt = torch.optim.SGD([q for q in list(cell.parameters()) + list(out.parameters())
                               if q.requires_grad], lr=self.lr)
        lengths = [int(n) for n in a["lengths"]]                 # sorted, longest first
        x = torch.from_numpy(np.ascontiguousarray(a["x"].transpose(1, 0, 2)))   # (T, N, D)
        y = torch.from_numpy(a["y"])
        active = [sum(1 for n in lengths if n > t) for t in range(lengths[0])]

        def step() -> float:
            opt.zero_grad()
            h = torch.zeros(self.N, self.H)
            c = torch.zeros(self.N, self.H)
            finals = []
            for t, bs in enumerate(active):        # a Python loop over the true lengths
                if bs < h.shape[0]:                # sequences that ended keep their state
                    finals.append(h[bs:])
                    h, c = h[:bs], c[:bs]
                h, c = cell(x[t, :bs], (h, c))
            finals.append(h)
            last = torch.cat(finals[::-1], 0)      # back in the batch's order
            loss = (out(last) - y).pow(2).mean()
            loss.backward()
            opt.step()
            return loss.item()

        return Prepared(step)

    def tf1_program(self, tf, wl):
        a = self.arrays
        x = tf.placeholder(tf.float32, (self.N, self.max_len, self.D))
        n = tf.placeholder(tf.int64, (self.N,))
        y = tf.placeholder(tf.float32, (self.N, 1))
        cell = tf.nn.rnn_cell.LSTMCell(
            self.H, forget_bias=0.0, initializer=tf.constant_initializer(
                _tf_kernel(a["w_ih"], a["w_hh"])))
        _, state = tf.nn.dynamic_rnn(cell, x, sequence_length=n, dtype=tf.float32)
        w_out = tf.Variable(np.ascontiguousarray(a["w_out"].T), name="w_out")
        loss = tf.reduce_mean(tf.square(tf.matmul(state.h, w_out) - y))
        train = tf.train.GradientDescentOptimizer(self.lr).minimize(loss)
        feed = {x: a["x"], n: a["lengths"], y: a["y"]}

        def run_step(sess) -> float:
            return float(sess.run([loss, train], feed)[0])

        return run_step, {}


def workloads(size: str) -> list[Workload]:
    if size == "tiny":      # the harness's tiny run needs every engine (NumPy by hand too) to
        return []           # speak it; see tests/benchmarks/test_sequence_workloads.py
    if size == "quick":
        return [LSTMLanguageModel("lstm_lm", "sequence",
                                  "LSTM LM step, PTB small shrunk (B 20, T 10, V 2000, H 100)",
                                  T=10, V=2000, H=100),
                VariableLength("varlen_rnn", "sequence",
                               "variable-length LSTM (N 16, lengths 5..30)", N=16,
                               max_len=30)]
    return [LSTMLanguageModel("lstm_lm", "sequence",
                              "LSTM LM step, PTB small (B 20, T 35, V 10k, H 200, 2 layers)"),
            VariableLength("varlen_rnn", "sequence",
                           "variable-length LSTM (N 32, lengths 5..100, D 32, H 64)")]
