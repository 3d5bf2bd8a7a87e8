"""Session 18's tutorial programs (tests/programs/eager/: llama_rope_kv_cache,
mamba_selective_scan, nerf_volume_rendering, siren_poisson, maml_sinusoid,
neural_cellular_automata, kan_bspline, swin_window_attention): beyond printing what torch
prints, each reaches its real outcome under dlcore_eager.  Each program runs once in the suite:
test_tutorial_programs.py's test runs it and hands dlcore's output to its check here
(``OUTCOMES``).  The library fixes they found are tested in test_program_fixes_p18.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PROGRAMS = Path(__file__).resolve().parents[1] / "programs" / "eager"


def _floats(pattern: str, text: str) -> list[float]:
    return [float(v) for v in re.findall(pattern, text)]


def check_llama_learns_and_its_kv_cache_generates_the_same_tokens(out: str) -> None:
    assert "tensor([0.5403+0.8415j, 0.9950+0.0998j])" in out      # polar(1, t * freq)
    assert "torch.Size([2, 6, 4, 8]) torch.Size([2, 6, 2, 8]) True" in out  # rotation keeps norms
    loss = _floats(r"step \d+ loss (\d+\.\d+)", out)
    assert loss[-1] < 0.05 and loss[0] > 2.0
    assert "[[1, 5, 3, 7, 2, 9, 1, 5, 3, 7, 2, 9], [5, 3, 7, 2, 9, 1, 5, 3, 7, 2, 9, 1]]" in out
    assert "True False False" in out          # cached == uncached; no grad; mode left on exit


def check_mamba_scan_matches_its_closed_form_and_learns_the_sequence(out: str) -> None:
    assert "torch.Size([2, 5, 32]) True" in out
    loss = _floats(r"loss (\d+\.\d+)", out)
    assert loss[-1] < 0.5 and loss[0] > 5
    assert "accuracy 1.0" in out


def check_nerf_renders_the_ball_better_after_training(out: str) -> None:
    assert "tensor([[1.0000, 0.5000, 0.2500, 0.1250]])" in out           # exclusive cumprod
    assert "tensor([[0.0000, 1.5000, 2.0000, 3.5000, 4.0000]])" in out   # sample_pdf, det
    psnr = _floats(r"held-out psnr (\d+\.\d+)", out)
    assert psnr[-1] > psnr[0] + 5 and "psnr improved True" in out


def check_siren_derivatives_and_poisson_reconstruction(out: str) -> None:
    assert out.count("True True") == 2          # autograd gradient/laplace vs analytic
    grad_err = _floats(r"grad err (\d+\.\d+)", out)
    assert grad_err[-1] < 0.3 and grad_err[0] > 1.0
    assert _floats(r"corr (-?\d+\.\d+)", out)[-1] > 0.99


def check_maml_meta_training_lowers_the_query_loss(out: str) -> None:
    norms = _floats(r"meta-grad norm (\d+\.\d+)", out)
    assert len(norms) == 2 and abs(norms[0] - norms[1]) > 0.1   # second order differs
    meta = _floats(r"meta-loss (\d+\.\d+)", out)
    assert meta[-1] < meta[0]
    for name in ("maml", "pretrained"):         # adaptation steps lower the loss
        row = re.search(rf"^{name} (\S+) (\S+) (\S+)$", out, re.MULTILINE)
        assert row is not None and float(row[3]) < float(row[1]), out


def check_cellular_automaton_grows_toward_the_disc(out: str) -> None:
    assert "[0.0, 1.0, 2.0] 1.0 12.0" in out    # identity and Sobel perception
    assert "9 True" in out                      # 3x3 alive seed; zero update leaves it
    loss = _floats(r"loss (\d+\.\d+) lr", out)
    assert loss[-1] < loss[0] * 0.7
    assert "loss below seed's True" in out


def check_kan_splines_fit_the_function(out: str) -> None:
    assert "torch.Size([3, 2, 8]) True" in out  # B-spline bases sum to one
    assert re.search(r"^True$", out, re.MULTILINE)      # curve2coeff recovers the coefficients
    test = _floats(r"test (\d+\.\d+)", out)
    assert test[-1] < 0.05 and test[0] > 1.0


def check_swin_classifies_stripes_and_grad_cam_reads_both_hooks(out: str) -> None:
    assert "[[4, 3, 1, 0], [5, 4, 2, 1], [7, 6, 4, 3], [8, 7, 5, 4]]" in out
    assert "torch.Size([4, 4, 4]) [0, 8, 8, 12]" in out      # shifted-window mask
    assert _floats(r"test acc (\d\.\d+)", out)[-1] == 1.0
    assert "torch.Size([4, 4, 4]) torch.Size([4, 16, 4, 4]) torch.Size([4, 16, 4, 4]) 1.000" in out
    assert out.rstrip().endswith("0 0")       # handles removed


#: program -> the check of dlcore's output, called by test_tutorial_programs' test
OUTCOMES = {
    "llama_rope_kv_cache.py": check_llama_learns_and_its_kv_cache_generates_the_same_tokens,
    "mamba_selective_scan.py": check_mamba_scan_matches_its_closed_form_and_learns_the_sequence,
    "nerf_volume_rendering.py": check_nerf_renders_the_ball_better_after_training,
    "siren_poisson.py": check_siren_derivatives_and_poisson_reconstruction,
    "maml_sinusoid.py": check_maml_meta_training_lowers_the_query_loss,
    "neural_cellular_automata.py": check_cellular_automaton_grows_toward_the_disc,
    "kan_bspline.py": check_kan_splines_fit_the_function,
    "swin_window_attention.py": check_swin_classifies_stripes_and_grad_cam_reads_both_hooks,
}


@pytest.mark.parametrize("name", sorted(OUTCOMES))
def test_each_check_names_a_program_and_refuses_an_output_without_its_outcome(name):
    assert (PROGRAMS / name).is_file()
    with pytest.raises((AssertionError, IndexError)):
        OUTCOMES[name]("step 0 loss 9.0\n")
