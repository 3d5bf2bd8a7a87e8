"""``tf.app.flags`` / ``tf.flags``: command-line flags on :mod:`argparse`.

``DEFINE_string('data_dir', '/tmp', 'help')`` declares a flag; ``FLAGS.data_dir`` reads it.  The
command line is parsed on the first attribute read (or by ``tf.app.run``); unknown arguments are
left for the program (``FLAGS.unparsed``), as absl does with ``parse_known_args``.
"""

from __future__ import annotations

import argparse
import sys


def _bool(v) -> bool:
    if isinstance(v, bool):
        return v
    s = str(v).lower()
    if s in ("1", "true", "t", "yes", "y"):
        return True
    if s in ("0", "false", "f", "no", "n"):
        return False
    raise argparse.ArgumentTypeError(f"Boolean value expected, got {v!r}")


class _FlagValues:
    """The flags object: attribute access parses ``sys.argv`` once."""

    def __init__(self):
        object.__setattr__(self, "_parser", argparse.ArgumentParser(allow_abbrev=False))
        object.__setattr__(self, "_values", {})
        object.__setattr__(self, "_defaults", {})
        object.__setattr__(self, "_parsed", False)
        object.__setattr__(self, "unparsed", [])
        object.__setattr__(self, "_bools", set())

    def _define(self, name: str, default, help: str, type_, **kw) -> None:  # noqa: A002
        if name in self._defaults:
            raise ValueError(f"Flag --{name} is already defined")
        self._defaults[name] = default
        if type_ is bool:
            self._parser.add_argument(f"--{name}", action="store_true", default=default,
                                      help=help)
            self._parser.add_argument(f"--no{name}", dest=name, action="store_false")
            self._bools.add(name)
        else:
            self._parser.add_argument(f"--{name}", default=default, type=type_, help=help, **kw)
        if self._parsed:
            self._values[name] = default

    def __call__(self, argv=None):
        """Parse ``argv`` (default ``sys.argv``); returns the arguments left unparsed."""
        argv = sys.argv if argv is None else argv
        args = []
        for a in argv[1:]:                  # --flag=false -> --noflag for boolean flags
            name, eq, val = a[2:].partition("=") if a.startswith("--") else ("", "", "")
            if eq and name in self._bools:
                a = f"--{name}" if _bool(val) else f"--no{name}"
            args.append(a)
        known, rest = self._parser.parse_known_args(args)
        self._values.update(vars(known))
        object.__setattr__(self, "_parsed", True)
        object.__setattr__(self, "unparsed", rest)
        return [argv[0] if argv else ""] + rest

    def _parse_flags(self, args=None):
        return self(args)

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in self._defaults:
            raise AttributeError(f"Unknown command line flag '{name}'")
        if not self._parsed:
            self()
        return self._values.get(name, self._defaults[name])

    def __setattr__(self, name: str, value) -> None:
        if name not in self._defaults:
            raise AttributeError(f"Unknown command line flag '{name}'")
        self._values[name] = value

    def __contains__(self, name: str) -> bool:
        return name in self._defaults

    def flag_values_dict(self) -> dict:
        return {k: getattr(self, k) for k in self._defaults}

    def reset(self) -> None:
        """Forget every flag (tests)."""
        _FlagValues.__init__(self)


FLAGS = _FlagValues()


def DEFINE_string(name, default, help, **kw): FLAGS._define(name, default, help, str)  # noqa
def DEFINE_integer(name, default, help, **kw): FLAGS._define(name, default, help, int)  # noqa
def DEFINE_float(name, default, help, **kw): FLAGS._define(name, default, help, float)  # noqa
def DEFINE_boolean(name, default, help, **kw): FLAGS._define(name, default, help, bool)  # noqa


DEFINE_bool = DEFINE_boolean


def DEFINE_enum(name, default, enum_values, help, **kw):  # noqa: N802
    FLAGS._define(name, default, help, str, choices=list(enum_values))


def DEFINE_list(name, default, help, **kw):  # noqa: N802
    FLAGS._define(name, default if not isinstance(default, str) else default.split(","), help,
                  lambda s: s.split(","))
