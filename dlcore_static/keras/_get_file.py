"""``keras.utils.get_file``: download a file into Keras's cache once, with Keras 3's rules.

The cache is ``$KERAS_HOME`` (read at call time) or ``~/.keras`` (``/tmp/.keras`` when the home
directory is not writable), ``cache_subdir`` below it (``"datasets"``).  A file already in the
cache is used as it is, unless its hash differs from ``file_hash`` (sha256 when the hash has 64
hex digits, md5 otherwise), in which case it is downloaded again.  ``extract=True`` unpacks a
tar or zip archive next to it (Keras 3's names: ``fname`` without a dot names the extraction
folder and the archive is saved as ``<fname>_archive``; with a dot the archive keeps ``fname``
and is unpacked into ``<stem>_extracted``) and returns the folder.  Archives are unpacked with
tarfile's ``data`` filter (no absolute paths, no ``..``, no links out of the folder).

Offline, a download fails with Keras's own message, ``URL fetch failure on <url>: <errno> --
<reason>``, and leaves no partial file behind.
"""

from __future__ import annotations

import hashlib
import os
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile

__all__ = ["get_file", "keras_home", "validate_file"]


def keras_home() -> str:
    """``$KERAS_HOME``, else ``~/.keras`` (``/tmp/.keras`` when home is not writable)."""
    if "KERAS_HOME" in os.environ:
        return os.environ["KERAS_HOME"]
    base = os.path.expanduser("~")
    if not os.access(base, os.W_OK):
        base = "/tmp"
    return os.path.join(base, ".keras")


def _hasher(algorithm: str, file_hash=None):
    if algorithm == "sha256" or (algorithm == "auto" and file_hash is not None
                                 and len(file_hash) == 64):
        return hashlib.sha256()
    return hashlib.md5()


def validate_file(fpath, file_hash, algorithm="auto", chunk_size=65535) -> bool:
    """True when the file's sha256 (64 hex digits) or md5 equals ``file_hash``."""
    hasher = _hasher(algorithm, file_hash)
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest() == str(file_hash)


def _extract(archive_path: str, folder: str, archive_format="auto") -> bool:
    formats = ["tar", "zip"] if archive_format == "auto" else [archive_format]
    for kind in formats:
        if kind == "tar" and tarfile.is_tarfile(archive_path):
            with tarfile.open(archive_path) as archive:
                archive.extractall(folder, filter="data")
            return True
        if kind == "zip" and zipfile.is_zipfile(archive_path):
            with zipfile.ZipFile(archive_path) as archive:
                root = os.path.realpath(folder)
                for info in archive.infolist():
                    target = os.path.realpath(os.path.join(folder, info.filename))
                    if os.path.commonpath([root, target]) != root:
                        raise ValueError(f"get_file: the zip member {info.filename!r} would be "
                                         f"written outside {folder!r}")
                archive.extractall(folder)
            return True
    return False


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None,
             cache_subdir="datasets", hash_algorithm="auto", extract=False,
             archive_format="auto", cache_dir=None, force_download=False) -> str:
    """The local path of ``origin``'s file, downloaded into the cache when not there yet."""
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    base = os.path.expanduser(cache_dir if cache_dir is not None else keras_home())
    os.makedirs(base, exist_ok=True)
    if not os.access(base, os.W_OK):
        base = os.path.join("/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir(), ".keras")
    datadir = os.path.join(base, cache_subdir)
    os.makedirs(datadir, exist_ok=True)
    provided = fname is not None and str(fname) != ""
    fname = os.fspath(fname) if provided else ""
    if not fname:
        fname = os.path.basename(urllib.parse.urlsplit(origin).path)
        if not fname:
            raise ValueError(f"Can't parse the file name from the origin provided: '{origin}'."
                             "Please specify the `fname` argument.")
    elif os.sep in fname:
        raise ValueError("Paths are no longer accepted as the `fname` argument. To specify the "
                         "file's parent directory, use the `cache_dir` argument. "
                         f"Received: fname={fname}")
    extraction_dir = None
    if extract or untar:
        if provided and "." in fname:
            target = os.path.join(datadir, fname)
            extraction_dir = os.path.join(datadir, f"{fname[:fname.find('.')]}_extracted")
        else:
            extraction_dir = os.path.join(datadir, fname)
            target = os.path.join(datadir, f"{fname}_archive")
    else:
        target = os.path.join(datadir, fname)
    download = force_download or not os.path.exists(target)
    if not download and file_hash is not None and not validate_file(target, file_hash,
                                                                    hash_algorithm):
        print(f"A local file was found, but it seems to be incomplete or outdated because the "
              f"{hash_algorithm} file hash does not match the original value of {file_hash} "
              "so we will re-download the data.")
        download = True
    if download:
        _download(origin, target)
        if file_hash is not None and not validate_file(target, file_hash, hash_algorithm):
            raise ValueError(f"Incomplete or corrupted file detected. The {hash_algorithm} file "
                             f"hash does not match the provided value of {file_hash}.")
    if extraction_dir is not None:
        fresh = download or not os.path.isdir(extraction_dir)
        if fresh and not _extract(target, extraction_dir, "tar" if untar else archive_format):
            raise ValueError(f"get_file: {target!r} is not a tar or zip archive")
        return extraction_dir
    return target


def _download(origin: str, target: str) -> None:
    print(f"Downloading data from {origin}")
    message = "URL fetch failure on {}: {} -- {}"
    try:
        try:
            urllib.request.urlretrieve(origin, target)
        except urllib.error.HTTPError as e:
            raise Exception(message.format(origin, e.code, e.msg)) from e  # noqa: TRY002 - Keras's
        except urllib.error.URLError as e:
            raise Exception(message.format(origin, e.errno, e.reason)) from e  # noqa: TRY002
    except BaseException:
        if os.path.exists(target):
            os.remove(target)
        raise
