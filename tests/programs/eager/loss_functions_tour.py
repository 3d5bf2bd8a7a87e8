"""The loss functions the 'PyTorch loss functions' guides walk through, each on a small batch
with its reduction variants: MarginRankingLoss, HingeEmbeddingLoss, SoftMarginLoss,
MultiLabelSoftMarginLoss, MultiMarginLoss (p and margin), KLDivLoss (batchmean and log_target),
PoissonNLLLoss (log_input, full), GaussianNLLLoss (scalar and per-feature variance),
HuberLoss vs SmoothL1Loss, BCEWithLogitsLoss with pos_weight, NLLLoss with class weights and
ignore_index, CrossEntropyLoss with probability targets, and a focal loss written by hand;
then a small imbalanced classifier trained with the focal loss."""
import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)

x1, x2 = torch.randn(6, requires_grad=True), torch.randn(6)
y = torch.tensor([1, -1, 1, 1, -1, -1], dtype=torch.float32)
for reduction in ("mean", "sum", "none"):
    print("margin ranking", reduction, nn.MarginRankingLoss(margin=0.2, reduction=reduction)(x1, x2, y))
loss = nn.MarginRankingLoss()(x1, x2, y)
loss.backward()
print(x1.grad)

d = torch.rand(6) * 2
print("hinge", nn.HingeEmbeddingLoss(margin=1.5)(d, y), nn.HingeEmbeddingLoss(reduction="none")(d, y))
print("soft margin", nn.SoftMarginLoss()(x2, y))

logits = torch.randn(4, 5)
multi_hot = torch.tensor([[1, 0, 1, 0, 0], [0, 1, 0, 0, 1], [1, 1, 1, 0, 0], [0, 0, 0, 0, 1]]).float()
print("multilabel soft margin", nn.MultiLabelSoftMarginLoss()(logits, multi_hot))
print("multilabel soft margin weighted",
      nn.MultiLabelSoftMarginLoss(weight=torch.tensor([1.0, 2.0, 1.0, 0.5, 1.0]))(logits, multi_hot))
target = torch.tensor([0, 3, 2, 4])
print("multi margin", nn.MultiMarginLoss()(logits, target), nn.MultiMarginLoss(p=2, margin=0.5)(logits, target))

log_p = F.log_softmax(torch.randn(3, 4), dim=1)
q = F.softmax(torch.randn(3, 4), dim=1)
print("kl batchmean", nn.KLDivLoss(reduction="batchmean")(log_p, q))
print("kl log_target", nn.KLDivLoss(reduction="batchmean", log_target=True)(log_p, q.log()))
print("kl sum vs manual", F.kl_div(log_p, q, reduction="sum"), (q * (q.log() - log_p)).sum())

rate_log = torch.randn(5)
counts = torch.tensor([0.0, 2.0, 1.0, 5.0, 3.0])
print("poisson", nn.PoissonNLLLoss()(rate_log, counts), nn.PoissonNLLLoss(full=True)(rate_log, counts))
print("poisson rates", nn.PoissonNLLLoss(log_input=False)(rate_log.exp(), counts))

mu, target_g = torch.randn(4, 3), torch.randn(4, 3)
var = torch.rand(4, 3) + 0.1
print("gaussian nll", nn.GaussianNLLLoss()(mu, target_g, var), nn.GaussianNLLLoss(full=True)(mu, target_g, var))
print("gaussian nll per-sample var", nn.GaussianNLLLoss()(mu, target_g, var[:, :1]))

a, b = torch.randn(8) * 3, torch.randn(8)
print("huber", nn.HuberLoss(delta=2.0)(a, b), nn.SmoothL1Loss(beta=2.0)(a, b) * 2.0)

pos_weight = torch.tensor([3.0])
bin_logits, bin_target = torch.randn(6, 1), torch.tensor([[1.], [0.], [0.], [1.], [0.], [0.]])
print("bce pos_weight", nn.BCEWithLogitsLoss(pos_weight=pos_weight)(bin_logits, bin_target))

scores = torch.randn(5, 3)
labels = torch.tensor([0, 2, -100, 1, 2])
print("nll weighted", nn.NLLLoss(weight=torch.tensor([1.0, 2.0, 0.5]))(F.log_softmax(scores, 1), labels))
soft_targets = F.softmax(torch.randn(5, 3), dim=1)
print("ce probabilities", nn.CrossEntropyLoss()(scores, soft_targets),
      nn.CrossEntropyLoss(label_smoothing=0.1)(scores, soft_targets))


class FocalLoss(nn.Module):
    def __init__(self, alpha=0.25, gamma=2.0, reduction="mean"):
        super().__init__()
        self.alpha, self.gamma, self.reduction = alpha, gamma, reduction

    def forward(self, inputs, targets):
        p = torch.sigmoid(inputs)
        ce_loss = F.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
        p_t = p * targets + (1 - p) * (1 - targets)
        loss = ce_loss * ((1 - p_t) ** self.gamma)
        if self.alpha >= 0:
            alpha_t = self.alpha * targets + (1 - self.alpha) * (1 - targets)
            loss = alpha_t * loss
        return loss.mean() if self.reduction == "mean" else loss.sum()


X = torch.randn(200, 4)
Y = ((X[:, 0] + 0.5 * X[:, 1]) > 1.2).float().unsqueeze(1)
print("positives", int(Y.sum()))
model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
criterion = FocalLoss()
for epoch in range(40):
    opt.zero_grad()
    out = model(X)
    loss = criterion(out, Y)
    loss.backward()
    opt.step()
    if epoch % 10 == 9:
        pred = (out > 0).float()
        tp = (pred * Y).sum()
        print(f"epoch {epoch + 1} focal {loss.item():.5f} recall {(tp / Y.sum()).item():.3f} "
              f"precision {(tp / pred.sum().clamp(min=1)).item():.3f}")
