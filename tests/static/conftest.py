"""Each static test builds in a fresh default graph."""

import pytest

import dlcore_static as tf


@pytest.fixture(autouse=True)
def fresh_graph():
    g = tf.Graph()
    with g.as_default():
        yield g
