"""``tf.app.run``: parse the flags, call ``main(argv)``, exit with its return value."""

from __future__ import annotations

import sys

from . import flags

FLAGS = flags.FLAGS


def run(main=None, argv=None):
    """``main(argv)`` after parsing the command line into ``tf.app.flags.FLAGS``; then
    ``sys.exit`` with what ``main`` returned (as TensorFlow does)."""
    rest = flags.FLAGS(sys.argv if argv is None else argv)
    if main is None:
        main = sys.modules["__main__"].main
    sys.exit(main(rest))
