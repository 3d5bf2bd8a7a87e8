"""PyTorch's keyword names for the composites ``_api.args`` installs, mapped to the names of
their ``dlcore.ops`` functions: ``torch.addmm(c, mat1=a, mat2=b)``, ``x.mv(vec=v)``,
``torch.cross(a, other=b, dim=1)``.  Every such call also takes ``dim``/``keepdim`` for the
core's ``axis``/``keepdims``.  (Checked by calling torch 2.13 with each keyword:
tests/eager/test_torch_keyword_names.py.)"""

from __future__ import annotations

_COMMON = {"dim": "axis", "keepdim": "keepdims"}

_BY_NAME = {
    "addmm": {"mat1": "a", "mat2": "b"},
    "baddbmm": {"batch1": "a", "batch2": "b"},
    "cross": {"other": "b"},
    "dist": {"other": "b"},
    "mv": {"vec": "v"},
    "cdist": {"x2": "b"},
    "orgqr": {"input2": "tau"},
    "bilinear": {"input2": "x2"},
}


def keywords_for(name: str) -> dict[str, str]:
    """torch's keyword -> the core function's, for the op ``name`` (or its in-place form)."""
    return {**_COMMON, **_BY_NAME.get(name.rstrip("_"), {})}


# torch.special functions whose one tensor parameter torch names ``x`` (their schemas do), not
# ``input``: torch.special.airy_ai(x=t); torch refuses input= there
X_NAMED = frozenset({"airy_ai", "spherical_bessel_j0", "scaled_modified_bessel_k0",
                     "scaled_modified_bessel_k1"})


def x_named(fn):
    """``fn(input, *, out=None)`` as ``f(x, *, out=None)``."""
    def f(x, *, out=None):
        return fn(x, out=out)
    f.__name__ = f.__qualname__ = fn.__name__
    f.__doc__ = fn.__doc__
    return f


# Functions whose first tensor parameter torch names other than ``input`` (their signatures:
# torch.cdist(x1, x2), F.cosine_similarity(x1, x2), F.triplet_margin_loss(anchor, ...)):
# torch takes that name as a keyword and refuses ``input=`` (but torch.linalg.vector_norm,
# whose parser takes both)
FIRST_NAMED = {"cdist": "x1", "cosine_similarity": "x1", "pairwise_distance": "x1",
               "cosine_embedding_loss": "input1", "margin_ranking_loss": "input1",
               "triplet_margin_loss": "anchor", "bilinear": "input1", "vector_norm": "x"}


def first_named(name: str, fn):
    """``fn(input, *a, **kw)`` taking its first argument by torch's keyword name for ``name``
    (``FIRST_NAMED``), as ``fn`` itself where torch's name is ``input``."""
    first = FIRST_NAMED.get(name)
    if first is None:
        return fn

    def f(*a, **kw):
        if "input" in kw and name != "vector_norm":
            raise TypeError(f"{name}() got an unexpected keyword argument 'input'")
        if first in kw:
            a = (kw.pop(first), *a)
        return fn(*a, **kw)
    f.__name__ = f.__qualname__ = fn.__name__
    f.__doc__ = fn.__doc__
    return f


def split_overloads(fn, names=("sections", "indices", "tensor_indices_or_sections")):
    """``fn(input, indices_or_sections, ...)`` taking that argument by the keyword names of
    torch's overloads (``torch.tensor_split(x, sections=2)``, ``x.hsplit(indices=[1])``);
    torch has no keyword ``indices_or_sections`` (its docs' name) and refuses it."""
    def f(input, *a, **kw):
        if "indices_or_sections" in kw:
            raise TypeError(f"{fn.__name__}() got an unexpected keyword argument "
                            f"'indices_or_sections'")
        for k in names:
            if k in kw:
                if a:
                    raise TypeError(f"{fn.__name__}() got multiple values for argument '{k}'")
                a = (kw.pop(k),)
                break
        return fn(input, *a, **kw)
    f.__name__ = f.__qualname__ = fn.__name__
    f.__doc__ = fn.__doc__
    return f


def from_to(name: str, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    """``uniform_``/``random_``'s keywords ``from``/``to`` (Python keywords, so never
    parameter names) as their positional arguments: ``x.uniform_(**{"from": -1, "to": 1})``,
    ``x.random_(to=10)``; ``random_`` with ``from`` and no ``to`` is torch's TypeError."""
    if "from" not in kwargs and "to" not in kwargs:
        return args, kwargs
    kwargs = dict(kwargs)
    lo, hi = kwargs.pop("from", None), kwargs.pop("to", None)
    if args or (name == "random_" and hi is None):
        got = ", ".join([type(a).__name__ for a in args] +
                        [f"{k}={type(v).__name__}" for k, v in (("from", lo), ("to", hi))
                         if v is not None])
        raise TypeError(f"{name}() received an invalid combination of arguments - got "
                        f"({got}, )")
    if name == "random_":
        return ((hi,) if lo is None else (lo, hi)), kwargs
    return (0.0 if lo is None else lo, 1.0 if hi is None else hi), kwargs
