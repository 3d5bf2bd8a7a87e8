"""tests/conftest.py starts every test with Python's SIGINT handler when something outside any
test (an import at collection, a module fixture) left SIGINT ignored or at SIG_DFL: the Ctrl-C
tests (tests/reliability/test_mend_data.py, test_probe8_interrupts.py) need it, and failed in a
README run after such a leak on their worker."""

from __future__ import annotations

import signal

import pytest


@pytest.fixture(scope="module", params=[signal.SIG_IGN, signal.SIG_DFL])
def sigint_left_at(request):
    old = signal.signal(signal.SIGINT, request.param)     # as a library's import can
    yield request.param
    signal.signal(signal.SIGINT, old)


def test_the_test_starts_with_pythons_handler(sigint_left_at):
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_handler_set_by_the_test_is_its_own(sigint_left_at):
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    # put back by the conftest after the test (it had Python's handler before)
