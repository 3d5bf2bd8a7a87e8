"""dlcore_eager.fx: symbolic tracing, the printed graph and code against torch.fx's for the
same module source, graph edits and the generated forward's values."""

import numpy as np
import pytest

import dlcore_eager as dl
from dlcore_eager import fx

SRC = '''
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)
        self.register_buffer("scale", torch.ones(3))

    def forward(self, x, y):
        h = torch.tanh(self.fc(x)) * self.scale
        z = h.view(-1)[1:] - y.sum()
        return (torch.cat([z, -z]).max(), h.transpose(0, 1))
'''


def _build(torch):
    ns = {"torch": torch, "nn": torch.nn}
    exec(SRC, ns)                                   # noqa: S102
    return ns["Net"]()


def test_graph_and_code_are_torch_fx_s():
    torch = pytest.importorskip("torch")
    import torch.fx
    mine, theirs = fx.symbolic_trace(_build(dl)), torch.fx.symbolic_trace(_build(torch))
    assert str(mine.graph).replace("dlcore_eager.", "torch.") == str(theirs.graph)
    assert mine.code.replace("dlcore_eager.", "torch.") == theirs.code


def test_traced_forward_computes_the_module():
    net = _build(dl)
    gm = fx.symbolic_trace(net)
    x, y = dl.randn(2, 4), dl.randn(5)
    for a, b in zip(gm(x, y), net(x, y)):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-6)
    assert dl.tanh is not None and not hasattr(dl.tanh, "__wrapped__")   # (put back)


def test_erase_and_errors():
    g = fx.Graph()
    a = g.placeholder("a")
    b = g.call_function(dl.relu, (a,))
    c = g.call_method("neg", (b,))
    g.output(b)
    with pytest.raises(RuntimeError, match="still had 2 users"):
        g.erase_node(b)
    assert g.eliminate_dead_code() and c not in g.nodes
    with pytest.raises(fx.TraceError, match="control flow"):
        fx.symbolic_trace(lambda x: x if x.sum() > 0 else -x)


def test_each_graph_module_has_its_own_class_as_torch():
    torch = pytest.importorskip("torch")
    import torch.fx

    def two(m):
        class A(m.nn.Module):
            def forward(self, x):
                return x * 2

        class B(m.nn.Module):
            def forward(self, x):
                return x * 3
        ga, gb = m.fx.symbolic_trace(A()), m.fx.symbolic_trace(B())
        return (type(ga).__name__, type(gb).__name__, type(ga) is type(gb),
                m.fx.GraphModule.__name__, isinstance(ga, m.fx.GraphModule))
    assert two(dl) == two(torch) == ("A", "B", False, "GraphModule", True)


PLACEHOLDER_SRC = '''
def flag(x, flag=True):
    return x + 1

def star(x, *args):
    return x + args[0]

def kwonly(x, *args, y=2, **kw):
    return x + y

class Opt(nn.Module):
    def forward(self, x, y=None):
        return x if y is None else x + y
'''


@pytest.mark.parametrize("name,args", [("flag", 1), ("star", 2), ("kwonly", 1), ("Opt", 2)])
def test_placeholders_keep_defaults_and_star_args_as_torch(name, args):
    """The generated forward's signature (defaults, *args, **kwargs), its code and graph
    printout are torch.fx's, and calling it with or without the defaulted argument works."""
    torch = pytest.importorskip("torch")
    import torch.fx
    out = []
    for m in (dl, torch):
        ns = {"torch": m, "nn": m.nn}
        exec(PLACEHOLDER_SRC, ns)                           # noqa: S102
        root = ns[name]() if name == "Opt" else ns[name]
        gm = m.fx.symbolic_trace(root)
        xs = [m.tensor([1.0, 2.0]) * (i + 1) for i in range(args)]
        out.append((gm.code, str(gm.graph), gm(*xs).tolist()))
    assert out[0] == out[1]


WRAP_SRC = '''
fx.wrap("len")

def helper(x, k):
    return x * k

fx.wrap(helper)

def f(x):
    return len(x) * x + helper(x, 2)
'''


def test_fx_wrap_records_the_wrapped_globals_as_torch():
    torch = pytest.importorskip("torch")
    import torch.fx
    got = []
    for m in (dl, torch):
        ns = {"fx": m.fx, "__name__": "wrapmod"}
        exec(WRAP_SRC, ns)                                  # noqa: S102
        helper = ns["helper"]
        gm = m.fx.symbolic_trace(ns["f"])
        calls = [(n.op, n.name) for n in gm.graph.nodes]
        got.append((calls, gm(m.ones(3)).tolist(), "len" in ns, ns["helper"] is helper))
        with pytest.raises(NotImplementedError, match="top level of a module"):
            m.fx.wrap("len")
    assert got[0] == got[1]


def test_other_threads_module_calls_are_not_recorded():
    import threading
    lin, out = dl.nn.Linear(2, 2), {}

    def f(x):
        t = threading.Thread(target=lambda: out.setdefault("y", lin(dl.ones(2))))
        t.start()
        t.join()
        return dl.relu(x)
    gm = fx.symbolic_trace(f)
    assert [n.op for n in gm.graph.nodes] == ["placeholder", "call_function", "output"]
    np.testing.assert_allclose(out["y"].detach().numpy(), lin(dl.ones(2)).detach().numpy())


def test_every_function_is_put_back_after_a_trace_also_one_that_raises():
    names = ("relu", "tanh", "add", "cat")
    before = {n: getattr(dl, n) for n in names}
    before_f = dl.nn.functional.relu
    fx.symbolic_trace(lambda x: dl.relu(x) + 1)

    def bad(x):
        if x.sum() > 0:                      # control flow on a proxy: TraceError
            return x
        return x
    with pytest.raises(fx.TraceError):
        fx.symbolic_trace(bad)
    assert {n: getattr(dl, n) for n in names} == before
    assert dl.nn.functional.relu is before_f
    assert fx._STATE[0] is None


def test_a_function_replaced_between_traces_is_the_one_recorded(monkeypatch):
    fx.symbolic_trace(lambda x: dl.tanh(x))            # (the namespace scanned once)

    def my_tanh(x):
        return x * 2
    monkeypatch.setattr(dl, "tanh", my_tanh)
    gm = fx.symbolic_trace(lambda x: dl.tanh(x))
    calls = [n.target for n in gm.graph.nodes if n.op == "call_function"]
    assert calls == [my_tanh]
    np.testing.assert_allclose(gm(dl.ones(2)).numpy(), [2.0, 2.0])
    monkeypatch.undo()
    gm = fx.symbolic_trace(lambda x: dl.tanh(x))
    assert [n.target for n in gm.graph.nodes if n.op == "call_function"] == [dl.tanh]


def test_a_trace_inside_a_traced_function_records_into_its_own_graph():
    inner, relu = {}, dl.relu

    def g(y):
        return dl.sigmoid(y)

    def f(x):
        inner["gm"] = fx.symbolic_trace(g)         # while f's trace runs
        return dl.relu(x)
    gm = fx.symbolic_trace(f)
    assert [n.target for n in gm.graph.nodes if n.op == "call_function"] == [dl.relu]
    assert [n.target for n in inner["gm"].graph.nodes if n.op == "call_function"] == \
        [dl.sigmoid]
    assert dl.relu is relu and fx._STATE[0] is None
    np.testing.assert_allclose(inner["gm"](dl.zeros(2)).numpy(), [0.5, 0.5])


def test_other_threads_function_calls_run_during_a_trace():
    import threading
    out = {}

    def f(x):
        t = threading.Thread(target=lambda: out.setdefault("y", dl.relu(dl.tensor([-1.0, 2.0]))))
        t.start()
        t.join()
        return dl.relu(x)
    gm = fx.symbolic_trace(f)
    assert [n.op for n in gm.graph.nodes] == ["placeholder", "call_function", "output"]
    np.testing.assert_allclose(out["y"].numpy(), [0.0, 2.0])
