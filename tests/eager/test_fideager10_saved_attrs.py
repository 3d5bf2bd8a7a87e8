"""More grad_fn._saved_* as torch 2.13 names and fills them (values recorded from torch 2.13):
the vector norms' ord/dim/keepdim, the convolution's parameters and tensors, the input sizes
of sum/mean/view/expand/squeeze/select/slice/split."""

import pytest

import dlcore_eager as torch

F = torch.nn.functional
U64 = 2 ** 64


def _x(*shape):
    return torch.randn(*shape, requires_grad=True)


@pytest.mark.parametrize("call,ord_,dim,keepdim,result_shape", [
    (lambda x: torch.linalg.vector_norm(x, ord=3, dim=1, keepdim=True), 3, (1,), True, (2, 1)),
    (lambda x: torch.linalg.vector_norm(x), 2, None, False, ()),
    (lambda x: torch.linalg.vector_norm(x, 1.5, -1), 1.5, (U64 - 1,), False, (2,)),
    (lambda x: x.norm(), 2, None, False, ()),
    (lambda x: x.norm(p=1, dim=0), 1, (0,), False, (3,)),
    (lambda x: torch.norm(x, p="fro"), 2, None, False, ()),
    (lambda x: torch.linalg.norm(x, dim=1), 2.0, (1,), False, (2,)),
])
def test_vector_norm_node(call, ord_, dim, keepdim, result_shape):
    x = _x(2, 3)
    g = call(x).grad_fn
    assert type(g).__name__ == "LinalgVectorNormBackward0"
    assert g._saved_ord == ord_ and type(g._saved_ord) is type(ord_)
    assert g._saved_dim == dim and g._saved_keepdim is keepdim
    assert g._saved_self is x and tuple(g._saved_result.shape) == result_shape


def test_convolution_node():
    x, w, b = _x(1, 2, 5, 5), _x(3, 2, 3, 3), _x(3)
    g = F.conv2d(x, w, b, stride=2, padding=1).grad_fn
    assert type(g).__name__ == "ConvolutionBackward0"
    assert (g._saved_stride, g._saved_padding, g._saved_dilation, g._saved_groups) == \
        ((2, 2), (1, 1), (1, 1), 1)
    assert g._saved_transposed is False and g._saved_output_padding == (0, 0)
    assert g._saved_bias_sym_sizes_opt == (3,)
    assert g._saved_input is x and g._saved_weight is w
    g1 = F.conv1d(_x(1, 2, 5), _x(4, 1, 3), None, padding=2, dilation=2, groups=2).grad_fn
    assert (g1._saved_padding, g1._saved_dilation, g1._saved_groups,
            g1._saved_bias_sym_sizes_opt) == ((2,), (2,), 2, (0,))
    gt = F.conv_transpose2d(_x(1, 2, 5, 5), _x(2, 3, 3, 3), stride=2, padding=1,
                            output_padding=1).grad_fn
    assert gt._saved_transposed is True and gt._saved_output_padding == (1, 1)
    assert gt._saved_stride == (2, 2) and gt._saved_padding == (1, 1)
    assert F.conv2d(_x(1, 2, 5, 5), w, padding="same").grad_fn._saved_padding == (1, 1)


def test_convolution_tensors_freed_and_stale():
    x, w = _x(1, 2, 5, 5), _x(3, 2, 3, 3)
    y = F.conv2d(x, w)
    with torch.no_grad():
        x.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        _ = y.grad_fn._saved_input
    y2 = F.conv2d(_x(1, 2, 5, 5), w)
    y2.sum().backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        _ = y2.grad_fn._saved_weight
    assert y2.grad_fn._saved_groups == 1                # (the numbers stay, as torch's)


@pytest.mark.parametrize("call,name,sizes", [
    (lambda x: x.sum(), "SumBackward0", (2, 3)),
    (lambda x: x.sum(1), "SumBackward1", (2, 3)),
    (lambda x: x.mean(), "MeanBackward0", (2, 3)),
    (lambda x: x.mean(0, keepdim=True), "MeanBackward1", (2, 3)),
    (lambda x: x.view(6), "ViewBackward0", (2, 3)),
    (lambda x: x.reshape(3, 2), "ViewBackward0", (2, 3)),
    (lambda x: x.flatten(), "ViewBackward0", (2, 3)),
    (lambda x: x[:1].expand(4, 3), "ExpandBackward0", (1, 3)),
    (lambda x: x[:, :1].squeeze(1), "SqueezeBackward1", (2, 1)),
    (lambda x: x[1], "SelectBackward0", (2, 3)),
    (lambda x: x[0:1], "SliceBackward0", (2, 3)),
    (lambda x: x.narrow(1, 1, 2), "SliceBackward0", (2, 3)),
    (lambda x: x.split(1)[0], "SplitBackward0", (2, 3)),
])
def test_self_sym_sizes(call, name, sizes):
    g = call(_x(2, 3)).grad_fn
    assert type(g).__name__ == name
    assert g._saved_self_sym_sizes == sizes
    if name.startswith("Mean"):
        assert g._saved_self_sym_numel == 6
    if name == "SumBackward1":
        assert g._saved_keepdim is False


def test_names_torch_does_not_have_stay_missing():
    x = _x(2, 3)
    with pytest.raises(AttributeError, match="'ExpBackward0' object has no attribute "
                                             "'_saved_stride'"):
        _ = x.exp().grad_fn._saved_stride
    with pytest.raises(AttributeError, match="_saved_self_sym_sizes"):
        _ = (x * 2).grad_fn._saved_self_sym_sizes
    with pytest.raises(AttributeError, match="_saved_ord"):
        _ = x.sum().grad_fn._saved_ord
    names = [a for a in dir(F.conv2d(_x(1, 2, 5, 5), _x(3, 2, 3, 3)).grad_fn)
             if a.startswith("_saved_")]
    assert names == ["_saved_bias_sym_sizes_opt", "_saved_dilation", "_saved_groups",
                     "_saved_input", "_saved_output_padding", "_saved_padding",
                     "_saved_stride", "_saved_transposed", "_saved_weight"]
