"""TensorFlow 1 Session through ``tensorflow.compat.v1`` (a peer, optional).

TF2's ``compat.v1`` with ``disable_v2_behavior()`` gives TF1 graphs, sessions and v1 control flow.
The programs are in ``_tf1_programs`` and are the same text dlcore_static runs.
"""

from __future__ import annotations

from . import _tf1_programs
from .base import Prepared, Unsupported

NAME = "tf1"
LABEL = "TF1 Session"


def _tf():
    import tensorflow.compat.v1 as tf

    tf.disable_v2_behavior()
    return tf


def available() -> tuple[bool, str]:
    try:
        import tensorflow
    except ImportError:
        return False, "tensorflow not installed (pip install tensorflow; it is an optional peer)"
    except Exception as exc:
        return False, f"tensorflow failed to import ({exc.__class__.__name__}: {exc})"
    return True, tensorflow.__version__


def setup(workload, device: str) -> Prepared:
    tf = _tf()
    if device != "cpu" and not tf.config.list_physical_devices("GPU"):
        raise Unsupported("TensorFlow sees no GPU")
    return _tf1_programs.setup(tf, workload, device)
