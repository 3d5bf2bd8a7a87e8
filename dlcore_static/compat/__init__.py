"""``tf.compat``: the ``v1`` module (``tf.compat.v1.placeholder`` is ``tf.placeholder``) and
TensorFlow's string helpers (``as_bytes``, ``as_text``, ``as_str``).

``import dlcore_static.compat.v1 as tf`` is how TensorFlow 2-era files spell TF1 programs; it
gives the whole of ``dlcore_static``.  ``tf.compat.v2`` is not provided (its names are
TensorFlow 2's).
"""

from __future__ import annotations

from . import v1

__all__ = ["as_bytes", "as_str", "as_str_any", "as_text", "bytes_or_text_types", "v1"]

bytes_or_text_types = (bytes, str)


def as_bytes(bytes_or_text, encoding: str = "utf-8") -> bytes:
    """``bytes_or_text`` as bytes (text is encoded).

    Example::

        >>> import dlcore_static as tf
        >>> tf.compat.as_bytes("abc")
        b'abc'
    """
    if isinstance(bytes_or_text, bytearray):
        return bytes(bytes_or_text)
    if isinstance(bytes_or_text, str):
        return bytes_or_text.encode(encoding)
    if isinstance(bytes_or_text, bytes):
        return bytes_or_text
    raise TypeError(f"Expected binary or unicode string, got {bytes_or_text!r}")


def as_text(bytes_or_text, encoding: str = "utf-8") -> str:
    """``bytes_or_text`` as text (bytes are decoded).

    Example::

        >>> import dlcore_static as tf
        >>> tf.compat.as_text(b"abc")
        'abc'
    """
    if isinstance(bytes_or_text, str):
        return bytes_or_text
    if isinstance(bytes_or_text, bytes):
        return bytes_or_text.decode(encoding)
    raise TypeError(f"Expected binary or unicode string, got {bytes_or_text!r}")


as_str = as_text


def as_str_any(value) -> str:
    """``str(value)``, decoding bytes.

    Example::

        >>> import dlcore_static as tf
        >>> tf.compat.as_str_any(3)
        '3'
    """
    return as_text(value) if isinstance(value, bytes) else str(value)
