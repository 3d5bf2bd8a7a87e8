"""The programs :mod:`benchmarks.cold_start` times, each as the public tutorials write it.

Every program is a Python source run in a fresh process after :data:`PRELUDE`; it calls
``_mark("import")`` once the framework is imported, ``_mark("built")`` when the model, optimizer
and data exist (and, for the static programs, the graph is built), and ``_mark("step")`` after
the first training step's loss is read back.  ``PRELUDE`` also counts every Numba dispatcher
signature the process compiles or loads from the disk cache, with the CPU time of each (its own
time, without the nested compilations of the functions it calls).
"""

from __future__ import annotations

PRELUDE = '''
import os, sys, time, json
def _since_start():
    t = os.times()
    return time.time() - START, t.user + t.system
_MARKS = {}
_JIT = []              # (kind, qualified name, signature, own CPU seconds)
_STACK = []
def _count_dispatchers(mod):
    real = mod.Dispatcher.compile
    def compile(self, sig):
        before = len(self.overloads)
        hits = sum(getattr(self, "_cache_hits", {}).values())
        t0 = time.process_time()
        _STACK.append(0.0)
        try:
            return real(self, sig)
        finally:
            dt = time.process_time() - t0
            own = dt - _STACK.pop()
            if _STACK:
                _STACK[-1] += dt
            if len(self.overloads) > before:
                hit = sum(getattr(self, "_cache_hits", {}).values()) > hits
                f = self.py_func
                _JIT.append(("loaded" if hit else "compiled",
                             f"{f.__module__}.{f.__qualname__}", str(sig), own))
    mod.Dispatcher.compile = compile
import dlcore._import_guard
dlcore._import_guard.after_import("numba.core.dispatcher", _count_dispatchers)
def _mark(name):
    _MARKS[name] = _since_start()
    if name == "step":
        print("COLD_START " + json.dumps({"marks": _MARKS, "jit": _JIT}))
'''

EAGER = """
import dlcore_eager as torch
_mark("import")
N, D_in, H, D_out = 64, 1000, 100, 10
x, y = torch.randn(N, D_in), torch.randn(N, D_out)
model = torch.nn.Sequential(torch.nn.Linear(D_in, H), torch.nn.ReLU(), torch.nn.Linear(H, D_out))
loss_fn = torch.nn.MSELoss(reduction="sum")
optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
_mark("built")
loss = loss_fn(model(x), y)
optimizer.zero_grad()
loss.backward()
optimizer.step()
loss.item()
_mark("step")
"""

STATIC = """
import numpy as np
import dlcore_static as tf
_mark("import")
N, D, H = 64, 1000, 100
x = tf.placeholder(tf.float32, shape=(N, D))
y = tf.placeholder(tf.float32, shape=(N, D))
w1 = tf.Variable(tf.random_normal((D, H)))
w2 = tf.Variable(tf.random_normal((H, D)))
h = tf.maximum(tf.matmul(x, w1), 0)
diff = tf.matmul(h, w2) - y
loss = tf.reduce_mean(tf.reduce_sum(diff * diff, axis=1))
updates = tf.train.GradientDescentOptimizer(1e-5).minimize(loss)
sess = tf.Session(passes="all")
sess.run(tf.global_variables_initializer())
_mark("built")
sess.run([loss, updates], feed_dict={x: np.random.randn(N, D), y: np.random.randn(N, D)})
_mark("step")
"""

LENET_EAGER = """
import dlcore_eager as torch
import dlcore_eager.nn as nn
import dlcore_eager.nn.functional as F
_mark("import")

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)

net = Net()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(net.parameters(), lr=0.001, momentum=0.9)
inputs, labels = torch.randn(16, 1, 32, 32), torch.randint(0, 10, (16,))
_mark("built")
optimizer.zero_grad()
loss = criterion(net(inputs), labels)
loss.backward()
optimizer.step()
loss.item()
_mark("step")
"""

LENET_STATIC = """
import numpy as np
from dlcore_static import keras
from dlcore_static.keras import layers
_mark("import")
model = keras.Sequential([
    layers.Conv2D(6, 5, activation="relu", input_shape=(32, 32, 1)),
    layers.MaxPooling2D(2),
    layers.Conv2D(16, 5, activation="relu"),
    layers.MaxPooling2D(2),
    layers.Flatten(),
    layers.Dense(120, activation="relu"),
    layers.Dense(84, activation="relu"),
    layers.Dense(10)])
model.compile(optimizer=keras.optimizers.SGD(0.01, momentum=0.9),
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
rng = np.random.default_rng(0)
x = rng.standard_normal((16, 32, 32, 1)).astype("float32")
y = rng.integers(0, 10, 16)
_mark("built")
model.train_on_batch(x, y)
_mark("step")
"""

LSTM_EAGER = """
import dlcore_eager as torch
import dlcore_eager.nn as nn
_mark("import")

class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(16, 32, batch_first=True)
        self.fc = nn.Linear(32, 4)

    def forward(self, x):
        out, (h, c) = self.lstm(x)
        return self.fc(out[:, -1, :])

model = Classifier()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
x, y = torch.randn(16, 20, 16), torch.randint(0, 4, (16,))
_mark("built")
optimizer.zero_grad()
loss = criterion(model(x), y)
loss.backward()
optimizer.step()
loss.item()
_mark("step")
"""

LSTM_STATIC = """
import numpy as np
from dlcore_static import keras
from dlcore_static.keras import layers
_mark("import")
model = keras.Sequential([layers.LSTM(32, input_shape=(20, 16)), layers.Dense(4)])
model.compile(optimizer="adam",
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
rng = np.random.default_rng(0)
x = rng.standard_normal((16, 20, 16)).astype("float32")
y = rng.integers(0, 4, 16)
_mark("built")
model.train_on_batch(x, y)
_mark("step")
"""

#: name -> (source, CPU-second target with an empty cache or None); warm: 1.0 s for every one.
PROGRAMS: dict[str, tuple[str, float | None]] = {
    "eager": (EAGER, 1.5),
    "static": (STATIC, 4.0),
    "lenet_eager": (LENET_EAGER, None),
    "lenet_static": (LENET_STATIC, None),
    "lstm_eager": (LSTM_EAGER, None),
    "lstm_static": (LSTM_STATIC, None),
}
WARM_TARGET_S = 1.0
