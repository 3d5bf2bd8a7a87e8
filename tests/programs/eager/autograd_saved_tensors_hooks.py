"""The tutorial 'Hooks for autograd saved tensors' (intermediate_source/
autograd_saved_tensors_hooks_tutorial.py), smaller: what a node saves (grad_fn._saved_self is
the input; exp's _saved_result equals but is not the output), pack/unpack hooks printing what
they see under torch.autograd.graph.saved_tensors_hooks, saving to disk with a
SelfDeletingTempFile and torch.save/torch.load, a pack hook's in-place modification,
torch.autograd.graph.save_on_cpu, default hooks in a module's forward, and the error of a
second access after backward.  (The tutorial's hooks on one saved tensor,
grad_fn._raw_saved_self.register_hooks, are left out: not yet supported by the renamed library.)"""
# ruff: noqa: B018, UP008, UP039  (written in the tutorial's own style)
import os
import tempfile
import uuid

import torch

# ------------------------------------------------------------------- what is saved
a = torch.randn(5, requires_grad=True)
b = torch.ones(5, requires_grad=True)

def f(x, y):
    return x * y

y = f(a, b)
print(y.grad_fn._saved_self is a, y.grad_fn._saved_other is b)

x = torch.randn(5, requires_grad=True)
y = x.pow(2)
print(y.grad_fn._saved_self is x)
y = x.exp()
print(y.grad_fn._saved_result.equal(y), y.grad_fn._saved_result is y)

# ------------------------------------------------------------- pack and unpack hooks
def pack_hook(x):
    print("Packing", x)
    return x

def unpack_hook(x):
    print("Unpacking", x)
    return x

a = torch.ones(5, requires_grad=True)
b = torch.ones(5, requires_grad=True) * 2
with torch.autograd.graph.saved_tensors_hooks(pack_hook, unpack_hook):
    y = a * b

y.sum().backward()
print(a.grad, b.grad_fn.name())

# ----------------------------------------------------------- saving tensors to disk
tmp_dir = tempfile.mkdtemp()

class SelfDeletingTempFile():
    def __init__(self):
        self.name = os.path.join(tmp_dir, str(uuid.uuid4()))

    def __del__(self):
        os.remove(self.name)

def pack_hook(tensor):
    temp_file = SelfDeletingTempFile()
    torch.save(tensor, temp_file.name)
    return temp_file

def unpack_hook(temp_file):
    return torch.load(temp_file.name)

x = torch.linspace(-1, 1, 5, requires_grad=True)
with torch.autograd.graph.saved_tensors_hooks(pack_hook, unpack_hook):
    y = x.pow(2)
    print(len(os.listdir(tmp_dir)), "file(s) saved")
    y.sum().backward()
print(x.grad)
del y
print(len(os.listdir(tmp_dir)), "file(s) left after the graph is freed")

# ------------------------------------------- a pack hook modifying its input in place
def pack_modifies(t):
    t.mul_(2)          # not allowed: the input would be changed
    return t

x = torch.randn(5, requires_grad=True)
try:
    with torch.autograd.graph.saved_tensors_hooks(pack_modifies, lambda t: t):
        y = x.detach().clone().requires_grad_() * 3
        z = y.pow(2)
    z.sum().backward()
    print("no error")
except RuntimeError as e:
    print(type(e).__name__, str(e)[:80])

# ------------------------------------------------------------------ save_on_cpu
x = torch.linspace(0, 1, 4, requires_grad=True)
with torch.autograd.graph.save_on_cpu(pin_memory=False):
    y = (x * x).exp().sum()
y.backward()
print(x.grad)

# ------------------------------------------------- default hooks inside a module
class Model(torch.nn.Module):
    def __init__(self):
        super(Model, self).__init__()
        self.w = torch.nn.Parameter(torch.linspace(-1, 1, 6).reshape(2, 3))
        self.seen = []

    def forward(self, x):
        def pack(t):
            self.seen.append(tuple(t.shape))
            return t
        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            return (x @ self.w).tanh()

model = Model()
out = model(torch.ones(4, 2))
out.sum().backward()
print(sorted(model.seen), model.w.grad)

# ---------------------------------------------------- a second access after backward
x = torch.randn(5, requires_grad=True)
y = x.pow(2)
y.sum().backward()
try:
    y.grad_fn._saved_self
except RuntimeError as e:
    print(str(e)[:60])
os.rmdir(tmp_dir)
