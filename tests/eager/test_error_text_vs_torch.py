"""The errors a PyTorch user meets most (a dim out of range, mismatched shapes for mm/cat/view,
an index out of range, a module fed the wrong input) raise PyTorch's exception type with
PyTorch's exact message: no TensorFlow-style " for 'op' with input shapes: ..." suffix, no
NumPy wording.  Each case runs under torch 2.13 and dlcore_eager and compares (type, text)."""

import numpy as np
import pytest

import dlcore_eager as dl
from error_of import error_of

torch = pytest.importorskip("torch")

CASES = {
    # a dim out of range: PyTorch's IndexError
    "softmax dim": lambda T: T.ones(2, 3).softmax(dim=2),
    "log_softmax dim": lambda T: T.nn.functional.log_softmax(T.ones(3, 3), dim=5),
    "sum dim": lambda T: T.ones(2).sum(dim=1),
    "amax dim": lambda T: T.ones(2, 3).amax(3),
    "max dim": lambda T: T.ones(2, 3).max(3),
    "mean dim": lambda T: T.ones(2, 3).mean(3),
    "prod dim": lambda T: T.ones(2, 3).prod(3),
    "logsumexp dim": lambda T: T.ones(2, 3).logsumexp(3),
    "argmax dim": lambda T: T.ones(2, 3).argmax(dim=3),
    "argmin dim": lambda T: T.ones(2, 3).argmin(dim=3),
    "norm dim": lambda T: T.ones(3).norm(dim=2),
    "vector_norm dim": lambda T: T.linalg.vector_norm(T.ones(3), dim=2),
    "cumsum dim": lambda T: T.ones(3).cumsum(1),
    "sort dim": lambda T: T.ones(3).sort(dim=1),
    "roll dims": lambda T: T.ones(3).roll(1, dims=2),
    "flip dims": lambda T: T.ones(3).flip(2),
    "median dim": lambda T: T.ones(2, 3).median(3),
    "transpose dim": lambda T: T.ones(2, 3).transpose(0, 2),
    "unsqueeze dim": lambda T: T.ones(2, 3).unsqueeze(4),
    "cat dim": lambda T: T.cat([T.ones(2, 3), T.ones(2, 3)], dim=2),
    "stack dim": lambda T: T.stack([T.ones(2, 3), T.ones(2, 3)], dim=4),
    # indexing
    "int index out of bounds": lambda T: T.ones(2, 3)[0, 5],
    "int index out of bounds 1-d": lambda T: T.ones(3)[5],
    "too many indices": lambda T: T.ones(3)[0, 0],
    # shapes that do not fit
    "mm": lambda T: T.mm(T.ones(2, 3), T.ones(2, 3)),
    "matmul": lambda T: T.matmul(T.ones(2, 3), T.ones(4, 5)),
    "matmul batch": lambda T: T.matmul(T.ones(2, 2, 3), T.ones(3, 3, 4)),
    "@": lambda T: T.ones(2, 3) @ T.ones(2, 3),
    "bmm": lambda T: T.bmm(T.ones(2, 2, 3), T.ones(2, 4, 3)),
    "cat sizes": lambda T: T.cat([T.ones(2, 3), T.ones(3, 2)]),
    "cat ranks": lambda T: T.cat([T.ones(2, 3), T.ones(3)]),
    "stack sizes": lambda T: T.stack([T.ones(2, 3), T.ones(3, 2)]),
    "view numel": lambda T: T.ones(2, 3).view(4, 2),
    "view non-contiguous": lambda T: T.ones(2, 3).t().view(6),
    "reshape numel": lambda T: T.ones(2, 3).reshape(5),
    "expand": lambda T: T.ones(2, 3).expand(4, 3),
    "mv": lambda T: T.mv(T.ones(2, 3), T.ones(4)),
    "gather ranks": lambda T: T.ones(2, 3).gather(1, T.zeros(2, dtype=T.long)),
    "gather index out of bounds": lambda T: T.ones(2, 3).gather(1, T.tensor([[5]]))[0],
    "scatter_add index out of bounds": lambda T: T.zeros(2, 3).scatter_add(
        1, T.tensor([[5]]), T.ones(1, 1)),
    "topk k": lambda T: T.ones(3).topk(5),
    "kthvalue k": lambda T: T.ones(2, 3).kthvalue(4, dim=1),
    "index_select out of range": lambda T: T.ones(2, 3).index_select(0, T.tensor([5])),
    "index_select out of range dim 1": lambda T: T.ones(2, 3).index_select(1, T.tensor([9, 1])),
    "index_select out of range last of 3": lambda T: T.ones(2, 3, 4).index_select(
        2, T.tensor([7])),
    "index_select float index": lambda T: T.ones(2, 3).index_select(0, T.tensor([0.])),
    "index_select 2-d index": lambda T: T.ones(2, 3).index_select(0, T.tensor([[0]])),
    "matmul of a 0-d tensor": lambda T: T.matmul(T.tensor(1.), T.ones(2)),
    "dot sizes": lambda T: T.dot(T.ones(3), T.ones(4)),
    "einsum sizes": lambda T: T.einsum("ij,jk->ik", T.ones(2, 3), T.ones(4, 5)),
    "einsum operands": lambda T: T.einsum("ij,jk->ik", T.ones(2, 3)),
    "inv of a non-square": lambda T: T.linalg.inv(T.ones(2, 3)),
    "trace of 3-d": lambda T: T.trace(T.ones(2, 2, 2)),
    "diag of 3-d": lambda T: T.diag(T.ones(2, 2, 2)),
    "tril of 1-d": lambda T: T.tril(T.ones(3)),
    "triu of 1-d": lambda T: T.ones(3).triu(),
    "roll shifts and dims": lambda T: T.ones(3).roll((1, 2), (0,)),
    "cross without size 3": lambda T: T.cross(T.ones(2, 2), T.ones(2, 2)),
    "linalg.cross sizes": lambda T: T.linalg.cross(T.ones(2), T.ones(2)),
    "masked_fill float mask": lambda T: T.ones(3).masked_fill(T.ones(3), 0.),
    "masked_fill long mask": lambda T: T.ones(3).masked_fill(T.ones(3, dtype=T.long), 0.),
    "masked_fill value of 1-d": lambda T: T.ones(3).masked_fill(T.ones(3) > 0, T.ones(2)),
    "std dim": lambda T: T.ones(2, 3).std(3),
    "var dim": lambda T: T.ones(2, 3).var(3),
    "any dim": lambda T: T.ones(2, 3).any(3),
    "all dim": lambda T: T.ones(2, 3).all(3),
    "select dim": lambda T: T.ones(2, 3).select(3, 0),
    "select index": lambda T: T.ones(2, 3).select(-1, 5),
    "diff dim": lambda T: T.ones(2, 3).diff(dim=3),
    "tensor_split dim": lambda T: T.ones(2, 3).tensor_split(2, dim=3),
    "cummax dim": lambda T: T.ones(2, 3).cummax(3),
    "cummin dim": lambda T: T.ones(2, 3).cummin(-3),
    "renorm dim": lambda T: T.ones(2, 3).renorm(2, 3, 1.),
    "movedim repeated source": lambda T: T.ones(2, 3).movedim((0, 0), (0, 1)),
    "movedim repeated destination": lambda T: T.ones(2, 3).movedim((0, 1), (1, 1)),
    "movedim lengths": lambda T: T.ones(2, 3).movedim((0,), (0, 1)),
    "unflatten sizes": lambda T: T.ones(2, 6).unflatten(-1, (4, 2)),
    "nn.Unflatten sizes": lambda T: T.nn.Unflatten(1, (4, 2))(T.ones(2, 6)),
    # modules and losses fed the wrong input
    "Linear of a NumPy array": lambda T: T.nn.Linear(2, 2)(np.ones((1, 2), np.float32)),
    "relu of a NumPy array": lambda T: T.relu(np.ones(2)),
    "sum of a list": lambda T: T.sum([1., 2.]),
    "Linear in_features": lambda T: T.nn.Linear(4, 2)(T.ones(3, 5)),
    "Conv2d channels": lambda T: T.nn.Conv2d(3, 4, 3)(T.ones(1, 2, 5, 5)),
    "Conv2d input too small": lambda T: T.nn.Conv2d(3, 4, 3)(T.ones(1, 3, 2, 2)),
    "LSTM input size": lambda T: T.nn.LSTM(4, 8)(T.ones(5, 2, 3)),
    "GRU input size": lambda T: T.nn.GRU(4, 8)(T.ones(5, 2, 3)),
    "BatchNorm1d channels": lambda T: T.nn.BatchNorm1d(4)(T.ones(3, 5)),
    "BatchNorm2d channels": lambda T: T.nn.BatchNorm2d(4)(T.ones(2, 3, 5, 5)),
    "BatchNorm2d rank": lambda T: T.nn.BatchNorm2d(4)(T.ones(2, 4, 5)),
    "BatchNorm one value": lambda T: T.nn.BatchNorm1d(4)(T.ones(1, 4)),
    "LayerNorm": lambda T: T.nn.LayerNorm(4)(T.ones(3, 5)),
    "GroupNorm channels": lambda T: T.nn.GroupNorm(2, 4)(T.ones(2, 6, 3)),
    "group_norm bias": lambda T: T.nn.functional.group_norm(T.ones(2, 6, 3), 2, None,
                                                            T.ones(4)),
    "Embedding index": lambda T: T.nn.Embedding(10, 3)(T.tensor([10])),
    "cross_entropy target shape": lambda T: T.nn.functional.cross_entropy(
        T.ones(4, 3), T.zeros(5, dtype=T.long)),
    "cross_entropy target class": lambda T: T.nn.functional.cross_entropy(
        T.ones(4, 3), T.tensor([0, 1, 2, 3])),
    "cross_entropy of long logits": lambda T: T.nn.functional.cross_entropy(
        T.ones(4, 3, dtype=T.long), T.zeros(4, dtype=T.long)),
    "cross_entropy of long 3-d logits": lambda T: T.nn.functional.cross_entropy(
        T.ones(4, 3, 2, dtype=T.long), T.zeros(4, 2, dtype=T.long)),
    "nll_loss target shape": lambda T: T.nn.functional.nll_loss(
        T.ones(4, 3), T.zeros(4, 2, dtype=T.long)),
    "mse_loss shapes": lambda T: T.nn.functional.mse_loss(T.ones(3, 2), T.ones(3, 4)),
    "binary_cross_entropy shapes": lambda T: T.nn.functional.binary_cross_entropy(
        T.ones(3, 2) * 0.5, T.ones(3)),
    "bce_with_logits shapes": lambda T: T.nn.functional.binary_cross_entropy_with_logits(
        T.ones(3, 2), T.ones(3)),
    # requires_grad of an integer tensor: a factory's words and requires_grad_()'s
    "factory requires_grad": lambda T: T.ones(2, dtype=T.long, requires_grad=True),
    "tensor requires_grad": lambda T: T.tensor([1, 2], requires_grad=True),
    "zeros_like requires_grad": lambda T: T.zeros_like(T.ones(2, dtype=T.long),
                                                      requires_grad=True),
    "Parameter of integers": lambda T: T.nn.Parameter(T.ones(2, dtype=T.long)),
    "requires_grad_()": lambda T: T.ones(2, dtype=T.long).requires_grad_(),
    "LSTM 4-d input": lambda T: T.nn.LSTM(4, 8)(T.ones(5, 2, 3, 4)),
    "RNN 4-d input": lambda T: T.nn.RNN(4, 8)(T.ones(5, 2, 3, 4)),
    "GroupNorm groups": lambda T: T.nn.GroupNorm(3, 4),
    "interpolate without size": lambda T: T.nn.functional.interpolate(T.ones(1, 1, 4)),
    "conv1d 2-d weight": lambda T: T.nn.functional.conv1d(T.ones(1, 1, 4), T.ones(1, 4)),
    "conv2d negative padding": lambda T: T.nn.functional.conv2d(
        T.ones(1, 1, 3, 3), T.ones(1, 1, 1, 1), padding=-1),
    "max_pool1d 4-d": lambda T: T.nn.functional.max_pool1d(T.ones(1, 1, 1, 4), 2),
    "max_pool2d 5-d": lambda T: T.nn.functional.max_pool2d(T.ones(1, 1, 1, 1, 1), 1),
    "avg_pool1d 4-d": lambda T: T.nn.functional.avg_pool1d(T.ones(1, 1, 1, 4), 1),
    "avg_pool2d 5-d": lambda T: T.nn.functional.avg_pool2d(T.ones(1, 1, 1, 1, 1), 1),
    "binary_cross_entropy long target": lambda T: T.nn.functional.binary_cross_entropy(
        T.ones(3) * 0.5, T.ones(3, dtype=T.long)),
    "BCELoss double target": lambda T: T.nn.BCELoss()(T.ones(3) * 0.5,
                                                      T.ones(3, dtype=T.float64)),
    "bce_with_logits long target": lambda T: T.nn.functional.binary_cross_entropy_with_logits(
        T.ones(3), T.ones(3, dtype=T.long)),
    "bce_with_logits bool target": lambda T: T.nn.functional.binary_cross_entropy_with_logits(
        T.ones(3), T.ones(3, dtype=T.bool)),
    "smooth_l1_loss negative beta": lambda T: T.nn.functional.smooth_l1_loss(
        T.ones(2), T.ones(2), beta=-1),
    "HuberLoss zero delta": lambda T: T.nn.HuberLoss(delta=0.)(T.ones(2), T.ones(2)),
    "Conv2d double input": lambda T: T.nn.Conv2d(1, 1, 1)(T.ones(1, 1, 2, 2, dtype=T.float64)),
    "Conv2d half bias": lambda T: T.nn.Conv2d(1, 1, 1).half()(T.ones(1, 1, 2, 2)),
    "conv2d double weight": lambda T: T.nn.functional.conv2d(
        T.ones(1, 1, 2, 2), T.ones(1, 1, 1, 1, dtype=T.float64)),
    "Conv1d long input": lambda T: T.nn.Conv1d(1, 1, 1)(T.ones(1, 1, 2, dtype=T.long)),
    "ConvTranspose2d double input": lambda T: T.nn.ConvTranspose2d(1, 1, 1)(
        T.ones(1, 1, 2, 2, dtype=T.float64)),
    "conv2d stride 0": lambda T: T.nn.functional.conv2d(T.ones(1, 1, 3, 3), T.ones(1, 1, 1, 1),
                                                        stride=0),
    "conv2d dilation 0": lambda T: T.nn.functional.conv2d(
        T.ones(1, 1, 3, 3), T.ones(1, 1, 1, 1), dilation=0),
    "Dropout(inplace=True) on a leaf": lambda T: T.nn.Dropout(inplace=True)(
        T.ones(3, requires_grad=True)),
    # a pool whose output would be empty
    "MaxPool2d too small": lambda T: T.nn.MaxPool2d(2)(T.ones(1, 1, 1, 1)),
    "max_pool2d too small, batch": lambda T: T.nn.functional.max_pool2d(T.ones(2, 3, 1, 5), 2),
    "max_pool2d indices": lambda T: T.nn.functional.max_pool2d(T.ones(1, 1, 1, 1), 2,
                                                               return_indices=True),
    "max_pool3d too small": lambda T: T.nn.functional.max_pool3d(T.ones(1, 1, 1, 4, 4), 2),
    "MaxPool1d too small": lambda T: T.nn.MaxPool1d(3)(T.ones(2, 4, 2)),
    "avg_pool2d too small": lambda T: T.nn.AvgPool2d(3)(T.ones(1, 1, 2, 2)),
    "avg_pool2d divisor": lambda T: T.nn.functional.avg_pool2d(T.ones(1, 1, 2, 2), 3,
                                                               divisor_override=2),
    "avg_pool1d too small": lambda T: T.nn.functional.avg_pool1d(T.ones(1, 1, 2), 5, stride=1),
    "avg_pool3d too small": lambda T: T.nn.functional.avg_pool3d(T.ones(1, 1, 2, 2, 2), 3),
    # a reflection or wrap wider than the input
    "reflect pad 1-d": lambda T: T.nn.functional.pad(T.ones(1, 1, 2), (3, 3), mode="reflect"),
    "reflect pad height": lambda T: T.nn.functional.pad(T.ones(1, 2, 2, 2), (1, 1, 3, 3),
                                                        mode="reflect"),
    "ReflectionPad2d": lambda T: T.nn.ReflectionPad2d(2)(T.ones(1, 1, 2, 2)),
    "circular pad": lambda T: T.nn.functional.pad(T.ones(1, 1, 2), (3, 3), mode="circular"),
    # sizes that are not integers (PyTorch's argument parser words each form its own way)
    "zeros(2.5)": lambda T: T.zeros(2.5),
    "zeros(2, 2.5)": lambda T: T.zeros(2, 2.5),
    "zeros((2, 2.5))": lambda T: T.zeros((2, 2.5)),
    "ones([2.5])": lambda T: T.ones([2.5]),
    "zeros(size=2.5)": lambda T: T.zeros(size=2.5),
    # nested lists of uneven lengths
    "ragged lists": lambda T: T.tensor([[1, 2], [3]]),
    "ragged lists deeper": lambda T: T.tensor([[[1, 2], [3, 4]], [[1, 2], [3]]]),
    "a number among lists": lambda T: T.tensor([[1, 2], 3]),
    # in-place copies and fills
    "copy_ sizes": lambda T: T.ones(2, 3).copy_(T.ones(4)),
    "copy_ of a larger shape": lambda T: T.ones(3).copy_(T.ones(2, 3)),
    "fill_ with a 1-d tensor": lambda T: T.ones(3).fill_(T.ones(2)),
    # building modules
    "ModuleList.append of a non-module": lambda T: T.nn.ModuleList().append(3),
    "Sequential of a non-module": lambda T: T.nn.Sequential(3),
    "register_parameter of a tensor": lambda T: T.nn.Module().register_parameter("w",
                                                                                 T.ones(2)),
    "tensor(None)": lambda T: T.tensor(None),
    "tensor of a dict": lambda T: T.tensor({1: 2}),
    "tensor of strings": lambda T: T.tensor([1, "a"]),
    "tensor with a None inside": lambda T: T.tensor([[1], [None]]),
    # autograd and conversions
    "item of many": lambda T: T.ones(3).item(),
    "numpy of requires_grad": lambda T: T.ones(3, requires_grad=True).numpy(),
    "backward twice": lambda T: (lambda y: (y.backward(), y.backward()))(
        (T.ones(3, requires_grad=True) * 2).exp().sum()),
    "in-place on a leaf": lambda T: T.ones(3, requires_grad=True).add_(1),
    "backward of non-scalar": lambda T: (T.ones(3, requires_grad=True) * 2).backward(),
    "backward without grad": lambda T: T.ones(3).sum().backward(),
}


#: cases whose exception is dlcore's IndexOutOfBounds: PyTorch's RuntimeError and also an
#: IndexError (the class the core's gather/scatter kernels raise for both front ends)
SUBCLASS = {"gather index out of bounds", "scatter_add index out of bounds"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_error_as_torch(name):
    want = error_of(lambda: CASES[name](torch))
    assert want is not None, "torch raises here"
    got = error_of(lambda: CASES[name](dl))
    if name in SUBCLASS:
        assert issubclass(got[0], want[0]) and got[1] == want[1]
    else:
        assert got == want


@pytest.mark.parametrize("spec", ["tpu", "TPU:0", "float32", "cuda:x", "cuda:-1", "cuda:01"])
def test_unknown_device_string(spec):
    """PyTorch's RuntimeError and list of device types (dlcore's class is also a ValueError,
    TensorFlow's type)."""
    want = error_of(lambda: torch.ones(1).to(spec))
    got_type, got_text = error_of(lambda: dl.ones(1).to(spec))
    assert issubclass(got_type, want[0]) and got_text == want[1]
    assert error_of(lambda: dl.device(spec))[1] == want[1]


def _scatter_max(T, grad=False):
    return T.zeros(3, requires_grad=grad).scatter_reduce(
        0, T.tensor([0, 0, 1]), T.tensor([1., 5., 2.]), reduce="max", include_self=False)


def test_scatter_reduce_legacy_max_forward_then_backward_error():
    """torch 2.13 computes reduce='max' (as 'amax'); only its backward refuses the name."""
    assert _scatter_max(dl).tolist() == _scatter_max(torch).tolist() == [5., 2., 0.]
    want = error_of(lambda: _scatter_max(torch, True).sum().backward())
    assert error_of(lambda: _scatter_max(dl, True).sum().backward()) == want
    assert want[1].endswith("but got max.")


def test_aminmax_prints_as_torch():
    for x in ([1., 3., 2.], [[1, 5], [3, 2]]):
        assert repr(dl.aminmax(dl.tensor(x))) == repr(torch.aminmax(torch.tensor(x)))
    assert repr(dl.tensor([[1, 5], [3, 2]]).aminmax(dim=1)) == \
        repr(torch.tensor([[1, 5], [3, 2]]).aminmax(dim=1))


def test_static_front_end_keeps_the_core_suffix():
    """The static front end's errors still name the op and shapes (TensorFlow's form)."""
    import numpy as np

    import dlcore_static as tf
    from dlcore.errors import AxisError
    with tf.Graph().as_default():
        with pytest.raises(AxisError, match=r"with input shapes: \[2,3\]"):
            tf.nn.softmax(tf.constant(np.ones((2, 3), np.float32)), axis=2)
