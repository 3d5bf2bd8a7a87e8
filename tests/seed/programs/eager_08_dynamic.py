# Seed notes, "Static VS dynamic graph": Python control flow picks the branch.  Verbatim.
import dlcore_eager as torch
from dlcore_eager.autograd import Variable

N, D, H = 3, 4, 5

x = Variable(torch.randn(N, D))
w1 = Variable(torch.randn(D, H))
w2 = Variable(torch.randn(D, H))

z = 10
if z > 0:
    y = x.mm(w1)
else:
    y = x.mm(w2)
