"""The '(beta) Channels Last Memory Format in PyTorch' tutorial: strides of NCHW and NHWC
tensors, to(memory_format=...), contiguous(memory_format=...), is_contiguous with a format,
operators that preserve the format (conv, relu, batch norm, pooling, add), a model converted
with model.to(memory_format=torch.channels_last) trained a few steps, and the 3-d format."""
import torch
import torch.nn as nn
import torch.nn.functional as F

N, C, H, W = 10, 3, 32, 32
x = torch.empty(N, C, H, W)
print(x.stride())  # Outputs: (3072, 1024, 32, 1)

x = x.to(memory_format=torch.channels_last)
print(x.shape)  # Outputs: (10, 3, 32, 32) as dimensions order preserved
print(x.stride())  # Outputs: (3072, 1, 96, 3)

x = x.to(memory_format=torch.contiguous_format)
print(x.stride())  # Outputs: (3072, 1024, 32, 1)

x = x.contiguous(memory_format=torch.channels_last)
print(x.stride())  # Ouputs: (3072, 1, 96, 3)

print(x.is_contiguous(memory_format=torch.channels_last))  # Ouputs: True

special_x = torch.empty(4, 1, 4, 4)
print(special_x.is_contiguous(memory_format=torch.channels_last))  # Ouputs: True
print(special_x.is_contiguous(memory_format=torch.contiguous_format))  # Ouputs: True

x = torch.empty(N, C, H, W, memory_format=torch.channels_last)
print(x.stride())  # Ouputs: (3072, 1, 96, 3)

y = x.permute(0, 3, 1, 2)          # NHWC view of an NCHW-stored tensor: not channels last
x = torch.randn(N, H, W, C).permute(0, 3, 1, 2)
print(x.stride(), x.is_contiguous(memory_format=torch.channels_last))

x = torch.randn(N, C, H, W).contiguous(memory_format=torch.channels_last)
print((x + 1).is_contiguous(memory_format=torch.channels_last))
print(F.relu(x).is_contiguous(memory_format=torch.channels_last))
print(torch.sin(x).stride())

input = torch.randint(1, 10, (2, 8, 4, 4), dtype=torch.float32, requires_grad=True)
model = torch.nn.Conv2d(8, 4, 3)
input = input.contiguous(memory_format=torch.channels_last)
leaf = torch.randn(2, 8, 4, 4).to(memory_format=torch.channels_last).requires_grad_()
model = model.to(memory_format=torch.channels_last)
out = model(input)
print(out.is_contiguous(memory_format=torch.channels_last))  # Ouputs: True
print(model.weight.is_contiguous(memory_format=torch.channels_last))
(out.sum() + model(leaf).sum()).backward()
print(leaf.grad.is_contiguous(memory_format=torch.channels_last), leaf.grad.shape,
      leaf.grad.sum().item())

torch.manual_seed(0)
net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                    nn.MaxPool2d(2), nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(),
                    nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 5))
net = net.to(memory_format=torch.channels_last)  # Replace with your model
optimizer = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
data = torch.randn(16, 3, 12, 12)
target = torch.randint(0, 5, (16,))
for step in range(6):
    images = data.to(memory_format=torch.channels_last)  # Replace with your input
    output = net(images)
    loss = F.cross_entropy(output, target)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 2 == 0:
        print(f"step {step} loss {loss.item():.4f}")
feat = net[:4](data.to(memory_format=torch.channels_last))
print(feat.shape, feat.is_contiguous(memory_format=torch.channels_last))
print(net[0].weight.is_contiguous(memory_format=torch.channels_last),
      net[0].weight.grad.is_contiguous(memory_format=torch.channels_last))

x3 = torch.randn(2, 3, 4, 5, 6).to(memory_format=torch.channels_last_3d)
print(x3.stride(), x3.is_contiguous(memory_format=torch.channels_last_3d))
try:
    torch.randn(2, 3, 4).to(memory_format=torch.channels_last)
except RuntimeError as e:
    print("RuntimeError:", str(e).split("\n")[0])
