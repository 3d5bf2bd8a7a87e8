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
