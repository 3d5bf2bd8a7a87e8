"""The 'adversarial example generation' (FGSM) tutorial at 12x12: the LeNet-style Net (two
Conv2d, max_pool2d, two Dropout, torch.flatten, log_softmax) loaded from a state_dict file with
torch.load(map_location=device, weights_only=True) and put in eval mode, a DataLoader with
batch_size=1, data.requires_grad = True, output.max(1, keepdim=True)[1], model.zero_grad(),
data.grad.data, fgsm_attack (data_grad.sign(), torch.clamp(perturbed_image, 0, 1)), denorm with
std.view(1, -1, 1, 1), the accuracy per epsilon and the adversarial examples collected with
.squeeze().detach().cpu().numpy().  (MNIST and the pretrained LeNet are replaced by synthetic
images and NumPy weights written with torch.save; transforms.Normalize by the same arithmetic;
the plots by prints; shuffle=False so both libraries visit the samples in one order.)"""
# ruff: noqa: B006, PLR0402, UP008  (written in the tutorial's own style)
import os
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

epsilons = [0, .05, .1, .15, .2, .25, .3]
pretrained_model = os.path.join(tempfile.mkdtemp(), "lenet_mnist_model.pth")
use_cuda = False  # (the simulated GPU of the test machine would be slow)
# Set random seed for reproducibility
torch.manual_seed(42)


# LeNet Model definition
class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, 1)
        self.conv2 = nn.Conv2d(8, 16, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(256, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.dropout2(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        return output


# the "pretrained" weights: NumPy draws saved as the tutorial's .pth state_dict
rng = np.random.default_rng(0)
torch.save({k: torch.from_numpy(rng.uniform(-0.3, 0.3, v.shape).astype(np.float32))
            for k, v in Net().state_dict().items()}, pretrained_model)


def normalize(x, mean=(0.1307,), std=(0.3081,)):        # transforms.Normalize
    return (x - mean[0]) / std[0]


images = torch.from_numpy(rng.uniform(0, 1, (24, 1, 12, 12)).astype(np.float32))

# Define what device we are using
device = torch.device("cuda" if use_cuda and torch.cuda.is_available() else "cpu")

# Initialize the network
model = Net().to(device)

# Load the pretrained model
model.load_state_dict(torch.load(pretrained_model, map_location=device, weights_only=True))

# Set the model in evaluation mode. In this case this is for the Dropout layers
model.eval()

# MNIST Test dataset and dataloader declaration: the labels are the model's own
# predictions, except every fourth, so that some samples are skipped as misclassified
with torch.no_grad():
    labels = model(normalize(images).to(device)).argmax(1).cpu()
labels[::4] = (labels[::4] + 1) % 10
test_loader = torch.utils.data.DataLoader(
    torch.utils.data.TensorDataset(normalize(images), labels), batch_size=1, shuffle=False)


# FGSM attack code
def fgsm_attack(image, epsilon, data_grad):
    # Collect the element-wise sign of the data gradient
    sign_data_grad = data_grad.sign()
    # Create the perturbed image by adjusting each pixel of the input image
    perturbed_image = image + epsilon*sign_data_grad
    # Adding clipping to maintain [0,1] range
    perturbed_image = torch.clamp(perturbed_image, 0, 1)
    # Return the perturbed image
    return perturbed_image


# restores the tensors to their original scale
def denorm(batch, mean=[0.1307], std=[0.3081]):
    """
    Convert a batch of tensors to their original scale.

    Args:
        batch (torch.Tensor): Batch of normalized tensors.
        mean (torch.Tensor or list): Mean used for normalization.
        std (torch.Tensor or list): Standard deviation used for normalization.

    Returns:
        torch.Tensor: batch of tensors without normalization applied to them.
    """
    if isinstance(mean, list):
        mean = torch.tensor(mean).to(device)
    if isinstance(std, list):
        std = torch.tensor(std).to(device)

    return batch * std.view(1, -1, 1, 1) + mean.view(1, -1, 1, 1)


def test(model, device, test_loader, epsilon):

    # Accuracy counter
    correct = 0
    adv_examples = []

    # Loop over all examples in test set
    for data, target in test_loader:

        # Send the data and label to the device
        data, target = data.to(device), target.to(device)

        # Set requires_grad attribute of tensor. Important for Attack
        data.requires_grad = True

        # Forward pass the data through the model
        output = model(data)
        init_pred = output.max(1, keepdim=True)[1]  # get the index of the max log-probability

        # If the initial prediction is wrong, don't bother attacking, just move on
        if init_pred.item() != target.item():
            continue

        # Calculate the loss
        loss = F.nll_loss(output, target)

        # Zero all existing gradients
        model.zero_grad()

        # Calculate gradients of model in backward pass
        loss.backward()

        # Collect ``datagrad``
        data_grad = data.grad.data

        # Restore the data to its original scale
        data_denorm = denorm(data)

        # Call FGSM Attack
        perturbed_data = fgsm_attack(data_denorm, epsilon, data_grad)

        # Reapply normalization
        perturbed_data_normalized = normalize(perturbed_data)

        # Re-classify the perturbed image
        output = model(perturbed_data_normalized)

        # Check for success
        final_pred = output.max(1, keepdim=True)[1]  # get the index of the max log-probability
        if final_pred.item() == target.item():
            correct += 1
            # Special case for saving 0 epsilon examples
            if epsilon == 0 and len(adv_examples) < 5:
                adv_ex = perturbed_data.squeeze().detach().cpu().numpy()
                adv_examples.append((init_pred.item(), final_pred.item(), adv_ex))
        else:
            # Save some adv examples for visualization later
            if len(adv_examples) < 5:
                adv_ex = perturbed_data.squeeze().detach().cpu().numpy()
                adv_examples.append((init_pred.item(), final_pred.item(), adv_ex))

    # Calculate final accuracy for this epsilon
    final_acc = correct/float(len(test_loader))
    print(f"Epsilon: {epsilon}\tTest Accuracy = {correct} / {len(test_loader)} = {final_acc}")

    # Return the accuracy and an adversarial example
    return final_acc, adv_examples


accuracies = []
examples = []

# Run test for each epsilon
for eps in epsilons:
    acc, ex = test(model, device, test_loader, eps)
    accuracies.append(acc)
    examples.append(ex)

for i in range(len(epsilons)):
    for j in range(len(examples[i])):
        orig, adv, ex = examples[i][j]
        print(f"Eps: {epsilons[i]} {orig} -> {adv} {ex.shape} {ex.dtype} {ex.mean():.4f}")
