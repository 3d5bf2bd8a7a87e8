"""PyTorch 2.13's grad_fn names of exported composites whose name depends on the call's
arguments or which dlcore builds from other primitives: merged into ``_api_install._GRAD_FN``
(the labels of the installed names), read once per call after the result is made, so recording
a node costs nothing more.  A label is a name, or a function ``(args, kwargs) -> name`` (None:
leave dlcore's name); the functions read the arguments as PyTorch's signatures place them."""

from __future__ import annotations


def _arg(args, kwargs, i: int, key: str, default=None):
    return args[i] if len(args) > i else kwargs.get(key, default)


def _einsum_label(args, kwargs):
    """PyTorch's einsum ends in a permute (one operand, nothing summed), a sum (one operand,
    labels summed), a mul (no label summed with the last operand) or a view of a bmm."""
    eq = args[0] if args else kwargs.get("equation")
    ops = args[1:]
    if len(ops) == 1 and isinstance(ops[0], (list, tuple)):
        ops = tuple(ops[0])
    if not isinstance(eq, str) or not ops:
        return None
    eq = eq.replace(" ", "").replace("...", ".")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(ops):
        return None
    if not arrow:                           # implicit output: the labels seen once
        rhs = "".join(c for c in sorted(set(lhs) - {",", "."}) if lhs.count(c) == 1)
    if len(terms) == 1:
        return "SumBackward1" if set(terms[0]) - set(rhs) - {"."} else "PermuteBackward0"
    # (PyTorch sums each label with the last operand it appears in: a bmm and a view there)
    return "ViewBackward0" if set(terms[-1]) - set(rhs) - {"."} else "MulBackward0"


def _median_label(prefix):
    def label(args, kwargs):
        return prefix + ("1" if _arg(args, kwargs, 1, "dim") is not None else "0")
    return label


def _diag_label(args, kwargs):
    x = _arg(args, kwargs, 0, "input")
    return "DiagEmbedBackward0" if getattr(x, "ndim", 0) == 1 else "DiagonalBackward0_copy"


def _lerp_label(args, kwargs):
    from .tensor import Tensor
    return "LerpBackward1" if isinstance(_arg(args, kwargs, 2, "weight"), Tensor) else \
        "LerpBackward0"


def _sort_label(args, kwargs):
    return "SortBackward1" if "stable" in kwargs else "SortBackward0"   # (its stable overload)


def _kl_div_label(args, kwargs):
    if _arg(args, kwargs, 2, "size_average") is not None or \
            _arg(args, kwargs, 3, "reduce") is not None:
        return None
    r = _arg(args, kwargs, 4, "reduction", "mean")
    if r == "none":
        return "MulBackward0" if _arg(args, kwargs, 5, "log_target", False) else "SubBackward0"
    return {"mean": "MeanBackward0", "sum": "SumBackward0", "batchmean": "DivBackward0"}.get(r)


def _smooth_l1_label(args, kwargs):
    if _arg(args, kwargs, 5, "beta", 1.0) == 0:          # (PyTorch's l1_loss then)
        return {"mean": "MeanBackward0", "sum": "SumBackward0", "none": "AbsBackward0"}.get(
            _arg(args, kwargs, 4, "reduction", "mean"))
    return "SmoothL1LossBackward0"


def _poisson_label(args, kwargs):
    if _arg(args, kwargs, 4, "size_average") is not None or \
            _arg(args, kwargs, 6, "reduce") is not None:
        return None
    return {"mean": "MeanBackward0", "sum": "SumBackward0"}.get(
        _arg(args, kwargs, 7, "reduction", "mean"))


def _linalg_norm_label(args, kwargs):
    """torch.linalg.norm: a vector norm (the 2-norm of everything, Frobenius, or a number
    ``ord`` over one dimension); None (dlcore's) for the matrix norms PyTorch computes otherwise."""
    o = _arg(args, kwargs, 1, "ord")
    dim = _arg(args, kwargs, 2, "dim")
    x = _arg(args, kwargs, 0, "input")
    if o is None or o == "fro":
        return "LinalgVectorNormBackward0"
    if not isinstance(o, str) and (isinstance(dim, int) or (
            isinstance(dim, (tuple, list)) and len(dim) == 1) or (
            dim is None and getattr(x, "ndim", 0) == 1)):
        return "LinalgVectorNormBackward0"
    return None


def _matrix_norm_label(args, kwargs):
    """PyTorch's matrix norms end in a vector norm (Frobenius), a sum of the singular values
    (nuclear), else an amax (positive ord) or amin (negative)."""
    o = _arg(args, kwargs, 1, "ord", "fro")
    if o == "fro":
        return "LinalgVectorNormBackward0"
    if o == "nuc":
        return "SumBackward1"
    return None if isinstance(o, str) else "AmaxBackward0" if o > 0 else "AminBackward0"


def _linalg_norm_matrix_label(args, kwargs):
    """torch.linalg.norm: the vector norms, else the matrix norm's name."""
    vec = _linalg_norm_label(args, kwargs)
    o = _arg(args, kwargs, 1, "ord")
    return vec if vec is not None or o is None else _matrix_norm_label((None, o), {})


def _cond_label(args, kwargs):
    """torch.linalg.cond: a squeeze of the singular-value ratio (None, 2, -2), a nan_to_num of
    the norms' product (fro, 1, inf), a mul (nuc)."""
    p = _arg(args, kwargs, 1, "p")
    if p is None or p in (2, -2):
        return "SqueezeBackward1"
    return "MulBackward0" if p == "nuc" else "NanToNumBackward0"


def _zeta_label(args, kwargs):
    from .tensor import Tensor
    x, q = _arg(args, kwargs, 0, "input"), _arg(args, kwargs, 1, "other")
    return "SpecialZetaBackward" + ("1" if not isinstance(x, Tensor) else
                                    "2" if not isinstance(q, Tensor) else "0")


def _scatter_label(args, kwargs):
    from .tensor import Tensor
    src = _arg(args, kwargs, 3, "src", kwargs.get("value"))
    return "ScatterBackward0" if isinstance(src, Tensor) else "ScatterBackward1"


def _reduced_at(at: int, legacy: bool = True, none: str | None = None):
    """Mean/SumBackward0 by ``reduction`` at position ``at`` (``none``: the unreduced loss's
    node, else None; None also for the legacy size_average/reduce given at ``at - 2``/
    ``at - 1``)."""
    def label(args, kwargs):
        if legacy and (_arg(args, kwargs, at - 2, "size_average") is not None or
                       _arg(args, kwargs, at - 1, "reduce") is not None):
            return None
        return {"mean": "MeanBackward0", "sum": "SumBackward0", "none": none}.get(
            _arg(args, kwargs, at, "reduction", "mean"))
    return label


LABELS = {
    "frac": "FracBackward0", "sort": _sort_label, "msort": "SortBackward0",
    "topk": "TopkBackward0", "kthvalue": "KthvalueBackward0", "mode": "ModeBackward0",
    "median": _median_label("MedianBackward"), "nanmedian": _median_label("NanmedianBackward"),
    "diag": _diag_label, "cross": "LinalgCrossBackward0", "baddbmm": "BaddbmmBackward0",
    "addbmm": "AddbmmBackward0", "addr": "AddrBackward0", "addmv": "AddmvBackward0",
    "cdist": "CdistBackward0",
    "smooth_l1_loss": _smooth_l1_label, "huber_loss": "HuberLossBackward0",
    "kl_div": _kl_div_label, "cosine_similarity": "SumBackward1",
    "group_norm": "NativeGroupNormBackward0", "einsum": _einsum_label, "lerp": _lerp_label,
    "logcumsumexp": "LogcumsumexpBackward0",
    "square": "PowBackward0", "std_mean": "StdMeanBackward0", "var_mean": "VarMeanBackward0",
    "aminmax": "AminmaxBackward0", "glu": "GluBackward0", "pairwise_distance": "NormBackward1",
    "pdist": "PdistBackward0", "angle": "AngleBackward0", "copysign": "CopysignBackward0",
    "diagflat": "DiagEmbedBackward0", "dist": "DistBackward0", "ldexp": "LdexpBackward0",
    "logaddexp2": "Logaddexp2Backward0", "pinverse": "LinalgPinvBackward0",
    "pinv": "LinalgPinvBackward0", "lstsq": "LinalgLstsqBackward0",
    "slice_scatter": "SliceScatterBackward0", "entr": "SpecialEntrBackward0",
    "log_ndtr": "SpecialLogNdtrBackward0", "xlog1py": "SpecialXlog1PyBackward0",
    "matrix_exp": "LinalgMatrixExpBackward0", "cholesky_inverse": "CholeskyInverseBackward0",
    "lu_factor": "LinalgLuFactorExBackward0", "lu_factor_ex": "LinalgLuFactorExBackward0",
    "vector_norm": "LinalgVectorNormBackward0", "matrix_norm": _matrix_norm_label,
    ("torch.linalg", "norm"): _linalg_norm_matrix_label, ("torch.linalg", "cond"): _cond_label,
    ("torch.linalg", "lu"): "LinalgLuBackward0", "lu_solve": "LinalgLuSolveBackward0",
    "lu_unpack": "LuUnpackBackward0", "ormqr": "OrmqrBackward0", "tensordot": "ViewBackward0",
    "tensorsolve": "ViewBackward0", "tensorinv": "ReshapeAliasBackward0",
    ("torch", "cholesky"): "CholeskyBackward0", ("Tensor", "cholesky"): "CholeskyBackward0",
    "hinge_embedding_loss": _reduced_at(5), "multilabel_soft_margin_loss": _reduced_at(5),
    "poisson_nll_loss": _poisson_label, "zeta": _zeta_label,
    "index_select": "IndexSelectBackward0", "scatter": _scatter_label,
    "scatter_add": "ScatterAddBackward0", "index_add": "IndexAddBackward0",
    "index_put": "IndexPutBackward0", "masked_scatter": "MaskedScatterBackward0",
    ("Tensor", "unfold"): "UnfoldBackward0", ("torch.nn.functional", "unfold"): "Im2ColBackward0",
    "as_strided": "AsStridedBackward0", "threshold": "ThresholdBackward0",
    "prelu": "PreluKernelBackward0", "soft_margin_loss": "SoftMarginLossBackward0",
    "multi_margin_loss": "MultiMarginLossBackward0", "renorm": "RenormBackward0",
    "mvlgamma": "MvlgammaBackward0", "solve_triangular": "LinalgSolveTriangularBackward0",
    "cholesky_solve": "CholeskySolveBackward0",
    "householder_product": "LinalgHouseholderProductBackward0",
    "margin_ranking_loss": _reduced_at(6, none="ClampMinBackward0"),
    "cosine_embedding_loss": _reduced_at(6, none="AddBackward0"),
    "triplet_margin_loss": _reduced_at(9, none="ClampMinBackward0"),
    "gaussian_nll_loss": _reduced_at(5, legacy=False),
}


#: functions whose PyTorch node takes each of their float tensor arguments as an input, in order
#: (``next_functions``); the other labelled functions of one float tensor take just that one
ALL_TENSOR_EDGES = frozenset({
    "lerp", "baddbmm", "addbmm", "addr", "cdist", "huber_loss", "dist", "xlog1py", "cross",
    "lstsq", "mse_loss", "prelu", "index_add", "scatter_add"})


def label(out, name: str, args: tuple, kwargs: dict, x):
    """``out`` with the grad_fn name ``LABELS[name]`` gives for these arguments (for the
    modules, which call the composites directly)."""
    from ._graph import labelled
    lab = LABELS[name]
    lab = lab(args, kwargs) if callable(lab) else lab
    return out if lab is None else labelled(out, lab, x)
