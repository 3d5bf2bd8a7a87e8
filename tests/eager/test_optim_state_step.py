"""An optimizer's ``state_dict()`` shows the step count as PyTorch's does, a float32 0-d tensor
(``tensor(12.)``: the checkpoint recipe prints ``optimizer.state_dict()['state'][0]['step']``);
loading one (PyTorch's form, or dlcore's through torch.save/torch.load) restores the count, and
the resumed updates equal an uninterrupted run's."""

import io

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")

NAMES = ["Adam", "AdamW", "RMSprop", "Adagrad", "NAdam", "Rprop"]


def _run(lib, name, p, steps, opt=None):
    opt = opt or getattr(lib.optim, name)([p], lr=0.1)
    for _ in range(steps):
        opt.zero_grad()
        (p ** 3).sum().backward()
        opt.step()
    return opt


@pytest.mark.parametrize("name", NAMES)
def test_step_is_a_float32_scalar_tensor_as_in_torch(name):
    w = [0.5, -1.0, 2.0]
    got = _run(dt, name, dt.tensor(w, requires_grad=True), 3).state_dict()["state"][0]["step"]
    want = _run(torch, name, torch.tensor(w, requires_grad=True), 3).state_dict()["state"][0][
        "step"]
    assert isinstance(got, dt.Tensor) and got.dim() == 0 and got.dtype == dt.float32
    assert repr(got) == repr(want) == "tensor(3.)"


@pytest.mark.parametrize("name", ["Adam", "RMSprop"])
def test_resuming_from_torchs_or_a_saved_state_dict_continues_the_run(name):
    w = np.array([0.5, -1.0, 2.0], np.float32)
    p_t = torch.tensor(w, requires_grad=True)
    opt_t = _run(torch, name, p_t, 2)
    saved = {k: v.numpy().copy() for k, v in opt_t.state_dict()["state"][0].items()}
    groups = opt_t.state_dict()["param_groups"]
    _run(torch, name, p_t, 2, opt_t)
    # torch's state dict, as dlcore tensors (the step a 0-d float32 tensor)
    sd = {"state": {0: {k: dt.tensor(v) for k, v in saved.items()}},
          "param_groups": [{k: v for k, v in g.items() if k in ("params", "lr")}
                           for g in groups]}
    p = dt.tensor(_run(torch, name, torch.tensor(w, requires_grad=True), 2).param_groups[0][
        "params"][0].detach().numpy(), requires_grad=True)
    opt = getattr(dt.optim, name)([p], lr=0.1)
    opt.load_state_dict(sd)
    assert opt.state[p]["step"] == 2
    buf = io.BytesIO()
    dt.save(opt.state_dict(), buf)                 # and through dlcore's own file
    buf.seek(0)
    again = getattr(dt.optim, name)([p], lr=0.1)
    again.load_state_dict(dt.load(buf, weights_only=True))
    assert again.state[p]["step"] == 2
    _run(dt, name, p, 2, again)
    np.testing.assert_allclose(p.detach().numpy(), p_t.detach().numpy(), rtol=1e-6, atol=1e-7)
