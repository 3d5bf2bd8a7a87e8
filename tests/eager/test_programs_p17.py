"""Session 17's tutorial programs (tests/programs/eager/: annotated_transformer,
micrograd_vs_torch, d2l_bahdanau_seq2seq, d2l_vgg_nin_resnet, dlwpt_temperature_models,
dlwpt_cnn_variants, torchvision_box_ops_roi_align, extending_autograd_gradcheck,
extending_func_setup_context): beyond
printing what torch prints (test_tutorial_programs.py), each reaches its real outcome under
dlcore_eager; and the library fix they found (F.kl_div is PyTorch's
``xlogy(target, target) - target * input``: a zero target against a -inf input is NaN)."""

from __future__ import annotations

import re

import numpy as np
import pytest

import dlcore_eager as dl
from test_tutorial_programs import PROGRAMS, run, to_dlcore

torch = pytest.importorskip("torch")


def _out(name: str) -> str:
    dl.manual_seed(0)
    return run(to_dlcore((PROGRAMS / name).read_text()), name)


def _floats(pattern: str, text: str) -> list[float]:
    return [float(v) for v in re.findall(pattern, text)]


def test_annotated_transformer_learns_the_copy_task_and_smooths_labels():
    out = _out("annotated_transformer.py")
    train = _floats(r"train (\d+\.\d+)", out)
    assert len(train) == 4 and train[-1] < train[0] - 0.5
    assert "tensor(nan)" in out                 # the notebook's LabelSmoothing example (log 0)
    assert "0.6000, 0.1333" in out and "torch.Size([1, 4, 10, 10])" in out


def test_micrograd_agrees_with_autograd_exactly():
    out = _out("micrograd_vs_torch.py")
    assert "sanity -20.0 46.0 -20.0 46.0" in out
    assert "more ops 24.704082 138.833819 645.577259" in out
    losses = [(float(a), float(b)) for a, b in re.findall(r"loss (\S+) torch (\S+),", out)]
    assert losses and all(a == b for a, b in losses) and losses[-1][0] < losses[0][0]


def test_d2l_seq2seq_learns_to_reverse():
    out = _out("d2l_bahdanau_seq2seq.py")
    assert "tensor([2.3026, 1.1513, 0.0000])" in out        # d2l's masked CE example
    assert "[3, 4, 5, 2] => [5, " in out and "[9, 8, 7, 6, 2] => [7, 6, " in out
    loss = _floats(r"epoch \d+, loss (\d+\.\d+)", out)
    assert loss[-1] < 0.05 < loss[0]


def test_d2l_blocks_have_the_books_shapes():
    out = _out("d2l_vgg_nin_resnet.py")
    assert "torch.Size([4, 3, 6, 6])" in out and "torch.Size([4, 6, 3, 3])" in out
    assert out.count("Linear output shape:\t torch.Size([1, 10])") == 2
    assert "Flatten output shape:\t torch.Size([1, 10])" in out      # NiN's head


def test_dlwpt_temperature_fits_the_books_line():
    out = _out("dlwpt_temperature_models.py")
    assert "tensor([  4.8021, -14.1031])" in out                     # the book's values
    assert "tensor([  0.5131, -15.9629], requires_grad=True)" in out  # Adam on t_u
    assert "Epoch 10, Loss 909" in out                                # lr 1e-2 diverges


def test_dlwpt_cnns_classify_the_synthetic_set():
    out = _out("dlwpt_cnn_variants.py")
    assert _floats(r"Accuracy val: (\d\.\d+)", out) == [1.0] * 7
    assert "3 True" in out                          # n_blocks * [ResBlock(...)] shares one


def test_box_ops_and_roi_align_values():
    out = _out("torchvision_box_ops_roi_align.py")
    assert "tensor([100., 100., 200.])" in out                        # box_area
    assert "step 30 loss" in out and _floats(r"acc (\d\.\d+)", out)[-1] >= 0.9


def test_extending_autograd_checks_pass():
    out = _out("extending_autograd_gradcheck.py")
    assert out.splitlines()[0] == "True" and "True True\nTrue True" in out
    assert "LinearFunctionBackward" in out and "grad_fn=<SimpleSortBackward>" in out
    assert _floats(r"step \d+ loss (\d+\.\d+)", out)[-1] < 0.05


def test_setup_context_functions_under_torch_func():
    out = _out("extending_func_setup_context.py")
    lines = out.splitlines()
    assert lines[0] == "True" and "True True\nTrue True" in out
    assert lines.count("True") >= 4                   # gradcheck, vmap, grad, jacrev
    assert _floats(r"step \d+ loss (\d+\.\d+)", out)[-1] < 0.05


def test_kl_div_is_torchs_formula_at_zero_targets_and_infinite_inputs():
    inf = float("inf")
    x = [[-1.0, -inf, -2.0, 0.5], [-0.3, -0.2, -0.1, -4.0]]
    t = [[0.2, 0.0, 0.8, -0.1], [0.0, 0.5, 0.5, 0.0]]
    for red in ("none", "sum", "mean", "batchmean"):
        want = torch.nn.functional.kl_div(torch.tensor(x), torch.tensor(t), reduction=red)
        got = dl.nn.functional.kl_div(dl.tensor(x), dl.tensor(t), reduction=red)
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6, equal_nan=True)
    # the input's gradient is -target everywhere (a negative target included), as torch's
    grads = []
    for L in (torch, dl):
        xi = L.tensor(x[1:], requires_grad=True)
        L.nn.functional.kl_div(xi, L.tensor([[0.0, 0.5, 0.5, -0.25]]), reduction="sum").backward()
        grads.append(xi.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0])
    # the LabelSmoothing example of The Annotated Transformer: NaN, as in torch
    pred = [[0, 0.2, 0.7, 0.1, 0]] * 2
    td = [[0.0, 0.1333, 0.6, 0.1333, 0.1333]] * 2
    for L in (torch, dl):
        v = L.nn.KLDivLoss(reduction="sum")(L.tensor(pred).log(), L.tensor(td))
        assert np.isnan(v.item())
