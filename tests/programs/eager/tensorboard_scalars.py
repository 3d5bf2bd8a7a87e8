"""The 'How to use TensorBoard with PyTorch' recipe: a SummaryWriter logging a linear
regression's loss with add_scalar, plus add_scalars, add_histogram of the weights, add_text and
add_hparams, flush and close; the event files are then read back with TensorBoard's own
EventAccumulator and the logged values printed."""
import os
import tempfile

import torch
from torch.utils.tensorboard import SummaryWriter

log_dir = tempfile.mkdtemp()
writer = SummaryWriter(log_dir=log_dir)

x = torch.arange(-5, 5, 0.1).view(-1, 1)
y = -5 * x + 0.1 * torch.randn(x.size())

model = torch.nn.Linear(1, 1)
criterion = torch.nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)


def train_model(iter):
    for epoch in range(iter):
        y1 = model(x)
        loss = criterion(y1, y)
        writer.add_scalar("Loss/train", loss, epoch)
        writer.add_scalars("run_14h", {'weight': model.weight.item(),
                                       'bias': model.bias.item()}, epoch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if epoch % 5 == 4:
            writer.add_histogram("grad/weight", model.weight.grad, epoch)
            writer.add_histogram("samples", torch.randn(200) + epoch, epoch)


train_model(10)
writer.add_text("notes", "trained a linear model", 0)
writer.flush()
print(writer.get_logdir() == log_dir)
writer.close()

with SummaryWriter(log_dir=os.path.join(log_dir, "hparams")) as w:
    for i in range(2):
        w.add_hparams({'lr': 0.1 * (i + 1), 'bsize': i, 'opt': 'sgd'},
                      {'hparam/loss': 0.25 / (i + 1)}, run_name=f"trial{i}")

try:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
except ImportError:
    EventAccumulator = None
if EventAccumulator is not None:
    acc = EventAccumulator(log_dir, size_guidance={'scalars': 0, 'histograms': 0})
    acc.Reload()
    tags = acc.Tags()
    print(sorted(tags['scalars']), sorted(tags['histograms']))
    for e in acc.Scalars("Loss/train"):
        print(e.step, round(e.value, 4))
    for h in acc.Histograms("samples"):
        v = h.histogram_value
        print("samples", h.step, v.num, round(v.sum, 3), round(v.min, 3), round(v.max, 3))
    for h in acc.Histograms("grad/weight"):
        print("grad/weight", h.step, h.histogram_value.num)
    print(sorted(os.listdir(log_dir))[-3:] if False else len([
        d for d in os.listdir(log_dir) if os.path.isdir(os.path.join(log_dir, d))]))
    sub = os.path.join(log_dir, "run_14h_weight")
    acc2 = EventAccumulator(sub)
    acc2.Reload()
    print(acc2.Tags()['scalars'], [round(e.value, 3) for e in acc2.Scalars("run_14h")][-3:])
    from tensorboard.plugins.hparams import plugin_data_pb2
    for i in range(2):
        acc3 = EventAccumulator(os.path.join(log_dir, "hparams", f"trial{i}"))
        acc3.Reload()
        print(sorted(acc3.Tags()['tensors']), acc3.Tags()['scalars'],
              [round(e.value, 4) for e in acc3.Scalars('hparam/loss')])
        content = acc3.PluginTagToContent("hparams")
        start = plugin_data_pb2.HParamsPluginData.FromString(
            content["_hparams_/session_start_info"]).session_start_info
        print({k: (v.number_value, v.string_value) for k, v in sorted(start.hparams.items())})
        exp = plugin_data_pb2.HParamsPluginData.FromString(
            content["_hparams_/experiment"]).experiment
        print([h.name for h in exp.hparam_infos], [m.name.tag for m in exp.metric_infos])
