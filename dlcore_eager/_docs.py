"""Docstrings for the Tensor methods that have none of their own.

The op methods (``Tensor.sum``, ``Tensor.add``) get theirs from the op's definition block
(``_api.py``).  What is left: in-place forms (``add_``), operators (``__add__``) and methods
that mirror a ``torch`` function (``Tensor.argmax`` and ``torch.argmax``).  Without a docstring,
``help(Tensor)`` would show whatever source comment precedes a definition, so each gets a short
one here, pointing at the documented form.
"""

from __future__ import annotations

import inspect
import sys

_OPERATORS = {
    "add": "+", "sub": "-", "mul": "*", "truediv": "/", "floordiv": "//", "mod": "%",
    "pow": "**", "matmul": "@", "and": "&", "or": "|", "xor": "^", "lshift": "<<",
    "rshift": ">>", "eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">=",
}
_UNARY = {"neg": "-x", "pos": "+x", "abs": "abs(x)", "invert": "~x"}


def _first_paragraph(doc: str | None) -> str:
    return (doc or "").strip().split("\n\n")[0]


def _operator_doc(name: str) -> str | None:
    core = name[2:-2]
    if core in _UNARY:
        return f"``{_UNARY[core]}``."
    for prefix, form in (("i", "x {} y, in place"), ("r", "y {} x (x on the right)"),
                         ("", "x {} y")):
        op = core[len(prefix):] if core.startswith(prefix) else None
        if op in _OPERATORS:
            return f"``{form.format(_OPERATORS[op])}``."
    return None


def _doc_for(cls, name: str, torch) -> str | None:
    if name.startswith("__") and name.endswith("__"):
        return _operator_doc(name)
    if name.endswith("_"):
        base = getattr(cls, name[:-1], None)
        text = f"In-place form of ``Tensor.{name[:-1]}``: writes the result into this tensor " \
               "and returns it."
        para = _first_paragraph(getattr(base, "__doc__", None))
        return text + (f"\n\n{para}" if para else "")
    fn = getattr(torch, name, None)
    if fn is not None and callable(fn) and fn.__doc__:
        return f"Method form of ``torch.{name}(self, ...)``.\n\n{inspect.cleandoc(fn.__doc__)}"
    return None


def fill(cls) -> int:
    """Give every public function or property of ``cls`` without a docstring a short one
    (see the module docstring); returns how many were filled."""
    torch = sys.modules["dlcore_eager"]
    filled = 0
    for name, obj in list(vars(cls).items()):
        if name.startswith("_") and not (name.startswith("__") and name.endswith("__")):
            continue
        target = obj.fget if isinstance(obj, property) else obj
        if not inspect.isfunction(target) or target.__doc__ or \
                getattr(torch, name, None) is target:
            continue
        doc = _doc_for(cls, name, torch)
        if doc:
            target.__doc__ = doc
            filled += 1
    return filled + fill_table(cls) + fill_functions(torch, cls)


# One line each for the methods and properties that have no definition block behind them
# (shapes, views, conversions, autograd state); shared with ``torch.X`` where that is the same
# function, so they are written for both forms.
METHOD_DOCS = {
    "T": "The tensor with its dimensions reversed (a view; ``x.T`` of a matrix is its transpose).",
    "mT": "The last two dimensions swapped (a view): the transpose of each matrix in a batch.",
    "__bool__": "``bool(x)`` of a one-element tensor; more elements raise RuntimeError.",
    "__float__": "``float(x)`` of a one-element tensor.",
    "__int__": "``int(x)`` of a one-element tensor.",
    "__index__": "``x`` as an index (``range(x)``): one-element integer tensors only.",
    "__len__": "The size of the first dimension (``len(x)``); a 0-d tensor raises TypeError.",
    "__iter__": "Iterate over the first dimension: one sub-tensor (a view) per row.",
    "__getitem__": "``x[index]``: NumPy/PyTorch indexing (ints, slices, None, ..., tensors, "
                   "masks); basic indexing returns a view, advanced indexing a copy.",
    "__setitem__": "``x[index] = value``: writes into this tensor in place (bumps its version).",
    "__repr__": "``tensor([...])`` as PyTorch prints it, with ``requires_grad``/``grad_fn``.",
    "__format__": "Format a one-element tensor like its Python number (``f'{loss:.3f}'``).",
    "__dlpack__": "The DLPack capsule of this tensor's memory (``np.from_dlpack(x)``).",
    "__dlpack_device__": "The DLPack (device type, index) pair of this tensor.",
    "__dlcore_aval__": "The abstract value (shape, dtype) dlcore's shape rules read.",
    "addcdiv": "``input + value * tensor1 / tensor2`` (PyTorch's addcdiv).",
    "addcmul": "``input + value * tensor1 * tensor2`` (PyTorch's addcmul).",
    "all": "True where every element (over ``dim``, or all) is non-zero: a bool tensor.",
    "any": "True where some element (over ``dim``, or all) is non-zero: a bool tensor.",
    "allclose": "Whether ``|input - other| <= atol + rtol |other|`` everywhere (a Python bool).",
    "argmax": "Index of the largest value (over ``dim``, or of the flattened tensor).",
    "argmin": "Index of the smallest value (over ``dim``, or of the flattened tensor).",
    "bmm": "Batched matrix product of (b, n, m) and (b, m, p) tensors.",
    "mm": "Matrix product of two 2-D tensors (no broadcasting).",
    "dot": "Inner product of two 1-D tensors.",
    "outer": "Outer product of two 1-D tensors: an (n, m) matrix.",
    "bool": "A copy converted to torch.bool (non-zero is True).",
    "double": "A copy converted to torch.float64.",
    "float": "A copy converted to torch.float32.",
    "int": "A copy converted to torch.int32.",
    "long": "A copy converted to torch.int64.",
    "broadcast_to": "A view with the given shape, broadcasting size-1 dimensions (no copy).",
    "expand": "A view with size-1 dimensions repeated to the given sizes (-1 keeps one).",
    "expand_as": "``x.expand(other.size())``.",
    "chunk": "Split into ``chunks`` nearly equal views along ``dim``.",
    "split": "Split into views of ``split_size`` (or the given sizes) along ``dim``.",
    "unbind": "The slices along ``dim`` as a tuple of views, that dimension removed.",
    "clamp": "Each element limited to [min, max] (either bound may be None).",
    "clip": "Alias of ``clamp``.",
    "clone": "A copy with its own memory; gradients flow back to the original.",
    "contiguous": "This tensor if it is C-contiguous, else a contiguous copy.",
    "is_contiguous": "Whether the memory is C-contiguous (row-major, no gaps).",
    "cpu": "This tensor in host memory (a counted device-to-host copy for CUDA tensors).",
    "cuda": "This tensor on the CUDA device (a counted host-to-device copy).",
    "is_cuda": "Whether the tensor lives on a CUDA device.",
    "data_ptr": "The address of the first element (an id for device arrays).",
    "dim": "The number of dimensions.",
    "ndim": "The number of dimensions.",
    "element_size": "Bytes per element.",
    "numel": "The number of elements.",
    "nelement": "Alias of ``numel``.",
    "equal": "Whether both tensors have the same shape and elements (a Python bool).",
    "flatten": "The dimensions ``start_dim..end_dim`` merged into one (a view when possible).",
    "grad": "The gradient accumulated into this leaf by ``backward()`` (None until then).",
    "grad_fn": "The tape node that made this tensor (None for leaves).",
    "is_leaf": "Whether this tensor was made by the user rather than by a recorded op.",
    "retains_grad": "Whether ``retain_grad()`` asked to keep this non-leaf's gradient.",
    "is_floating_point": "Whether the dtype is a floating-point type.",
    "item": "The value of a one-element tensor as a Python number.",
    "tolist": "The elements as (nested) Python lists of numbers.",
    "numpy": "A NumPy array sharing this CPU tensor's memory (refused when it requires grad).",
    "masked_fill": "A copy with ``value`` where ``mask`` (broadcast) is True.",
    "max": "The maximum: of all elements, or ``(values, indices)`` over ``dim``, or the "
           "elementwise maximum with another tensor.",
    "min": "The minimum: of all elements, or ``(values, indices)`` over ``dim``, or the "
           "elementwise minimum with another tensor.",
    "new_empty": "An uninitialised tensor of the given size with this tensor's dtype and device.",
    "new_full": "A tensor of the given size filled with ``fill_value``, this dtype and device.",
    "new_ones": "A tensor of ones of the given size, with this tensor's dtype and device.",
    "new_zeros": "A tensor of zeros of the given size, with this tensor's dtype and device.",
    "new_tensor": "A tensor made from ``data`` with this tensor's dtype and device.",
    "norm": "The p-norm (2 by default) of all elements or over ``dim``.",
    "std": "Standard deviation over ``dim`` (or all), with Bessel's correction by default.",
    "var": "Variance over ``dim`` (or all), with Bessel's correction by default.",
    "permute": "A view with the dimensions in the given order.",
    "transpose": "A view with two dimensions swapped.",
    "swapaxes": "Alias of ``transpose``.",
    "t": "The transpose of a tensor of at most 2 dimensions (a view).",
    "reshape": "The same elements in a new shape (a view when the memory allows, else a copy).",
    "reshape_as": "``x.reshape(other.shape)``.",
    "view": "The same memory seen with a new shape (contiguous-compatible shapes only).",
    "view_as": "``x.view(other.size())``.",
    "size": "The shape as a ``torch.Size``, or the size of dimension ``dim``.",
    "squeeze": "A view without size-1 dimensions (or only ``dim``, if it has size 1).",
    "unsqueeze": "A view with a size-1 dimension inserted at ``dim``.",
}


def fill_table(cls) -> int:
    """Docstrings from METHOD_DOCS for what is still without one."""
    filled = 0
    for name, doc in METHOD_DOCS.items():
        obj = vars(cls).get(name)
        target = obj.fget if isinstance(obj, property) else obj
        if inspect.isfunction(target) and not target.__doc__:
            target.__doc__ = doc
            filled += 1
    return filled


# ``torch.X`` functions with no definition block behind them: creation, joining, random numbers
# and the default-dtype/seed settings.
FUNCTION_DOCS = {
    "arange": "``arange(start=0, end, step=1)``: values from start (inclusive) to end "
              "(exclusive); int64 for integer arguments, else the default float.",
    "linspace": "``linspace(start, end, steps)``: ``steps`` evenly spaced values, both ends "
                "included.",
    "empty": "An uninitialised tensor of the given size (default float dtype).",
    "empty_like": "An uninitialised tensor with ``input``'s shape, dtype and device.",
    "eye": "The ``n`` x ``m`` identity matrix.",
    "full": "A tensor of the given size filled with ``fill_value``.",
    "full_like": "A tensor shaped like ``input`` filled with ``fill_value``.",
    "ones": "A tensor of ones of the given size (``torch.ones(2, 3)``).",
    "ones_like": "A tensor of ones shaped like ``input``.",
    "zeros": "A tensor of zeros of the given size (``torch.zeros(2, 3)``).",
    "zeros_like": "A tensor of zeros shaped like ``input``.",
    "as_tensor": "``data`` as a tensor, sharing a NumPy array's memory when dtype and device "
                 "allow.",
    "rand": "Uniform random numbers in [0, 1) of the given size (from ``torch.manual_seed``).",
    "rand_like": "Uniform random numbers in [0, 1) shaped like ``input``.",
    "randn": "Standard normal random numbers of the given size (``torch.randn(64, 1000)``).",
    "randn_like": "Standard normal random numbers shaped like ``input``.",
    "randint": "``randint(low=0, high, size)``: random integers in [low, high), int64.",
    "randperm": "A random permutation of ``0..n-1`` (int64).",
    "normal": "Normal random numbers with the given ``mean`` and ``std`` (tensors or numbers).",
    "seed": "Seed the generator from the operating system's entropy; returns the seed.",
    "initial_seed": "The seed the default generator was last seeded with.",
    "get_default_dtype": "The dtype of new floating-point tensors (torch.float32 unless set).",
    "set_default_dtype": "Set the dtype of new floating-point tensors (float32 or float64).",
    "cat": "Join tensors along an existing dimension ``dim`` (all other sizes equal).",
    "concat": "Alias of ``torch.cat``.",
    "concatenate": "Alias of ``torch.cat``.",
    "stack": "Join tensors of one shape along a new dimension ``dim``.",
    "matmul": "Matrix product with NumPy's broadcasting rules (1-D operands are promoted and "
              "the added dimension removed); PyTorch's error for mismatched shapes.",
    "ger": "Alias of ``torch.outer``.",
    "swapdims": "Alias of ``torch.transpose``.",
    "std_mean": "``(std, mean)`` over ``dim`` (or all).",
    "var_mean": "``(var, mean)`` over ``dim`` (or all).",
    "is_tensor": "Whether ``obj`` is a dlcore_eager Tensor.",
    "typename": "The type name of a tensor (``'torch.FloatTensor'``) or of any object.",
}


# torch.nn.functional's losses and dropout (composites of the core's ops).
FUNCTIONAL_DOCS = {
    "mse_loss": "Mean squared error ``(input - target)**2``, reduced by ``reduction`` "
                "('mean', 'sum' or 'none').",
    "l1_loss": "Mean absolute error ``|input - target|``, reduced by ``reduction``.",
    "binary_cross_entropy": "``-(t log p + (1 - t) log(1 - p))`` for probabilities ``input``, "
                            "logs clamped at -100 as PyTorch does; reduced by ``reduction``.",
    "binary_cross_entropy_with_logits": "Binary cross-entropy of ``sigmoid(input)``, computed "
                                        "stably from the logits; ``pos_weight``, ``weight``.",
    "dropout": "In training, zero each element with probability ``p`` and scale the rest by "
               "``1 / (1 - p)``; the identity when ``training`` is False.",
}


def fill_functions(torch, cls) -> int:
    """Docstrings for the public ``torch.X`` functions still without one: the method's
    (``Tensor.X``) when there is one, else FUNCTION_DOCS."""
    filled = 0
    names = vars(torch)             # (not dir(): that lists bfloat16, whose getattr imports
    for name in sorted(names):      # ml_dtypes, see dlcore.dtypes)
        fn = names[name]
        if name.startswith("_") or not inspect.isfunction(fn) or fn.__doc__:
            continue
        doc = FUNCTION_DOCS.get(name)
        method = vars(cls).get(name)
        if doc is None and inspect.isfunction(method) and method.__doc__:
            doc = f"Function form of ``Tensor.{name}`` (``torch.{name}(input, ...)``): " \
                  f"{method.__doc__}"
        if doc:
            fn.__doc__ = doc
            filled += 1
    functional = torch.nn.functional
    for name, doc in FUNCTIONAL_DOCS.items():
        fn = getattr(functional, name, None)
        if inspect.isfunction(fn) and not fn.__doc__:
            fn.__doc__ = doc
            filled += 1
    return filled
