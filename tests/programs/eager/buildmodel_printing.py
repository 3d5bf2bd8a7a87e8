"""The PyTorch basics tutorials' printing (beginner/basics/buildmodel_tutorial, tensorqs_tutorial,
optimization_tutorial and the "Saving and Loading" recipe), which real programs copy: print of
a model with nn.Flatten/nn.Sequential/nn.ModuleList/nn.ParameterList/nn.ParameterDict, the
loop over named_parameters printing "Layer: ... | Size: ... | Values : ...", print of an
optimizer with two parameter groups, of a loss module built with reduction='sum', of
torch.max(..., 1) and other torch.return_types results, of tensors under
torch.set_printoptions(precision=2, sci_mode=False) and linewidth, of a DataLoader batch of
(x, label, name) samples (a list, names as a tuple), and of a state_dict's keys and an
AvgPool1d."""
# ruff: noqa: PLR0402  (written in the tutorials' own style)
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

torch.manual_seed(0)
device = "cpu"
print(f"Using {device} device")


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(4 * 4, 8),
            nn.ReLU(),
            nn.Linear(8, 8),
            nn.ReLU(),
            nn.Linear(8, 3),
        )
        self.heads = nn.ModuleList([nn.Linear(3, 1) for _ in range(2)])
        self.scales = nn.ParameterList([nn.Parameter(torch.ones(3)), nn.Parameter(torch.zeros(1, 3))])
        self.extra = nn.ParameterDict({"gamma": nn.Parameter(torch.ones(2)), "beta": nn.Parameter(torch.zeros(2))})
        self.pool = nn.AvgPool1d(2)
        self.loss_fn = nn.MSELoss(reduction="sum")

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x) * self.scales[0]
        return logits


model = NeuralNetwork().to(device)
print(model)

X = torch.rand(1, 4, 4, device=device)
logits = model(X)
pred_probab = nn.Softmax(dim=1)(logits)
y_pred = pred_probab.argmax(1)
print(f"Predicted class: {y_pred}")

print(f"Model structure: {model.linear_relu_stack}\n\n")
for name, param in model.named_parameters():
    if name.startswith("linear_relu_stack.0"):
        print(f"Layer: {name} | Size: {param.size()} | Values : {param[:2]} \n")
print([name for name, _ in model.named_parameters()])

optimizer = torch.optim.SGD([
    {"params": model.linear_relu_stack.parameters()},
    {"params": model.heads.parameters(), "lr": 1e-2},
], lr=1e-3, momentum=0.9)
print(optimizer)

x = torch.tensor([[1.0, 5.0, 2.0], [7.0, 0.5, 7.0]])
print(torch.max(x, 1))
values, indices = torch.max(x, 1)
print(values, indices)
print(x.sort(dim=1, descending=True))
print(torch.topk(x[0], 2))
print(torch.linalg.slogdet(torch.eye(2) * 3))

torch.set_printoptions(precision=2, sci_mode=False)
print(torch.tensor([[1.23456, 1e-5], [1234.5678, -0.5]]))
print(torch.arange(12.0) / 3)
torch.set_printoptions(linewidth=40)
print(torch.arange(24.0) * 1.5)
torch.set_printoptions(profile="default")
print(torch.tensor([1.23456, 1e-5]))


class Samples(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        return torch.full((2,), float(i)), i % 2, f"sample{i}"


batch = next(iter(DataLoader(Samples(), batch_size=3)))
print(type(batch).__name__, batch)
print(list(model.state_dict().keys())[:4])
print(model.pool, model.pool.kernel_size, model.pool.stride)
print(model.loss_fn, model.loss_fn.reduction)
