"""pytorch/examples time_sequence_prediction, smaller: sine waves made by generate_sine_wave,
a Sequence of two nn.LSTMCell and a Linear stepped over input.split(1, dim=1) and then fed its
own output for `future` steps, seq.double(), nn.MSELoss and optim.LBFGS(lr=0.8) with a closure
that prints the loss, then a no_grad prediction and pred.detach().numpy().
(Hidden size 8 instead of 51, 8 waves of 24 points, and the weights from NumPy.)"""
# ruff: noqa: PLR0402, UP008  (written in the example's own style)
import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim

H = 8


def generate_sine_wave(T=20, L=24, N=8):
    np.random.seed(2)
    x = np.empty((N, L), 'int64')
    x[:] = np.array(range(L)) + np.random.randint(-4 * T, 4 * T, N).reshape(N, 1)
    data = np.sin(x / 1.0 / T).astype('float64')
    return data


class Sequence(nn.Module):
    def __init__(self):
        super(Sequence, self).__init__()
        self.lstm1 = nn.LSTMCell(1, H)
        self.lstm2 = nn.LSTMCell(H, H)
        self.linear = nn.Linear(H, 1)

    def forward(self, input, future = 0):
        outputs = []
        h_t = torch.zeros(input.size(0), H, dtype=torch.double)
        c_t = torch.zeros(input.size(0), H, dtype=torch.double)
        h_t2 = torch.zeros(input.size(0), H, dtype=torch.double)
        c_t2 = torch.zeros(input.size(0), H, dtype=torch.double)

        for input_t in input.split(1, dim=1):
            h_t, c_t = self.lstm1(input_t, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        for i in range(future):  # if we should predict the future
            h_t, c_t = self.lstm1(output, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        outputs = torch.cat(outputs, dim=1)
        return outputs


if __name__ == '__main__':
    # set random seed to 0
    np.random.seed(0)
    torch.manual_seed(0)
    # load data and make training set
    data = generate_sine_wave()
    input = torch.from_numpy(data[3:, :-1])
    target = torch.from_numpy(data[3:, 1:])
    test_input = torch.from_numpy(data[:3, :-1])
    test_target = torch.from_numpy(data[:3, 1:])
    # build the model
    seq = Sequence()
    seq.double()
    rng = np.random.default_rng(0)
    with torch.no_grad():
        for p in seq.parameters():
            p.copy_(torch.from_numpy(rng.uniform(-0.1, 0.1, tuple(p.shape))))
    print(seq.linear.weight.dtype, input.dtype, tuple(input.shape))
    criterion = nn.MSELoss()
    # use LBFGS as optimizer since we can load the whole data to train
    optimizer = optim.LBFGS(seq.parameters(), lr=0.8)
    # begin to train
    for i in range(1):
        print('STEP: ', i)

        def closure():
            optimizer.zero_grad()
            out = seq(input)
            loss = criterion(out, target)
            print('loss:', round(loss.item(), 6))
            loss.backward()
            return loss
        optimizer.step(closure)
        # begin to predict, no need to track gradient here
        with torch.no_grad():
            future = 10
            pred = seq(test_input, future=future)
            loss = criterion(pred[:, :-future], test_target)
            print('test loss:', round(loss.item(), 6))
            y = pred.detach().numpy()
        print(y.shape, y.dtype, np.round(y[0, -3:], 3))
    print(len(optimizer.state[optimizer._params[0]]["old_dirs"]),
          optimizer.state[optimizer._params[0]]["n_iter"])
