"""Kolmogorov-Arnold Network as Blealtan/efficient-kan writes it: KANLinear with a uniform grid
buffer (arange * h + grid_range[0], expanded per input), B-spline bases by the Cox-de Boor
recursion on ((x >= grid[:, :-1]) & (x < grid[:, 1:])), curve2coeff solving a batched least
squares with torch.linalg.lstsq(A, B).solution, spline weights initialised from noise through
it under torch.no_grad(), kaiming_uniform_ base weights, scaled splines, update_grid from the
sorted activations (torch.sort, an index linspace(dtype=torch.int64), torch.concatenate) and
the L1 + entropy regularisation; fitted with Adam to f(x, y) = exp(sin(pi x) + y^2)."""
# ruff: noqa: RUF007  (written in the tutorial's own style)
import math

import torch
import torch.nn.functional as F

torch.manual_seed(0)


class KANLinear(torch.nn.Module):
    def __init__(self, in_features, out_features, grid_size=5, spline_order=3,
                 scale_noise=0.1, scale_base=1.0, scale_spline=1.0, enable_standalone_scale_spline=True,
                 base_activation=torch.nn.SiLU, grid_eps=0.02, grid_range=(-1, 1)):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.grid_size = grid_size
        self.spline_order = spline_order
        h = (grid_range[1] - grid_range[0]) / grid_size
        grid = ((torch.arange(-spline_order, grid_size + spline_order + 1) * h + grid_range[0])
                .expand(in_features, -1).contiguous())
        self.register_buffer("grid", grid)
        self.base_weight = torch.nn.Parameter(torch.Tensor(out_features, in_features))
        self.spline_weight = torch.nn.Parameter(
            torch.Tensor(out_features, in_features, grid_size + spline_order))
        if enable_standalone_scale_spline:
            self.spline_scaler = torch.nn.Parameter(torch.Tensor(out_features, in_features))
        self.scale_noise = scale_noise
        self.scale_base = scale_base
        self.scale_spline = scale_spline
        self.enable_standalone_scale_spline = enable_standalone_scale_spline
        self.base_activation = base_activation()
        self.grid_eps = grid_eps
        self.reset_parameters()

    def reset_parameters(self):
        torch.nn.init.kaiming_uniform_(self.base_weight, a=math.sqrt(5) * self.scale_base)
        with torch.no_grad():
            noise = ((torch.rand(self.grid_size + 1, self.in_features, self.out_features) - 1 / 2)
                     * self.scale_noise / self.grid_size)
            self.spline_weight.data.copy_(
                (self.scale_spline if not self.enable_standalone_scale_spline else 1.0)
                * self.curve2coeff(self.grid.T[self.spline_order: -self.spline_order], noise))
            if self.enable_standalone_scale_spline:
                torch.nn.init.kaiming_uniform_(self.spline_scaler, a=math.sqrt(5) * self.scale_spline)

    def b_splines(self, x):
        assert x.dim() == 2 and x.size(1) == self.in_features
        grid = self.grid
        x = x.unsqueeze(-1)
        bases = ((x >= grid[:, :-1]) & (x < grid[:, 1:])).to(x.dtype)
        for k in range(1, self.spline_order + 1):
            bases = ((x - grid[:, : -(k + 1)]) / (grid[:, k:-1] - grid[:, : -(k + 1)]) * bases[:, :, :-1]
                     ) + ((grid[:, k + 1:] - x) / (grid[:, k + 1:] - grid[:, 1:(-k)]) * bases[:, :, 1:])
        assert bases.size() == (x.size(0), self.in_features, self.grid_size + self.spline_order)
        return bases.contiguous()

    def curve2coeff(self, x, y):
        assert x.dim() == 2 and x.size(1) == self.in_features
        assert y.size() == (x.size(0), self.in_features, self.out_features)
        A = self.b_splines(x).transpose(0, 1)
        B = y.transpose(0, 1)
        solution = torch.linalg.lstsq(A, B).solution
        result = solution.permute(2, 0, 1)
        assert result.size() == (self.out_features, self.in_features,
                                 self.grid_size + self.spline_order)
        return result.contiguous()

    @property
    def scaled_spline_weight(self):
        return self.spline_weight * (self.spline_scaler.unsqueeze(-1)
                                     if self.enable_standalone_scale_spline else 1.0)

    def forward(self, x):
        assert x.size(-1) == self.in_features
        original_shape = x.shape
        x = x.reshape(-1, self.in_features)
        base_output = F.linear(self.base_activation(x), self.base_weight)
        spline_output = F.linear(self.b_splines(x).view(x.size(0), -1),
                                 self.scaled_spline_weight.view(self.out_features, -1))
        output = base_output + spline_output
        return output.reshape(*original_shape[:-1], self.out_features)

    @torch.no_grad()
    def update_grid(self, x, margin=0.01):
        assert x.dim() == 2 and x.size(1) == self.in_features
        batch = x.size(0)
        splines = self.b_splines(x).permute(1, 0, 2)
        orig_coeff = self.scaled_spline_weight.permute(1, 2, 0)
        unreduced_spline_output = torch.bmm(splines, orig_coeff).permute(1, 0, 2)
        x_sorted = torch.sort(x, dim=0)[0]
        grid_adaptive = x_sorted[torch.linspace(0, batch - 1, self.grid_size + 1,
                                                dtype=torch.int64, device=x.device)]
        uniform_step = (x_sorted[-1] - x_sorted[0] + 2 * margin) / self.grid_size
        grid_uniform = (torch.arange(self.grid_size + 1, dtype=torch.float32,
                                     device=x.device).unsqueeze(1)
                        * uniform_step + x_sorted[0] - margin)
        grid = self.grid_eps * grid_uniform + (1 - self.grid_eps) * grid_adaptive
        grid = torch.concatenate([
            grid[:1] - uniform_step * torch.arange(self.spline_order, 0, -1,
                                                   device=x.device).unsqueeze(1),
            grid,
            grid[-1:] + uniform_step * torch.arange(1, self.spline_order + 1,
                                                    device=x.device).unsqueeze(1)], dim=0)
        self.grid.copy_(grid.T)
        self.spline_weight.data.copy_(self.curve2coeff(x, unreduced_spline_output))

    def regularization_loss(self, regularize_activation=1.0, regularize_entropy=1.0):
        l1_fake = self.spline_weight.abs().mean(-1)
        regularization_loss_activation = l1_fake.sum()
        p = l1_fake / regularization_loss_activation
        regularization_loss_entropy = -torch.sum(p * p.log())
        return (regularize_activation * regularization_loss_activation
                + regularize_entropy * regularization_loss_entropy)


class KAN(torch.nn.Module):
    def __init__(self, layers_hidden, grid_size=5, spline_order=3):
        super().__init__()
        self.layers = torch.nn.ModuleList(
            KANLinear(i, o, grid_size=grid_size, spline_order=spline_order)
            for i, o in zip(layers_hidden, layers_hidden[1:]))

    def forward(self, x, update_grid=False):
        for layer in self.layers:
            if update_grid:
                layer.update_grid(x)
            x = layer(x)
        return x

    def regularization_loss(self, regularize_activation=1.0, regularize_entropy=1.0):
        return sum(layer.regularization_loss(regularize_activation, regularize_entropy)
                   for layer in self.layers)


layer = KANLinear(2, 3)
print(layer.grid.shape, layer.grid[0, :4].tolist(), layer.spline_weight.shape)
xb = torch.tensor([[-0.9, 0.0], [0.1, 0.5], [0.95, -0.3]])
bases = layer.b_splines(xb)
print(bases.shape, torch.allclose(bases.sum(-1), torch.ones(3, 2)), bases[1, 1].tolist())
# curve2coeff inverts b_splines: fit the coefficients of a known spline curve
coeff = torch.randn(3, 2, 8)
xs = torch.rand(40, 2) * 2 - 1
ys = torch.einsum("bik,oik->bio", layer.b_splines(xs), coeff)
print(torch.allclose(layer.curve2coeff(xs, ys), coeff, atol=1e-4))

f = lambda x: torch.exp(torch.sin(math.pi * x[:, [0]]) + x[:, [1]] ** 2)
x_train = torch.rand(200, 2) * 2 - 1
y_train = f(x_train)
x_test = torch.rand(100, 2) * 2 - 1
y_test = f(x_test)
model = KAN([2, 5, 1], grid_size=5)
print(sum(p.numel() for p in model.parameters()))
optimizer = torch.optim.Adam(model.parameters(), lr=2e-2)
for step in range(121):
    if step == 40:
        with torch.no_grad():
            before = F.mse_loss(model(x_train), y_train).item()
        model(x_train, update_grid=True)
        with torch.no_grad():
            after = F.mse_loss(model(x_train), y_train).item()
        print(f"update_grid: loss {before:.5f} -> {after:.5f}, "
              f"grid range {model.layers[0].grid[0, 3].item():.4f} {model.layers[0].grid[0, -4].item():.4f}")
    pred = model(x_train)
    loss = F.mse_loss(pred, y_train) + 1e-4 * model.regularization_loss()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 30 == 0:
        with torch.no_grad():
            test_loss = F.mse_loss(model(x_test), y_test)
        print(f"step {step} train {loss.item():.5f} test {test_loss.item():.5f} "
              f"reg {model.regularization_loss().item():.4f}")
