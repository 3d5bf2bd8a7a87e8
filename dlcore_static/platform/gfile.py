"""``tf.gfile``: TensorFlow's file API on local files (``os``, ``shutil``, ``glob``)."""

from __future__ import annotations

import glob as _glob
import os
import shutil

from ..errors import NotFoundError


def Exists(filename) -> bool:  # noqa: N802 - TensorFlow's names
    return os.path.exists(filename)


def IsDirectory(dirname) -> bool:  # noqa: N802
    return os.path.isdir(dirname)


def MakeDirs(dirname) -> None:  # noqa: N802
    os.makedirs(dirname, exist_ok=True)


def MkDir(dirname) -> None:  # noqa: N802
    os.mkdir(dirname)


def Glob(pattern) -> list:  # noqa: N802
    return sorted(_glob.glob(pattern))


def ListDirectory(dirname) -> list:  # noqa: N802
    if not os.path.isdir(dirname):
        raise NotFoundError(None, None, f"Could not find directory {dirname}")
    return sorted(os.listdir(dirname))


def Remove(filename) -> None:  # noqa: N802
    if not os.path.exists(filename):
        raise NotFoundError(None, None, f"{filename}; No such file or directory")
    os.remove(filename)


def DeleteRecursively(dirname) -> None:  # noqa: N802
    if not os.path.exists(dirname):
        raise NotFoundError(None, None, f"{dirname}; No such file or directory")
    if os.path.isdir(dirname):
        shutil.rmtree(dirname)
    else:
        os.remove(dirname)


def Copy(oldpath, newpath, overwrite=False) -> None:  # noqa: N802
    if os.path.exists(newpath) and not overwrite:
        from ..errors import AlreadyExistsError
        raise AlreadyExistsError(None, None, f"file already exists: {newpath}")
    shutil.copyfile(oldpath, newpath)


def Rename(oldname, newname, overwrite=False) -> None:  # noqa: N802
    if os.path.exists(newname) and not overwrite:
        from ..errors import AlreadyExistsError
        raise AlreadyExistsError(None, None, f"file already exists: {newname}")
    os.replace(oldname, newname)


def Stat(filename):  # noqa: N802
    return os.stat(filename)


def Walk(top, in_order=True):  # noqa: N802
    yield from os.walk(top)


class GFile:
    """A file object (``with tf.gfile.GFile(path, 'w') as f``); a missing file opened for
    reading raises ``NotFoundError``."""

    def __init__(self, name, mode="r"):
        if "r" in mode and not os.path.exists(name):
            raise NotFoundError(None, None, f"{name}; No such file or directory")
        self.name, self.mode = name, mode
        self._f = open(name, mode)  # noqa: SIM115 - closed by close()/__exit__

    def read(self, n=-1):
        return self._f.read(n)

    def readline(self):
        return self._f.readline()

    def readlines(self):
        return self._f.readlines()

    def write(self, data):
        return self._f.write(data)

    def flush(self):
        self._f.flush()

    def close(self):
        self._f.close()

    def size(self):
        return os.path.getsize(self.name)

    def __iter__(self):
        return iter(self._f)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


Open = FastGFile = GFile
