"""Compiler tests: each builds in a fresh default graph; ``CONFIGS`` are the pass configurations
every equivalence test runs under (none, all, each pass alone off)."""

import pytest

import dlcore_static as tf
from dlcore_static.compiler import PASSES

CONFIGS = {"none": (), "all": "all", **{f"all-{p}": {p: False} for p in PASSES}}


@pytest.fixture(autouse=True)
def fresh_graph():
    g = tf.Graph()
    with g.as_default():
        yield g
