"""Compiler tests: each builds in a fresh default graph; ``CONFIGS`` are the pass configurations
every equivalence test runs under (none, all, each pass alone off).  A Session optimises a plan
on its second run (``compiler.Pipeline``); these tests check the optimised plan itself, so they
run with ``DLCORE_OPTIMIZE_AFTER=1`` (optimised before the first run) unless a test says
otherwise (tests/compiler/test_tiering.py tests the policy)."""

import pytest

import dlcore_static as tf
from dlcore_static.compiler import PASSES

CONFIGS = {"none": (), "all": "all", **{f"all-{p}": {p: False} for p in PASSES}}


@pytest.fixture(autouse=True)
def fresh_graph():
    g = tf.Graph()
    with g.as_default():
        yield g


@pytest.fixture(autouse=True)
def optimize_before_first_run(monkeypatch):
    monkeypatch.setenv("DLCORE_OPTIMIZE_AFTER", "1")

