"""The rv-coreeager review's findings, each against torch 2.13: a Tensor lr (LBFGS, the
schedulers' in-place fill, the constructors' checks), decorated generators under the grad-mode
switches, inference tensors, strided ``padding='same'`` errors and full backward hooks on a
module that returns a tuple.  Values of torch's optimizer steps are recorded (torch 2.13.0,
``/tmp/mendeager2/torchvals.py``): torch's first ``optim.step`` costs seconds of warm-up."""

from __future__ import annotations

import collections
import threading
import warnings

import numpy as np
import pytest

import dlcore_eager as dl
import dlcore_eager.nn.functional as F

torch = pytest.importorskip("torch")

LIBS = pytest.mark.parametrize("L", [torch, dl], ids=["torch", "dl"])


def _err(fn) -> tuple[str, str]:
    try:
        fn()
    except Exception as e:      # noqa: BLE001 - the error is the value compared
        return type(e).__name__, str(e)
    return "ok", ""


# ---------------------------------------------------------------- 1. LBFGS with a Tensor lr
def test_lbfgs_steps_with_a_tensor_lr_as_torch():
    p = dl.nn.Parameter(dl.tensor([1.0, -2.0]))
    lr = dl.tensor(0.1)
    opt = dl.optim.LBFGS([p], lr=lr)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss
    opt.step(closure)
    # torch 2.13: [0.13058233261108398, -0.26116466522216797], the lr kept as given
    np.testing.assert_allclose(p.detach().numpy(), [0.13058233, -0.26116467], rtol=1e-6)
    assert opt.param_groups[0]["lr"] is lr


# ---------------------------------------------------------------- 2. schedulers fill the Tensor
#: torch 2.13, SGD(lr=tensor(0.1), momentum=0.9), 4 x (step, scheduler step): the lrs, then p
SCHEDULES = {
    "StepLR": ([0.1, 0.05, 0.05, 0.025], [0.40255, -2.59745]),
    "ExponentialLR": ([0.09, 0.081, 0.0729, 0.06561], [0.258787, -2.741213]),
    "ReduceLROnPlateau": ([0.1, 0.05, 0.025, 0.0125], [0.488525, -2.511475]),
    "OneCycleLR": ([0.0994415, 0.0811746, 0.0462637, 0.0133478], [0.444993, -2.555007]),
    "CosineAnnealingWarmRestarts": ([0.05, 0.1, 0.05, 0.1], [0.36205, -2.63795]),
    "CyclicLR": ([0.055, 0.1, 0.055, 0.01], [0.46931, -2.53069]),
    "LambdaLR": ([0.05, 0.0333333, 0.025, 0.02], [0.628692, -2.371308]),
}


def _scheduler(name, opt):
    S = dl.optim.lr_scheduler
    return {"StepLR": lambda: S.StepLR(opt, 2, 0.5),
            "ExponentialLR": lambda: S.ExponentialLR(opt, 0.9),
            "ReduceLROnPlateau": lambda: S.ReduceLROnPlateau(opt, patience=0, factor=0.5),
            "OneCycleLR": lambda: S.OneCycleLR(opt, max_lr=0.1, total_steps=6),
            "CosineAnnealingWarmRestarts": lambda: S.CosineAnnealingWarmRestarts(opt, T_0=2),
            "CyclicLR": lambda: S.CyclicLR(opt, 0.01, 0.1, step_size_up=2),
            "LambdaLR": lambda: S.LambdaLR(opt, lambda e: 1 / (e + 1))}[name]()


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_a_scheduler_fills_the_tensor_lr_in_place_as_torch(name):
    p = dl.nn.Parameter(dl.tensor([1.0, -2.0]))
    lr = dl.tensor(0.1)
    opt = dl.optim.SGD([p], lr=lr, momentum=0.9)
    s = _scheduler(name, opt)
    lrs = []
    for _ in range(4):
        p.grad = dl.ones(2)
        opt.step()
        s.step(1.0) if name == "ReduceLROnPlateau" else s.step()
        assert opt.param_groups[0]["lr"] is lr              # the one Tensor, filled
        lrs.append(float(lr))
    want_lrs, want_p = SCHEDULES[name]
    np.testing.assert_allclose(lrs, want_lrs, rtol=1e-5)
    np.testing.assert_allclose(p.detach().numpy(), want_p, rtol=1e-5)
    last = s.get_last_lr()[0]
    assert isinstance(last, dl.Tensor) and last is not lr    # a clone, as torch's
    init = opt.param_groups[0].get("initial_lr")
    if name not in ("ReduceLROnPlateau", "OneCycleLR"):     # torch: a cloned Tensor
        assert isinstance(init, dl.Tensor) and init is not lr


def test_a_failed_scheduler_step_puts_the_tensor_lr_back():
    p = dl.nn.Parameter(dl.tensor([1.0]))
    lr = dl.tensor(0.1)
    opt = dl.optim.SGD([p], lr=lr)
    s = dl.optim.lr_scheduler.LambdaLR(opt, lambda e: 0.5 if e < 2 else 1 / 0)
    opt.step()
    s.step()                                                # epoch 1: 0.05
    with pytest.raises(ZeroDivisionError):
        s.step()
    assert opt.param_groups[0]["lr"] is lr and float(lr) == pytest.approx(0.05)


# ---------------------------------------------------------------- 7. Tensor lr constructor checks
OPTIMIZERS = ["SGD", "Adam", "AdamW", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam",
              "RMSprop", "Rprop", "ASGD", "LBFGS", "Adafactor", "SparseAdam"]


def _torch_ctor_error(name: str, kw: dict) -> tuple[str, str]:
    """What torch 2.13 raises (recorded: its first optimizer construction costs ~1.4 s)."""
    if "foreach" in kw and name in ("LBFGS", "SparseAdam"):
        return ("TypeError", f"{name}.__init__() got an unexpected keyword argument 'foreach'")
    if isinstance(kw["lr"], list):
        return ("ValueError", "Tensor lr must be 1-element")
    if kw["lr"] < 0:
        neg = "-0.10000000149011612"
        return ("ValueError", f"Learning rate should be >= 0 but is: {neg}"
                if name == "Adafactor" else f"Invalid learning rate: {neg}")
    if kw.get("foreach") and not kw.get("capturable") and name in ("Adam", "AdamW"):
        return ("ValueError",
                "lr as a Tensor is not supported for capturable=False and foreach=True")
    return ("ok", "")


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_tensor_lr_constructor_errors_as_torch(name):
    for kw in ({"lr": [0.1, 0.2]}, {"lr": 0.1, "foreach": True},
               {"lr": 0.1, "foreach": True, "capturable": True}, {"lr": -0.1}):
        if "capturable" in kw and name not in ("Adam", "AdamW"):
            continue
        got = _err(lambda kw=kw: getattr(dl.optim, name)(
            [dl.nn.Parameter(dl.tensor([1.0]))], **{**kw, "lr": dl.tensor(kw["lr"])}))
        assert got == _torch_ctor_error(name, kw), (kw, got)


# ---------------------------------------------------------------- 3. decorated generators
def _gen_states(L, deco):
    @deco
    def gen():
        for _ in range(2):
            got = yield (L.is_grad_enabled(), L.is_inference_mode_enabled())
            assert got in (None, "sent")
        return "done"

    def outer():
        r = yield from gen()
        yield r
    g = outer()
    seen = [next(g), (L.is_grad_enabled(), L.is_inference_mode_enabled()), g.send("sent"),
            next(g)]
    return seen


@LIBS
def test_a_decorated_generator_runs_each_resume_inside_the_mode(L):
    want = {"no_grad": [(False, False), (True, False), (False, False), "done"],
            "inference_mode": [(False, True), (True, False), (False, True), "done"],
            "set_grad_enabled": [(False, False), (True, False), (False, False), "done"]}
    assert _gen_states(L, L.no_grad()) == want["no_grad"]
    assert _gen_states(L, L.no_grad) == want["no_grad"]
    assert _gen_states(L, L.inference_mode()) == want["inference_mode"]
    assert _gen_states(L, L.inference_mode) == want["inference_mode"]
    assert _gen_states(L, L.set_grad_enabled(False)) == want["set_grad_enabled"]
    assert L.is_grad_enabled()                  # decorating switched nothing
    with L.no_grad():
        assert _gen_states(L, L.enable_grad())[0] == (True, False)
    assert isinstance(L.inference_mode(False).clone(), L.inference_mode)


@LIBS
def test_a_decorated_generator_gets_throw_and_close_inside_the_mode(L):
    log = []

    @L.no_grad()
    def gen():
        try:
            yield 1
        except KeyError:
            log.append(("throw", L.is_grad_enabled()))
            yield 2
        finally:
            log.append(("close", L.is_grad_enabled()))
    g = gen()
    next(g)
    assert g.throw(KeyError("k")) == 2
    g.close()
    assert log == [("throw", False), ("close", False)] and L.is_grad_enabled()


# ---------------------------------------------------------------- 4. inference tensors
@LIBS
def test_inference_tensors_as_torch(L):
    p = L.nn.Parameter(L.ones(2))
    with L.inference_mode():
        t = L.ones(3)
        u = p * 2
        with L.inference_mode(False):
            n = L.ones(2)
    flags = [t.is_inference(), u.is_inference(), n.is_inference(), t[0].is_inference(),
             t.detach().is_inference(), (t + 1).is_inference(), t.clone().is_inference(),
             p.is_inference(), u.requires_grad]
    assert flags == [True, True, False, True, True, False, False, False, False]
    msg = "Setting requires_grad=True on inference tensor outside InferenceMode is not allowed."
    with pytest.raises(RuntimeError, match=msg):
        t.requires_grad_()
    with pytest.raises(RuntimeError, match=msg):
        t.requires_grad = True
    assert not t.requires_grad
    t.requires_grad_(False)
    with L.inference_mode():
        t.requires_grad_()                      # allowed inside the mode
    assert t.requires_grad
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype"):
        L.tensor([1]).requires_grad_()


def test_inference_mode_marks_only_its_own_thread():
    inside, release, made = threading.Event(), threading.Event(), {}

    def worker():
        with dl.inference_mode():
            made["worker"] = dl.ones(1)
            inside.set()
            release.wait(5)
    th = threading.Thread(target=worker)
    th.start()
    inside.wait(5)
    made["main"] = dl.ones(1)                   # made while the other thread is in the mode
    release.set()
    th.join()
    assert made["worker"].is_inference() and not made["main"].is_inference()
    assert not dl.ones(1).is_inference()


# ---------------------------------------------------------------- 6. strided padding='same'
@LIBS
def test_strided_same_padding_errors_as_torch(L):
    msg = "padding='same' is not supported for strided convolutions"
    for kw in ({}, {"padding_mode": "reflect"}):
        with pytest.raises(ValueError, match=msg):
            L.nn.Conv2d(1, 1, 3, stride=2, padding="same", **kw)
    with pytest.raises(ValueError, match=msg):
        L.nn.Conv1d(1, 1, 3, stride=(2,), padding="same")
    with pytest.raises(ValueError, match="Invalid padding string 'foo'"):
        L.nn.Conv2d(1, 1, 3, padding="foo")
    fl = torch.nn.functional if L is torch else F
    for fn, n in ((fl.conv1d, 1), (fl.conv2d, 2), (fl.conv3d, 3)):
        x, w = L.ones(1, 1, *(5,) * n), L.ones(1, 1, *(3,) * n)
        with pytest.raises(RuntimeError, match=msg):
            fn(x, w, stride=2, padding="same")
        with pytest.raises(RuntimeError, match="Invalid padding string: 'foo'"):
            fn(x, w, padding="foo")
    m = L.nn.Conv2d(1, 1, 3, padding="same", padding_mode="reflect")
    assert tuple(m(L.ones(1, 1, 5, 5)).shape) == (1, 1, 5, 5)


# ---------------------------------------------------------------- 8. backward hooks, tuple out
def _tuple_hooks(L, use_b: bool, pre_scale=None):
    Pair = collections.namedtuple("Pair", "a b c")

    class T(L.nn.Module):
        def forward(self, x):
            return Pair(x * 2, x * 3, 5)
    m, log = T(), []

    def as_list(gs):
        return [None if g is None else g.tolist() for g in gs]
    m.register_full_backward_hook(lambda mod, gi, go: log.append((as_list(gi), as_list(go))))

    def pre(mod, go):
        log.append(len(go))
        if pre_scale is not None:
            return (go[0] * pre_scale,) + tuple(go[1:])
        return None
    m.register_full_backward_pre_hook(pre)
    x = L.tensor([1.0, 2.0], requires_grad=True)
    out = m(x)
    assert type(out).__name__ == "Pair" and out.c == 5
    loss = out.a.sum() + (out.b.sum() * 2 if use_b else 0)
    loss.backward()
    return log, x.grad.tolist(), type(out.a.grad_fn).__name__


@pytest.mark.parametrize("use_b", [True, False])
@pytest.mark.parametrize("pre_scale", [None, 10.0])
def test_full_backward_hooks_on_a_tuple_output_as_torch(use_b, pre_scale):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = _tuple_hooks(torch, use_b, pre_scale)
        got = _tuple_hooks(dl, use_b, pre_scale)
    assert got[:2] == want[:2]
    assert want[2] == "BackwardHookFunctionBackward" == got[2]


@LIBS
def test_backward_hooks_on_a_tuple_output_replace_and_check_as_torch(L):
    class T(L.nn.Module):
        def forward(self, x):
            return x * 2, x * 3

    m = T()
    m.register_full_backward_hook(lambda mod, gi, go: (gi[0] * 0 + 7,))
    x = L.tensor([1.0, 2.0], requires_grad=True)
    a, b = m(x)
    (a.sum() + b.sum()).backward()
    assert x.grad.tolist() == [7.0, 7.0]
    m = T()
    m.register_full_backward_pre_hook(lambda mod, go: (go[0],))
    a, b = m(L.tensor([1.0], requires_grad=True))
    with pytest.raises(RuntimeError, match="Backward pre hook returned an invalid number of "
                                           "grad_output, got 1, but expected 2"):
        (a.sum() + b.sum()).backward()

    class W(L.nn.Module):                       # no input needs a gradient: fired at once
        def __init__(self):
            super().__init__()
            self.w = L.nn.Parameter(L.ones(2))

        def forward(self, x):
            return x * self.w, x + self.w
    w, log = W(), []
    w.register_full_backward_hook(lambda mod, gi, go: log.append((gi, [g.tolist() for g in go])))
    a, b = w(L.ones(2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (a.sum() + b.sum()).backward()
    assert log == [((None,), [[1.0, 1.0], [1.0, 1.0]])]
    assert w.w.grad.tolist() == [2.0, 2.0]
