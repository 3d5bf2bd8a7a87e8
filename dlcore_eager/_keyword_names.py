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
