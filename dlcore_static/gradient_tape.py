"""``tf.GradientTape`` in graph mode (TensorFlow 1.15's, and what a Keras 3 ``train_step``
written for the TensorFlow backend opens): ``tape.gradient(target, sources)`` builds the
gradient ops of ``tf.gradients``.

As TensorFlow's tape, it gives None for a tensor source it did not ``watch`` and, with
``watch_accessed_variables=False``, for an unwatched variable; a non-persistent tape computes
one set of gradients (RuntimeError after).  Unlike TensorFlow's, it does not record which ops
ran inside the ``with`` block: in a graph a target's whole history is differentiated (the same
result whenever the target is computed inside the block, as in the usual training step).
"""

from __future__ import annotations

from .gradients import gradients

__all__ = ["GradientTape"]


def _flatten(x) -> tuple[list, object]:
    """The leaves of ``x`` (a tensor/variable, or nested lists, tuples and dicts) and a
    rebuild of the same structure from a list of leaves."""
    if isinstance(x, dict):
        keys = list(x)
        parts = [_flatten(x[k]) for k in keys]
        leaves = [v for p in parts for v in p[0]]

        def rebuild(vals, parts=parts):
            out, i = {}, 0
            for k, (lv, rb) in zip(keys, parts):
                out[k] = rb(vals[i:i + len(lv)])
                i += len(lv)
            return out
        return leaves, rebuild
    if isinstance(x, (list, tuple)):
        parts = [_flatten(v) for v in x]
        leaves = [v for p in parts for v in p[0]]

        def rebuild_seq(vals, parts=parts, kind=type(x)):
            out, i = [], 0
            for lv, rb in parts:
                out.append(rb(vals[i:i + len(lv)]))
                i += len(lv)
            return kind(out) if kind in (list, tuple) else kind(*out)
        return leaves, rebuild_seq
    return [x], lambda vals: vals[0]


class GradientTape:
    """``with tf.GradientTape() as tape: loss = ...``; ``tape.gradient(loss, variables)``."""

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True):
        self._persistent = bool(persistent)
        self._watch_vars = bool(watch_accessed_variables)
        self._watched: list = []
        self._used = False

    def __enter__(self) -> GradientTape:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def watch(self, tensor) -> None:
        """Ask for gradients with respect to ``tensor`` (a tensor, variable or a nest)."""
        self._watched.extend(_flatten(tensor)[0])

    def _watches(self, source) -> bool:
        if any(source is w for w in self._watched):
            return True
        return self._watch_vars and getattr(source, "_reads", None) is not None and \
            bool(getattr(source, "trainable", True))

    def gradient(self, target, sources, output_gradients=None,
                 unconnected_gradients="none"):
        """d(sum of ``target``)/d(source) for each source, in ``sources``' structure."""
        if self._used and not self._persistent:
            raise RuntimeError("A non-persistent GradientTape can only be used to compute one "
                               "set of gradients (or jacobians)")
        self._used = True
        leaves, rebuild = _flatten(sources)
        targets = _flatten(target)[0]
        watched = [s for s in leaves if self._watches(s)]
        grads = gradients(targets, watched, grad_ys=output_gradients,
                          unconnected_gradients=unconnected_gradients) if watched else []
        by_id = {id(s): g for s, g in zip(watched, grads)}
        return rebuild([by_id.get(id(s)) for s in leaves])  # type: ignore[operator]
