"""Library fixes found by session 18's tutorial programs (tests/programs/eager/, fidpt6): each
checked against real PyTorch 2.13's behaviour."""

from __future__ import annotations

import threading

import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")


def _inference_probe(lib):
    @lib.inference_mode                           # bare, as LLaMA's generate() is decorated
    def bare(x):
        return lib.is_inference_mode_enabled(), lib.is_grad_enabled(), (x * 2).requires_grad

    @lib.inference_mode()
    def called(x):
        return lib.is_inference_mode_enabled(), (x * 2).requires_grad

    x = lib.ones(2, requires_grad=True)
    out = [lib.is_inference_mode_enabled(), bare(x), called(x), bare.__name__]
    with lib.inference_mode():
        out.append(lib.is_inference_mode_enabled())
        with lib.inference_mode(False):
            out.append((lib.is_inference_mode_enabled(), lib.is_grad_enabled()))
        out.append((lib.is_inference_mode_enabled(), lib.is_grad_enabled()))
    out.append((lib.is_inference_mode_enabled(), lib.is_grad_enabled()))
    return out


def test_inference_mode_is_a_bare_decorator_and_reports_itself_as_torch():
    got, want = _inference_probe(dl), _inference_probe(torch)
    assert got == want
    assert want[1] == (True, False, False) and want[-1] == (False, True)


def test_inference_mode_flag_is_per_thread_and_restored_after_an_error():
    seen = []
    with dl.inference_mode():
        t = threading.Thread(target=lambda: seen.append(dl.is_inference_mode_enabled()))
        t.start()
        t.join()
    assert seen == [False]
    with pytest.raises(ZeroDivisionError), dl.inference_mode():
        _ = 1 / 0
    assert not dl.is_inference_mode_enabled() and dl.is_grad_enabled()
