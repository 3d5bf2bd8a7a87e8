"""Reading checkpoints without a graph: ``tf.train.load_checkpoint``, ``list_variables``,
``load_variable`` and ``NewCheckpointReader``, as TensorFlow 1 has them.

``ckpt_dir_or_file`` is a checkpoint prefix (``dir/model.ckpt-20``) or a directory, whose latest
checkpoint (from its ``checkpoint`` index file) is read.  Values come from the safetensors file
that ``Saver.save`` wrote (``checkpoint_format``), read lazily and bounded; nothing in the file is
executed.
"""

from __future__ import annotations

import os

import numpy as np

from dlcore import dtypes as _core_dtypes

from . import checkpoint_format
from .errors import NotFoundError

_MAX_BYTES = 16 << 30


def _prefix(ckpt_dir_or_file) -> str:
    from .checkpoint_state import latest_checkpoint
    p = os.fspath(ckpt_dir_or_file)
    if os.path.isdir(p):
        latest = latest_checkpoint(p)
        if not latest:
            raise ValueError(f"Couldn't find 'checkpoint' file or checkpoints in given "
                             f"directory {p}")
        return latest
    if not checkpoint_format.exists(p):
        raise NotFoundError(None, None, f"Unsuccessful TensorSliceReader constructor: Failed "
                            f"to find any matching files for {p}")
    return p


class CheckpointReader:
    """The variables of one checkpoint: ``get_tensor(name)``, ``has_tensor(name)``,
    ``get_variable_to_shape_map()``, ``get_variable_to_dtype_map()``."""

    def __init__(self, ckpt_dir_or_file):
        from .errors import DataLossError
        self._path = _prefix(ckpt_dir_or_file)
        self._members = checkpoint_format.open_variables(
            self._path, f"checkpoint {self._path!r}",
            lambda msg: DataLossError(None, None, msg))

    def has_tensor(self, name: str) -> bool:
        return name in self._members

    def get_tensor(self, name: str) -> np.ndarray:
        if name not in self._members:
            raise NotFoundError(None, None, f"Key {name} not found in checkpoint")
        return self._members.read(name, _MAX_BYTES, allowed_dtypes=_core_dtypes.SUPPORTED)

    def get_variable_to_shape_map(self) -> dict:
        return {n: list(self.get_tensor(n).shape) for n in sorted(self._members.names)}

    def get_variable_to_dtype_map(self) -> dict:
        from .dtypes import as_dtype
        return {n: as_dtype(self.get_tensor(n).dtype) for n in sorted(self._members.names)}


def load_checkpoint(ckpt_dir_or_file) -> CheckpointReader:
    """``tf.train.load_checkpoint``: a reader of the checkpoint (or a directory's latest)."""
    return CheckpointReader(ckpt_dir_or_file)


NewCheckpointReader = load_checkpoint


def list_variables(ckpt_dir_or_file) -> list:
    """``[(name, shape), ...]`` of the checkpoint's variables, sorted by name."""
    return sorted((n, s) for n, s in
                  load_checkpoint(ckpt_dir_or_file).get_variable_to_shape_map().items())


def load_variable(ckpt_dir_or_file, name: str) -> np.ndarray:
    """One variable's value (a ``:0`` suffix is accepted, as TensorFlow does)."""
    if name.endswith(":0"):
        name = name[:-2]
    return load_checkpoint(ckpt_dir_or_file).get_tensor(name)


__all__ = ["CheckpointReader", "NewCheckpointReader", "list_variables", "load_checkpoint",
           "load_variable"]
