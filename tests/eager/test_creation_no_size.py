"""torch.rand/randn/zeros/ones/empty without a size raise PyTorch's TypeError (a call with no
argument at all: its parser's "invalid combination" words for rand and randn), where dlcore
returned a 0-d tensor; an empty size, ``()`` or ``[]``, is still a 0-d tensor."""

from __future__ import annotations

import pytest

import dlcore_eager as dl


@pytest.mark.parametrize("name", ["randn", "rand", "zeros", "ones", "empty"])
def test_no_size_is_torchs_type_error(name):
    torch = pytest.importorskip("torch")
    for kw in ({}, {"dtype": "float64"}):
        with pytest.raises(TypeError) as et:
            getattr(torch, name)(**{k: torch.float64 for k in kw})
        with pytest.raises(TypeError) as ed:
            getattr(dl, name)(**{k: dl.float64 for k in kw})
        assert str(ed.value) == str(et.value)
    for empty in ((), []):
        assert tuple(getattr(dl, name)(empty).shape) == ()
    assert tuple(getattr(dl, name)(size=()).shape) == ()
