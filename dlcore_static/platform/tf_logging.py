"""``tf.logging``: TensorFlow 1's logging functions on a standard :mod:`logging` logger
named ``tensorflow`` (level WARN by default, messages to standard error)."""

from __future__ import annotations

import logging as _logging

DEBUG, INFO, WARN, ERROR, FATAL = (_logging.DEBUG, _logging.INFO, _logging.WARNING,
                                   _logging.ERROR, _logging.CRITICAL)
WARNING = WARN

_logger = _logging.getLogger("tensorflow")
if not _logger.handlers:
    _h = _logging.StreamHandler()
    _h.setFormatter(_logging.Formatter("%(levelname)s:%(name)s:%(message)s"))
    _logger.addHandler(_h)
    _logger.setLevel(WARN)
    _logger.propagate = False


def get_logger():
    return _logger


def set_verbosity(v) -> None:
    _logger.setLevel(v)


def get_verbosity() -> int:
    return _logger.getEffectiveLevel()


def debug(msg, *args, **kw): _logger.debug(msg, *args, **kw)
def info(msg, *args, **kw): _logger.info(msg, *args, **kw)
def warning(msg, *args, **kw): _logger.warning(msg, *args, **kw)
def error(msg, *args, **kw): _logger.error(msg, *args, **kw)
def fatal(msg, *args, **kw): _logger.critical(msg, *args, **kw)


warn = warning
log = _logger.log
