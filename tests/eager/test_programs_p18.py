"""Session 18's tutorial programs (tests/programs/eager/: llama_rope_kv_cache,
mamba_selective_scan, nerf_volume_rendering, siren_poisson, maml_sinusoid,
neural_cellular_automata, kan_bspline, swin_window_attention): beyond printing what torch
prints (test_tutorial_programs.py), each reaches its real outcome under dlcore_eager.  The
library fixes they found are tested in test_program_fixes_p18.py."""

from __future__ import annotations

import re

import pytest
from test_tutorial_programs import PROGRAMS, run, to_dlcore

import dlcore_eager as dl

torch = pytest.importorskip("torch")


def _out(name: str) -> str:
    dl.manual_seed(0)
    return run(to_dlcore((PROGRAMS / name).read_text()), name)


def _floats(pattern: str, text: str) -> list[float]:
    return [float(v) for v in re.findall(pattern, text)]


def test_llama_learns_the_pattern_and_the_kv_cache_generates_the_same_tokens():
    out = _out("llama_rope_kv_cache.py")
    assert "tensor([0.5403+0.8415j, 0.9950+0.0998j])" in out      # polar(1, t * freq)
    assert "torch.Size([2, 6, 4, 8]) torch.Size([2, 6, 2, 8]) True" in out  # rotation keeps norms
    loss = _floats(r"step \d+ loss (\d+\.\d+)", out)
    assert loss[-1] < 0.05 and loss[0] > 2.0
    assert "[[1, 5, 3, 7, 2, 9, 1, 5, 3, 7, 2, 9], [5, 3, 7, 2, 9, 1, 5, 3, 7, 2, 9, 1]]" in out
    assert "True False False" in out          # cached == uncached; no grad; mode left on exit


def test_mamba_scan_matches_its_closed_form_and_learns_the_sequence():
    out = _out("mamba_selective_scan.py")
    assert "torch.Size([2, 5, 32]) True" in out
    loss = _floats(r"loss (\d+\.\d+)", out)
    assert loss[-1] < 0.5 and loss[0] > 5
    assert "accuracy 1.0" in out


def test_nerf_renders_the_ball_better_after_training():
    out = _out("nerf_volume_rendering.py")
    assert "tensor([[1.0000, 0.5000, 0.2500, 0.1250]])" in out           # exclusive cumprod
    assert "tensor([[0.0000, 1.5000, 2.0000, 3.5000, 4.0000]])" in out   # sample_pdf, det
    psnr = _floats(r"held-out psnr (\d+\.\d+)", out)
    assert psnr[-1] > psnr[0] + 5 and "psnr improved True" in out


def test_siren_derivatives_and_poisson_reconstruction():
    out = _out("siren_poisson.py")
    assert out.count("True True") == 2          # autograd gradient/laplace vs analytic
    grad_err = _floats(r"grad err (\d+\.\d+)", out)
    assert grad_err[-1] < 0.3 and grad_err[0] > 1.0
    assert _floats(r"corr (-?\d+\.\d+)", out)[-1] > 0.99


def test_maml_meta_training_lowers_the_query_loss():
    out = _out("maml_sinusoid.py")
    norms = _floats(r"meta-grad norm (\d+\.\d+)", out)
    assert len(norms) == 2 and abs(norms[0] - norms[1]) > 0.1   # second order differs
    meta = _floats(r"meta-loss (\d+\.\d+)", out)
    assert meta[-1] < meta[0]
    for name in ("maml", "pretrained"):         # adaptation steps lower the loss
        row = re.search(rf"^{name} (\S+) (\S+) (\S+)$", out, re.MULTILINE)
        assert row is not None and float(row[3]) < float(row[1]), out


def test_cellular_automaton_grows_toward_the_disc():
    out = _out("neural_cellular_automata.py")
    assert "[0.0, 1.0, 2.0] 1.0 12.0" in out    # identity and Sobel perception
    assert "9 True" in out                      # 3x3 alive seed; zero update leaves it
    loss = _floats(r"loss (\d+\.\d+) lr", out)
    assert loss[-1] < loss[0] * 0.7
    assert "loss below seed's True" in out


def test_kan_splines_fit_the_function():
    out = _out("kan_bspline.py")
    assert "torch.Size([3, 2, 8]) True" in out  # B-spline bases sum to one
    assert re.search(r"^True$", out, re.MULTILINE)      # curve2coeff recovers the coefficients
    test = _floats(r"test (\d+\.\d+)", out)
    assert test[-1] < 0.05 and test[0] > 1.0


def test_swin_classifies_stripes_and_grad_cam_reads_both_hooks():
    out = _out("swin_window_attention.py")
    assert "[[4, 3, 1, 0], [5, 4, 2, 1], [7, 6, 4, 3], [8, 7, 5, 4]]" in out
    assert "torch.Size([4, 4, 4]) [0, 8, 8, 12]" in out      # shifted-window mask
    assert _floats(r"test acc (\d\.\d+)", out)[-1] == 1.0
    assert "torch.Size([4, 4, 4]) torch.Size([4, 16, 4, 4]) torch.Size([4, 16, 4, 4]) 1.000" in out
    assert out.rstrip().endswith("0 0")       # handles removed
