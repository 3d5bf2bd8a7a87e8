"""A U-Net for binary segmentation as the Pytorch-UNet (milesial) and the segmentation tutorials
write it, at a tiny scale on synthetic images (bright discs on noise): DoubleConv blocks
(Conv2d 3x3 padding=1 bias=False, BatchNorm2d, ReLU(inplace=True)), Down (MaxPool2d(2) +
DoubleConv), Up (ConvTranspose2d(kernel_size=2, stride=2), F.pad to the skip's size,
torch.cat([x2, x1], dim=1)), a 1x1 OutConv; trained with BCEWithLogitsLoss plus a soft Dice
loss by RMSprop(momentum=0.9, foreach=True) with clip_grad_value_, then the Dice score and IoU
of the thresholded masks in eval mode under torch.inference_mode()."""
# ruff: noqa: PLR0402, UP008  (written in the tutorial's own style)
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class DoubleConv(nn.Module):
    """(convolution => [BN] => ReLU) * 2"""

    def __init__(self, in_channels, out_channels, mid_channels=None):
        super().__init__()
        if not mid_channels:
            mid_channels = out_channels
        self.double_conv = nn.Sequential(
            nn.Conv2d(in_channels, mid_channels, kernel_size=3, padding=1, bias=False),
            nn.BatchNorm2d(mid_channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(mid_channels, out_channels, kernel_size=3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True)
        )

    def forward(self, x):
        return self.double_conv(x)


class Down(nn.Module):
    """Downscaling with maxpool then double conv"""

    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.maxpool_conv = nn.Sequential(
            nn.MaxPool2d(2),
            DoubleConv(in_channels, out_channels)
        )

    def forward(self, x):
        return self.maxpool_conv(x)


class Up(nn.Module):
    """Upscaling then double conv"""

    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.up = nn.ConvTranspose2d(in_channels, in_channels // 2, kernel_size=2, stride=2)
        self.conv = DoubleConv(in_channels, out_channels)

    def forward(self, x1, x2):
        x1 = self.up(x1)
        # input is CHW
        diffY = x2.size()[2] - x1.size()[2]
        diffX = x2.size()[3] - x1.size()[3]

        x1 = F.pad(x1, [diffX // 2, diffX - diffX // 2,
                        diffY // 2, diffY - diffY // 2])
        x = torch.cat([x2, x1], dim=1)
        return self.conv(x)


class OutConv(nn.Module):
    def __init__(self, in_channels, out_channels):
        super(OutConv, self).__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size=1)

    def forward(self, x):
        return self.conv(x)


class UNet(nn.Module):
    def __init__(self, n_channels, n_classes):
        super(UNet, self).__init__()
        self.n_channels = n_channels
        self.n_classes = n_classes
        self.inc = DoubleConv(n_channels, 4)
        self.down1 = Down(4, 8)
        self.down2 = Down(8, 16)
        self.up1 = Up(16, 8)
        self.up2 = Up(8, 4)
        self.outc = OutConv(4, n_classes)

    def forward(self, x):
        x1 = self.inc(x)
        x2 = self.down1(x1)
        x3 = self.down2(x2)
        x = self.up1(x3, x2)
        x = self.up2(x, x1)
        logits = self.outc(x)
        return logits


def dice_coeff(input, target, epsilon=1e-6):
    # Average of Dice coefficient for all batches
    sum_dim = (-1, -2)
    inter = 2 * (input * target).sum(dim=sum_dim)
    sets_sum = input.sum(dim=sum_dim) + target.sum(dim=sum_dim)
    sets_sum = torch.where(sets_sum == 0, inter, sets_sum)
    dice = (inter + epsilon) / (sets_sum + epsilon)
    return dice.mean()


def dice_loss(input, target):
    return 1 - dice_coeff(input, target)


def make_batch(n, size=14):
    yy, xx = torch.meshgrid(torch.arange(size), torch.arange(size), indexing='ij')
    centers = torch.randint(4, size - 4, (n, 2))
    radii = torch.randint(2, 4, (n,))
    d2 = (yy[None] - centers[:, 0, None, None]) ** 2 + (xx[None] - centers[:, 1, None, None]) ** 2
    masks = (d2 <= radii[:, None, None] ** 2).float().unsqueeze(1)
    images = masks * 1.5 + 0.5 * torch.randn(n, 1, size, size)
    return images, masks


model = UNet(n_channels=1, n_classes=1)
print(f'parameters: {sum(p.numel() for p in model.parameters())}')
images, true_masks = make_batch(8)
print(images.shape, true_masks.shape, true_masks.mean().item() > 0.05)
with torch.no_grad():
    print('logits', model(images).shape)

optimizer = torch.optim.RMSprop(model.parameters(), lr=3e-3, weight_decay=1e-8, momentum=0.9,
                                foreach=True)
criterion = nn.BCEWithLogitsLoss()
model.train()
losses = []
for step in range(18):
    masks_pred = model(images)
    loss = criterion(masks_pred.squeeze(1), true_masks.squeeze(1).float())
    loss += dice_loss(F.sigmoid(masks_pred.squeeze(1)), true_masks.squeeze(1).float())
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_value_(model.parameters(), 1.0)
    optimizer.step()
    losses.append(loss.item())
    if step % 3 == 0 and step < 12:
        print(f'step {step} loss {loss.item():.4f}')
print('loss fell by half:', losses[-1] < 0.5 * losses[0])

model.eval()
test_images, test_masks = make_batch(4)
with torch.inference_mode():
    pred = (F.sigmoid(model(test_images)) > 0.5).float()
    dice = dice_coeff(pred, test_masks).item()
    print('dice above 0.2:', dice > 0.2)
    inter = (pred * test_masks).sum()
    union = ((pred + test_masks) > 0).float().sum()
    print('iou above 0.1:', (inter / union).item() > 0.1)
    print('batches tracked', model.inc.double_conv[1].num_batches_tracked)
    print('eval is deterministic:', torch.equal(model(test_images), model(test_images)))
