"""The optimizer comparison the 'visualising optimizers' posts run on the Rosenbrock function
(a = 1, b = 100): the same start (-1.5, 2.0) stepped by SGD with momentum and dampening,
Adagrad with lr_decay, Adamax, NAdam (momentum_decay), RAdam, Rprop (etas, step_sizes), ASGD,
Adadelta, and AdamW with amsgrad, each printing where it ends and the function value; then
optimizer.add_param_group, per-group learning rates, and a state_dict round trip (a deep
copy loaded into a fresh optimizer continues identically). 60 steps (the posts run 500: the
path is chaotic, and PyTorch's own float32 sqrt is not correctly rounded)."""
import copy

import torch

torch.manual_seed(0)


def rosenbrock(tensor):
    x, y = tensor
    return (1 - x) ** 2 + 100 * (y - x ** 2) ** 2


def execute_steps(func, initial_state, optimizer_class, optimizer_config, num_iter=60):
    x = torch.tensor(initial_state, requires_grad=True)
    optimizer = optimizer_class([x], **optimizer_config)
    steps = [x.detach().clone()]
    for _ in range(1, num_iter + 1):
        optimizer.zero_grad()
        f = func(x)
        f.backward(create_graph=True, retain_graph=True)
        torch.nn.utils.clip_grad_norm_(x, 1.0)
        optimizer.step()
        steps.append(x.detach().clone())
    return torch.stack(steps)


configs = [
    (torch.optim.SGD, {"lr": 1e-3, "momentum": 0.9, "dampening": 0.1}),
    (torch.optim.Adagrad, {"lr": 0.5, "lr_decay": 1e-3}),
    (torch.optim.Adamax, {"lr": 0.05}),
    (torch.optim.NAdam, {"lr": 0.05, "momentum_decay": 4e-3}),
    (torch.optim.RAdam, {"lr": 0.05}),
    (torch.optim.Rprop, {"lr": 0.01, "etas": (0.4, 1.3), "step_sizes": (1e-6, 0.5)}),
    (torch.optim.ASGD, {"lr": 0.01, "t0": 50}),
    (torch.optim.Adadelta, {"lr": 1.0, "rho": 0.95}),
    (torch.optim.AdamW, {"lr": 0.05, "amsgrad": True, "weight_decay": 0.01}),
]
for cls, cfg in configs:
    steps = execute_steps(rosenbrock, [-1.5, 2.0], cls, cfg)
    final = steps[-1]
    print(f"{cls.__name__:9s} end ({final[0].item():.4f}, {final[1].item():.4f}) "
          f"f={rosenbrock(final).item():.5f} path {(steps[1:] - steps[:-1]).norm(dim=1).sum().item():.4f}")

w1 = torch.nn.Parameter(torch.tensor([1.0, -1.0]))
w2 = torch.nn.Parameter(torch.tensor([0.5]))
opt = torch.optim.NAdam([w1], lr=0.1)
opt.add_param_group({"params": [w2], "lr": 0.01, "betas": (0.8, 0.9)})
print([g["lr"] for g in opt.param_groups], opt.param_groups[1]["betas"], opt.param_groups[1]["momentum_decay"])
for _ in range(3):
    opt.zero_grad()
    ((w1 ** 2).sum() + (w2 - 2).pow(2).sum()).backward()
    opt.step()
print(w1.data, w2.data)
sd = copy.deepcopy(opt.state_dict())
print(sorted(sd["state"][0].keys()), sd["param_groups"][1]["params"])
print(sd["state"][0]["mu_product"], sd["state"][0]["step"])

opt2 = torch.optim.NAdam([torch.nn.Parameter(w1.detach().clone())], lr=0.1)
opt2.add_param_group({"params": [torch.nn.Parameter(w2.detach().clone())], "lr": 0.01, "betas": (0.8, 0.9)})
opt2.load_state_dict(sd)
for o, ps in ((opt, [w1, w2]), (opt2, [p for g in opt2.param_groups for p in g["params"]])):
    o.zero_grad()
    ((ps[0] ** 2).sum() + (ps[1] - 2).pow(2).sum()).backward()
    o.step()
print(torch.equal(w1, opt2.param_groups[0]["params"][0]), torch.equal(w2, opt2.param_groups[1]["params"][0]))
