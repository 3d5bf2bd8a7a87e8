"""``tf.train.Saver``: save and restore variable values as checkpoint files
(``checkpoint_format``: safetensors, no pickle), keep the newest ``max_to_keep`` and record them
in the ``checkpoint`` state file (``checkpoint_state``); ``saving.py`` writes and reads the graph
(``.meta``) beside them."""
from __future__ import annotations

import os
import threading

import numpy as np

from dlcore import dtypes as _core_dtypes
from dlcore import safe_io
from dlcore.deferred_interrupt import deferred_interrupt

from . import checkpoint_format
from ._graph_checks import GraphFileError, _compatible
from .checkpoint_state import write_checkpoint_state
from .errors import InvalidArgumentError, NotFoundError
from .graph_export import export_meta_graph

_MAX_VARIABLE = 16 << 30             # bytes of a variable of partly unknown shape


# One save at a time in a process: a save reads the global step, writes the files and makes its
# checkpoint the ``checkpoint`` file's latest as one step.  A Supervisor's checkpoint thread
# saves as its session starts, while the training loop runs: its save read global step 0, and
# when the loop's own ``sv.saver.save`` at step 20 finished first, the thread's finished last
# and left step 0 as the latest, so a restarted program began again at step 0 (TensorFlow's
# Supervisor guide, tests/programs/static/tf_supervisor_fidtf7.py).
_SAVING = threading.RLock()


class Saver:
    """Save and restore variable values (``save_path + '.safetensors'``, see
    ``checkpoint_format``; no pickle).  Saves are serialised (``_SAVING``)."""

    def __init__(self, var_list=None, max_to_keep: int = 5, **_ignored):
        self._max_to_keep = max_to_keep
        self._kept: list[str] = []
        if var_list is None:
            from .variables import global_variables
            var_list = global_variables()
        if isinstance(var_list, dict):
            self._vars = dict(var_list)
        else:
            self._vars = {v.op.name: v for v in var_list}
        self._embedded: dict = {}

    @staticmethod
    def _file(path: str) -> str:
        path = os.fspath(path)
        return path if path.endswith(".npz") else path + ".npz"

    def save(self, sess, save_path, global_step=None, write_meta_graph: bool | None = None,
             **_ignored) -> str:
        """Write the variables to ``save_path[-global_step]``; also the graph to ``.meta``
        (TensorFlow's default; a graph that cannot be written is skipped with a warning unless
        ``write_meta_graph=True`` was asked for explicitly)."""
        with _SAVING:
            return self._save(sess, save_path, global_step, write_meta_graph)

    def _save(self, sess, save_path, global_step, write_meta_graph) -> str:
        from dlcore.device import to_host
        path = os.fspath(save_path)
        parent = os.path.dirname(path)
        if parent and not os.path.isdir(parent):       # TensorFlow 1's check and message
            raise ValueError(f"Parent directory of {path} doesn't exist, can't save.")
        if global_step is not None:
            step = global_step if isinstance(global_step, int) else int(sess.run(global_step))
            path = f"{path}-{step}"
        arrays = {}
        for name, v in self._vars.items():
            val = sess.variables.get(v.op)
            if val is None:
                from .errors import FailedPreconditionError
                raise FailedPreconditionError(None, v.op, f"Attempting to use uninitialized "
                                              f"value {v.op.name}")
            arrays[name] = np.asarray(to_host(val))
        # A save that fails or is interrupted before it is registered removes the files it
        # made (they were left behind, never counted by max_to_keep); the registration (the
        # kept list, old checkpoints removed, the ``checkpoint`` file) is done as one step.
        fresh = not checkpoint_format.exists(path) and not os.path.exists(path + ".meta")
        try:
            checkpoint_format.write_variables(path, arrays)
            if write_meta_graph or write_meta_graph is None:
                # (a helper: an interrupt raised at a nested ``try:`` line, as the line-traced
                # reliability tests raise one, skips this frame's handler in CPython 3.11)
                _write_meta(path, sess.graph, write_meta_graph)
            with deferred_interrupt():
                kept = [k for k in self._kept if k != path] + [path]
                if self._max_to_keep and len(kept) > self._max_to_keep:
                    for old in kept[:-self._max_to_keep]:
                        checkpoint_format.remove(old)
                    kept = kept[-self._max_to_keep:]
                write_checkpoint_state(os.path.dirname(path) or ".", path, kept)
                self._kept = kept
        except BaseException:
            if fresh and path not in self._kept:
                checkpoint_format.remove(path)
            raise
        return path

    @property
    def last_checkpoints(self) -> list:
        return list(self._kept)

    def recover_last_checkpoints(self, checkpoint_paths) -> None:
        """Take over the checkpoints an earlier Saver kept (those that still exist), so that
        ``max_to_keep`` and the ``checkpoint`` file count them too."""
        self._kept = [os.fspath(p) for p in checkpoint_paths if checkpoint_format.exists(p)]

    def restore(self, sess, save_path=None) -> None:
        """Load every variable's value, all-or-nothing: each key is checked (present, same
        dtype, compatible shape) before any variable changes, and only the members this
        Saver needs are decompressed, each bounded by its variable's size."""
        members = None
        if save_path is None and not self._embedded:
            # (TF 1.15's words: latest_checkpoint() of a directory without one gives None)
            raise ValueError("Can't load save_path when it is None.")
        if save_path is not None:
            label = f"checkpoint {os.fspath(save_path)!r}"
            members = checkpoint_format.open_variables(save_path, label, GraphFileError)
        staged = []
        for name, v in self._vars.items():
            if members is None:
                arr = self._embedded.get(name)
            else:
                arr = _read_checked(members, name, v) if name in members else None
            if arr is None:
                raise NotFoundError(None, v.op, f"Key {name} not found in checkpoint")
            if arr.dtype != v.aval.dtype:
                raise InvalidArgumentError(
                    None, v.op, f"tensor_name = {name}; expected dtype {v.aval.dtype.name} "
                    f"does not equal original dtype {arr.dtype.name}")
            if not _compatible(tuple(v.aval.shape), arr.shape):
                from dlcore.errors import format_shape
                raise InvalidArgumentError(
                    None, v.op, f"Restoring from checkpoint failed: the shape of variable "
                    f"{name} ({format_shape(v.aval.shape)}) does not match the shape stored in "
                    f"the checkpoint ({format_shape(arr.shape)})")
            staged.append((v, arr))
        from dlcore.deferred_interrupt import deferred_interrupt
        with deferred_interrupt():             # every check passed: apply all (a Ctrl-C after,
            for v, arr in staged:              # as after TF1's one restore run)
                v.load(arr, sess)


def _read_checked(members: safe_io.NpzMembers, name: str, v) -> np.ndarray:
    """A checkpoint member read with its variable's size as the bound (a dtype that differs
    is read, still bounded, only to be reported)."""
    if None in v.aval.shape:
        limit = _MAX_VARIABLE
    else:
        limit = int(np.prod(v.aval.shape, dtype=np.int64)) * 8
    return members.read(name, limit, allowed_dtypes=_core_dtypes.SUPPORTED)


def _write_meta(path: str, graph, write_meta_graph) -> None:
    """``Saver.save``'s graph file: one that cannot be written is skipped with a warning
    unless ``write_meta_graph=True`` was asked for explicitly."""
    try:
        export_meta_graph(path + ".meta", graph=graph)
    except (GraphFileError, TypeError, ValueError, NotImplementedError) as e:
        if write_meta_graph:
            raise
        import warnings
        warnings.warn(f"Saver.save: the graph was not written to {path}.meta ({e})",
                      UserWarning, stacklevel=3)
