"""'Automatic Mixed Precision' on the CPU: a small classifier trained with
torch.autocast(device_type="cpu", dtype=torch.bfloat16); the forward runs in bfloat16, the loss
in float32, the gradients and the weights stay float32."""
import numpy as np
import torch

rng = np.random.default_rng(3)
X = torch.tensor(rng.standard_normal((64, 16)).astype(np.float32))
y = torch.tensor((rng.standard_normal(64) > 0).astype(np.int64))

model = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.ReLU(), torch.nn.LayerNorm(32),
                            torch.nn.Linear(32, 2))
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.tensor(rng.standard_normal(tuple(p.shape)).astype(np.float32) * 0.3))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
loss_fn = torch.nn.CrossEntropyLoss()

losses = []
for epoch in range(30):
    with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
        output = model(X)
        loss = loss_fn(output, y)
    if epoch == 0:
        print("output", output.dtype, "loss", loss.dtype)
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())
print("grad", model[0].weight.grad.dtype, "weight", model[0].weight.dtype)
print("loss went down:", losses[-1] < 0.8 * losses[0])
with torch.no_grad(), torch.autocast(device_type="cpu", dtype=torch.bfloat16):
    accuracy = (model(X).argmax(1) == y).float().mean().item()
print("accuracy above 0.8:", accuracy > 0.8)
