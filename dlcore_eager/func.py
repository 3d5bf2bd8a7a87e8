"""``torch.func``: composable function transforms, built on dlcore_eager's tape.

* ``grad(f)``/``grad_and_value(f)``: the gradient of a scalar-valued ``f`` with respect to the
  ``argnums`` arguments (each a tensor or a tuple/list/dict of tensors);
* ``vjp(f, *primals)``: ``f``'s output and a function mapping cotangents to gradients;
* ``jvp(f, primals, tangents)``: forward-mode products, computed by the *double-vjp* trick: for
  ``y = f(x)`` the vjp ``g(u) = J^T u`` is linear in ``u``, so ``J t = d<g(u), t>/du``;
* ``jacrev``/``jacfwd``: Jacobians row by row (vjps of one-hot cotangents) or column by column
  (jvps of one-hot tangents); ``hessian(f) = jacfwd(jacrev(f))``;
* ``vmap(f)``: ``f`` mapped over a batch dimension.  It runs ``f`` once per sample (a Python
  loop) and stacks the results along ``out_dims``: the values of PyTorch's vectorised version,
  not its speed.  ``randomness``: ``'error'`` raises PyTorch's error when ``f`` draws from the
  default generator, ``'different'`` draws independently per sample, ``'same'`` restores the
  generator's state before each sample so every sample draws the same values.  Unlike PyTorch,
  ``f`` may call ``.item()`` on a sample; with ``chunk_size`` the loop is the same;
* ``functional_call(module, params_and_buffers, args)``: ``module`` called with the given
  tensors in place of its parameters and buffers (restored afterwards, also on an error);
  ``stack_module_state(models)`` stacks same-class models' parameters and buffers for it.

Levels.  Each transform runs ``f`` one *level* deeper.  Inside a level, an input that an outer
level tracks is aliased by a recorded identity, so the inner gradient is taken with respect to
this level's input alone (closures over the outer input are constants here) and the result
stays differentiable for the outer level (``create_graph``).  At the outermost level the
results are cut from the tape, as PyTorch's are when nothing outside records; unlike PyTorch,
they are also cut from tensors that the caller's own autograd records (closures over a
``requires_grad`` parameter): use ``torch.autograd.grad`` for that.
"""

# ruff: noqa: TRY004  (PyTorch's error types: RuntimeError/ValueError where it raises them)
from __future__ import annotations

import builtins
from collections.abc import Callable

import numpy as np

from dlcore import ops as _ops

from ._pytree import _flatten, _unflatten
from .autograd import enable_grad
from .autograd.forward_ad import _check_linear
from .autograd import grad as _autograd_grad
from .autograd._buffer_pass import ORDERS as _ORDERS
from .tensor import Tensor

__all__ = ["functional_call", "grad", "grad_and_value", "hessian", "jacfwd", "jacrev", "jvp",
           "stack_module_state", "vjp", "vmap"]

_LEVEL = [0]


# ----------------------------------------------------------------------------- levels
class _Level:
    def __enter__(self):
        self.outer = _LEVEL[0]
        _LEVEL[0] += 1
        self.grad = enable_grad()
        self.grad.__enter__()
        return self

    def __exit__(self, *exc):
        self.grad.__exit__(*exc)
        _LEVEL[0] -= 1


def _track(x):
    """This level's differentiable copy of an input tensor."""
    if not isinstance(x, Tensor):
        raise ValueError(f"Thing passed to transform API must be Tensor, got {type(x)}")
    if x.requires_grad:
        return _ops.identity(x)
    return x.detach().requires_grad_(True)


def _grads(outputs, inputs, cotangents, create_graph: builtins.bool) -> list:
    """d<outputs, cotangents>/d inputs, zeros where an input is unused."""
    pairs = [(o, c) for o, c in zip(outputs, cotangents) if o.requires_grad]
    if not pairs:
        res = [None] * len(inputs)
    else:
        res = list(_autograd_grad([o for o, _ in pairs], inputs, [c for _, c in pairs],
                                  retain_graph=True, create_graph=create_graph,
                                  allow_unused=True))
    out = []
    for r, x in zip(res, inputs):
        r = x.detach() * 0 if r is None else r
        out.append(r if create_graph else r.detach())
    return out


def _cut(tree, outer: builtins.int):
    """At the outermost level, results leave the tape."""
    if outer:
        return tree
    leaves, spec = _flatten(tree)
    return _unflatten(spec, [v.detach() if isinstance(v, Tensor) else v for v in leaves])


def _argnums(argnums, n: builtins.int):
    nums = (argnums,) if isinstance(argnums, builtins.int) else tuple(argnums)
    if not nums:
        raise RuntimeError("argnums must be non-empty")
    for a in nums:
        if not isinstance(a, builtins.int):
            raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(a)}")
        if not -n <= a < n:
            raise RuntimeError(f"Got argnum={a}, but only {n} positional inputs")
    return nums


def _check_aux(aux):
    for leaf in _flatten(aux)[0]:
        if not isinstance(leaf, Tensor):
            raise RuntimeError(f"Expected tensors, got unsupported type {type(leaf)}")


# ----------------------------------------------------------------------------- grad
def grad_and_value(func: Callable, argnums=0, has_aux: builtins.bool = False) -> Callable:
    """``(gradient, value)`` of a function returning a scalar tensor; with ``has_aux`` the
    function returns ``(value, aux)`` and this ``(gradient, (value, aux))``, as PyTorch's."""
    def wrapper(*args, **kwargs):
        nums = _argnums(argnums, len(args))
        with _Level() as lv:
            call = list(args)
            specs, tracked = [], []
            for a in nums:
                leaves, spec = _flatten(call[a])
                t = [_track(v) for v in leaves]
                call[a] = _unflatten(spec, t)
                specs.append(spec)
                tracked.append(t)
            out = func(*call, **kwargs)
            aux = None
            if has_aux:
                if not (isinstance(out, tuple) and len(out) == 2):
                    raise RuntimeError("grad_and_value(f)(*args): output of function f should "
                                       "be a tuple: (output, aux) if has_aux is True")
                out, aux = out
                _check_aux(aux)
            if not isinstance(out, Tensor):
                raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a "
                                   f"Tensor, got {type(out)}")
            if out.dim() != 0:
                raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a "
                                   f"scalar Tensor, got tensor with {out.dim()} dims. Maybe you "
                                   "wanted to use the vjp or jacrev APIs instead?")
            flat = [v for t in tracked for v in t]
            g = _grads([out], flat, [_ops.ones_like(out)], create_graph=lv.outer > 0)
            grads, i = [], 0
            for spec, t in zip(specs, tracked):
                grads.append(_unflatten(spec, g[i:i + len(t)]))
                i += len(t)
            result = grads[0] if isinstance(argnums, builtins.int) else tuple(grads)
            value = _cut(out, lv.outer)
            if has_aux:
                return result, (value, _cut(aux, lv.outer))
            return result, value
    return wrapper


def grad(func: Callable, argnums=0, has_aux: builtins.bool = False) -> Callable:
    """The gradient of a scalar-valued ``func`` with respect to its ``argnums`` inputs
    (``(gradient, aux)`` with ``has_aux``)."""
    gv = grad_and_value(func, argnums, has_aux)

    def wrapper(*args, **kwargs):
        g, value = gv(*args, **kwargs)
        return (g, value[1]) if has_aux else g
    return wrapper


# ----------------------------------------------------------------------------- vjp / jvp
def vjp(func: Callable, *primals, has_aux: builtins.bool = False):
    """``(func(*primals), vjp_fn)``; ``vjp_fn(cotangents)`` returns a tuple with one gradient
    (structure of that primal) per primal.  With ``has_aux``: ``(output, vjp_fn, aux)``."""
    with _Level() as lv:
        specs, tracked, args = [], [], []
        for p in primals:
            leaves, spec = _flatten(p)
            t = [_track(v) for v in leaves]
            specs.append(spec)
            tracked.append(t)
            args.append(_unflatten(spec, t))
        out = func(*args)
        aux = None
        if has_aux:
            if not (isinstance(out, tuple) and len(out) == 2):
                raise RuntimeError("vjp(f, *primals): output of function f should be a tuple: "
                                   "(output, aux) if has_aux is True")
            out, aux = out
            _check_aux(aux)
        out_leaves = _flatten(out)[0]
        for o in out_leaves:
            if not isinstance(o, Tensor):
                raise RuntimeError(f"vjp(f, *primals): Expected f(*primals) to return only "
                                   f"tensors, got unsupported type {type(o)}")
    outer = lv.outer
    flat_in = [v for t in tracked for v in t]
    orders: dict = {}                   # (the graph's sort, once: _buffer_pass.ORDERS)

    def vjp_fn(cotangents, *, retain_graph=True, create_graph=None):
        cots = _flatten(cotangents)[0]
        if len(cots) != len(out_leaves):
            raise RuntimeError(f"Expected pytree structure of cotangents to be the same as "
                               f"pytree structure of outputs to the function. cotangents: "
                               f"{len(cots)} tensors, primal output: {len(out_leaves)} tensors")
        for i, (c, o) in enumerate(zip(cots, out_leaves)):
            if tuple(c.shape) != tuple(o.shape):
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                                   f"{c.shape} and output[{i}] has a shape of {o.shape}.")
        graph = outer > 0 or any(c.requires_grad for c in cots) if create_graph is None \
            else create_graph
        token = _ORDERS.set(orders)
        try:
            with enable_grad():
                g = _grads(out_leaves, flat_in, cots, create_graph=graph)
        finally:
            _ORDERS.reset(token)
        res, i = [], 0
        for spec, t in zip(specs, tracked):
            res.append(_unflatten(spec, g[i:i + len(t)]))
            i += len(t)
        return tuple(res)
    output = _cut(out, outer)
    return (output, vjp_fn, _cut(aux, outer)) if has_aux else (output, vjp_fn)


def jvp(func: Callable, primals, tangents, *, strict: builtins.bool = False,
        has_aux: builtins.bool = False):
    """``(func(*primals), J @ tangents)`` (with ``has_aux``: ``(output, jvp_out, aux)``),
    computed as the vjp of a vjp (see the module docstring)."""
    if not isinstance(primals, tuple):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals to be a tuple. E.g. it "
                           "should be valid to call f(*primals).")
    if not isinstance(tangents, tuple):
        raise RuntimeError("jvp(f, primals, tangents): Expected tangents to be a tuple. E.g. "
                           "it should be valid to call f(*primals).")
    p_leaves = _flatten(primals)[0]
    t_leaves = _flatten(tangents)[0]
    if len(p_leaves) != len(t_leaves):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to have "
                           "the same python structure.")
    for p, t in zip(p_leaves, t_leaves):
        if tuple(p.shape) != tuple(t.shape):
            raise RuntimeError("Trying to set a forward gradient that has a different size than "
                               "that of the original Tensor, this is not supported. Tensor is "
                               f"of size {list(p.shape)} while the given forward gradient is of "
                               f"size {list(t.shape)}.")
    with _Level() as lv:
        out, vjp_fn, *aux = vjp(func, *primals, has_aux=has_aux)
        # (vjp's results are cut only at the outermost level, and this is one level down)
        out_leaves, out_spec = _flatten(out)
        # u = 1 (vjp is linear in u, J t does not depend on it): a vjp rule that is not
        # differentiable in its cotangent shows as <vjp(u), t> != <u, J t> (a NotImplementedError,
        # not a silently zero or partial tangent)
        us = [_ops.ones_like(o).detach().requires_grad_(True) for o in out_leaves]
        g = _flatten(vjp_fn(_unflatten(out_spec, us), create_graph=True))[0]
        pairs = [(gi, ti) for gi, ti in zip(g, t_leaves) if gi.requires_grad]
        res: list = [None] * len(us)
        if pairs:
            res = list(_autograd_grad([gi for gi, _ in pairs], us, [ti for _, ti in pairs],
                                      retain_graph=True, create_graph=lv.outer > 0,
                                      allow_unused=True))
        _check_linear(getattr(func, "__name__", "the function"),
                      [(gi, ti) for gi, ti in zip(g, t_leaves) if gi is not None], res, us,
                      "dlcore computes jvp(f) from f's vjp, and a vjp rule in f")
        jv = [(_ops.zeros_like(o).detach() if r is None else r) for r, o in zip(res, out_leaves)]
        tangent_out = _unflatten(out_spec, jv if lv.outer else [v.detach() for v in jv])
        output = _cut(out, lv.outer)
        if has_aux:
            return output, tangent_out, _cut(aux[0], lv.outer)
        return output, tangent_out


# ----------------------------------------------------------------------------- Jacobians
def _stack_rows(rows: list, out_shape, in_shape):
    from ._shape_ops import stack
    return stack(rows).reshape(tuple(out_shape) + tuple(in_shape))


def _of_chosen(func: Callable, args: tuple, nums) -> Callable:
    """``func`` as a function of the arguments at positions ``nums`` alone, the others fixed to
    ``args`` (what jacrev and jacfwd differentiate)."""
    def partial(*chosen):
        full = list(args)
        for a, c in zip(nums, chosen):
            full[a] = c
        return func(*full)
    return partial


def jacrev(func: Callable, argnums=0, *, has_aux: builtins.bool = False, chunk_size=None,
           _preallocate_and_copy: builtins.bool = False) -> Callable:
    """The Jacobian by reverse mode: shape ``output.shape + input.shape`` for each output and
    ``argnums`` input (tuples where ``argnums`` is a tuple or the output a tuple)."""
    def wrapper(*args):
        nums = _argnums(argnums, len(args))

        partial = _of_chosen(func, args, nums)
        res = vjp(partial, *[args[a] for a in nums], has_aux=has_aux)
        out, fn = res[0], res[1]
        out_leaves, out_spec = _flatten(out)
        per_out = []
        for j, o in enumerate(out_leaves):
            rows = []
            for i in range(o.numel()):
                cots = [_unit(v, i if q == j else None) for q, v in enumerate(out_leaves)]
                # (each row's gradients flattened once: a parameter dict's leaves)
                rows.append([_flatten(g)[0] for g in fn(_unflatten(out_spec, cots))])
            jac_by_arg = []
            for k, a in enumerate(nums):
                in_leaves, in_spec = _flatten(args[a])
                leaves = []
                for m, x in enumerate(in_leaves):
                    r = [row[k][m] for row in rows]
                    leaves.append(_stack_rows(r, o.shape, x.shape) if r else
                                  _ops.zeros_like(x).detach().reshape(
                                      tuple(o.shape) + tuple(x.shape)))
                jac_by_arg.append(_unflatten(in_spec, leaves))
            per_out.append(jac_by_arg[0] if isinstance(argnums, builtins.int)
                           else tuple(jac_by_arg))
        jac = _unflatten(out_spec, per_out)
        return (jac, res[2]) if has_aux else jac
    return wrapper


def _unit(like: Tensor, i: builtins.int | None) -> Tensor:
    """A new tensor of ``like``'s shape, dtype and device: zeros, with 1 at flat index ``i``
    (none where ``i`` is None): jacrev's cotangents and jacfwd's tangents, made directly
    (zeros_like, reshape and an add of a one-hot vector were four dispatched ops per row)."""
    h = np.zeros(tuple(like.shape), dtype=like._buf.dtype)
    if i is not None:
        h.reshape(-1)[i] = 1
    t = Tensor._wrap(h)
    return t.cuda() if like.is_cuda else t


def jacfwd(func: Callable, argnums=0, has_aux: builtins.bool = False, *,
           randomness: str = "error") -> Callable:
    """The Jacobian by forward mode (jvps of one-hot tangents); the same shapes as jacrev."""
    def wrapper(*args):
        nums = _argnums(argnums, len(args))

        partial = _of_chosen(func, args, nums)
        primals = tuple(args[a] for a in nums)
        p_leaves, p_spec = _flatten(primals)
        cols: list[list] = []
        out = aux = None
        for m, x in enumerate(p_leaves):
            cols_m = []
            for i in range(x.numel()):
                tl = [_unit(v, i if q == m else None) for q, v in enumerate(p_leaves)]
                res = jvp(partial, primals, _unflatten(p_spec, tl), has_aux=has_aux)
                out = res[0]
                if has_aux:
                    aux = res[2]
                cols_m.append(_flatten(res[1])[0])
            cols.append(cols_m)
        if out is None:                        # every input is empty: one plain call for shapes
            res = partial(*primals)
            out, aux = (res if has_aux else (res, None))
        out_leaves, out_spec = _flatten(out)
        from ._shape_ops import stack
        per_out = []
        for j, o in enumerate(out_leaves):
            leaves = []
            for m, x in enumerate(p_leaves):
                c = [col[j] for col in cols[m]]
                shape = tuple(o.shape) + tuple(x.shape)
                leaves.append(stack(c, -1).reshape(shape) if c else
                              Tensor._wrap(np.zeros(shape, o._buf.dtype)))
            by_arg = _unflatten(p_spec, leaves)
            per_out.append(by_arg[0] if isinstance(argnums, builtins.int) else by_arg)
        jac = _unflatten(out_spec, per_out)
        return (jac, aux) if has_aux else jac
    return wrapper


def hessian(func: Callable, argnums=0) -> Callable:
    """The Hessian of a scalar function: ``jacfwd(jacrev(func, argnums), argnums)``."""
    return jacfwd(jacrev(func, argnums), argnums)


from ._vmap import functional_call, stack_module_state, vmap  # (batching, module state)
