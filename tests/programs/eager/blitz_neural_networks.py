"""The 60-minute blitz's 'Neural Networks' tutorial: LeNet (conv1 -> relu -> max_pool2d ->
conv2 -> ... -> fc3) on a random 32x32 input, list(net.parameters()) and params[0].size(),
net.zero_grad() + out.backward(torch.randn(1, 10)), nn.MSELoss against a random target viewed
as (1, -1), the loss's grad_fn chain through next_functions, conv1.bias.grad before and after
backward, the manual update ``f.data.sub_(f.grad.data * learning_rate)``, then optim.SGD's
training loop (grad_fn names printed by class name: torch prints the object's address)."""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim


class Net(nn.Module):

    def __init__(self):
        super(Net, self).__init__()
        # 1 input image channel, 6 output channels, 5x5 square convolution kernel
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        # an affine operation: y = Wx + b
        self.fc1 = nn.Linear(16 * 5 * 5, 120)  # 5*5 from image dimension
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, input):
        c1 = F.relu(self.conv1(input))
        s2 = F.max_pool2d(c1, (2, 2))
        c3 = F.relu(self.conv2(s2))
        s4 = F.max_pool2d(c3, 2)
        s4 = torch.flatten(s4, 1)
        f5 = F.relu(self.fc1(s4))
        f6 = F.relu(self.fc2(f5))
        output = self.fc3(f6)
        return output


torch.manual_seed(0)
net = Net()
print(net)

params = list(net.parameters())
print(len(params))
print(params[0].size())  # conv1's .weight
print(sum(p.numel() for p in params), "parameters")

input = torch.randn(1, 1, 32, 32)
out = net(input)
print(out)

net.zero_grad()
out.backward(torch.randn(1, 10))
print("conv1 weight grad norm", round(net.conv1.weight.grad.norm().item(), 4))

output = net(input)
target = torch.randn(10)  # a dummy target, for example
target = target.view(1, -1)  # make it the same shape as output
criterion = nn.MSELoss()

loss = criterion(output, target)
print(loss)

print(type(loss.grad_fn).__name__)  # MSELoss
print(type(loss.grad_fn.next_functions[0][0]).__name__)  # Linear
print(type(loss.grad_fn.next_functions[0][0].next_functions[0][0]).__name__)  # ReLU
chain, fn = [], loss.grad_fn
while fn is not None and fn.next_functions:
    chain.append(type(fn).__name__)
    fn = next((f for f, _ in fn.next_functions if f is not None
               and type(f).__name__ != "AccumulateGrad"), None)
print(" <- ".join(chain))

net.zero_grad()     # zeroes the gradient buffers of all parameters

print('conv1.bias.grad before backward')
print(net.conv1.bias.grad)

loss.backward()

print('conv1.bias.grad after backward')
print(net.conv1.bias.grad)

learning_rate = 0.01
for f in net.parameters():
    f.data.sub_(f.grad.data * learning_rate)
print("after one manual step", criterion(net(input), target))

# create your optimizer
optimizer = optim.SGD(net.parameters(), lr=0.01)

# in your training loop:
for step in range(20):
    optimizer.zero_grad()   # zero the gradient buffers
    output = net(input)
    loss = criterion(output, target)
    loss.backward()
    optimizer.step()    # Does the update
    if step % 5 == 4:
        print(f"step {step + 1} loss {loss.item():.6f}")
