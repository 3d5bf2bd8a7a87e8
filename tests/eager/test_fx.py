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
