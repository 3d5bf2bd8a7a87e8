"""The text file ``checkpoint`` in a checkpoint directory, as TensorFlow writes it, and the
lookups built on it (``tf.train.latest_checkpoint``, ``get_checkpoint_state``,
``checkpoint_exists``)::

    model_checkpoint_path: "model.ckpt-20"
    all_model_checkpoint_paths: "model.ckpt-10"
    all_model_checkpoint_paths: "model.ckpt-20"

``Saver.save`` (saving.py) rewrites it after each checkpoint.
"""

from __future__ import annotations

import os

from dlcore.io.safetensors_io import write_file_atomic

from . import checkpoint_format


def write_checkpoint_state(directory: str, latest: str, all_paths: list,
                           filename: str = "checkpoint") -> None:
    def rel(p):
        return os.path.relpath(p, directory) if os.path.isabs(p) == os.path.isabs(directory) \
            else p
    lines = [f'model_checkpoint_path: "{rel(latest)}"']
    lines += [f'all_model_checkpoint_paths: "{rel(p)}"' for p in all_paths]
    # a unique temporary name (two Savers of one folder in two threads shared 'checkpoint.tmp':
    # one renamed the other's file away, FileNotFoundError), removed if the write fails
    write_file_atomic(os.path.join(directory, filename), ("\n".join(lines) + "\n").encode())


class CheckpointState:
    def __init__(self, model_checkpoint_path: str, all_model_checkpoint_paths: list):
        self.model_checkpoint_path = model_checkpoint_path
        self.all_model_checkpoint_paths = all_model_checkpoint_paths


def get_checkpoint_state(checkpoint_dir, latest_filename=None):
    """The ``checkpoint`` file of ``checkpoint_dir`` read back, or None when there is none."""
    path = os.path.join(os.fspath(checkpoint_dir), latest_filename or "checkpoint")
    if not os.path.exists(path):
        return None
    latest, every = None, []
    with open(path) as f:
        for line in f:
            key, _, val = line.partition(":")
            val = val.strip().strip('"')
            if not os.path.isabs(val):
                val = os.path.join(os.fspath(checkpoint_dir), val)
            if key.strip() == "model_checkpoint_path":
                latest = val
            elif key.strip() == "all_model_checkpoint_paths":
                every.append(val)
    return None if latest is None else CheckpointState(latest, every)


def latest_checkpoint(checkpoint_dir, latest_filename=None):
    """The newest checkpoint's path prefix in ``checkpoint_dir`` (to pass to ``restore``), or
    None."""
    st = get_checkpoint_state(checkpoint_dir, latest_filename)
    if st is None or not checkpoint_format.exists(st.model_checkpoint_path):
        return None
    return st.model_checkpoint_path


def checkpoint_exists(checkpoint_prefix) -> bool:
    return checkpoint_format.exists(checkpoint_prefix)
