"""The 'transfer learning for computer vision' tutorial in small: a 'pretrained' backbone
(a tiny ResNet-style net with NumPy weights standing in for resnet18), train_model with
train/val phases, model.train()/model.eval(), torch.set_grad_enabled(phase == 'train'),
torch.max(outputs, 1), running_corrects += torch.sum(preds == labels.data),
running_corrects.double() / dataset_sizes[phase], copy.deepcopy(model.state_dict()) of the
best epoch and load_state_dict; first fine-tuning everything (model_ft.fc replaced by a new
nn.Linear(num_ftrs, 2), SGD with momentum, lr_scheduler.StepLR), then the ConvNet as a fixed
feature extractor (param.requires_grad = False, only model_conv.fc's parameters optimised)."""
# ruff: noqa: PLR0402  (written in the tutorial's own style)
import copy

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.optim import lr_scheduler
from torch.utils.data import DataLoader, TensorDataset


class TinyResNet(nn.Module):
    def __init__(self, num_classes=1000):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(8)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(8, num_classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)) + x)
        x = torch.flatten(self.avgpool(x), 1)
        return self.fc(x)


def pretrained_model(seed):
    model = TinyResNet()
    r = np.random.default_rng(seed)
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() > 1:
                p.copy_(torch.from_numpy(r.normal(0, (2 / p[0].numel()) ** 0.5, tuple(p.shape))
                                         .astype(np.float32)))
    return model


rng = np.random.default_rng(0)
# ants are reddish with a bright centre, bees yellow with stripes
yy, xx = np.mgrid[:8, :8]


def make_images(n):
    labels = rng.integers(0, 2, n)
    imgs = rng.normal(0, 0.3, (n, 3, 8, 8))
    imgs[labels == 0, 0] += 1.0
    imgs[labels == 0, :, 2:6, 2:6] += 0.5
    imgs[labels == 1, :2] += 0.8 * (yy % 2)
    return torch.from_numpy(imgs.astype(np.float32)), torch.from_numpy(labels)


image_datasets = {x: TensorDataset(*make_images(32 if x == 'train' else 16))
                  for x in ['train', 'val']}
dataloaders = {x: DataLoader(image_datasets[x], batch_size=8, shuffle=False)
               for x in ['train', 'val']}
dataset_sizes = {x: len(image_datasets[x]) for x in ['train', 'val']}
class_names = ['ants', 'bees']
device = torch.device("cuda:0" if torch.cuda.is_available() and False else "cpu")
print(dataset_sizes, class_names, device)


def train_model(model, criterion, optimizer, scheduler, num_epochs=25):
    best_model_wts = copy.deepcopy(model.state_dict())
    best_acc = 0.0

    for epoch in range(num_epochs):
        print(f'Epoch {epoch}/{num_epochs - 1}')
        print('-' * 10)

        # Each epoch has a training and validation phase
        for phase in ['train', 'val']:
            if phase == 'train':
                model.train()  # Set model to training mode
            else:
                model.eval()   # Set model to evaluate mode

            running_loss = 0.0
            running_corrects = 0

            # Iterate over data.
            for inputs, labels in dataloaders[phase]:
                inputs = inputs.to(device)
                labels = labels.to(device)

                # zero the parameter gradients
                optimizer.zero_grad()

                # forward
                # track history if only in train
                with torch.set_grad_enabled(phase == 'train'):
                    outputs = model(inputs)
                    _, preds = torch.max(outputs, 1)
                    loss = criterion(outputs, labels)

                    # backward + optimize only if in training phase
                    if phase == 'train':
                        loss.backward()
                        optimizer.step()

                # statistics
                running_loss += loss.item() * inputs.size(0)
                running_corrects += torch.sum(preds == labels.data)
            if phase == 'train':
                scheduler.step()

            epoch_loss = running_loss / dataset_sizes[phase]
            epoch_acc = running_corrects.double() / dataset_sizes[phase]

            print(f'{phase} Loss: {epoch_loss:.4f} Acc: {epoch_acc:.4f}')

            # deep copy the model
            if phase == 'val' and epoch_acc > best_acc:
                best_acc = epoch_acc
                best_model_wts = copy.deepcopy(model.state_dict())

        print()

    print(f'Best val Acc: {best_acc:4f}')

    # load best model weights
    model.load_state_dict(best_model_wts)
    return model


model_ft = pretrained_model(1)
num_ftrs = model_ft.fc.in_features
# Here the size of each output sample is set to 2.
model_ft.fc = nn.Linear(num_ftrs, 2)
with torch.no_grad():
    model_ft.fc.weight.copy_(torch.from_numpy(rng.uniform(-0.3, 0.3, (2, num_ftrs))
                                              .astype(np.float32)))
    model_ft.fc.bias.zero_()
model_ft = model_ft.to(device)
criterion = nn.CrossEntropyLoss()
# Observe that all parameters are being optimized
optimizer_ft = optim.SGD(model_ft.parameters(), lr=0.01, momentum=0.9)
# Decay LR by a factor of 0.1 every 7 epochs
exp_lr_scheduler = lr_scheduler.StepLR(optimizer_ft, step_size=2, gamma=0.1)
model_ft = train_model(model_ft, criterion, optimizer_ft, exp_lr_scheduler, num_epochs=3)
print(model_ft.bn1.num_batches_tracked, optimizer_ft.param_groups[0]['lr'])

model_conv = pretrained_model(2)
for param in model_conv.parameters():
    param.requires_grad = False

# Parameters of newly constructed modules have requires_grad=True by default
num_ftrs = model_conv.fc.in_features
model_conv.fc = nn.Linear(num_ftrs, 2)
with torch.no_grad():
    model_conv.fc.weight.copy_(torch.from_numpy(rng.uniform(-0.3, 0.3, (2, num_ftrs))
                                                .astype(np.float32)))
    model_conv.fc.bias.zero_()
model_conv = model_conv.to(device)

# Observe that only parameters of final layer are being optimized as
# opposed to before.
optimizer_conv = optim.SGD(model_conv.fc.parameters(), lr=0.01, momentum=0.9)
exp_lr_scheduler = lr_scheduler.StepLR(optimizer_conv, step_size=2, gamma=0.1)
model_conv = train_model(model_conv, criterion, optimizer_conv, exp_lr_scheduler, num_epochs=3)
print(model_conv.conv1.weight.grad, model_conv.fc.weight.grad is not None,
      sum(p.numel() for p in model_conv.parameters() if p.requires_grad))

was_training = model_conv.training
model_conv.eval()
with torch.no_grad():
    inputs, labels = next(iter(dataloaders['val']))
    outputs = model_conv(inputs)
    _, preds = torch.max(outputs, 1)
    print([class_names[p] for p in preds[:4]], was_training)
