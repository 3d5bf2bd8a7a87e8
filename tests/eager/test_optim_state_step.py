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


# ---------------------------------------------------------------- structure, every optimizer
def _desc(v):
    """A state or hyper-parameter value's kind: tensors by dtype and shape, lists and dicts
    element-wise, anything else by type and value."""
    if isinstance(v, (torch.Tensor, dt.Tensor)):
        return ("tensor", str(v.dtype).split(".")[-1], tuple(v.shape))
    if isinstance(v, (list, tuple)):
        return (type(v).__name__, [_desc(x) for x in v])
    if isinstance(v, dict):
        return {k: _desc(x) for k, x in v.items()}
    return (type(v).__name__, v if isinstance(v, (bool, int, str, type(None))) else None)


OPTIMS = [("ASGD", {}), ("Adadelta", {}), ("Adafactor", {}), ("Adagrad", {}), ("Adam", {}),
          ("Adam", {"amsgrad": True, "weight_decay": 0.1}), ("AdamW", {}), ("Adamax", {}),
          ("LBFGS", {"max_iter": 3}), ("NAdam", {}), ("RAdam", {}), ("RMSprop", {}),
          ("RMSprop", {"centered": True, "momentum": 0.5}), ("Rprop", {}), ("SGD", {}),
          ("SGD", {"momentum": 0.9}), ("SparseAdam", {})]


def _stepped(lib, name, kw, steps=2):
    p = lib.tensor([[0.5, -1.0], [2.0, 0.3]], requires_grad=True)
    opt = getattr(lib.optim, name)([p], lr=0.01, **kw)
    for _ in range(steps if name != "SparseAdam" else 0):
        def closure():
            opt.zero_grad()
            loss = (p ** 3).sum()
            loss.backward()
            return loss
        opt.step(closure)
    return opt, p


@pytest.mark.parametrize("name,kw", OPTIMS)
def test_defaults_groups_state_and_state_dict_are_torchs(name, kw):
    """``defaults`` and the param groups (foreach, maximize, capturable, differentiable,
    fused: as torch's, in torch's order, 0 not 0.0), the live state (``step`` a float32 0-d
    tensor; NAdam's mu_product, ASGD's eta and mu tensors; LBFGS's lists of tensors) and
    ``state_dict()`` (the state's own dicts, SGD without momentum keeping none)."""
    (got, p), (want, q) = _stepped(dt, name, kw), _stepped(torch, name, kw)
    assert _desc(got.defaults) == _desc(want.defaults)
    strip = [{k: v for k, v in g.items() if k != "params"} for g in want.param_groups]
    assert _desc([{k: v for k, v in g.items() if k != "params"} for g in got.param_groups]) \
        == _desc(strip)
    assert _desc(dict(got.state).get(p)) == _desc(dict(want.state).get(q))
    sd_got, sd_want = got.state_dict(), want.state_dict()
    assert _desc(sd_got) == _desc(sd_want)
    if sd_got["state"]:
        assert sd_got["state"][0] is got.state[p]


def test_step_dtype_follows_the_default_dtype_and_old_int_steps_load():
    prev = dt.get_default_dtype()
    dt.set_default_dtype(dt.float64)
    try:
        opt, p = _stepped(dt, "NAdam", {})
        assert opt.state[p]["step"].dtype == opt.state[p]["mu_product"].dtype == dt.float64
    finally:
        dt.set_default_dtype(prev)
    opt, p = _stepped(dt, "ASGD", {})
    sd = opt.state_dict()
    sd["state"][0].update(step=2, eta=0.01, mu=1.0)       # an older checkpoint's numbers
    again = dt.optim.ASGD([p], lr=0.01)
    again.load_state_dict(sd)
    assert [repr(again.state[p][k]) for k in ("step", "eta", "mu")] == \
        ["tensor(2.)", "tensor(0.0100)", "tensor(1.)"]


@pytest.mark.parametrize("kw,err,msg", [
    ({"fused": True, "foreach": True}, RuntimeError, "`fused` and `foreach` cannot be `True`"),
    ({"fused": True, "differentiable": True}, RuntimeError, "`fused` does not support"),
    ({"differentiable": True}, NotImplementedError, "differentiable=True is not supported")])
def test_loop_flags_refused_as_torch(kw, err, msg):
    if err is RuntimeError:
        with pytest.raises(err, match=msg):
            torch.optim.Adam([torch.zeros(2, requires_grad=True)], **kw)
    with pytest.raises(err, match=msg):
        dt.optim.Adam([dt.zeros(2, requires_grad=True)], **kw)


SCHEDULERS = [("StepLR", {"step_size": 2}), ("CosineAnnealingWarmRestarts", {"T_0": 3}),
              ("ReduceLROnPlateau", {"patience": 0}), ("OneCycleLR", {"max_lr": 0.1,
                                                                      "total_steps": 10}),
              ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1}),
              ("SWALR", {"swa_lr": 0.05, "anneal_epochs": 3, "anneal_strategy": "linear"})]


@pytest.mark.parametrize("name,kw", SCHEDULERS)
def test_scheduler_state_dict_is_torchs(name, kw):
    """Keys in torch's order (``_is_initial``, ``default_min_lr``, ``mode_worse``,
    ``_scale_fn_custom``), values as torch's after three steps."""
    sds = []
    for lib in (torch, dt):
        opt = lib.optim.SGD([lib.zeros(2, requires_grad=True)], lr=0.05, momentum=0.9)
        sched = getattr(lib.optim.swa_utils if name == "SWALR" else lib.optim.lr_scheduler,
                        name)(opt, **kw)
        for _ in range(3):
            opt.step()
            sched.step(1.0) if name == "ReduceLROnPlateau" else sched.step()
        sds.append(sched.state_dict())
    assert list(sds[1]) == list(sds[0])
    assert repr(sds[1]) == repr(sds[0])


@pytest.mark.parametrize("order", ["os", "so", "s"])
@pytest.mark.parametrize("name", ["StepLR", "CosineAnnealingWarmRestarts"])
def test_scheduler_stepped_before_the_optimizer_warns_as_torch(order, name):
    """PyTorch's 'Detected call of `lr_scheduler.step()` before `optimizer.step()`' on the
    scheduler's first step (a GradScaler skipping the first update shows it); none when the
    optimizer stepped first, none for CosineAnnealingWarmRestarts (its own step())."""
    import warnings
    seen = []
    for lib in (torch, dt):
        opt = lib.optim.SGD([lib.zeros(2, requires_grad=True)], lr=0.1)
        kw = {"step_size": 2} if name == "StepLR" else {"T_0": 2}
        sched = getattr(lib.optim.lr_scheduler, name)(opt, **kw)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            for _ in range(2):
                for a in order:
                    opt.step() if a == "o" else sched.step()
        seen.append(([str(x.message) for x in w], opt.param_groups[0]["lr"]))
    assert seen[1] == seen[0]
    assert (len(seen[0][0]) == 1) == (order != "os" and name == "StepLR")


def test_named_parameters_give_torchs_param_names():
    """``optim.SGD(model.named_parameters())`` (PyTorch 2.13): the group keeps ``param_names``
    (first in state_dict()'s groups); named and unnamed groups or params do not mix."""
    got = []
    for lib in (torch, dt):
        lin = lib.nn.Linear(2, 1)
        opt = lib.optim.SGD(lin.named_parameters(), lr=0.1)
        out = [list(opt.state_dict()["param_groups"][0]), opt.param_groups[0]["param_names"]]
        for bad in ([("w", lin.weight), lin.bias], [lib.zeros(1, requires_grad=True)]):
            with pytest.raises(ValueError) as e:
                if isinstance(bad[0], tuple):
                    lib.optim.SGD(bad, lr=0.1)
                else:
                    opt.add_param_group({"params": bad})
            out.append(str(e.value))
        got.append(out)
    assert got[1] == got[0]
