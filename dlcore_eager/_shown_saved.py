"""PyTorch's ``grad_fn._saved_*`` of a composite's node (outside ``saved_tensors_hooks``).

dlcore computes ``F.silu``, ``F.gelu``, ``var``, ``std``, ``logsumexp``, ``F.mish``,
``F.hardswish`` and ``F.hardsigmoid`` as several primitives; the last one's node carries
PyTorch's name (``_graph.labelled``), but its saved tensors were that primitive's (silu's
mul: ``_saved_other`` the sigmoid, gelu's ``_saved_self`` ``x / 2``; var's none).  ``show``
gives the node what PyTorch's node of the function saves, in its ``shown`` slot (a dict):

* ``self``: the function's input (``_saved_self``; the tensor itself, as PyTorch returns it),
  with its version when called: read after an in-place change, PyTorch's RuntimeError;
* ``result``: True where PyTorch saves the output (std, logsumexp): ``_saved_result`` is the
  node's own output;
* the non-tensor arguments: ``_saved_dim`` (a tuple, negative dims as unsigned 64-bit values,
  None for all), ``_saved_keepdim``, ``_saved_correction`` (None for a call given neither dim
  nor correction), ``_saved_approximate``.

``_saved_hooks._saved_attr`` reads ``shown`` first: a name it lacks is an AttributeError
(``SiluBackward0._saved_other``, as PyTorch's), and once backward has freed the node, PyTorch's
"backward through the graph a second time" RuntimeError.  Under ``saved_tensors_hooks`` the
composites make one node of their own instead (``_saved_composites``).  The cost: one dict per
labelled call, and the input referenced until the node goes (the composite's first nodes
reference it until backward anyway).
"""

from __future__ import annotations

from ._graph import ERR_BACKWARD_TWICE, Node, TapeNode, shown_name
from .tensor import _make, stale_tensor

#: PyTorch's names whose node ``show`` completes from a ``_labelling`` call: saves the result?
LABELS = {"SiluBackward0": False, "GeluBackward0": False, "LogsumexpBackward0": True,
          "MishBackward0": False, "HardswishBackward0": False,
          "HardsigmoidBackward0": False}

#: F.<name>: (its parameters after ``input`` that PyTorch's node saves, with defaults: the
#: value as called is shown, an int stays an int), the values its node shows besides
ACTIVATIONS: dict = {
    "elu": ((("alpha", 1.0),), {"scale": 1, "input_scale": 1}),
    "selu": ((), {"alpha": 1.6732632423543772, "scale": 1.0507009873554805,
                  "input_scale": 1}),
    "celu": ((("alpha", 1.0),), {}),
    "leaky_relu": ((("negative_slope", 0.01),), {}),
    "hardtanh": ((("min_val", -1.0), ("max_val", 1.0)), {}),
    "relu6": ((), {"min_val": 0, "max_val": 6}),
    "threshold": ((("threshold", None),), {}),
    "softplus": ((("beta", 1), ("threshold", 20)), {}),
    "softshrink": ((("lambd", 0.5),), {}),
    "hardshrink": ((("lambd", 0.5),), {}),
    "glu": ((("dim", -1),), {"scalar_dim": True}),            # (_saved_dim an int, not a tuple)
    "logsigmoid": ((), {"buffer": True}),                      # (exp(-|x|), made when read)
    "prelu": ((("weight", None),), {}),                        # (a view: _prelu_weight)
}
#: in place, PyTorch's node of these saves its result, not its input (EluBackward1, ...)
INPLACE_RESULT = frozenset({"elu", "selu", "celu", "leaky_relu"})

PARAMS = ("dim", "keepdim", "correction", "approximate", "alpha", "scale", "input_scale",
          "negative_slope", "min_val", "max_val", "threshold", "beta", "lower", "upper",
          "training", "noise", "result0", "lambd", "buffer", "weight")


def show(out, x, result: bool = False, keeps_self: bool = True, **params):
    """``out`` whose node (labelled, made for it) shows ``x`` as ``_saved_self`` (unless not
    ``keeps_self``), its own output as ``_saved_result`` when ``result``, and ``params``;
    ``out`` unchanged otherwise (no node, an input's node, or saved_tensors_hooks' own
    node)."""
    node = getattr(out, "_node", None)
    if isinstance(node, Node) and node is not getattr(x, "_node", None) and \
            getattr(node, "label", None) is not None:
        node.shown = {"self": x if keeps_self else None, "version": x._vc[0],
                      "result": result, **params}
    return out


def activation(name: str, out, x, args: tuple, kwargs: dict, inplace: bool = False):
    """``show`` for ``F.<name>(x, *args, **kwargs)`` of ``ACTIVATIONS`` (``args``: after
    ``x``)."""
    params, fixed = ACTIVATIONS[name]
    shown = dict(fixed)
    for i, (k, default) in enumerate(params):
        shown[k] = args[i] if len(args) > i else kwargs.get(k, default)
    res = inplace and name in INPLACE_RESULT
    return show(out, x, res, not res, **shown)


def from_call(label: str, out, x, args: tuple, kwargs: dict, name: str | None = None):
    """``show`` for ``_labelling``'s call of ``F.silu``/``F.gelu``/``logsumexp``/... (``x``:
    its input; the arguments after it give gelu's ``approximate``, logsumexp's dim and
    keepdim; ``name``: the function, for ``ACTIVATIONS``)."""
    if name is not None and name in ACTIVATIONS:
        return activation(name, out, x, args[1:], kwargs)
    if label == "GeluBackward0":
        a = args[1] if len(args) > 1 else kwargs.get("approximate", "none")
        return show(out, x, approximate=a)
    if label == "LogsumexpBackward0":
        dim = args[1] if len(args) > 1 else kwargs.get("dim")
        keepdim = args[2] if len(args) > 2 else kwargs.get("keepdim", False)
        return show(out, x, True, dim=dim, keepdim=bool(keepdim))
    return show(out, x, LABELS[label])


def show_var(out, x, std: bool, dim, keepdim, corr, correction, unbiased, result0=None):
    """``show`` for ``var``/``std`` (``corr``: the correction used; PyTorch's node shows
    None for a call given neither dim nor correction nor ``unbiased=False``).  ``result0``:
    std_mean's std, PyTorch's ``_saved_result0`` of its one node (both outputs' here)."""
    given = correction if correction is not None else (None if unbiased else 0)
    more = {} if result0 is None else {"result0": result0}
    return show(out, x, std, dim=dim, keepdim=bool(keepdim),
                correction=None if dim is None and given is None else corr, **more)


def _dims(v):
    if v is None:
        return None
    if isinstance(v, (list, tuple)):
        if not v:
            return None
        return tuple(int(d) % 2 ** 64 for d in v)
    return (int(v) % 2 ** 64,)


def attr(node, shown: dict, what: str):
    """``node._saved_<what>`` from its ``shown`` record (a tensor: PyTorch's errors once
    backward freed it or an in-place change made it stale; the other values stay)."""
    if what in ("self", "result", "result0"):
        has = shown.get("self") is not None if what == "self" else \
            bool(shown.get("result")) if what == "result" else what in shown
        if not has:                     # (before the freed test: dir(grad_fn) after backward)
            raise AttributeError(f"'{shown_name(node)}' object has no attribute '_saved_{what}'")
        if node.inputs is None:
            raise RuntimeError(ERR_BACKWARD_TWICE)
    if what == "self":
        x = shown["self"]
        if x is None:
            raise AttributeError(f"'{shown_name(node)}' object has no attribute '_saved_self'")
        if x._vc[0] != shown["version"]:
            raise RuntimeError(stale_tensor(x, shown["version"], None, current=True)._msg)
        return x
    if what == "result":
        if shown["result"]:
            if node.out_version[0] != node.out_ver0:
                raise RuntimeError(stale_tensor(_make(node.out_buf, node.out_version),
                                                node.out_ver0, node)._msg)
            return _make(node.out_buf, node.out_version, node)
    elif what in shown:
        if what == "result0" and shown[what] is True:         # (the node's own output)
            return _make(node.out_buf, node.out_version, node)
        if what == "buffer":
            return _logsigmoid_buffer(node, shown)
        if what == "weight":
            return _prelu_weight(node, shown)
        if what == "dim" and shown.get("scalar_dim"):
            return int(shown[what]) % 2 ** 64
        return _dims(shown[what]) if what == "dim" else shown[what]
    raise AttributeError(f"'{shown_name(node)}' object has no attribute '_saved_{what}'")


def _logsigmoid_buffer(node, shown: dict):
    """LogSigmoidBackward0's ``_saved_buffer``: ``exp(-|x|)`` of the input (PyTorch's CPU
    forward keeps it for the backward), a tensor without history; computed from the input
    when read (an input changed in place since: PyTorch's version error, as ``_saved_self``)."""
    return attr(node, shown, "self").detach().abs().neg().exp()


def _prelu_weight(node, shown: dict):
    """PreluKernelBackward0's ``_saved_weight``: the weight viewed as ``[1, C, 1, ...]``
    against the input (``[1] * ndim`` and one element; a 1-d input's weight as it is), as
    PyTorch's ``prelu`` views it before its kernel (so a ViewBackward0 of the weight when it
    requires grad)."""
    if node.inputs is None:
        raise RuntimeError(ERR_BACKWARD_TWICE)
    w = shown["weight"]
    x = shown["self"]
    nd = x.dim()
    if nd == 1:
        return w
    shape = [1] * nd
    if nd >= 2:
        shape[1] = w.numel()
    return w.view(shape)


#: softmax's and log_softmax's node of a call with a negative dim: that dim as PyTorch's
#: ``_saved_dim`` shows it (the primitive keeps the normalised axis); its tensors are the
#: primitive's own (``prim_saved``: ``_saved_hooks._saved_attr`` reads them as usual)
_NEGATIVE_DIMS: dict = {}


def negative_dim(dim: int) -> dict:
    """The (shared, read-only) ``shown`` record of a softmax node called with ``dim < 0``."""
    rec = _NEGATIVE_DIMS.get(dim)
    if rec is None:
        rec = _NEGATIVE_DIMS[dim] = {"dim": dim, "scalar_dim": True, "prim_saved": True}
    return rec


_SOFTMAXES = frozenset({"softmax", "log_softmax"})
#: id(params) -> (params, dim): the lane's plans of softmax calls with a negative dim (made
#: once per plan, kept as the plans are): their nodes share that params dict, so the call's
#: dim is found from the node at no cost to the call
_PLAN_DIMS: dict = {}


def plan_dim(params: dict, dim: int) -> dict:
    """``params`` (a lane plan's, for a softmax over ``dim < 0``), remembered with ``dim``."""
    _PLAN_DIMS[id(params)] = (params, dim)
    return params


def _softmax_dim(node) -> int:
    params = node.params
    rec = _PLAN_DIMS.get(id(params))
    if rec is not None and rec[0] is params:
        return rec[1] % 2 ** 64
    return params["axis"]


def _param_getter(what: str):
    def get(node):
        shown = getattr(node, "shown", None)
        if shown is None:
            if what == "dim" and node.prim.name in _SOFTMAXES:
                return _softmax_dim(node)
            if what == "negative_slope" and node.prim.name == "leaky_relu" and \
                    node.name().startswith("LeakyRelu"):
                return node.params["alpha"]         # (F.leaky_relu's lane: no label)
            raise AttributeError(f"'{shown_name(node)}' object has no attribute '_saved_{what}'")
        return attr(node, shown, what)
    return get


for _what in PARAMS:
    setattr(Node, "_saved_" + _what, property(
        _param_getter(_what), doc=f"PyTorch's ``grad_fn._saved_{_what}`` of a composite."))


def _has(node, name: str) -> bool:
    try:
        getattr(node, name)
    except AttributeError:
        return False
    except RuntimeError:                # (freed by backward, or stale: the node has it)
        return True
    return True


def _node_dir(node) -> list:
    """``dir(grad_fn)`` as PyTorch's: the ``_saved_*`` names this node has, not every one
    its class defines (``[a for a in dir(y.grad_fn) if a.startswith('_saved')]``)."""
    return [n for n in object.__dir__(node) if not n.startswith("_saved_") or _has(node, n)]


TapeNode.__dir__ = _node_dir            # type: ignore[method-assign,assignment]
