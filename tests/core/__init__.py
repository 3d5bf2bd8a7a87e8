"""Tests of the kernel core (dlcore): kernels against NumPy, vjps against finite differences,
the op table's completeness.  ``op_table`` is importable as ``core.op_table`` (pytest puts
``tests/`` on ``sys.path``)."""
