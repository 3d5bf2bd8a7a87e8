"""Opening and replacing Keras files safely (``saving.py``'s helpers): h5py on demand, a save
written to a temporary file that replaces the old one only when whole, and a damaged file's
h5py/zip/zlib errors as the loader's own ``KerasFileError`` naming the file."""
from __future__ import annotations

import contextlib
import io
import os
import threading
import zipfile
import zlib


class KerasFileError(ValueError):
    """A Keras file that is malformed or does not fit the model."""


def _h5py():
    try:
        import h5py
    except ImportError as e:
        raise ImportError("Keras .h5/.keras files need h5py: pip install 'dlcore[keras-files]'"
                          ) from e
    return h5py


@contextlib.contextmanager
def _replacing(path: str):
    """A temporary file next to ``path`` that replaces it (``os.replace``, atomic) once the
    block has written it: a save that fails or is interrupted half-way (an error reading a
    weight, Ctrl-C) leaves the file that was there, whole, instead of a truncated one."""
    tmp = f"{path}.{os.getpid()}-{threading.get_ident()}.tmp"
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise


def _open_h5(filepath):
    h5py = _h5py()
    try:
        return h5py.File(os.fspath(filepath) if not isinstance(filepath, io.BytesIO)
                         else filepath, "r")
    except OSError as e:
        raise KerasFileError(f"cannot read HDF5 file {str(filepath)[:200]!r}: {e}") from None


@contextlib.contextmanager
def _read_errors(path):
    """A damaged file's errors from h5py, zipfile and zlib (KeyError 'Unable to synchronously
    open object (bad heap free list)', BadZipFile 'Bad CRC-32', zlib.error) as the loader's
    own ``KerasFileError`` naming the file (a missing file stays FileNotFoundError)."""
    try:
        yield
    except FileNotFoundError:
        raise
    except (KeyError, OSError, EOFError, zipfile.BadZipFile, zlib.error, UnicodeError) as e:
        raise KerasFileError(f"cannot read Keras file {str(path)[:200]!r}: "
                             f"{type(e).__name__}: {e}") from e
    except (NotImplementedError, RuntimeError, ValueError) as e:
        # zipfile's ('compressed patched data (flag bit 5)', an encrypted member) and h5py's
        # ('Unable to synchronously check link existence (bad heap free list)') on damaged
        # bytes; the loader's own errors of these types pass as they are
        if isinstance(e, KerasFileError) or _raised_in(e) not in ("zipfile", "h5py"):
            raise
        raise KerasFileError(f"cannot read Keras file {str(path)[:200]!r}: "
                             f"{type(e).__name__}: {e}") from e


def _raised_in(e: BaseException) -> str:
    """The top package of the innermost frame that raised ``e``."""
    tb = e.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    name = tb.tb_frame.f_globals.get("__name__", "") if tb is not None else ""
    return str(name).split(".")[0]
