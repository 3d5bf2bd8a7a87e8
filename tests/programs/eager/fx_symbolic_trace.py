"""The torch.fx overview (docs/fx.html) and its transformation examples: symbolic_trace of a
module with a parameter, a Linear and a Sequential, the printed Graph and generated code, the
nodes' op/name/target/args, a transform that swaps torch.add for torch.mul and recompiles, a
graph edit that inserts a relu after each Linear (inserting_after, replace_all_uses_with),
dead-code elimination, and the TraceError a data-dependent branch raises."""
import torch
import torch.nn as nn


class MyModule(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.param = torch.nn.Parameter(torch.rand(3, 4))
        self.linear = torch.nn.Linear(4, 5)
        self.seq = nn.Sequential(nn.Linear(5, 5), nn.Tanh())

    def forward(self, x):
        y = self.linear(x + self.param).clamp(min=0.0, max=1.0)
        y = self.seq(y)
        return torch.relu(y) * x.shape[0] + torch.add(y, 1)


torch.manual_seed(0)
module = MyModule()

from torch.fx import symbolic_trace
# Symbolic tracing frontend - captures the semantics of the module
symbolic_traced: torch.fx.GraphModule = symbolic_trace(module)

# High-level intermediate representation (IR) - Graph representation
print(symbolic_traced.graph)

# Code generation - valid Python code
print(symbolic_traced.code)

x = torch.randn(3, 4)
print(torch.allclose(symbolic_traced(x), module(x)))
for node in symbolic_traced.graph.nodes:
    print(node.op, node.name, node.target if isinstance(node.target, str) else "fn",
          node.args, node.kwargs, len(node.users))


def transform(m: torch.nn.Module,
              tracer_class: type = torch.fx.Tracer) -> torch.nn.Module:
    graph: torch.fx.Graph = tracer_class().trace(m)
    # FX represents its Graph as an ordered list of
    # nodes, so we can iterate through them.
    for node in graph.nodes:
        # Checks if we're calling a function (i.e:
        # torch.add)
        if node.op == 'call_function':
            # The target attribute is the function
            # that call_function calls.
            if node.target == torch.add:
                node.target = torch.mul

    graph.lint()  # Does some checks to make sure the
    # Graph is well-formed.

    return torch.fx.GraphModule(m, graph)


transformed = transform(module)
print(transformed.code)
y = module.seq(module.linear(x + module.param).clamp(min=0.0, max=1.0))
print(torch.allclose(transformed(x), torch.relu(y) * 3 + y * 1))


class M(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.fc2 = nn.Linear(8, 2)

    def forward(self, x):
        unused = x * 2  # noqa: F841
        return self.fc2(self.fc1(x)).sum(dim=1)


m = M()
gm = symbolic_trace(m)
for node in list(gm.graph.nodes):
    if node.op == 'call_module' and isinstance(gm.get_submodule(node.target), nn.Linear):
        with gm.graph.inserting_after(node):
            new_node = gm.graph.call_function(torch.relu, args=(node,))
            node.replace_all_uses_with(new_node)
            new_node.args = (node,)
print(gm.graph.eliminate_dead_code())
gm.recompile()
print(gm.code)
x = torch.randn(5, 4)
print(torch.allclose(gm(x), torch.relu(m.fc2(torch.relu(m.fc1(x)))).sum(dim=1)))


def branchy(x):
    if x.sum() > 0:
        return x
    return -x


try:
    symbolic_trace(branchy)
except torch.fx.proxy.TraceError as e:
    print("TraceError:", e)
