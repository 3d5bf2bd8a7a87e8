"""``tf.io.gfile``: the snake_case names of ``tf.gfile`` (``dlcore_static.platform.gfile``),
on local files, with TensorFlow's errors (``NotFoundError``, ``AlreadyExistsError``)."""

from __future__ import annotations

from ..platform import gfile as _g

GFile = _g.GFile
copy = _g.Copy
exists = _g.Exists
glob = _g.Glob
isdir = _g.IsDirectory
listdir = _g.ListDirectory
makedirs = _g.MakeDirs
mkdir = _g.MkDir
remove = _g.Remove
rename = _g.Rename
rmtree = _g.DeleteRecursively
stat = _g.Stat


def walk(top, topdown: bool = True, onerror=None):
    """``os.walk``-style triples ``(dirname, subdirs, files)`` under ``top``."""
    import os
    yield from os.walk(top, topdown=topdown, onerror=onerror)


__all__ = ["GFile", "copy", "exists", "glob", "isdir", "listdir", "makedirs", "mkdir",
           "remove", "rename", "rmtree", "stat", "walk"]
