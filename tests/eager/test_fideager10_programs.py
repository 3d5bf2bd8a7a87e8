"""Session 22's tutorial programs (tests/programs/eager/: blitz_neural_networks,
learn_basics_autograd_optim, training_with_pytorch): beyond printing what torch 2.13 prints
(test_tutorial_programs.py runs them and calls ``OUTCOMES`` on dlcore's output), each reaches
its real outcome; and the library fix they found: a 0-d index of a 1-d tensor's scatter or
gather counts as one of size [1], as ATen's ``ensure_nonempty_dim`` (the tutorials' one-hot
``zeros(10).scatter_(0, torch.tensor(y), value=1)`` raised "Index tensor must have the same
number of dimensions")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import dlcore_eager as torch

PROGRAMS = Path(__file__).resolve().parents[1] / "programs" / "eager"


def _floats(pattern: str, text: str) -> list[float]:
    return [float(v) for v in re.findall(pattern, text)]


def check_blitz_lenet_trains_and_shows_its_graph(out: str) -> None:
    assert "torch.Size([6, 1, 5, 5])" in out and "61706 parameters" in out
    assert ("MseLossBackward0 <- AddmmBackward0 <- ReluBackward0 <- AddmmBackward0 <- "
            "ReluBackward0 <- AddmmBackward0 <- ViewBackward0 <- MaxPool2DWithIndicesBackward0"
            " <- ReluBackward0 <- ConvolutionBackward0") in out
    assert "conv1.bias.grad before backward\nNone" in out
    loss = _floats(r"step \d+ loss (\d+\.\d+)", out)
    assert len(loss) == 4 and loss[-1] < loss[0] * 0.8


def check_basics_one_hot_grads_and_training(out: str) -> None:
    assert "tensor([0., 0., 0., 1., 0., 0., 0., 0., 0., 0.])" in out
    assert "Gradient function for loss = BinaryCrossEntropyWithLogitsBackward0" in out
    assert "Second call\ntensor([[8., 4., 4., 4., 4.]," in out
    assert "Call after zeroing gradients\ntensor([[4., 2., 2., 2., 2.]," in out
    acc = _floats(r"Accuracy: (\d+\.\d)%", out)
    assert len(acc) == 3 and acc[-1] >= 90.0
    assert "True ['linear_relu_stack.0.weight', 'linear_relu_stack.0.bias']" in out
    assert "final accuracy above 0.5: True" in out


def check_garment_classifier_learns_and_reloads_the_best(out: str) -> None:
    assert "Training set has 160 instances" in out and "tensor([1, 5, 3, 7])" in out
    valid = _floats(r"valid (\d+\.\d+)", out)
    acc = [int(a) for a in re.findall(r"valid accuracy (\d+)/40", out)]
    assert len(valid) == 4 and valid[-1] < valid[0] - 0.5 and acc[-1] >= 24
    reloaded = _floats(r"best valid loss reloaded tensor\((\d+\.\d+)\)", out)
    assert reloaded and abs(reloaded[0] - min(valid)) < 1e-3


OUTCOMES = {
    "blitz_neural_networks.py": check_blitz_lenet_trains_and_shows_its_graph,
    "learn_basics_autograd_optim.py": check_basics_one_hot_grads_and_training,
    "training_with_pytorch.py": check_garment_classifier_learns_and_reloads_the_best,
}


@pytest.mark.parametrize("name", sorted(OUTCOMES))
def test_each_check_names_a_program_and_refuses_an_output_without_its_outcome(name):
    assert (PROGRAMS / name).is_file()
    with pytest.raises((AssertionError, IndexError)):
        OUTCOMES[name]("")


def test_zero_d_index_of_a_vector_scatter_and_gather():
    assert torch.zeros(10).scatter_(0, torch.tensor(3), value=1).tolist() == \
        [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
    assert torch.zeros(5).scatter(0, torch.tensor(3), torch.tensor(7.0)).tolist() == \
        [0, 0, 0, 7, 0]
    assert torch.zeros(5).scatter_add(0, torch.tensor(1), torch.tensor(2.0)).tolist() == \
        [0, 2, 0, 0, 0]
    g = torch.gather(torch.arange(5.0), 0, torch.tensor(2))
    assert g.shape == () and g.item() == 2.0
    x = torch.zeros(3, requires_grad=True)
    x.scatter(0, torch.tensor(1), 5.0).sum().backward()
    assert x.grad.tolist() == [1.0, 0.0, 1.0]            # (the written element's grad is 0)
    with pytest.raises(RuntimeError, match="Index tensor must have the same number of "
                                           "dimensions as self tensor"):
        torch.zeros(2, 2).scatter(0, torch.tensor(1), 1.0)      # (2-d: still refused)


def test_zero_d_self_index_or_src_count_as_size_one():
    # (review22's FE4 addendum; values recorded from torch 2.13)
    assert torch.zeros(5).scatter(0, torch.tensor(3), torch.tensor([7.0, 8.0])).tolist() == \
        [0, 0, 0, 7, 0]
    assert torch.zeros(5).scatter_add(0, torch.tensor(3), torch.ones(3)).tolist() == \
        [0, 0, 0, 1, 0]
    r = torch.zeros(()).scatter(0, torch.tensor(0), 5.0)
    assert r.shape == () and r.item() == 5.0
    assert torch.zeros(()).scatter_add(0, torch.tensor(0), torch.tensor(2.0)).item() == 2.0
    z = torch.zeros(())
    assert z.scatter_(0, torch.tensor([0]), 3.0) is z and z.item() == 3.0     # (in place)
    g = torch.gather(torch.zeros(()), 0, torch.tensor(0))
    assert g.shape == () and g.item() == 0.0
    with pytest.raises(RuntimeError, match="Index tensor must have the same number of "
                                           "dimensions as input tensor"):
        torch.gather(torch.arange(3.0), 0, torch.tensor([[1]]))
