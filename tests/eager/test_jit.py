"""torch.jit (trace, script, save/load, decorators) against the real PyTorch 2.13, on the same
small MLP and CNN with the same weights: outputs, other batch sizes, save/load round trips,
shared parameters and gradients, and the loader's errors on corrupt or hostile files."""

from __future__ import annotations

import io
import json
import struct
import warnings

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")
pytestmark = [pytest.mark.filterwarnings("ignore:`torch.jit:DeprecationWarning"),
              pytest.mark.filterwarnings("ignore:Converting a tensor to a Python")]

RNG = np.random.default_rng(13)


def _nets(m):
    class MLP(m.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = m.nn.Linear(4, 8)
            self.fc2 = m.nn.Linear(8, 3)

        def forward(self, x):
            return m.nn.functional.softmax(self.fc2(m.relu(self.fc1(x))), dim=1)

    class CNN(m.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = m.nn.Conv2d(1, 2, 3)
            self.bn = m.nn.BatchNorm2d(2)
            self.fc = m.nn.Linear(8, 3)

        def forward(self, x):
            x = m.nn.functional.max_pool2d(m.relu(self.bn(self.conv(x))), 2)
            x = x.view(x.size(0), -1)
            return m.nn.functional.log_softmax(self.fc(x), dim=1)

    class Gate(m.nn.Module):              # data-dependent control flow: script, not trace
        def __init__(self):
            super().__init__()
            self.fc = m.nn.Linear(4, 4)

        def forward(self, x):
            h = self.fc(x)
            if h.sum() > 0:
                return h * 2
            return -h

    return {"mlp": MLP, "cnn": CNN, "gate": Gate}


def _pair(kind):
    tm = _nets(torch)[kind]().eval()
    dm = _nets(dt)[kind]().eval()
    sd = {k: dt.tensor(v.detach().numpy().copy()) for k, v in tm.state_dict().items()}
    dm.load_state_dict(sd)
    return tm, dm


def _x(kind, n=2):
    shape = (n, 1, 6, 6) if kind == "cnn" else (n, 4)
    return RNG.standard_normal(shape).astype(np.float32)


def _close(d, t, tol=1e-5):
    np.testing.assert_allclose(d.detach().numpy(), t.detach().numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_trace_matches_torch_and_runs_other_batch_sizes(kind):
    tm, dm = _pair(kind)
    x = _x(kind)
    tt = torch.jit.trace(tm, torch.from_numpy(x))
    td = dt.jit.trace(dm, dt.from_numpy(x))
    assert isinstance(td, dt.jit.ScriptModule) and isinstance(td, dt.jit.TopLevelTracedModule)
    _close(td(dt.from_numpy(x)), tt(torch.from_numpy(x)))
    x5 = _x(kind, 5)                        # x.size(0) stays dynamic, as in PyTorch
    _close(td(dt.from_numpy(x5)), tt(torch.from_numpy(x5)))
    assert td.fc1.weight is dm.fc1.weight if kind == "mlp" else td.fc.weight is dm.fc.weight
    assert sorted(td.state_dict()) == sorted(tt.state_dict())
    assert "addmm" in str(td.graph) and "def forward(self" in td.code    # (linear: one node)
    assert repr(td).startswith(f"{type(dm).__name__}(\n  original_name=")


@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_save_load_round_trip_gives_torch_outputs(kind, tmp_path):
    tm, dm = _pair(kind)
    x = _x(kind, 3)
    td = dt.jit.trace(dm, dt.from_numpy(x))
    path = tmp_path / "model.pt"
    dt.jit.save(td, str(path))
    buf = io.BytesIO()
    td.save(buf)
    buf.seek(0)
    for loaded in (dt.jit.load(str(path)), dt.jit.load(buf)):
        assert type(loaded).__name__ == "RecursiveScriptModule"
        assert loaded.original_name == type(dm).__name__
        assert sorted(loaded.state_dict()) == sorted(tm.state_dict())
        assert not loaded.training
        x4 = _x(kind, 4)
        _close(loaded(dt.from_numpy(x4)), tm(torch.from_numpy(x4)))
    with open(path, "rb") as fh:            # a real safetensors file, readable by others
        from safetensors.numpy import load as st_load
        names = set(st_load(fh.read()))
    assert {f"param:{k}" for k in tm.state_dict()} <= names


def test_traced_module_shares_parameters_and_trains():
    tm, dm = _pair("mlp")
    x = _x("mlp", 4)
    y = np.array([0, 2, 1, 0])
    td = dt.jit.trace(dm, dt.from_numpy(x))
    tt = torch.jit.trace(tm, torch.from_numpy(x))
    od = dt.optim.SGD(td.parameters(), lr=0.5)
    ot = torch.optim.SGD(tt.parameters(), lr=0.5)
    for _ in range(2):
        od.zero_grad()
        ot.zero_grad()
        dt.nn.functional.nll_loss(td(dt.from_numpy(x)).log(), dt.from_numpy(y)).backward()
        torch.nn.functional.nll_loss(tt(torch.from_numpy(x)).log(),
                                     torch.from_numpy(y)).backward()
        od.step()
        ot.step()
    _close(dm.fc1.weight, tm.fc1.weight)   # the original module saw the updates
    assert td.eval() is td and not td.training and not td.fc1.training


def test_script_runs_python_control_flow_like_torch(tmp_path):
    tm, dm = _pair("gate")
    sd = dt.jit.script(dm)
    st = torch.jit.script(tm)
    assert isinstance(sd, dt.jit.RecursiveScriptModule)
    for sign in (1.0, -1.0):                # both branches, as TorchScript compiles them
        x = np.abs(_x("gate", 3)) * sign * 5
        _close(sd(dt.from_numpy(x)), st(torch.from_numpy(x)))
    assert "if h.sum() > 0:" in sd.code
    assert sd.fc.weight is dm.fc.weight
    with pytest.warns(dt.jit.TracerWarning, match="frozen"):
        dt.jit.save(sd, str(tmp_path / "s.pt"))     # the last call's branch
    loaded = dt.jit.load(str(tmp_path / "s.pt"))
    _close(loaded(dt.from_numpy(x)), st(torch.from_numpy(x)))


def test_trace_and_script_functions():
    def f(a, b):
        return a * 2 + b.exp()

    a, b = (RNG.standard_normal((2, 3)).astype(np.float32) for _ in range(2))
    fd = dt.jit.trace(f, (dt.from_numpy(a), dt.from_numpy(b)))
    ft = torch.jit.trace(f, (torch.from_numpy(a), torch.from_numpy(b)))
    _close(fd(dt.from_numpy(a), dt.from_numpy(b)), ft(torch.from_numpy(a), torch.from_numpy(b)))
    assert isinstance(fd, dt.jit.ScriptFunction) and "exp" in str(fd.graph)
    sf = dt.jit.script(f)
    _close(sf(dt.from_numpy(a), dt.from_numpy(b)), ft(torch.from_numpy(a), torch.from_numpy(b)))
    assert "return a * 2 + b.exp()" in sf.code


def test_decorators_and_helpers_behave_as_in_eager_torch():
    class M(dt.nn.Module):
        const: dt.jit.Final[int] = 3

        @dt.jit.ignore
        def debug(self, x):
            return x + 1

        @dt.jit.unused
        def old(self, x):
            return x - 1

        @dt.jit.export
        def extra(self, x):
            return x * self.const

        def forward(self, x):
            return x if dt.jit.is_scripting() else x * 2

    s = dt.jit.script(M())
    x = dt.ones(2)
    assert s(x).tolist() == [2.0, 2.0] and s.extra(x).tolist() == [3.0, 3.0]
    assert s.debug(x).tolist() == [2.0, 2.0] and s.old(x).tolist() == [0.0, 0.0]
    assert dt.jit.ignore(drop=True)(len) is len and not dt.jit.is_tracing()
    from dlcore_eager.jit.annotations import Dict, List, Optional, Tuple  # noqa: F401
    assert dt.jit.annotate(List[int], []) == [] and dt.jit.wait(dt.jit.fork(abs, -2)) == 2
    seen = []
    dt.jit.trace(lambda t: seen.append(dt.jit.is_tracing()) or t * 1, dt.ones(1))
    assert seen[0] is True


def test_errors_name_the_problem():
    _, dm = _pair("mlp")
    td = dt.jit.trace(dm, dt.from_numpy(_x("mlp")))
    with pytest.raises(RuntimeError, match=r"expected at most 2 argument\(s\) but received 3"):
        td(dt.ones(2, 4), dt.ones(2, 4))
    with pytest.raises(RuntimeError, match="call the module once"):
        dt.jit.script(_nets(dt)["mlp"]()).graph     # noqa: B018
    with pytest.raises(RuntimeError, match="inherits from nn.Module"):
        dt.jit.script(_nets(dt)["mlp"])
    with pytest.raises(RuntimeError, match="zip archive, as PyTorch's torch.jit.save"):
        dt.jit.load(io.BytesIO(b"PK\x03\x04 not a model"))
    with pytest.raises(RuntimeError, match="torch.jit.load: not a dlcore TorchScript file"):
        dt.jit.load(io.BytesIO(b"\x10\x00\x00\x00\x00\x00\x00\x00{}"))
    with pytest.raises(ValueError, match="does not exist"):
        dt.jit.load("/nonexistent/model.pt")


def _tamper(blob: bytes, edit) -> bytes:
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    prog = json.loads(header["__metadata__"]["program"])
    edit(prog)
    header["__metadata__"]["program"] = json.dumps(prog)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + blob[8 + n:]


@pytest.mark.parametrize("edit, message", [
    (lambda p: p["ops"][0].update(prim="os_system"), "unknown primitive"),
    (lambda p: p["ops"][1]["inputs"].__setitem__(0, ["node", 7]), "does not exist"),
    (lambda p: p["ops"][0].update(shape=[99, 1]), "shape rule"),
    (lambda p: p["ops"][0].update(params={"dict": {"x": {"pickle": "..."}}}), "unknown param"),
])
def test_load_validates_every_operation_before_running(edit, message):
    _, dm = _pair("mlp")
    td = dt.jit.trace(dm, dt.from_numpy(_x("mlp")))
    buf = io.BytesIO()
    dt.jit.save(td, buf)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(RuntimeError, match=message):
            dt.jit.load(io.BytesIO(_tamper(buf.getvalue(), edit)))


def test_rnn_with_batch_sized_state_traces_dynamically_and_refuses_other_lengths():
    class M(dt.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = dt.nn.LSTM(3, 4, batch_first=True)
            self.fc = dt.nn.Linear(4, 2)

        def forward(self, x):
            h0 = dt.zeros(1, x.size(0), 4)            # a constant sized by the batch
            out, _ = self.rnn(x, (h0, dt.zeros(1, x.size(0), 4)))
            return self.fc(out[:, -1, :])

    m = M().eval()
    buf = io.BytesIO()
    dt.jit.save(dt.jit.trace(m, dt.randn(2, 5, 3)), buf)
    buf.seek(0)
    loaded = dt.jit.load(buf)
    for n in (1, 6):
        x = dt.randn(n, 5, 3)
        _close(loaded(x), m(x))
    with pytest.raises(RuntimeError, match=r"input 0 has shape \[2, 6, 3\], but the program was "
                                           r"traced with shape \[2, 5, 3\]"):
        loaded(dt.randn(2, 6, 3))


def test_tracer_warns_like_torch_where_python_control_flow_is_frozen():
    class G(dt.nn.Module):
        def forward(self, x):
            return x if x.sum() > 0 else -x

    for m in (torch, dt):
        with pytest.warns(m.jit.TracerWarning, match="Converting a tensor to a Python boolean"):
            m.jit.trace(G() if m is dt else _torch_gate(), m.ones(2))
    _, dm = _pair("cnn")
    with warnings.catch_warnings():
        warnings.simplefilter("error")                # a plain model traces silently
        dt.jit.trace(dm, dt.from_numpy(_x("cnn")))
    with pytest.warns(dt.jit.TracerWarning, match="traces through the scripted module G"):
        dt.jit.trace(lambda x: dt.jit.script(G())(x) + 1, dt.ones(2))


def _torch_gate():
    class G(torch.nn.Module):
        def forward(self, x):
            return x if x.sum() > 0 else -x
    return G()


def _tutorial(m):
    """The "Introduction to TorchScript" tutorial's cell, gate, trace, script and loop."""
    class MyDecisionGate(m.nn.Module):
        def forward(self, x):
            if x.sum() > 0:
                return x
            return -x

    class MyCell(m.nn.Module):
        def __init__(self, dg):
            super().__init__()
            self.dg = dg
            self.linear = m.nn.Linear(4, 4)

        def forward(self, x, h):
            new_h = m.tanh(self.dg(self.linear(x)) + h)
            return new_h, new_h

    def fixed(cell):
        with m.no_grad():
            cell.linear.weight.copy_(m.tensor(np.linspace(-1, 1, 16).reshape(4, 4)
                                              .astype(np.float32)))
            cell.linear.bias.zero_()
        return cell

    x = m.tensor(np.linspace(0, 1, 12).reshape(3, 4).astype(np.float32))
    h = m.tensor(np.linspace(1, 0, 12).reshape(3, 4).astype(np.float32))
    scripted = m.jit.script(fixed(MyCell(m.jit.script(MyDecisionGate()))))
    outs = [scripted(x, h)[0], scripted(-5 * x, h)[0]]      # both branches of the gate

    class MyRNNLoop(m.nn.Module):
        def __init__(self):
            super().__init__()
            self.cell = m.jit.trace(fixed(MyCell(MyDecisionGate())), (x, h))

        def forward(self, xs):
            h, y = m.zeros(3, 4), m.zeros(3, 4)
            for i in range(xs.size(0)):
                y, h = self.cell(xs[i], h)
            return y, h

    with m.no_grad():
        loop = m.jit.script(MyRNNLoop())
        for p in loop.parameters():
            p.copy_(m.ones(p.shape) * 0.1)
    xs = m.tensor(np.linspace(-1, 1, 36).reshape(3, 3, 4).astype(np.float32))
    outs.append(loop(xs)[1])
    buf = io.BytesIO()
    m.jit.save(loop, buf)
    buf.seek(0)
    outs.append(m.jit.load(buf)(xs)[1])
    return outs


def test_torchscript_tutorial_program_gives_torch_outputs():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want, got = _tutorial(torch), _tutorial(dt)
    for g, w in zip(got, want):
        _close(g, w)


@pytest.mark.parametrize("how", ["trace", "script"])
def test_freeze_and_optimize_for_inference_like_torch(how, tmp_path):
    tm, dm = _pair("cnn")
    x = _x("cnn", 3)
    for m, model in ((torch, tm), (dt, dm)):
        with pytest.raises(RuntimeError, match="Freezing expects a ScriptModule as input"):
            m.jit.freeze(model)
    sd = dt.jit.trace(dm, dt.from_numpy(x)) if how == "trace" else dt.jit.script(dm)
    with pytest.raises(RuntimeError, match="only implemented for modules in eval mode"):
        dt.jit.freeze(dt.jit.script(_nets(dt)["mlp"]()))
    frozen = dt.jit.freeze(sd.eval())
    opt = dt.jit.optimize_for_inference(dt.jit.script(dm))
    want = tm(torch.from_numpy(x))
    for f in (frozen, opt):
        out = f(dt.from_numpy(x))
        assert list(f.parameters()) == [] and not out.requires_grad
        _close(out, want)
    path = str(tmp_path / "frozen.pt")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")       # (a scripted one: its last call's trace)
        dt.jit.save(frozen, path)
    loaded = dt.jit.load(path)
    assert list(loaded.state_dict()) == []
    _close(loaded(dt.from_numpy(x)), want)


def test_extra_files_round_trip_like_torch():
    got = {}
    for m in (torch, dt):
        traced = m.jit.trace(m.nn.Linear(2, 2), m.ones(1, 2))
        buf = io.BytesIO()
        m.jit.save(traced, buf, _extra_files={"meta.txt": "hello", "raw": b"\x00\xff"})
        buf.seek(0)
        extra = {"meta.txt": "", "raw": ""}
        m.jit.load(buf, map_location="cpu", _extra_files=extra)
        got[m] = extra
    assert got[dt] == got[torch] == {"meta.txt": b"hello", "raw": b"\x00\xff"}


def test_text_models_with_index_inputs():
    class TextClf(dt.nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = dt.nn.Embedding(20, 8, padding_idx=0)
            self.rnn = dt.nn.GRU(8, 6, batch_first=True)
            self.fc = dt.nn.Linear(6, 3)

        def forward(self, x):
            _, h = self.rnn(self.emb(x))
            return dt.log_softmax(self.fc(h[-1]), dim=-1)

    class Bag(dt.nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = dt.nn.EmbeddingBag(20, 8, mode="mean")
            self.fc = dt.nn.Linear(8, 3)

        def forward(self, text, offsets):
            return self.fc(self.emb(text, offsets))

    m = TextClf().eval()
    ids = np.random.default_rng(1).integers(0, 20, (4, 7))
    loaded = _round_trip(dt.jit.trace(m, dt.tensor(ids)))
    for n in (1, 9):                          # int64 inputs, batch dynamic
        x = dt.tensor(np.random.default_rng(n).integers(0, 20, (n, 7)))
        _close(loaded(x), m(x))
    bag = Bag().eval()
    text, off = dt.tensor(np.arange(1, 7)), dt.tensor(np.array([0, 2]))
    with pytest.warns(dt.jit.TracerWarning, match=r"input\(s\) \[1\] .* read by no traced"):
        traced = dt.jit.trace(bag, (text, off))
    loaded = _round_trip(traced)
    _close(loaded(text, off), bag(text, off))
    with pytest.raises(RuntimeError, match="input 1 differs from the traced example's"):
        loaded(text, dt.tensor(np.array([0, 3])))   # never a silently wrong bag layout


def _round_trip(module):
    buf = io.BytesIO()
    dt.jit.save(module, buf)
    buf.seek(0)
    return dt.jit.load(buf)


def _gated_cell(m):
    class Gate(m.nn.Module):
        def forward(self, x):
            return x if x.sum() > 0 else -x

    class Cell(m.nn.Module):
        def __init__(self):
            super().__init__()
            self.dg = m.jit.script(Gate())

        def forward(self, x):
            return m.tanh(self.dg(x) * 2)
    return Cell()


def test_scripted_submodule_keeps_its_control_flow_inside_a_trace():
    outs = {}
    for m in (torch, dt):
        x = m.tensor(np.linspace(-1, 2, 6).astype(np.float32))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            traced = m.jit.trace(_gated_cell(m), x)
        outs[m] = [traced(x), traced(-3 * x)]      # the other branch of the scripted gate
    for g, w in zip(outs[dt], outs[torch]):
        _close(g, w)


def test_trace_under_autocast_and_of_bfloat16_models():
    tm, dm = _pair("mlp")
    x, x6 = _x("mlp", 4), _x("mlp", 6)
    with torch.autocast("cpu"):          # (torch's own trace here refuses the cached casts)
        want = tm(torch.from_numpy(x6))
    with dt.autocast("cpu"):
        dm(dt.from_numpy(x))                          # (a cached weight cast is not frozen)
        traced = dt.jit.trace(dm, dt.from_numpy(x))
    prog = traced._jit_program
    assert not prog.consts and all(r[0] != "const" for op in prog.ops for r in op.inputs)
    got = _round_trip(traced)(dt.from_numpy(x6))
    assert str(got.dtype) == str(want.dtype)
    np.testing.assert_allclose(got.float().detach().numpy(), want.float().detach().numpy(),
                               atol=2e-2)
    bf = dt.nn.Linear(4, 3).to(dt.bfloat16)
    xb = dt.from_numpy(x).bfloat16()
    loaded = _round_trip(dt.jit.trace(bf, xb))
    assert loaded(xb).dtype == dt.bfloat16
    assert float((loaded(xb).float() - bf(xb).float()).abs().max()) == 0.0
