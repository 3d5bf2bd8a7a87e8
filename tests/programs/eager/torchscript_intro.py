"""'Introduction to TorchScript': a cell with a decision gate, traced and scripted, a scripted
loop around a traced cell, saved and loaded again; the outputs printed at each stage."""
import io

import numpy as np
import torch


class MyDecisionGate(torch.nn.Module):
    def forward(self, x):
        if x.sum() > 0:
            return x
        else:
            return -x


class MyCell(torch.nn.Module):
    def __init__(self, dg):
        super().__init__()
        self.dg = dg
        self.linear = torch.nn.Linear(4, 4)

    def forward(self, x, h):
        new_h = torch.tanh(self.dg(self.linear(x)) + h)
        return new_h, new_h


def init(cell):
    rng = np.random.default_rng(0)
    with torch.no_grad():
        cell.linear.weight.copy_(torch.tensor(rng.standard_normal((4, 4)).astype(np.float32)))
        cell.linear.bias.copy_(torch.tensor(rng.standard_normal(4).astype(np.float32)))
    return cell


def show(name, t):
    print(name, [round(v, 4) for v in t.flatten().tolist()])


x = torch.tensor(np.linspace(-1, 1, 12).reshape(3, 4).astype(np.float32))
h = torch.tensor(np.linspace(1, 0, 12).reshape(3, 4).astype(np.float32))

my_cell = init(MyCell(MyDecisionGate()))
traced_cell = torch.jit.trace(my_cell, (x, h))
print(type(traced_cell).__name__, isinstance(traced_cell, torch.jit.ScriptModule))
show("traced", traced_cell(x, h)[0])

scripted_gate = torch.jit.script(MyDecisionGate())
my_cell = init(MyCell(scripted_gate))
scripted_cell = torch.jit.script(my_cell)
show("scripted", scripted_cell(x, h)[0])
show("scripted, other branch", scripted_cell(-4 * x, h)[0])


class MyRNNLoop(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.cell = torch.jit.trace(init(MyCell(scripted_gate)), (x, h))

    def forward(self, xs):
        h, y = torch.zeros(3, 4), torch.zeros(3, 4)
        for i in range(xs.size(0)):
            y, h = self.cell(xs[i], h)
        return y, h


rnn_loop = torch.jit.script(MyRNNLoop())
xs = torch.tensor(np.linspace(-2, 2, 5 * 12).reshape(5, 3, 4).astype(np.float32))
show("loop", rnn_loop(xs)[1])

buffer = io.BytesIO()
torch.jit.save(traced_cell, buffer)
buffer.seek(0)
loaded = torch.jit.load(buffer)
show("loaded", loaded(x, h)[0])
print(sorted(loaded.state_dict().keys()))
