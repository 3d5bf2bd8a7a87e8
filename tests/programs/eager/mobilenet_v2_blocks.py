"""MobileNetV2's building blocks as torchvision's mobilenetv2.py writes them, at a tiny width:
_make_divisible, Conv2dNormActivation-style ConvBNReLU (Conv2d bias=False with groups for the
depthwise 3x3, BatchNorm2d, ReLU6(inplace=True)), InvertedResidual with expand_ratio and the
use_res_connect shortcut, a features/classifier network with AdaptiveAvgPool2d and Dropout, the
torchvision weight init (kaiming_normal_ fan_out, zeros_, normal_(0, 0.01)); trained a few SGD
steps (nesterov, weight_decay) on synthetic 3x16x16 images, then train/eval BatchNorm behaviour,
requires_grad_(False) on the features for fine-tuning, and the parameter counts."""
# ruff: noqa: PLR0402, RUF046  (written in the tutorial's own style)
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


def _make_divisible(v, divisor, min_value=None):
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    # Make sure that round down does not go down by more than 10%.
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


class ConvBNReLU(nn.Sequential):
    def __init__(self, in_planes, out_planes, kernel_size=3, stride=1, groups=1):
        padding = (kernel_size - 1) // 2
        super().__init__(
            nn.Conv2d(in_planes, out_planes, kernel_size, stride, padding, groups=groups,
                      bias=False),
            nn.BatchNorm2d(out_planes),
            nn.ReLU6(inplace=True)
        )


class InvertedResidual(nn.Module):
    def __init__(self, inp, oup, stride, expand_ratio):
        super().__init__()
        self.stride = stride
        assert stride in [1, 2]

        hidden_dim = int(round(inp * expand_ratio))
        self.use_res_connect = self.stride == 1 and inp == oup

        layers = []
        if expand_ratio != 1:
            # pw
            layers.append(ConvBNReLU(inp, hidden_dim, kernel_size=1))
        layers.extend([
            # dw
            ConvBNReLU(hidden_dim, hidden_dim, stride=stride, groups=hidden_dim),
            # pw-linear
            nn.Conv2d(hidden_dim, oup, 1, 1, 0, bias=False),
            nn.BatchNorm2d(oup),
        ])
        self.conv = nn.Sequential(*layers)

    def forward(self, x):
        if self.use_res_connect:
            return x + self.conv(x)
        else:
            return self.conv(x)


class MobileNetV2(nn.Module):
    def __init__(self, num_classes=4, width_mult=0.25, round_nearest=8):
        super().__init__()
        input_channel = 32
        last_channel = 64
        inverted_residual_setting = [
            # t, c, n, s
            [1, 16, 1, 1],
            [6, 24, 2, 2],
            [6, 32, 2, 2],
        ]
        input_channel = _make_divisible(input_channel * width_mult, round_nearest)
        self.last_channel = _make_divisible(last_channel * max(1.0, width_mult), round_nearest)
        features = [ConvBNReLU(3, input_channel, stride=2)]
        for t, c, n, s in inverted_residual_setting:
            output_channel = _make_divisible(c * width_mult, round_nearest)
            for i in range(n):
                stride = s if i == 0 else 1
                features.append(InvertedResidual(input_channel, output_channel, stride,
                                                  expand_ratio=t))
                input_channel = output_channel
        features.append(ConvBNReLU(input_channel, self.last_channel, kernel_size=1))
        self.features = nn.Sequential(*features)
        self.classifier = nn.Sequential(
            nn.Dropout(0.2),
            nn.Linear(self.last_channel, num_classes),
        )

        # weight initialization
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode='fan_out')
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0, 0.01)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        x = self.features(x)
        x = nn.functional.adaptive_avg_pool2d(x, (1, 1))
        x = torch.flatten(x, 1)
        x = self.classifier(x)
        return x


print([_make_divisible(c * 0.25, 8) for c in (16, 24, 32, 96, 320)])
model = MobileNetV2()
print(sum(p.numel() for p in model.parameters()), 'parameters')
print(model.features[2])
print([type(m).__name__ for m in model.features[2].conv[1]])
print(model.features[3].use_res_connect, model.features[2].use_res_connect)
dw = model.features[2].conv[1][0]
print('depthwise', dw.weight.shape, dw.groups)

x = torch.randn(16, 3, 16, 16)
y = torch.randint(0, 4, (16,))
x = x + y[:, None, None, None].float() * 0.5
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=4e-5,
                            nesterov=True)
model.train()
torch.manual_seed(1)
for step in range(8):
    optimizer.zero_grad()
    out = model(x)
    loss = F.cross_entropy(out, y, label_smoothing=0.1)
    loss.backward()
    optimizer.step()
    if step % 2 == 0:
        print(f'step {step} loss {loss.item():.4f}')

bn = model.features[0][1]
print('running_var', bn.running_var[:3], bn.num_batches_tracked)
model.eval()
with torch.no_grad():
    e1 = model(x)
    e2 = model(x)
print('eval deterministic', torch.equal(e1, e2), e1.shape)
print('eval logits', e1[0])
relu6 = model.features[0][2]
print(relu6, relu6(torch.tensor([-1.0, 3.0, 7.0])))

for p in model.features.parameters():
    p.requires_grad_(False)
print('trainable', sum(p.numel() for p in model.parameters() if p.requires_grad))
ft = torch.optim.SGD(filter(lambda p: p.requires_grad, model.parameters()), lr=0.1)
model.train()
before = model.features[0][1].running_mean.clone()
loss = F.cross_entropy(model(x), y)
loss.backward()
ft.step()
print('features grad', model.features[0][0].weight.grad)
print('running stats still update in train mode',
      not torch.equal(before, model.features[0][1].running_mean))
