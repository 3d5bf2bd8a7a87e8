"""``torch.autograd.functional``: ``vjp``, ``jvp``, ``jacobian``, ``hessian``, ``vhp``, ``hvp``
of a Python function of tensors, written as PyTorch writes them on top of ``autograd.grad``.

``inputs`` is a tensor or a tuple of tensors, and so is what ``func`` returns; each result
keeps that structure (a tuple only where the inputs or outputs were a tuple).  ``jvp`` and
``hvp`` use the double-backward trick: the vjp ``g(u) = J^T u`` is linear in ``u``, so
differentiating ``<g(u), 1>`` with respect to ``u`` against ``v`` gives ``J v`` without forward
mode.  Results are cut from the tape unless ``create_graph=True``; ``strict=True`` raises where
an output does not depend on an input (instead of returning zeros).  ``vectorize=True`` gives
the same values by the same loop (PyTorch batches it with vmap); Jacobians by forward mode
need it, as in PyTorch.
"""

from __future__ import annotations

import builtins

from dlcore import ops as _ops

from ..tensor import Tensor
from .engine import grad as _grad
from .grad_mode import enable_grad, is_grad_enabled, set_grad_enabled

__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]


def _as_tuple(inp, arg_name: str, fn_name: str) -> tuple[builtins.bool, tuple]:
    is_tuple = isinstance(inp, tuple)
    items = inp if is_tuple else (inp,)
    for i, el in enumerate(items):
        if not isinstance(el, Tensor):
            if is_tuple:
                raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a "
                                f"tuple of Tensors but the value at index {i} has type "
                                f"{type(el)}.")
            raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a "
                            f"tuple of Tensors but the given {arg_name} has type {type(el)}.")
    return is_tuple, tuple(items)


def _tuple_post(res, to_unpack):
    if isinstance(to_unpack, tuple):
        outs_tuple, ins_tuple = to_unpack
        if not ins_tuple:
            res = tuple(el[0] for el in res)
        if not outs_tuple:
            res = res[0]
        return res
    return res if to_unpack else res[0]


def _preprocess(inputs: tuple, create_graph: builtins.bool, need_graph: builtins.bool) -> tuple:
    """This call's differentiable copies: a view of an input that already requires grad when
    the graph is kept (so outer graphs see through it), a detached leaf otherwise."""
    out = []
    for inp in inputs:
        if create_graph and inp.requires_grad:
            out.append(inp.view_as(inp))
        else:
            out.append(inp.detach().requires_grad_(need_graph))
    return tuple(out)


def _postprocess(res, create_graph: builtins.bool):
    if isinstance(res, Tensor):
        return res if create_graph else res.detach()
    return tuple(_postprocess(r, create_graph) for r in res)


def _validate_v(v: tuple, other: tuple, is_other_tuple: builtins.bool) -> None:
    if len(other) != len(v):
        if is_other_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(other)} but got "
                               f"{len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for idx, (el_v, el_other) in enumerate(zip(v, other)):
        if el_v.size() != el_other.size():
            prepend = f"Entry {idx} in " if is_other_tuple else ""
            raise RuntimeError(f"{prepend}v has invalid size: should be {el_other.size()} but "
                               f"got {el_v.size()}.")


_NOT_DIFFERENTIABLE = {
    "outputs": "Output {} of the user-provided function does not require gradients. The outputs "
               "must be computed in a differentiable manner from the input when running in "
               "strict mode.",
    "grad_inputs": "The gradient with respect to input {} is independent of the inputs of the "
                   "user-provided function. This is not allowed in strict mode.",
    "jacobian": "While computing the hessian, found that the jacobian of the user-provided "
                "function with respect to input {} is independent of the input. This is not "
                "allowed in strict mode. You should ensure that your function is twice "
                "differentiable and that the jacobian depends on the inputs (this would be "
                "violated by a linear function for example).",
    "hessian": "The hessian of the user-provided function with respect to input {} is "
               "independent of the input. This is not allowed in strict mode. You should "
               "ensure that your function is thrice differentiable and that the hessian "
               "depends on the inputs.",
}


def _check_requires_grad(values: tuple, kind: str, strict: builtins.bool) -> None:
    if not strict:
        return
    for i, v in enumerate(values):
        if v is None:
            raise RuntimeError(f"The output of the user-provided function is independent of "
                               f"input {i}. This is not allowed in strict mode.")
        if not v.requires_grad:
            raise RuntimeError(_NOT_DIFFERENTIABLE[kind].format(i))


def _autograd_grad(outputs: tuple, inputs: tuple, grad_outputs=None,
                   create_graph: builtins.bool = False, retain_graph=None) -> tuple:
    """``autograd.grad`` over the outputs that require grad (None for inputs they do not
    reach; all None when none does)."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    return tuple(_grad([o for o, _ in pairs], list(inputs), [g for _, g in pairs],
                       allow_unused=True, create_graph=create_graph,
                       retain_graph=create_graph if retain_graph is None else retain_graph))


_INDEPENDENT = {
    "back": "The output of the user-provided function is independent of input {}. This is not "
            "allowed in strict mode.",
    "back_trick": "The gradient with respect to the input is independent of entry {} in the "
                  "grad_outputs when using the double backward trick to compute forward mode "
                  "gradients. This is not allowed in strict mode.",
    "double_back": "The jacobian of the user-provided function is independent of input {}. "
                   "This is not allowed in strict mode.",
    "double_back_trick": "The hessian of the user-provided function is independent of entry {} "
                         "in the grad_jacobian. This is not allowed in strict mode as it "
                         "prevents from using the double backward trick to replace forward "
                         "mode AD.",
}


def _fill_in_zeros(grads: tuple, refs: tuple, strict: builtins.bool,
                   create_graph: builtins.bool, stage: str) -> tuple:
    out = []
    for i, (g, ref) in enumerate(zip(grads, refs)):
        if g is None:
            if strict:
                raise RuntimeError(_INDEPENDENT[stage].format(i))
            g = _ops.zeros_like(ref.detach())
        elif strict and create_graph and not g.requires_grad:
            what = "jacobian" if "double" not in stage else "hessian"
            raise RuntimeError(f"The {what} of the user-provided function is independent of "
                               f"input {i}. This is not allowed in strict mode when "
                               "create_graph=True.")
        out.append(g)
    return tuple(out)


def _zeros_requiring_grad(like: Tensor) -> Tensor:
    return _ops.zeros_like(like.detach()).requires_grad_(True)


def vjp(func, inputs, v=None, create_graph: builtins.bool = False,
        strict: builtins.bool = False):
    """``(func(inputs), v^T J)``; ``v`` may be omitted when ``func`` returns one element."""
    with enable_grad():
        is_inputs_tuple, ins = _as_tuple(inputs, "inputs", "vjp")
        ins = _preprocess(ins, create_graph, True)
        outputs = func(*ins)
        is_outputs_tuple, outs = _as_tuple(outputs, "outputs of the user-provided function",
                                           "vjp")
        _check_requires_grad(outs, "outputs", strict)
        vs = None
        if v is not None:
            vs = _preprocess(_as_tuple(v, "v", "vjp")[1], create_graph, False)
            _validate_v(vs, outs, is_outputs_tuple)
        elif len(outs) != 1 or outs[0].nelement() != 1:
            raise RuntimeError("The vector v can only be None if the user-provided function "
                               "returns a single Tensor with a single element.")
    with set_grad_enabled(True if create_graph else is_grad_enabled()):
        res = _fill_in_zeros(_autograd_grad(outs, ins, vs, create_graph), ins, strict,
                             create_graph, "back")
    return (_tuple_post(_postprocess(outs, create_graph), is_outputs_tuple),
            _tuple_post(_postprocess(res, create_graph), is_inputs_tuple))


def jvp(func, inputs, v=None, create_graph: builtins.bool = False,
        strict: builtins.bool = False):
    """``(func(inputs), J v)`` by the double-backward trick; ``v`` may be omitted when the
    input is one element."""
    with enable_grad():
        is_inputs_tuple, ins = _as_tuple(inputs, "inputs", "jvp")
        ins = _preprocess(ins, create_graph, True)
        vs = None
        if v is not None:
            vs = _preprocess(_as_tuple(v, "v", "jvp")[1], create_graph, False)
            _validate_v(vs, ins, is_inputs_tuple)
        elif len(ins) != 1 or ins[0].nelement() != 1:
            raise RuntimeError("The vector v can only be None if the input to the "
                               "user-provided function is a single Tensor with a single "
                               "element.")
        outputs = func(*ins)
        is_outputs_tuple, outs = _as_tuple(outputs, "outputs of the user-provided function",
                                           "jvp")
        _check_requires_grad(outs, "outputs", strict)
        grad_outputs = tuple(_zeros_requiring_grad(o) for o in outs)
        grad_inputs = _autograd_grad(outs, ins, grad_outputs, create_graph=True)
        _check_requires_grad(grad_inputs, "grad_inputs", strict)
    with set_grad_enabled(True if create_graph else is_grad_enabled()):
        res = _fill_in_zeros(_autograd_grad(grad_inputs, grad_outputs, vs, create_graph), outs,
                             strict, create_graph, "back_trick")
    return (_tuple_post(_postprocess(outs, create_graph), is_outputs_tuple),
            _tuple_post(_postprocess(res, create_graph), is_outputs_tuple))


def jacobian(func, inputs, create_graph: builtins.bool = False, strict: builtins.bool = False,
             vectorize: builtins.bool = False, strategy: str = "reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: for each output and input, a tensor of shape
    ``output.shape + input.shape`` (nested tuples where outputs or inputs are tuples)."""
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or '
                             '"reverse-mode". Hint: If your function has more outputs than '
                             'inputs, "forward-mode" tends to be more performant. Otherwise, '
                             'prefer to use "reverse-mode".')
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError('torch.autograd.functional.jacobian: `create_graph=True` '
                                      'and `strategy="forward-mode"` are not supported together '
                                      '(yet). Please either set `create_graph=False` or '
                                      '`strategy="reverse-mode"`.')
        if not vectorize:
            raise NotImplementedError("Computing Jacobian using forward-AD or forward-over-"
                                      "reverse Hessian isonly implemented for `vectorize=True`.")
            # (sic: PyTorch's message lacks the space)
    with enable_grad():
        is_inputs_tuple, ins = _as_tuple(inputs, "inputs", "jacobian")
        ins = _preprocess(ins, create_graph, True)
        outputs = func(*ins)
        is_outputs_tuple, outs = _as_tuple(outputs, "outputs of the user-provided function",
                                           "jacobian")
        _check_requires_grad(outs, "outputs", strict)
        if vectorize and strict:
            raise RuntimeError("torch.autograd.functional.jacobian: `strict=True` and "
                               "`vectorized=True` are not supported together. Please either "
                               "set `strict=False` or `vectorize=False`.")
        jac: tuple = ()
        for i, out in enumerate(outs):
            rows: tuple[list, ...] = tuple([] for _ in ins)
            flat = out.reshape(-1)
            for j in range(out.nelement()):
                vj = _autograd_grad((flat[j],), ins, retain_graph=True,
                                    create_graph=create_graph)
                for k, (g, inp) in enumerate(zip(vj, ins)):
                    if g is not None and strict and create_graph and not g.requires_grad:
                        raise RuntimeError(f"The jacobian of the user-provided function is "
                                           f"independent of input {i}. This is not allowed in "
                                           "strict mode when create_graph=True.")
                    if g is None:
                        if strict:
                            raise RuntimeError(f"Output {i} of the user-provided function is "
                                               f"independent of input {k}. This is not allowed "
                                               "in strict mode.")
                        g = _ops.zeros_like(inp.detach())
                    rows[k].append(g)
            jac += (tuple(_ops.stack(r, 0).reshape(tuple(out.size()) + tuple(inp.size())) if r else
                          _ops.zeros_like(inp.detach()).reshape(
                              (0,) + tuple(inp.size()))
                          for r, inp in zip(rows, ins)),)
        return _tuple_post(_postprocess(jac, create_graph), (is_outputs_tuple, is_inputs_tuple))


def hessian(func, inputs, create_graph: builtins.bool = False, strict: builtins.bool = False,
            vectorize: builtins.bool = False, outer_jacobian_strategy: str = "reverse-mode"):
    """The Hessian of a function returning one element: shape ``input.shape + input.shape``
    (a tuple of tuples for a tuple of inputs)."""
    is_inputs_tuple, ins = _as_tuple(inputs, "inputs", "hessian")

    def single_output(*inp):
        out = func(*inp)
        is_out_tuple, t_out = _as_tuple(out, "outputs of the user-provided function", "hessian")
        _check_requires_grad(t_out, "outputs", strict)
        if is_out_tuple or not isinstance(out, Tensor):
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if out.nelement() != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should "
                               "contain a single element")
        return out.squeeze()

    def jac_func(*inp):
        jac = jacobian(single_output, inp, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict)
        return jac
    res = jacobian(jac_func, ins, create_graph=create_graph, strict=strict, vectorize=vectorize,
                   strategy=outer_jacobian_strategy)
    return _tuple_post(res, (is_inputs_tuple, is_inputs_tuple))


def _second_order(name: str, func, inputs, v, create_graph, strict):
    with enable_grad():
        is_inputs_tuple, ins = _as_tuple(inputs, "inputs", name)
        ins = _preprocess(ins, create_graph, True)
        vs = None
        if v is not None:
            vs = _preprocess(_as_tuple(v, "v", name)[1], create_graph, False)
            _validate_v(vs, ins, is_inputs_tuple)
        elif len(ins) != 1 or ins[0].nelement() != 1:
            raise RuntimeError("The vector v can only be None if the input to the "
                               "user-provided function is a single Tensor with a single "
                               "element.")
        outputs = func(*ins)
        is_outputs_tuple, outs = _as_tuple(outputs, "outputs of the user-provided function",
                                           name)
        _check_requires_grad(outs, "outputs", strict)
        if is_outputs_tuple or not isinstance(outs[0], Tensor):
            raise RuntimeError(f"The function given to {name} should return a single Tensor")
        if outs[0].nelement() != 1:
            raise RuntimeError(f"The Tensor returned by the function given to {name} should "
                               "contain a single element")
        jac = _autograd_grad(outs, ins, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict)
        if name == "hvp":                      # the double-backward trick
            grad_jac = tuple(_zeros_requiring_grad(i) for i in ins)
            double_back = _autograd_grad(jac, ins, grad_jac, create_graph=True)
            _check_requires_grad(jac, "hessian", strict)
    with set_grad_enabled(True if create_graph else is_grad_enabled()):
        if name == "hvp":
            res = _fill_in_zeros(_autograd_grad(double_back, grad_jac, vs, create_graph), ins,
                                 strict, create_graph, "double_back_trick")
        else:
            res = _fill_in_zeros(_autograd_grad(jac, ins, vs, create_graph), ins, strict,
                                 create_graph, "double_back")
    return (_tuple_post(_postprocess(outs, create_graph), is_outputs_tuple),
            _tuple_post(_postprocess(res, create_graph), is_inputs_tuple))


def vhp(func, inputs, v=None, create_graph: builtins.bool = False,
        strict: builtins.bool = False):
    """``(func(inputs), v^T H)`` for a function returning one element."""
    return _second_order("vhp", func, inputs, v, create_graph, strict)


def hvp(func, inputs, v=None, create_graph: builtins.bool = False,
        strict: builtins.bool = False):
    """``(func(inputs), H v)`` for a function returning one element (double-backward trick)."""
    return _second_order("hvp", func, inputs, v, create_graph, strict)
