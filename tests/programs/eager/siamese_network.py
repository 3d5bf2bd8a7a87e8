"""pytorch/examples siamese_network, in small: a SiameseNetwork whose backbone is a ResNet
with its first conv replaced by a 1-channel one and its fc cut off with
nn.Sequential(*(list(resnet.children())[:-1])), init_weights applied with .apply
(xavier_uniform_, bias.data.fill_(0.01)), forward_once/forward with torch.cat and Sigmoid, the
APP_MATCHER dataset of same/different pairs drawn with Python's random, nn.BCELoss, Adadelta
with StepLR, test() with torch.where(outputs > 0.5, 1, 0) and pred.eq(targets.view_as(pred));
then nn.TripletMarginLoss on the backbone's embeddings.  (A one-block ResNet of 8 channels at
12x12 instead of resnet18 at 28x28; weights from NumPy after the init so both libraries train
the same numbers; Python's random gives both the same pairs.)"""
# ruff: noqa: PLR0402, UP008, UP032, UP034, PIE808  (written in the example's own style)
import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import Dataset


class BasicBlock(nn.Module):
    def __init__(self, planes):
        super(BasicBlock, self).__init__()
        self.conv1 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + x)


class TinyResNet(nn.Module):
    """torchvision's resnet18 layout with one block: conv1, bn1, relu, maxpool, layer1,
    avgpool, fc (the order children() gives)."""

    def __init__(self):
        super(TinyResNet, self).__init__()
        self.conv1 = nn.Conv2d(3, 8, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = nn.Sequential(BasicBlock(8))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(8, 1000)


class SiameseNetwork(nn.Module):
    def __init__(self):
        super(SiameseNetwork, self).__init__()
        self.resnet = TinyResNet()
        # over-write the first conv layer to be able to read MNIST images
        self.resnet.conv1 = nn.Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1),
                                      bias=False)
        self.fc_in_features = self.resnet.fc.in_features
        # remove the last layer of resnet18 (linear layer which is before avgpool layer)
        self.resnet = torch.nn.Sequential(*(list(self.resnet.children())[:-1]))
        # add linear layers to compare between the features of the two images
        self.fc = nn.Sequential(
            nn.Linear(self.fc_in_features * 2, 16),
            nn.ReLU(inplace=True),
            nn.Linear(16, 1),
        )
        self.sigmoid = nn.Sigmoid()
        # initialize the weights
        self.resnet.apply(self.init_weights)
        self.fc.apply(self.init_weights)

    def init_weights(self, m):
        if isinstance(m, nn.Linear):
            torch.nn.init.xavier_uniform_(m.weight)
            m.bias.data.fill_(0.01)

    def forward_once(self, x):
        output = self.resnet(x)
        output = output.view(output.size()[0], -1)
        return output

    def forward(self, input1, input2):
        # get two images' features
        output1 = self.forward_once(input1)
        output2 = self.forward_once(input2)
        # concatenate both images' features
        output = torch.cat((output1, output2), 1)
        # pass the concatenation to the linear layers
        output = self.fc(output)
        # pass the out of the linear layers to sigmoid layer
        output = self.sigmoid(output)
        return output


class APP_MATCHER(Dataset):
    def __init__(self, data, targets):
        super(APP_MATCHER, self).__init__()
        self.data = data.unsqueeze(1).clone()
        self.targets = targets
        self.group_examples()

    def group_examples(self):
        np_arr = np.array(self.targets.clone())
        self.grouped_examples = {}
        for i in range(0, 4):
            self.grouped_examples[i] = np.where((np_arr == i))[0]

    def __len__(self):
        return self.data.shape[0]

    def __getitem__(self, index):
        selected_class = random.randint(0, 3)
        random_index_1 = random.randint(0, self.grouped_examples[selected_class].shape[0] - 1)
        index_1 = self.grouped_examples[selected_class][random_index_1]
        image_1 = self.data[index_1].clone().float()
        # same class
        if index % 2 == 0:
            random_index_2 = random.randint(0, self.grouped_examples[selected_class].shape[0] - 1)
            while random_index_2 == random_index_1:
                random_index_2 = random.randint(
                    0, self.grouped_examples[selected_class].shape[0] - 1)
            index_2 = self.grouped_examples[selected_class][random_index_2]
            image_2 = self.data[index_2].clone().float()
            target = torch.tensor(1, dtype=torch.float)
        # different class
        else:
            other_selected_class = random.randint(0, 3)
            while other_selected_class == selected_class:
                other_selected_class = random.randint(0, 3)
            random_index_2 = random.randint(
                0, self.grouped_examples[other_selected_class].shape[0] - 1)
            index_2 = self.grouped_examples[other_selected_class][random_index_2]
            image_2 = self.data[index_2].clone().float()
            target = torch.tensor(0, dtype=torch.float)
        return image_1, image_2, target


def train(args, model, device, train_loader, optimizer, epoch):
    model.train()
    criterion = nn.BCELoss()
    for batch_idx, (images_1, images_2, targets) in enumerate(train_loader):
        images_1, images_2, targets = images_1.to(device), images_2.to(device), targets.to(device)
        optimizer.zero_grad()
        outputs = model(images_1, images_2).squeeze()
        loss = criterion(outputs, targets)
        loss.backward()
        optimizer.step()
        if batch_idx % args["log_interval"] == 0:
            print('Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}'.format(
                epoch, batch_idx * len(images_1), len(train_loader.dataset),
                100. * batch_idx / len(train_loader), loss.item()))


def test(model, device, test_loader):
    model.eval()
    test_loss = 0
    correct = 0
    criterion = nn.BCELoss()
    with torch.no_grad():
        for (images_1, images_2, targets) in test_loader:
            images_1, images_2, targets = (images_1.to(device), images_2.to(device),
                                           targets.to(device))
            outputs = model(images_1, images_2).squeeze()
            test_loss += criterion(outputs, targets).sum().item()  # sum up batch loss
            pred = torch.where(outputs > 0.5, 1, 0)  # get the index of the max log-probability
            correct += pred.eq(targets.view_as(pred)).sum().item()
    test_loss /= len(test_loader.dataset)
    print('Test set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)'.format(
        test_loss, correct, len(test_loader.dataset), 100. * correct / len(test_loader.dataset)))


random.seed(0)
rng = np.random.default_rng(0)
protos = rng.uniform(0, 255, (4, 12, 12))
labels = np.arange(48) % 4
digits = torch.from_numpy(np.clip(protos[labels] + rng.normal(0, 40, (48, 12, 12)), 0, 255)
                          .astype(np.uint8))
targets = torch.from_numpy(labels)
train_dataset = APP_MATCHER(digits[:32].float() / 255, targets[:32])
test_dataset = APP_MATCHER(digits[32:].float() / 255, targets[32:])
args = {"batch_size": 8, "lr": 1.0, "gamma": 0.7, "log_interval": 2}
train_loader = torch.utils.data.DataLoader(train_dataset, batch_size=8, shuffle=False)
test_loader = torch.utils.data.DataLoader(test_dataset, batch_size=8)
device = torch.device("cpu")

model = SiameseNetwork().to(device)
print(model.fc[0].bias[:3], model.resnet[0], len(model.resnet))
with torch.no_grad():
    for p in model.parameters():
        if p.dim() > 1:
            p.copy_(torch.from_numpy(rng.uniform(-1, 1, tuple(p.shape)).astype(np.float32)
                                     / np.sqrt(p[0].numel())))
optimizer = optim.Adadelta(model.parameters(), lr=args["lr"])
scheduler = StepLR(optimizer, step_size=1, gamma=args["gamma"])
test(model, device, test_loader)
for epoch in range(1, 4):
    train(args, model, device, train_loader, optimizer, epoch)
    test(model, device, test_loader)
    scheduler.step()
print(model.resnet[1].running_mean[:3], model.resnet[1].num_batches_tracked)

# the same backbone trained on triplets: anchor and positive of one class, negative of another
triplet_loss = nn.TripletMarginLoss(margin=1.0, p=2)
embed_opt = optim.SGD(model.resnet.parameters(), lr=0.05, momentum=0.9)
data = train_dataset.data
for step in range(4):
    idx = torch.tensor([random.choice(train_dataset.grouped_examples[c].tolist())
                        for c in (0, 1, 2, 3)])
    pos = torch.tensor([random.choice(train_dataset.grouped_examples[c].tolist())
                        for c in (0, 1, 2, 3)])
    neg = torch.tensor([random.choice(train_dataset.grouped_examples[(c + 1) % 4].tolist())
                        for c in (0, 1, 2, 3)])
    embed_opt.zero_grad()
    anchor, positive, negative = (model.forward_once(data[i]) for i in (idx, pos, neg))
    loss = triplet_loss(anchor, positive, negative)
    loss.backward()
    embed_opt.step()
    print("triplet step {} loss {:.5f}".format(step, loss.item()))
