"""print(model) as PyTorch 2.13 prints it, for the modules whose repr differed: loss modules
show no options (MSELoss(reduction='sum') prints MSELoss(), and a bad reduction is refused in
forward, not at construction), AvgPool1d keeps its sizes as 1-tuples, ParameterList and
ParameterDict list their parameters, ModuleList compresses runs of identical entries
(``(0-1): 2 x Linear(...)``); plus gaussian_nll_loss / multilabel_soft_margin_loss's
"<r> is not valid" message.  Each repr is compared with torch's."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

import dlcore_eager as T

CASES = {
    "MSELoss sum": lambda L: L.nn.MSELoss(reduction="sum"),
    "KLDivLoss batchmean": lambda L: L.nn.KLDivLoss(reduction="batchmean"),
    "CrossEntropyLoss": lambda L: L.nn.CrossEntropyLoss(reduction="none", ignore_index=2),
    "BCELoss weight": lambda L: L.nn.BCELoss(weight=L.ones(2), reduction="sum"),
    "AvgPool1d": lambda L: L.nn.AvgPool1d(3, 2),
    "AvgPool1d default stride": lambda L: L.nn.AvgPool1d(4, padding=1),
    "AvgPool2d": lambda L: L.nn.AvgPool2d(3, 2),
    "ParameterList": lambda L: L.nn.ParameterList(
        [L.nn.Parameter(L.ones(2, dtype=L.float64)), L.ones(3, 2)]),
    "ParameterList empty": lambda L: L.nn.ParameterList(),
    "ParameterDict": lambda L: L.nn.ParameterDict(
        {"w": L.ones(2), "b": L.nn.Parameter(L.zeros(1, 2, dtype=L.float16))}),
    "ModuleList runs": lambda L: L.nn.ModuleList(
        [L.nn.Linear(1, 2), L.nn.Linear(1, 2), L.nn.ReLU(), L.nn.Sequential(L.nn.Linear(1, 1)),
         L.nn.Sequential(L.nn.Linear(1, 1)), L.nn.ReLU()]),
    "ModuleList empty": lambda L: L.nn.ModuleList(),
    "ModuleList nested": lambda L: L.nn.Sequential(
        L.nn.ModuleList([L.nn.Tanh() for _ in range(3)]), L.nn.ReLU()),
    "nested one-line": lambda L: L.nn.Sequential(
        L.nn.ParameterList([L.nn.Parameter(L.ones(2))]), L.nn.MSELoss()),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_repr_as_torch(case):
    assert repr(CASES[case](T)) == repr(CASES[case](torch))


def test_avg_pool1d_attributes_are_tuples():
    for L in (torch, T):
        p = L.nn.AvgPool1d(3)
        assert (p.kernel_size, p.stride, p.padding) == ((3,), (3,), (0,))
        assert p(L.arange(12.0).view(1, 2, 6)).tolist() == [[[1.0, 4.0], [7.0, 10.0]]]


@pytest.mark.parametrize("name", ["MSELoss", "L1Loss", "SmoothL1Loss", "BCELoss"])
def test_a_bad_reduction_is_refused_in_forward(name):
    for L in (torch, T):
        loss = getattr(L.nn, name)(reduction="bogus")        # constructed, as torch
        with pytest.raises(ValueError, match="bogus is not a valid value for reduction"):
            loss(L.full((2,), 0.5), L.ones(2))


@pytest.mark.parametrize("fn", ["gaussian_nll_loss", "multilabel_soft_margin_loss"])
def test_reduction_message_of_two_losses(fn):
    for L in (torch, T):
        args = (L.ones(2, 2), L.ones(2, 2)) + ((L.ones(2, 2),) if fn == "gaussian_nll_loss"
                                               else ())
        with pytest.raises(ValueError, match="^bogus is not valid$"):
            getattr(L.nn.functional, fn)(*args, reduction="bogus")


def test_parameter_dict_orders_a_plain_dict_by_key():
    from collections import OrderedDict
    for L in (torch, T):
        p = {"w": L.ones(1), "b": L.ones(1), "a": L.ones(1)}
        assert list(L.nn.ParameterDict(p).keys()) == ["a", "b", "w"]
        assert list(L.nn.ParameterDict(OrderedDict(p)).keys()) == ["w", "b", "a"]
        d = L.nn.ParameterDict()
        d.update([("z", L.ones(1)), ("y", L.ones(1))])
        assert list(d.keys()) == ["z", "y"]
