"""The 'PyTorch Profiler' recipe with a small CNN instead of torchvision's resnet18:
profile(activities=[ProfilerActivity.CPU], record_shapes=True, profile_memory=True),
record_function regions, key_averages() tables sorted by CPU time and memory (grouped by input
shape too), export_chrome_trace, and a schedule with on_trace_ready and prof.step() over a
training loop (tensorboard_trace_handler files).  Times differ from run to run, so the program
prints what does not: the regions, their counts and nesting, the tables' columns."""
import json
import os
import re
import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.profiler import profile, record_function, ProfilerActivity


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1)
        self.fc = nn.Linear(8, 10)

    def forward(self, x):
        with record_function("conv_block"):
            x = F.relu(self.bn1(self.conv1(x)))
            x = F.relu(self.conv2(x)) + x
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.fc(x)


torch.manual_seed(0)
model = Net()
inputs = torch.randn(5, 3, 16, 16)


def columns(table):
    return " | ".join(re.split(r"\s{2,}", table.splitlines()[1].strip()))


def user_regions(events):
    return [(e.key, e.count) for e in events if not e.key.startswith("aten::")]


with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
    with record_function("model_inference"):
        model(inputs)

table = prof.key_averages().table(sort_by="cpu_time_total", row_limit=10)
print(columns(table))
print(table.splitlines()[-1].startswith("Self CPU time total:"))
print(len(table.splitlines()) <= 10 + 5)
print(sorted(user_regions(prof.key_averages())))
averages = {e.key: e for e in prof.key_averages()}
top = averages["model_inference"]
print(top.cpu_time_total >= averages["conv_block"].cpu_time_total > 0)
print(top.self_cpu_time_total <= top.cpu_time_total)
print(abs(sum(e.self_cpu_time_total for e in prof.key_averages()) - top.cpu_time_total)
      <= 1e-3 * top.cpu_time_total + 1)
print(columns(prof.key_averages(group_by_input_shape=True).table(sort_by="cpu_time_total",
                                                                  row_limit=10)))
shapes = [e.input_shapes for e in prof.key_averages(group_by_input_shape=True)
          if e.key == "model_inference"]
print(shapes)
events = prof.events()
inference = [e for e in events if e.name == "model_inference"][0]
block = [e for e in events if e.name == "conv_block"][0]
print(inference.time_range.start <= block.time_range.start <= block.time_range.end
      <= inference.time_range.end)
print(block.cpu_parent is not None and block.cpu_parent.name == "model_inference")

with profile(activities=[ProfilerActivity.CPU], profile_memory=True, record_shapes=True) as prof:
    model(inputs)
table = prof.key_averages().table(sort_by="self_cpu_memory_usage", row_limit=10)
print(columns(table))
print(max(e.cpu_memory_usage for e in prof.key_averages()) > 0)

trace_dir = tempfile.mkdtemp()
with profile(activities=[ProfilerActivity.CPU]) as prof:
    with record_function("model_inference"):
        model(inputs)
prof.export_chrome_trace(os.path.join(trace_dir, "trace.json"))
with open(os.path.join(trace_dir, "trace.json")) as f:
    trace = json.load(f)
names = [e["name"] for e in trace["traceEvents"] if e.get("ph") == "X"]
print(names.count("model_inference"), names.count("conv_block"))

optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
target = torch.randint(0, 10, (5,))
ready = []


def trace_handler(p):
    steps = sorted(e.key for e in p.key_averages() if e.key.startswith("ProfilerStep"))
    ready.append((p.step_num, steps))
    output = p.key_averages().table(sort_by="self_cpu_time_total", row_limit=5)
    print("trace ready at step", p.step_num, steps, columns(output).split(" | ")[0])


with profile(
    activities=[ProfilerActivity.CPU],
    schedule=torch.profiler.schedule(wait=1, warmup=1, active=2, repeat=2),
    on_trace_ready=trace_handler
) as p:
    for idx in range(10):
        with record_function("train_step"):
            loss = F.cross_entropy(model(inputs), target)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        p.step()
print(len(ready), p.step_num)

log_dir = os.path.join(trace_dir, "log")
with profile(
    activities=[ProfilerActivity.CPU],
    schedule=torch.profiler.schedule(wait=0, warmup=1, active=1, repeat=1),
    on_trace_ready=torch.profiler.tensorboard_trace_handler(log_dir, worker_name="worker0")
) as p:
    for idx in range(3):
        model(inputs)
        p.step()
files = os.listdir(log_dir)
print(len(files), all(f.startswith("worker0.") and f.endswith(".pt.trace.json") for f in files))
with open(os.path.join(log_dir, files[0])) as f:
    steps = [e["name"] for e in json.load(f)["traceEvents"]
             if e.get("name", "").startswith("ProfilerStep")]
print(steps)
