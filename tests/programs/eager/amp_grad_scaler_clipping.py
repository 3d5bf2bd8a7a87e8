"""Mixed precision on the CPU with gradient clipping, as the AMP recipe and the "Automatic Mixed
Precision examples" page write it: torch.autocast('cpu', dtype=torch.bfloat16) around the
forward, torch.amp.GradScaler('cpu') with scaler.scale(loss).backward(), scaler.unscale_(opt)
before clip_grad_norm_, scaler.step / scaler.update; a step with an inf gradient is skipped and
the scale backs off (growth_interval, backoff_factor), gradient accumulation over micro-batches,
the scaler's state_dict saved and restored with the model's, and set_to_none zeroing."""
# ruff: noqa: PLR0402  (written in the recipe's own style)
import torch
import torch.nn as nn

torch.manual_seed(0)

model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(),
                      nn.Linear(32, 2))
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
scaler = torch.amp.GradScaler('cpu', init_scale=2.0 ** 10, growth_factor=2.0,
                              backoff_factor=0.5, growth_interval=3)
loss_fn = nn.MSELoss()
X = torch.randn(32, 8)
Y = torch.stack([X[:, :4].sum(1), X[:, 4:].prod(1)], 1)

print('scale', scaler.get_scale(), 'enabled', scaler.is_enabled())
for step in range(9):
    with torch.autocast(device_type='cpu', dtype=torch.bfloat16):
        output = model(X)
        loss = loss_fn(output.float(), Y)
    scaler.scale(loss).backward()
    if step == 4:                                   # an overflow: this step must be skipped
        model[0].weight.grad[0, 0] = float('inf')
    scaler.unscale_(opt)
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    before = model[0].bias.detach().clone()
    scaler.step(opt)
    scaler.update()
    opt.zero_grad(set_to_none=True)
    print(f'step {step} output {output.dtype} loss {loss.item():.3f} norm finite '
          f'{bool(torch.isfinite(norm))} stepped {not torch.equal(before, model[0].bias)} '
          f'scale {scaler.get_scale()}')

print('grads are None:', all(p.grad is None for p in model.parameters()))
state = scaler.state_dict()
print(sorted(state.items()))

# gradient accumulation: scaled grads summed over micro-batches, one unscale and step
accum = 4
for i, (xb, yb) in enumerate(zip(X.chunk(accum), Y.chunk(accum))):
    with torch.autocast(device_type='cpu', dtype=torch.bfloat16):
        loss = loss_fn(model(xb).float(), yb) / accum
    scaler.scale(loss).backward()
scaler.unscale_(opt)
g = model[2].weight.grad.clone()
print('accumulated grad norm', round(g.norm().item(), 3))
scaler.step(opt)
scaler.update()
opt.zero_grad()

checkpoint = {'model': model.state_dict(), 'optimizer': opt.state_dict(),
              'scaler': scaler.state_dict()}
scaler2 = torch.amp.GradScaler('cpu')
scaler2.load_state_dict(checkpoint['scaler'])
print('restored scale', scaler2.get_scale(), scaler2.get_growth_interval(),
      scaler2.get_backoff_factor())

off = torch.amp.GradScaler('cpu', enabled=False)
loss = loss_fn(model(X), Y)
print('disabled scaler returns the loss itself:', off.scale(loss) is loss, off.get_scale())
