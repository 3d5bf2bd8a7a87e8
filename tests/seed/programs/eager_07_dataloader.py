# Seed notes, "Minibatches": the fragment
#     loader = DataLoader(TensorDataset(x,y), batch_size=8)
# verbatim, in the nn + optimizer program of eager_06.
import dlcore_eager as torch
from dlcore_eager.autograd import Variable
from dlcore_eager.utils.data import DataLoader, TensorDataset

N, D_in, H, D_out = 64, 1000, 100, 10
x = Variable(torch.randn(N, D_in))
y = Variable(torch.randn(N, D_out), requires_grad=False)

loader = DataLoader(TensorDataset(x,y), batch_size=8)

model = torch.nn.Sequential(
    torch.nn.Linear(D_in, H),
    torch.nn.ReLU(),
    torch.nn.Linear(H, D_out))
loss_fn = torch.nn.MSELoss(size_average=False)

learning_rate = 1e-4
optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
for epoch in range(20):
    for x_batch, y_batch in loader:
        y_pred = model(x_batch)
        loss = loss_fn(y_pred, y_batch)

        optimizer.zero_grad()
        loss.backward()

        optimizer.step()
