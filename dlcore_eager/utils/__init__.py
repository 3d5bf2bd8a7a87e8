"""``dlcore_eager.utils``: ``data`` (datasets and loaders), ``dlpack`` interop and
``checkpoint`` (activation checkpointing's API)."""

from . import checkpoint, data, dlpack  # noqa: F401
