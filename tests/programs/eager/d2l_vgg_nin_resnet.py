"""Dive into Deep Learning, 'Networks Using Blocks (VGG)', 'Network in Network (NiN)' and
'Residual Networks (ResNet)' (PyTorch code as d2l writes it, the networks shrunk for 32x32
inputs): vgg_block's list of layers unpacked into nn.Sequential(*layers), nin_block's 1x1
convolutions, AdaptiveAvgPool2d + Flatten heads, the Residual block with use_1x1conv and
F.relu(Y + X), resnet_block stages and the layer-by-layer output-shape loop
(for blk in net: X = blk(X); print(blk.__class__.__name__, 'output shape:\\t', X.shape)),
then a few SGD steps of each on synthetic images with d2l's init_cnn (xavier_uniform_)."""
import torch
from torch import nn
from torch.nn import functional as F


def vgg_block(num_convs, in_channels, out_channels):
    layers = []
    for _ in range(num_convs):
        layers.append(nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1))
        layers.append(nn.ReLU())
        in_channels = out_channels
    layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
    return nn.Sequential(*layers)


def vgg(conv_arch):
    conv_blks = []
    in_channels = 1
    for (num_convs, out_channels) in conv_arch:
        conv_blks.append(vgg_block(num_convs, in_channels, out_channels))
        in_channels = out_channels
    return nn.Sequential(
        *conv_blks, nn.Flatten(),
        nn.Linear(out_channels * 4 * 4, 64), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(64, 64), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(64, 10))


def nin_block(in_channels, out_channels, kernel_size, strides, padding):
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, strides, padding),
        nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU())


class Residual(nn.Module):
    def __init__(self, input_channels, num_channels, use_1x1conv=False, strides=1):
        super().__init__()
        self.conv1 = nn.Conv2d(input_channels, num_channels, kernel_size=3, padding=1,
                               stride=strides)
        self.conv2 = nn.Conv2d(num_channels, num_channels, kernel_size=3, padding=1)
        if use_1x1conv:
            self.conv3 = nn.Conv2d(input_channels, num_channels, kernel_size=1, stride=strides)
        else:
            self.conv3 = None
        self.bn1 = nn.BatchNorm2d(num_channels)
        self.bn2 = nn.BatchNorm2d(num_channels)

    def forward(self, X):
        Y = F.relu(self.bn1(self.conv1(X)))
        Y = self.bn2(self.conv2(Y))
        if self.conv3:
            X = self.conv3(X)
        Y += X
        return F.relu(Y)


def resnet_block(input_channels, num_channels, num_residuals, first_block=False):
    blk = []
    for i in range(num_residuals):
        if i == 0 and not first_block:
            blk.append(Residual(input_channels, num_channels, use_1x1conv=True, strides=2))
        else:
            blk.append(Residual(num_channels, num_channels))
    return blk


def init_cnn(module):
    if type(module) == nn.Linear or type(module) == nn.Conv2d:
        nn.init.xavier_uniform_(module.weight)


torch.manual_seed(0)
blk = Residual(3, 3)
X = torch.rand(4, 3, 6, 6)
Y = blk(X)
print(Y.shape)
blk = Residual(3, 6, use_1x1conv=True, strides=2)
print(blk(X).shape)

conv_arch = ((1, 8), (1, 16), (2, 16))
vgg_net = vgg(conv_arch)
b1 = nn.Sequential(nn.Conv2d(1, 8, kernel_size=3, stride=1, padding=1),
                   nn.BatchNorm2d(8), nn.ReLU(),
                   nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
b2 = nn.Sequential(*resnet_block(8, 8, 2, first_block=True))
b3 = nn.Sequential(*resnet_block(8, 16, 2))
b4 = nn.Sequential(*resnet_block(16, 32, 1))
resnet = nn.Sequential(b1, b2, b3, b4, nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(),
                       nn.Linear(32, 10))
nin = nn.Sequential(
    nin_block(1, 16, kernel_size=5, strides=2, padding=2),
    nn.MaxPool2d(3, stride=2),
    nin_block(16, 32, kernel_size=3, strides=1, padding=1),
    nn.MaxPool2d(3, stride=2),
    nn.Dropout(0.5),
    nin_block(32, 10, kernel_size=3, strides=1, padding=1),
    nn.AdaptiveAvgPool2d((1, 1)),
    nn.Flatten())

for name, net in (("vgg", vgg_net), ("nin", nin), ("resnet", resnet)):
    X = torch.randn(size=(1, 1, 32, 32))
    print(name)
    for blk in net:
        X = blk(X)
        print(blk.__class__.__name__, 'output shape:\t', X.shape)

# synthetic 'images': the class is where a bright 8x8 square sits (a 2x5 grid of places)
n = 60
labels = torch.arange(n) % 10
images = 0.1 * torch.randn(n, 1, 32, 32)
for i in range(n):
    r, c = divmod(int(labels[i]), 5)
    images[i, 0, 4 + 12 * r:12 + 12 * r, 1 + 6 * c:9 + 6 * c] += 1.0

for name, net in (("vgg", vgg_net), ("nin", nin), ("resnet", resnet)):
    torch.manual_seed(1)
    net.apply(init_cnn)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.05)
    loss = nn.CrossEntropyLoss()
    net.train()
    for epoch in range(2):
        for i in range(0, n, 30):
            X, y = images[i:i + 30], labels[i:i + 30]
            optimizer.zero_grad()
            l = loss(net(X), y)
            l.backward()
            optimizer.step()
    net.eval()
    with torch.no_grad():
        logits = net(images)
        acc = (logits.argmax(dim=1) == labels).float().mean()
        print(f"{name}: last batch loss {l.item():.4f}, train acc {acc.item():.3f}, "
              f"params {sum(p.numel() for p in net.parameters())}")
