"""fidpt4's differential sweep of dlcore_eager against torch 2.13 (tests/eager/test_fidpt4_sweep.py):
``CASES``, a list of ``(id, f)`` with ``f(lib)`` one call on ``lib`` (``dlcore_eager`` or
``torch``) on the same NumPy-made inputs: reductions with dim/keepdim (None, 0, -1, a tuple, out of
range) on float32/float16/bfloat16/float64/int/bool, 0-d, empty, transposed and expanded
tensors; binary element-wise ops over dtype mixes and Python numbers; unary ops incl. complex;
shape, join, split, sort/topk, where, gather/scatter and indexing calls; nn.functional layers
and losses with their gradients."""
import numpy as np

R = np.random.default_rng(0)
A = R.standard_normal((2, 3, 4)).astype(np.float32)
A[0, 1, 2] = A[0, 1, 1]          # a tie
M = R.standard_normal((3, 4)).astype(np.float32)
I = R.integers(-5, 6, (3, 4)).astype(np.int64)
B = (R.standard_normal((3, 4)) > 0)
IDX = np.array([2, 0, 2], dtype=np.int64)


def X(t, dtype=None, rg=False):
    x = t.tensor(A)
    if dtype is not None:
        x = x.to(getattr(t, dtype))
    return x.requires_grad_() if rg else x


def Mt(t, dtype=None):
    x = t.tensor(M)
    return x if dtype is None else x.to(getattr(t, dtype))


def It(t, dtype="int64"):
    return t.tensor(I).to(getattr(t, dtype))


def Bt(t):
    return t.tensor(B)


def E(t):
    return t.zeros(0, 4)


def Z(t):
    return t.tensor(1.5)


def T_(t):            # non-contiguous
    return t.tensor(M).t()


def EXP(t):
    return t.tensor(M[:1]).expand(3, 4)


CASES = []


def case(name, f):
    CASES.append((name, f))


def grad_case(name, f, dtype=None):
    def g(t):
        x = X(t, dtype, rg=True)
        y = f(t, x)
        ys = y if isinstance(y, (tuple, list)) else (y,)
        s = sum((v.float().sum() if v.is_floating_point() else v.sum() * 0.0) for v in ys if v.requires_grad)
        if hasattr(s, "backward"):
            s.backward()
        return y, x.grad
    case(name, g)


INPUTS = {"A": X, "M": Mt, "I": It, "B": Bt, "E": E, "Z": Z, "T": T_, "EXP": EXP,
          "A16": lambda t: X(t, "float16"), "Abf": lambda t: X(t, "bfloat16"),
          "A64": lambda t: X(t, "float64"), "Ac": lambda t: X(t, "complex64"),
          "I8": lambda t: It(t, "int8"), "U8": lambda t: It(t, "int64").abs().to(t.uint8)}

# ---------------------------------------------------------------- reductions
RED = ["sum", "mean", "prod", "amax", "amin", "argmax", "argmin", "std", "var", "logsumexp",
       "all", "any", "nansum", "nanmean", "count_nonzero", "median", "nanmedian", "mode", "max",
       "min", "cumsum", "cumprod", "cummax", "cummin", "logcumsumexp", "norm", "std_mean",
       "var_mean", "aminmax", "softmax", "log_softmax"]
for op in RED:
    for inp in ("A", "M", "I", "B", "E", "Z", "T", "A16", "Abf", "A64", "EXP", "I8", "U8"):
        for dim in (None, 0, -1, (0, 1), 5):
            for kd in (False, True):
                def f(t, op=op, inp=inp, dim=dim, kd=kd):
                    x = INPUTS[inp](t)
                    fn = getattr(t, op)
                    if dim is None:
                        return fn(x)
                    if op in ("cumsum", "cumprod", "cummax", "cummin", "logcumsumexp",
                              "softmax", "log_softmax"):
                        return fn(x, dim) if not kd else fn(x, dim=dim)
                    if op == "aminmax":
                        return fn(x, dim=dim, keepdim=kd)
                    return fn(x, dim, keepdim=kd)
                case(f"{op}-{inp}-{dim}-{kd}", f)
    grad_case(f"grad-{op}", lambda t, x, op=op: getattr(t, op)(x, 1) if op not in (
        "all", "any", "count_nonzero") else getattr(t, op)(x))

# ---------------------------------------------------------------- elementwise dtype mixes
BIN = ["add", "sub", "mul", "div", "floor_divide", "remainder", "fmod", "pow", "maximum",
       "minimum", "atan2", "eq", "lt", "ge", "logical_and", "logical_xor", "bitwise_and",
       "bitwise_or", "hypot", "copysign", "true_divide", "fmax", "xlogy", "ldexp",
       "logaddexp", "nextafter", "heaviside", "gcd", "lcm"]
OPS2 = ["M", "I", "B", "Z", "A16", "Abf", "I8", "U8", "T", "EXP"]
for op in BIN:
    for a in OPS2:
        for b in OPS2 + ["int", "float", "bool", "neg"]:
            def f(t, op=op, a=a, b=b):
                x = INPUTS[a](t) if a not in ("A16", "Abf") else INPUTS[a](t)[0]
                if b in ("int", "float", "bool", "neg"):
                    y = {"int": 2, "float": 2.5, "bool": True, "neg": -3}[b]
                else:
                    y = INPUTS[b](t) if b not in ("A16", "Abf") else INPUTS[b](t)[0]
                return getattr(t, op)(x, y)
            case(f"{op}-{a}-{b}", f)

UN = ["abs", "neg", "exp", "log", "sqrt", "sin", "tanh", "sigmoid", "floor", "ceil", "round",
      "trunc", "sign", "sgn", "reciprocal", "rsqrt", "square", "log1p", "expm1", "erf",
      "lgamma", "digamma", "logical_not", "bitwise_not", "isnan", "isinf", "isfinite", "frac",
      "relu", "signbit", "exp2", "log2", "deg2rad", "nan_to_num", "positive", "angle",
      "conj", "real", "erfinv", "sinc", "logit", "i0", "asin", "acosh", "atanh"]
for op in UN:
    for a in ("M", "I", "B", "Z", "E", "A16", "Abf", "Ac", "I8", "U8", "T"):
        case(f"{op}-{a}", lambda t, op=op, a=a: getattr(t, op)(INPUTS[a](t)))
    grad_case(f"grad-{op}", lambda t, x, op=op: getattr(t, op)(x))


# ---------------------------------------------------------------- shape / indexing
SHAPE = {
    "cat0": lambda t: t.cat([Mt(t), It(t)], 0), "cat-1": lambda t: t.cat([Mt(t), T_(t).t()], -1),
    "cat_empty": lambda t: t.cat([Mt(t), E(t)]), "cat_e1": lambda t: t.cat([t.zeros(0), Mt(t)]),
    "cat_bool_int": lambda t: t.cat([Bt(t), It(t, "int8")]), "cat_f16_bf": lambda t: t.cat([Mt(t, "float16"), Mt(t, "bfloat16")]),
    "cat_0d": lambda t: t.cat([Z(t), Z(t)]), "cat_bad": lambda t: t.cat([Mt(t), X(t)]),
    "cat_dim": lambda t: t.cat([Mt(t), Mt(t)], 2), "cat_none": lambda t: t.cat([]),
    "stack0": lambda t: t.stack([Mt(t), Mt(t)]), "stack-1": lambda t: t.stack([Mt(t), T_(t).t()], -1),
    "stack_mix": lambda t: t.stack([Mt(t), It(t)]), "stack_bad": lambda t: t.stack([Mt(t), E(t)]),
    "stack_0d": lambda t: t.stack([Z(t), Z(t)]), "hstack": lambda t: t.hstack([Mt(t), Mt(t)]),
    "vstack": lambda t: t.vstack([Mt(t)[0], Mt(t)[1]]), "dstack": lambda t: t.dstack([Mt(t), Mt(t)]),
    "column_stack": lambda t: t.column_stack([Mt(t)[0], Mt(t)[1]]),
    "split2": lambda t: t.split(X(t), 2, -1), "split_list": lambda t: t.split(X(t), [1, 3], 2),
    "split_bad": lambda t: t.split(X(t), [1, 2], 2), "split0": lambda t: Mt(t).split(0),
    "chunk3": lambda t: X(t).chunk(3, 1), "chunk5": lambda t: X(t).chunk(5, -1),
    "chunk_e": lambda t: E(t).chunk(2), "unbind": lambda t: X(t).unbind(1),
    "tensor_split": lambda t: X(t).tensor_split(3, 2), "tensor_split_idx": lambda t: X(t).tensor_split([1, 3], 2),
    "narrow": lambda t: X(t).narrow(-1, 1, 2), "narrow_bad": lambda t: X(t).narrow(-1, 3, 2),
    "select": lambda t: X(t).select(1, -1), "select_bad": lambda t: X(t).select(1, 3),
    "flatten": lambda t: X(t).flatten(1), "flatten_0d": lambda t: Z(t).flatten(),
    "unflatten": lambda t: X(t).unflatten(2, (2, 2)), "reshape": lambda t: T_(t).reshape(-1),
    "view_T": lambda t: T_(t).view(-1), "view_bad": lambda t: X(t).view(5, -1),
    "permute": lambda t: X(t).permute(2, 0, 1), "permute_neg": lambda t: X(t).permute(-1, 0, 1),
    "movedim": lambda t: X(t).movedim(0, -1), "swapaxes": lambda t: X(t).swapaxes(0, 2),
    "squeeze_e": lambda t: E(t).squeeze(0), "unsqueeze": lambda t: X(t).unsqueeze(-1),
    "unsqueeze_bad": lambda t: X(t).unsqueeze(5), "expand": lambda t: Mt(t)[:1].expand(2, -1, 4),
    "expand_bad": lambda t: Mt(t).expand(2, 4), "expand_as": lambda t: Mt(t)[0].expand_as(Mt(t)),
    "repeat": lambda t: Mt(t).repeat(2, 1, 2), "repeat_interleave": lambda t: Mt(t).repeat_interleave(2, 0),
    "repeat_interleave_t": lambda t: t.repeat_interleave(t.tensor([1, 2, 0])),
    "tile": lambda t: Mt(t).tile((2,)), "flip": lambda t: X(t).flip(0, -1), "fliplr": lambda t: Mt(t).fliplr(),
    "roll": lambda t: X(t).roll(1, -1), "roll_multi": lambda t: X(t).roll((1, -2), (0, 2)), "roll_flat": lambda t: X(t).roll(3),
    "rot90": lambda t: Mt(t).rot90(1, (0, 1)), "diag": lambda t: Mt(t).diag(1), "diag1d": lambda t: Mt(t)[0].diag(-1),
    "diagonal": lambda t: X(t).diagonal(0, 1, 2), "diag_embed": lambda t: Mt(t).diag_embed(),
    "tril": lambda t: Mt(t).tril(-1), "triu": lambda t: X(t).triu(1), "tril_int": lambda t: It(t).tril(),
    "t_1d": lambda t: Mt(t)[0].t(), "t_3d": lambda t: X(t).t(), "T_prop": lambda t: Mt(t).T, "mT": lambda t: X(t).mT,
    "where": lambda t: t.where(Bt(t), Mt(t), It(t)), "where_num": lambda t: t.where(Bt(t), Mt(t), 0),
    "where_int_num": lambda t: t.where(Bt(t), It(t), 2.5), "where_nums": lambda t: t.where(Bt(t), 1, 0),
    "where_1": lambda t: t.where(Bt(t)), "where_m": lambda t: Mt(t).where(Bt(t), -1.0),
    "where_f16": lambda t: t.where(Bt(t), Mt(t, "float16"), Mt(t)), "where_bcast": lambda t: t.where(Bt(t)[0], Mt(t), Z(t)),
    "sort": lambda t: X(t).sort(-1), "sort_desc": lambda t: X(t).sort(1, descending=True),
    "sort_stable": lambda t: It(t).sort(stable=True, dim=0), "sort_bool": lambda t: Bt(t).sort(),
    "sort_0d": lambda t: Z(t).sort(), "sort_e": lambda t: E(t).sort(), "argsort": lambda t: It(t).argsort(1, stable=True),
    "topk": lambda t: X(t).topk(2), "topk_small": lambda t: X(t).topk(2, 1, largest=False),
    "topk_bad": lambda t: X(t).topk(5), "topk_int": lambda t: It(t).topk(3, 0),
    "kthvalue": lambda t: X(t).kthvalue(2, -1), "msort": lambda t: Mt(t).msort(),
    "unique": lambda t: t.unique(It(t)), "unique_inv": lambda t: It(t).unique(return_inverse=True, return_counts=True),
    "unique_dim": lambda t: It(t).unique(dim=0), "unique_consec": lambda t: t.unique_consecutive(It(t).flatten()),
    "searchsorted": lambda t: t.searchsorted(t.tensor([1., 2., 3.]), Mt(t)),
    "bucketize": lambda t: t.bucketize(Mt(t), t.tensor([-1., 0., 1.])),
    "gather": lambda t: X(t).gather(2, t.tensor(I[:2, :3, None] % 4).expand(2, 3, 2)),
    "gather_bad": lambda t: X(t).gather(2, t.tensor([[[4]]])),
    "scatter": lambda t: t.zeros(3, 4).scatter(1, t.tensor([[0], [1], [3]]), 1.5),
    "scatter_add": lambda t: t.zeros(3, 4).scatter_add(0, It(t).abs() % 3, Mt(t)),
    "scatter_reduce": lambda t: t.zeros(3, 4).scatter_reduce(0, It(t).abs() % 3, Mt(t), "amax", include_self=False),
    "index_select": lambda t: X(t).index_select(-1, t.tensor(IDX)), "index_select_bad": lambda t: X(t).index_select(-1, t.tensor([4])),
    "index_add": lambda t: Mt(t).index_add(0, t.tensor([0, 2]), t.ones(2, 4), alpha=2),
    "index_copy": lambda t: Mt(t).index_copy(1, t.tensor([0, 3]), t.ones(3, 2)),
    "index_put": lambda t: Mt(t).index_put((t.tensor([0, 0]), t.tensor([1, 1])), t.tensor([1., 2.]), accumulate=True),
    "take": lambda t: Mt(t).take(t.tensor([[0, 11], [-1, 5]])), "take_along": lambda t: Mt(t).take_along_dim(It(t).abs() % 4, 1),
    "masked_select": lambda t: Mt(t).masked_select(Bt(t)), "masked_fill": lambda t: Mt(t).masked_fill(Bt(t), float("-inf")),
    "masked_scatter": lambda t: Mt(t).masked_scatter(Bt(t), t.arange(12.).reshape(3, 4)),
    "nonzero": lambda t: It(t).nonzero(), "nonzero_tuple": lambda t: It(t).nonzero(as_tuple=True),
    "argwhere": lambda t: Bt(t).argwhere(), "idx_int": lambda t: X(t)[1], "idx_neg": lambda t: X(t)[-1, :, -2],
    "idx_slice": lambda t: X(t)[:, 1:, ::2], "idx_ell": lambda t: X(t)[..., 1], "idx_none": lambda t: X(t)[None, :, None],
    "idx_list": lambda t: X(t)[[0, 1, 1]], "idx_tensor": lambda t: X(t)[:, t.tensor(IDX)], "idx_2adv": lambda t: X(t)[[0, 1], :, [1, 2]],
    "idx_mask": lambda t: X(t)[:, t.tensor(B[:, 0])], "idx_mask_full": lambda t: Mt(t)[Bt(t)],
    "idx_oob": lambda t: X(t)[2], "idx_oob_t": lambda t: X(t)[t.tensor([0, 5])], "idx_bool_0d": lambda t: Mt(t)[t.tensor(True)],
    "idx_neg_step": lambda t: Mt(t)[::-1], "idx_float": lambda t: Mt(t)[1.0], "idx_int_tensor_0d": lambda t: Mt(t)[t.tensor(1)],
    "idx_empty_list": lambda t: Mt(t)[[]], "idx_e": lambda t: E(t)[:, 1], "idx_uint8": lambda t: Mt(t)[t.tensor(B.astype(np.uint8))],
    "one_hot": lambda t: t.nn.functional.one_hot(t.tensor([0, 2, 1])), "one_hot_n": lambda t: t.nn.functional.one_hot(t.tensor([0, 2]), 4),
    "one_hot_bad": lambda t: t.nn.functional.one_hot(t.tensor([0, 5]), 4), "one_hot_f": lambda t: t.nn.functional.one_hot(t.tensor([0.])),
    "arange": lambda t: t.arange(5), "arange_f": lambda t: t.arange(0, 1, 0.3), "linspace": lambda t: t.linspace(0, 1, 5),
    "eye": lambda t: t.eye(2, 3), "full_like": lambda t: t.full_like(It(t), 2.7), "zeros_like_f16": lambda t: t.zeros_like(Mt(t, "float16")),
    "empty_like_shape": lambda t: t.empty_like(X(t)).shape, "ones_dt": lambda t: t.ones(2, dtype=t.int8),
    "meshgrid": lambda t: t.meshgrid(t.arange(2), t.arange(3), indexing="ij"), "meshgrid_xy": lambda t: t.meshgrid(t.arange(2), t.arange(3), indexing="xy"),
    "cartesian": lambda t: t.cartesian_prod(t.arange(2), t.arange(3)), "combinations": lambda t: t.combinations(t.arange(4), 2),
    "outer": lambda t: t.outer(t.arange(3.), t.arange(2)), "einsum": lambda t: t.einsum("bij,jk->bik", X(t)[:, :, :3], Mt(t)),
    "matmul": lambda t: X(t) @ Mt(t).t(), "matmul_1d": lambda t: Mt(t) @ Mt(t)[0], "matmul_int": lambda t: It(t) @ It(t).t(),
    "matmul_mix": lambda t: Mt(t) @ It(t).t(), "matmul_bad": lambda t: Mt(t) @ Mt(t), "mm_f16": lambda t: Mt(t, "float16") @ Mt(t, "float16").t(),
    "bmm": lambda t: t.bmm(X(t), X(t).transpose(1, 2)), "dot": lambda t: t.dot(Mt(t)[0], Mt(t)[1]), "dot_int": lambda t: t.dot(It(t)[0], It(t)[1]),
    "mv": lambda t: t.mv(Mt(t), Mt(t)[0]), "addmm": lambda t: t.addmm(Mt(t)[:, :3], Mt(t), Mt(t).t()[:, :3], beta=0.5, alpha=2),
    "baddbmm": lambda t: t.baddbmm(t.zeros(2, 3, 3), X(t), X(t).transpose(1, 2)), "kron": lambda t: t.kron(Mt(t)[:2, :2], t.eye(2)),
    "cross": lambda t: t.linalg.cross(Mt(t)[:, :3], Mt(t)[:, 1:]), "cdist": lambda t: t.cdist(Mt(t), Mt(t)[:2]),
    "trace": lambda t: Mt(t).trace(), "clone_T": lambda t: T_(t).clone().is_contiguous(), "contig": lambda t: T_(t).contiguous().stride(),
    "stride_T": lambda t: T_(t).stride(), "numel_e": lambda t: E(t).numel(), "size_neg": lambda t: X(t).size(-1),
    "histc": lambda t: Mt(t).histc(4), "bincount": lambda t: t.bincount(t.tensor([0, 1, 1, 3])), "diff": lambda t: Mt(t).diff(dim=0),
    "clamp_min_t": lambda t: Mt(t).clamp_min(0.1), "lerp": lambda t: t.lerp(Mt(t), t.ones(3, 4), 0.3),
    "addcmul": lambda t: t.addcmul(Mt(t), Mt(t), Mt(t), value=0.5), "cumsum_int_dtype": lambda t: It(t, "int8").cumsum(0).dtype,
    "sum_bool_dtype": lambda t: Bt(t).sum().dtype, "mean_int": lambda t: It(t).mean(), "sum_dtype": lambda t: It(t).sum(dtype=t.float32),
    "prod_bool": lambda t: Bt(t).prod(1), "std_unb": lambda t: Mt(t).std(0, unbiased=False), "var_corr": lambda t: Mt(t).var(1, correction=0),
    "std_1": lambda t: Mt(t)[:1].std(0), "mean_e": lambda t: E(t).mean(), "max_e": lambda t: E(t).max(), "max_e_dim": lambda t: E(t).max(1),
    "argmax_kd": lambda t: X(t).argmax(keepdim=True), "max_nan": lambda t: t.tensor([1., float("nan"), 2.]).max(0),
    "sort_nan": lambda t: t.tensor([1., float("nan"), -1.]).sort(), "topk_nan": lambda t: t.tensor([1., float("nan"), -1.]).topk(2),
    "argmax_nan": lambda t: t.tensor([1., float("nan"), 2.]).argmax(), "unique_nan": lambda t: t.tensor([1., float("nan"), 1.]).unique(),
    "median_even": lambda t: t.tensor([4., 1., 3., 2.]).median(), "quantile": lambda t: Mt(t).quantile(t.tensor([0.25, 0.5]), dim=1),
    "round_dec": lambda t: Mt(t).round(decimals=1), "div_floor": lambda t: t.div(It(t), 3, rounding_mode="floor"),
    "div_trunc": lambda t: t.div(Mt(t), 0.3, rounding_mode="trunc"), "div_int_zero": lambda t: It(t) // t.zeros(3, 4, dtype=t.int64),
    "rem_neg": lambda t: t.remainder(It(t), -3), "fmod_neg": lambda t: t.fmod(It(t), -3), "pow_int_neg": lambda t: It(t) ** -1,
    "pow_int_f": lambda t: It(t) ** 0.5, "rpow": lambda t: 2 ** It(t), "rpow_f": lambda t: 2.5 ** Mt(t),
    "int_div": lambda t: It(t) / 2, "bool_add": lambda t: Bt(t) + Bt(t), "bool_sub": lambda t: Bt(t) - Bt(t), "bool_mul_f": lambda t: Bt(t) * 1.5,
    "u8_neg": lambda t: -It(t).abs().to(t.uint8), "i8_overflow": lambda t: It(t, "int8") * 100, "shift": lambda t: It(t) << 2,
    "shift_neg": lambda t: It(t) >> 1, "invert_bool": lambda t: ~Bt(t), "xor_bool": lambda t: Bt(t) ^ True, "abs_int8_min": lambda t: t.tensor([-128], dtype=t.int8).abs(),
}
for k, f in SHAPE.items():
    case(k, f)
    # grads through the shape ops that take X
for k in ["split2", "chunk3", "unbind", "narrow", "select", "flatten", "unflatten", "permute", "movedim", "flip",
          "roll", "roll_multi", "diagonal", "triu", "t_3d", "mT", "sort", "sort_desc", "topk", "kthvalue",
          "gather", "index_select", "idx_int", "idx_neg", "idx_slice", "idx_ell", "idx_none", "idx_list",
          "idx_tensor", "idx_2adv", "idx_mask", "matmul", "bmm", "einsum", "argmax_kd", "tensor_split", "tensor_split_idx"]:
    src = SHAPE[k]

    def g(t, src=src):
        x = X(t, rg=True)
        y = src(_Sub(t, x))
        ys = y if isinstance(y, (tuple, list)) else (y,)
        tot = None
        for v in ys:
            if hasattr(v, "requires_grad") and v.requires_grad:
                s = (v * v).sum()
                tot = s if tot is None else tot + s
        if tot is not None:
            tot.backward()
        return y, x.grad
    case(f"grad-{k}", g)


class _Sub:
    """``t`` whose X() ... no: the shape lambdas call X(t); this wrapper makes X return x."""
    def __init__(self, t, x):
        self._t, self._x = t, x

    def __getattr__(self, k):
        return getattr(self._t, k)


def _sub_tensor(self, data, *a, **k):
    if data is A and not a and not k:
        return self._x
    return self._t.tensor(data, *a, **k)


_Sub.tensor = _sub_tensor

# ---------------------------------------------------------------- nn.functional and losses
IMG = R.standard_normal((2, 3, 5, 5)).astype(np.float32)
W = R.standard_normal((4, 3, 3, 3)).astype(np.float32) * 0.3
SEQ = R.standard_normal((2, 3, 7)).astype(np.float32)
W1 = R.standard_normal((4, 3, 2)).astype(np.float32)
TGT = np.array([1, 0, 3], dtype=np.int64)


def F_(t):
    return t.nn.functional


def img(t, rg=False):
    x = t.tensor(IMG)
    return x.requires_grad_() if rg else x


FN = {
    "conv2d": lambda t, x: F_(t).conv2d(x, t.tensor(W), t.ones(4), padding=1),
    "conv2d_stride": lambda t, x: F_(t).conv2d(x, t.tensor(W), stride=2, dilation=1),
    "conv2d_same": lambda t, x: F_(t).conv2d(x, t.tensor(W), padding="same"),
    "conv2d_groups": lambda t, x: F_(t).conv2d(x, t.tensor(W[:3, :1]), groups=3),
    "conv_t2d": lambda t, x: F_(t).conv_transpose2d(x, t.tensor(W).transpose(0, 1), stride=2, output_padding=1),
    "max_pool2d": lambda t, x: F_(t).max_pool2d(x, 2), "max_pool2d_ceil": lambda t, x: F_(t).max_pool2d(x, 2, ceil_mode=True),
    "max_pool2d_idx": lambda t, x: F_(t).max_pool2d(x, 3, 2, 1, return_indices=True),
    "avg_pool2d": lambda t, x: F_(t).avg_pool2d(x, 2, padding=1), "avg_pool2d_nopad": lambda t, x: F_(t).avg_pool2d(x, 3, 2, 1, count_include_pad=False),
    "adaptive_avg": lambda t, x: F_(t).adaptive_avg_pool2d(x, (2, 3)), "adaptive_max": lambda t, x: F_(t).adaptive_max_pool2d(x, 2),
    "batch_norm": lambda t, x: F_(t).batch_norm(x, t.zeros(3), t.ones(3), t.ones(3), t.zeros(3), training=True),
    "batch_norm_eval": lambda t, x: F_(t).batch_norm(x, t.zeros(3), t.ones(3) * 2),
    "layer_norm": lambda t, x: F_(t).layer_norm(x, (5, 5)), "group_norm": lambda t, x: F_(t).group_norm(x, 3),
    "instance_norm": lambda t, x: F_(t).instance_norm(x), "local_resp": lambda t, x: F_(t).local_response_norm(x, 2),
    "pad_const": lambda t, x: F_(t).pad(x, (1, 2)), "pad_reflect": lambda t, x: F_(t).pad(x, (1, 1, 2, 0), mode="reflect"),
    "pad_replicate": lambda t, x: F_(t).pad(x, (1, 1, 1, 1), mode="replicate"), "pad_circ": lambda t, x: F_(t).pad(x, (1, 1, 1, 1), mode="circular"),
    "pad_neg": lambda t, x: F_(t).pad(x, (-1, 0)),
    "interp_near": lambda t, x: F_(t).interpolate(x, scale_factor=2), "interp_bil": lambda t, x: F_(t).interpolate(x, size=(7, 3), mode="bilinear"),
    "interp_bil_ac": lambda t, x: F_(t).interpolate(x, size=(7, 3), mode="bilinear", align_corners=True),
    "interp_bicubic": lambda t, x: F_(t).interpolate(x, scale_factor=1.5, mode="bicubic"),
    "interp_area": lambda t, x: F_(t).interpolate(x, size=2, mode="area"),
    "pixel_shuffle": lambda t, x: F_(t).pixel_shuffle(x[:, :1].repeat(1, 4, 1, 1), 2), "unfold": lambda t, x: F_(t).unfold(x, 2, stride=2),
    "dropout_eval": lambda t, x: F_(t).dropout(x, 0.5, training=False), "relu": lambda t, x: F_(t).relu(x), "gelu": lambda t, x: F_(t).gelu(x),
    "gelu_tanh": lambda t, x: F_(t).gelu(x, approximate="tanh"), "silu": lambda t, x: F_(t).silu(x), "mish": lambda t, x: F_(t).mish(x),
    "elu": lambda t, x: F_(t).elu(x, 0.5), "selu": lambda t, x: F_(t).selu(x), "celu": lambda t, x: F_(t).celu(x), "leaky": lambda t, x: F_(t).leaky_relu(x, 0.2),
    "softplus": lambda t, x: F_(t).softplus(x, 2, 1), "softsign": lambda t, x: F_(t).softsign(x), "hardswish": lambda t, x: F_(t).hardswish(x),
    "hardsigmoid": lambda t, x: F_(t).hardsigmoid(x), "logsigmoid": lambda t, x: F_(t).logsigmoid(x), "tanhshrink": lambda t, x: F_(t).tanhshrink(x),
    "softmin": lambda t, x: F_(t).softmin(x, 1), "softmax_dt": lambda t, x: F_(t).softmax(x, -1, dtype=t.float64),
    "glu": lambda t, x: F_(t).glu(x, 2 if False else 1) if False else F_(t).glu(x[:, :2], 1), "normalize": lambda t, x: F_(t).normalize(x, dim=1),
    "cos_sim": lambda t, x: F_(t).cosine_similarity(x, x.flip(0), dim=1), "pdist_pair": lambda t, x: F_(t).pairwise_distance(x[0, 0], x[1, 0]),
    "linear": lambda t, x: F_(t).linear(x, t.ones(2, 5), t.ones(2)), "bilinear": lambda t, x: F_(t).bilinear(x[..., 0, :], x[..., 1, :], t.ones(2, 5, 5)),
    "embedding": lambda t, x: F_(t).embedding(t.tensor([[0, 2], [1, 1]]), x[0, 0]),
    "embedding_pad": lambda t, x: F_(t).embedding(t.tensor([[0, 2], [1, 1]]), x[0, 0], padding_idx=1),
    "conv1d": lambda t, x: F_(t).conv1d(x[:, :, 0], t.tensor(W1), padding=1), "max_pool1d": lambda t, x: F_(t).max_pool1d(x[:, :, 0], 2),
    "avg_pool1d": lambda t, x: F_(t).avg_pool1d(x[:, :, 0], 3, 1, 1), "lp_pool2d": lambda t, x: F_(t).lp_pool2d(x.abs() + 0.1, 2, 2),
    "affine_grid": lambda t, x: F_(t).grid_sample(x, F_(t).affine_grid(t.tensor([[[1., 0.2, 0.], [0., 1., 0.1]]] * 2), (2, 3, 4, 4), align_corners=False), align_corners=False),
    "scaled_dot": lambda t, x: F_(t).scaled_dot_product_attention(x[:, :, :4], x[:, :, :4], x[:, :, :4], is_causal=True),
}
for k, f in FN.items():
    def g(t, f=f):
        x = img(t, True)
        y = f(t, x)
        ys = y if isinstance(y, (tuple, list)) else (y,)
        tot = None
        for v in ys:
            if v.requires_grad:
                s = (v * v).sum()
                tot = s if tot is None else tot + s
        if tot is not None:
            tot.backward()
        return y, x.grad
    case(f"F-{k}", g)


LOGITS = R.standard_normal((3, 4)).astype(np.float32)
P = 1 / (1 + np.exp(-LOGITS))
Y01 = (R.standard_normal((3, 4)) > 0).astype(np.float32)
LOSS = {
    "mse": lambda t, x: F_(t).mse_loss(x, t.tensor(Y01)), "mse_sum": lambda t, x: F_(t).mse_loss(x, t.tensor(Y01), reduction="sum"),
    "mse_bcast": lambda t, x: F_(t).mse_loss(x, t.tensor(Y01[0])), "l1_none": lambda t, x: F_(t).l1_loss(x, t.tensor(Y01), reduction="none"),
    "smooth_l1": lambda t, x: F_(t).smooth_l1_loss(x, t.tensor(Y01), beta=0.5), "huber": lambda t, x: F_(t).huber_loss(x, t.tensor(Y01), delta=0.7),
    "ce": lambda t, x: F_(t).cross_entropy(x, t.tensor(TGT)), "ce_ls": lambda t, x: F_(t).cross_entropy(x, t.tensor(TGT), label_smoothing=0.1),
    "ce_w": lambda t, x: F_(t).cross_entropy(x, t.tensor(TGT), weight=t.tensor([1., 2., 3., 4.])),
    "ce_ign": lambda t, x: F_(t).cross_entropy(x, t.tensor([1, -100, 3])), "ce_ign_all": lambda t, x: F_(t).cross_entropy(x, t.tensor([-100, -100, -100])),
    "ce_prob": lambda t, x: F_(t).cross_entropy(x, t.tensor(P / P.sum(1, keepdims=True))), "ce_sum": lambda t, x: F_(t).cross_entropy(x, t.tensor(TGT), reduction="sum"),
    "ce_none": lambda t, x: F_(t).cross_entropy(x, t.tensor(TGT), reduction="none"), "ce_bad_tgt": lambda t, x: F_(t).cross_entropy(x, t.tensor([1, 0, 4])),
    "ce_float_tgt_int": lambda t, x: F_(t).cross_entropy(x, t.tensor([1., 0., 3.])), "ce_3d": lambda t, x: F_(t).cross_entropy(x.reshape(1, 3, 4), t.tensor([[0, 1, 2, 1]])),
    "ce_w_ls": lambda t, x: F_(t).cross_entropy(x, t.tensor(TGT), weight=t.tensor([1., 2., 3., 4.]), label_smoothing=0.2),
    "nll": lambda t, x: F_(t).nll_loss(F_(t).log_softmax(x, 1), t.tensor(TGT)), "nll_w_ign": lambda t, x: F_(t).nll_loss(x, t.tensor([1, 2, 3]), weight=t.ones(4) * 2, ignore_index=2),
    "bce": lambda t, x: F_(t).binary_cross_entropy(t.sigmoid(x), t.tensor(Y01)), "bce_w": lambda t, x: F_(t).binary_cross_entropy(t.sigmoid(x), t.tensor(Y01), weight=t.tensor(Y01[0]) + 1),
    "bce_logits": lambda t, x: F_(t).binary_cross_entropy_with_logits(x, t.tensor(Y01), pos_weight=t.tensor([1., 2., 3., 4.])),
    "bce_bad": lambda t, x: F_(t).binary_cross_entropy(x, t.tensor(Y01)), "bce_shape": lambda t, x: F_(t).binary_cross_entropy(t.sigmoid(x), t.tensor(Y01[0])),
    "kl": lambda t, x: F_(t).kl_div(F_(t).log_softmax(x, 1), t.tensor(P / P.sum(1, keepdims=True)), reduction="batchmean"),
    "kl_logt": lambda t, x: F_(t).kl_div(x, x.detach() * 0.5, log_target=True, reduction="sum"),
    "margin_rank": lambda t, x: F_(t).margin_ranking_loss(x[0], x[1], t.tensor([1., -1., 1., -1.]), margin=0.1),
    "hinge": lambda t, x: F_(t).hinge_embedding_loss(x, t.tensor(Y01 * 2 - 1)), "soft_margin": lambda t, x: F_(t).soft_margin_loss(x, t.tensor(Y01 * 2 - 1)),
    "multi_margin": lambda t, x: F_(t).multi_margin_loss(x, t.tensor(TGT)), "multilabel_margin": lambda t, x: F_(t).multilabel_margin_loss(x, t.tensor([[3, 0, -1, 1], [0, 1, 2, 3], [1, -1, 0, 0]])),
    "multilabel_soft": lambda t, x: F_(t).multilabel_soft_margin_loss(x, t.tensor(Y01)), "cos_emb": lambda t, x: F_(t).cosine_embedding_loss(x, x.flip(0), t.tensor([1., -1., 1.])),
    "triplet": lambda t, x: F_(t).triplet_margin_loss(x, x.flip(0), x.roll(1, 0)), "poisson": lambda t, x: F_(t).poisson_nll_loss(x, t.tensor(Y01)),
    "gauss_nll": lambda t, x: F_(t).gaussian_nll_loss(x, t.tensor(Y01), t.ones(3, 4)), "l1_int_tgt": lambda t, x: F_(t).l1_loss(x, t.tensor(Y01).long()),
    "mse_shape_bad": lambda t, x: F_(t).mse_loss(x, t.ones(5)),
}
for k, f in LOSS.items():
    def g(t, f=f):
        x = t.tensor(LOGITS, requires_grad=True)
        y = f(t, x)
        if y.requires_grad:
            (y.sum() if y.dim() else y).backward()
        return y, x.grad
    case(f"L-{k}", g)
