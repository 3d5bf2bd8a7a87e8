# Seed notes, "Custom autograd functions": the class, verbatim.  (The notes define it only;
# the test uses it in the autograd program of eager_03.)
import dlcore_eager as torch


class ReLU(torch.autograd.Function):
    def forward(self, x):
        self.save_for_backward(x)
        return x.clamp(min=0)

    def backward(self, grad_y):
        x, = self.saved_tensors
        grad_input = grad_y.clone()
        grad_input[x < 0] = 0
        return grad_input
