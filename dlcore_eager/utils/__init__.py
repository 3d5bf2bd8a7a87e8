"""``dlcore_eager.utils``: ``data`` (datasets and loaders) and ``dlpack`` interop."""

from . import data, dlpack  # noqa: F401
