"""``foreach=`` on Adam, AdamW, RMSprop and SGD, as tutorials pass it (Pytorch-UNet's
``RMSprop(..., momentum=0.9, foreach=True)``): accepted (keyword-only where PyTorch 2.13 has it
so: Adam, AdamW, SGD), and the updates equal PyTorch's with the same argument."""

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")

CASES = [("Adam", {"lr": 0.1, "weight_decay": 0.01}), ("AdamW", {"lr": 0.1}),
         ("RMSprop", {"lr": 0.01, "momentum": 0.9, "weight_decay": 1e-8}),
         ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True})]


@pytest.mark.parametrize("name,kw", CASES)
@pytest.mark.parametrize("foreach", [True, False, None])
def test_foreach_updates_equal_torch(name, kw, foreach):
    w0 = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    got, want = dt.tensor(w0, requires_grad=True), torch.tensor(w0, requires_grad=True)
    opt_d = getattr(dt.optim, name)([got], foreach=foreach, **kw)
    opt_t = getattr(torch.optim, name)([want], foreach=foreach, **kw)
    for _ in range(3):
        for p, opt in ((got, opt_d), (want, opt_t)):
            opt.zero_grad()
            (p ** 3).sum().backward()
            opt.step()
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", ["Adam", "SGD"])
def test_foreach_is_keyword_only_as_in_torch(name):
    p = dt.zeros(2, requires_grad=True)
    args = [[p]] + [0.01] * 5 + [True]          # the six positional ones, then foreach
    with pytest.raises(TypeError, match="positional argument"):
        getattr(dt.optim, name)(*args)
