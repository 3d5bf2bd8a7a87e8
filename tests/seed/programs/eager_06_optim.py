# Seed notes, "For automatic updates": the two fragments
#     optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
#     optimizer.step()
# verbatim, in the nn program of eager_05 (zero_grad as the notes' optimizer version does).
import dlcore_eager as torch
from dlcore_eager.autograd import Variable

N, D_in, H, D_out = 64, 1000, 100, 10
x = Variable(torch.randn(N, D_in))
y = Variable(torch.randn(N, D_out), requires_grad=False)

model = torch.nn.Sequential(
    torch.nn.Linear(D_in, H),
    torch.nn.ReLU(),
    torch.nn.Linear(H, D_out))
loss_fn = torch.nn.MSELoss(size_average=False)

learning_rate = 1e-4
optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
for t in range(500):
    y_pred = model(x)
    loss = loss_fn(y_pred, y)

    optimizer.zero_grad()
    loss.backward()

    optimizer.step()
