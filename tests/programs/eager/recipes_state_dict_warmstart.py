"""PyTorch recipes 'What is a state_dict in PyTorch', 'Warmstarting model using parameters from
a different model', 'Saving and loading multiple models in one file' and 'Zeroing out
gradients': the model's and the optimizer's state_dict contents, load_state_dict(strict=False)
and its missing/unexpected keys, several models and optimizers in one torch.save file, and a
training loop with optimizer.zero_grad()."""
import io

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.view(-1, 16 * 5 * 5)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


torch.manual_seed(0)
net = Net()
print(net)

optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)

# Print model's state_dict
print("Model's state_dict:")
for param_tensor in net.state_dict():
    print(param_tensor, "\t", net.state_dict()[param_tensor].size())

print()

# Print optimizer's state_dict
print("Optimizer's state_dict:")
for var_name in optimizer.state_dict():
    print(var_name, "\t", optimizer.state_dict()[var_name])

# Zeroing out gradients: a few steps on random images
inputs = torch.randn(8, 3, 32, 32)
labels = torch.randint(0, 10, (8,))
criterion = nn.CrossEntropyLoss()
for epoch in range(3):
    running_loss = 0.0
    optimizer.zero_grad()
    outputs = net(inputs)
    loss = criterion(outputs, labels)
    loss.backward()
    optimizer.step()
    running_loss += loss.item()
    print('[%d] loss: %.3f' % (epoch + 1, running_loss))
print(net.conv1.weight.grad is None)
optimizer.zero_grad(set_to_none=False)
print(net.conv1.weight.grad.abs().sum().item())
state = optimizer.state_dict()
print(sorted(state['state'].keys())[:4], list(state['state'][0].keys()))


# Warmstarting: NetB has a different head
class NetB(nn.Module):
    def __init__(self):
        super(NetB, self).__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.head = nn.Linear(84, 4)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.view(-1, 16 * 5 * 5)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.head(x)


PATH = io.BytesIO()
torch.save(net.state_dict(), PATH)
PATH.seek(0)
netB = NetB()
result = netB.load_state_dict(torch.load(PATH, weights_only=True), strict=False)
print(result)
print(sorted(result.missing_keys), sorted(result.unexpected_keys))
print(torch.equal(netB.conv1.weight, net.conv1.weight))
try:
    PATH.seek(0)
    netB.load_state_dict(torch.load(PATH, weights_only=True))
except RuntimeError as e:
    print(str(e).splitlines()[0])

# Saving and loading multiple models in one file
netA = Net()
optimizerA = optim.SGD(netA.parameters(), lr=0.001, momentum=0.9)
optimizerB = optim.Adam(netB.parameters(), lr=0.001)
netB(inputs).sum().backward()
optimizerB.step()
buffer = io.BytesIO()
torch.save({
    'modelA_state_dict': netA.state_dict(),
    'modelB_state_dict': netB.state_dict(),
    'optimizerA_state_dict': optimizerA.state_dict(),
    'optimizerB_state_dict': optimizerB.state_dict(),
}, buffer)
buffer.seek(0)
modelA = Net()
modelB = NetB()
optimModelA = optim.SGD(modelA.parameters(), lr=0.001, momentum=0.9)
optimModelB = optim.Adam(modelB.parameters(), lr=0.001)
checkpoint = torch.load(buffer, weights_only=True)
modelA.load_state_dict(checkpoint['modelA_state_dict'])
modelB.load_state_dict(checkpoint['modelB_state_dict'])
optimModelA.load_state_dict(checkpoint['optimizerA_state_dict'])
optimModelB.load_state_dict(checkpoint['optimizerB_state_dict'])
modelA.eval()
modelB.train()
print(sorted(checkpoint.keys()))
print(optimModelB.state_dict()['param_groups'][0]['betas'],
      optimModelB.state_dict()['state'][0]['step'])
print(torch.allclose(modelB(inputs), netB(inputs)), modelA(inputs).shape)
