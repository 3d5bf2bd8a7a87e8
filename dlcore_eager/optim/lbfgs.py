"""L-BFGS, a port of PyTorch's ``torch.optim.LBFGS`` (itself after minFunc): the two-loop
recursion over the last ``history_size`` curvature pairs, and optionally the strong-Wolfe line
search with cubic interpolation.  ``step(closure)`` re-evaluates the closure as needed.

The flat direction, gradient and history vectors are host NumPy arrays in the parameters'
dtype (the algorithm's bookkeeping, a few vectors of the model's size); the parameters are
updated in place.  As in PyTorch, all parameters form one group and the state lives with the
first parameter.
"""

from __future__ import annotations

import numpy as np

from .._host import host as _host
from ..tensor import Tensor
from ._state_scalars import install
from .optimizer import Optimizer, check_lr, require


def _cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    if bounds is not None:
        xmin_bound, xmax_bound = bounds
    else:
        xmin_bound, xmax_bound = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 ** 2 - g1 * g2
    if d2_square >= 0:
        d2 = np.sqrt(d2_square)
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(min_pos, xmin_bound), xmax_bound)
    return (xmin_bound + xmax_bound) / 2.0


def _strong_wolfe(obj_func, x, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9,
                  max_ls=25):
    d_norm = np.abs(d).max()
    g = g.copy()
    f_new, g_new = obj_func(x, t, d)
    ls_func_evals = 1
    gtd_new = g_new.dot(d)
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    ls_iter = 0
    bracket_gtd: list = []              # (read only while the search is not done)
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        tmp = t
        t = _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                               bounds=(min_step, max_step))
        t_prev, f_prev, g_prev, gtd_prev = tmp, f_new, g_new.copy(), gtd_new
        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket, bracket_f, bracket_g = [0, t], [f, f_new], [g, g_new]
        bracket_gtd = [gtd, gtd_new]

    insuf_progress = False
    low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0],
                               bracket[1], bracket_f[1], bracket_gtd[1])
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insuf_progress or t >= max(bracket) or t <= min(bracket):
                if abs(t - max(bracket)) < abs(t - min(bracket)):
                    t = max(bracket) - eps
                else:
                    t = min(bracket) + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low_pos]:
            bracket[high_pos], bracket_f[high_pos] = t, f_new
            bracket_g[high_pos], bracket_gtd[high_pos] = g_new.copy(), gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                bracket[high_pos] = bracket[low_pos]
                bracket_f[high_pos] = bracket_f[low_pos]
                bracket_g[high_pos] = bracket_g[low_pos]
                bracket_gtd[high_pos] = bracket_gtd[low_pos]
            bracket[low_pos], bracket_f[low_pos] = t, f_new
            bracket_g[low_pos], bracket_gtd[low_pos] = g_new.copy(), gtd_new
    t = bracket[low_pos]
    return bracket_f[low_pos], bracket_g[low_pos], t, ls_func_evals


class LBFGS(Optimizer):
    def __init__(self, params, lr: float = 1, max_iter: int = 20, max_eval: int | None = None,
                 tolerance_grad: float = 1e-7, tolerance_change: float = 1e-9,
                 history_size: int = 100, line_search_fn: str | None = None):
        check_lr(lr)
        require(0.0 <= lr, f"Invalid learning rate: {lr}")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        super().__init__(params, {"lr": lr, "max_iter": max_iter, "max_eval": max_eval,
                                  "tolerance_grad": tolerance_grad,
                                  "tolerance_change": tolerance_change,
                                  "history_size": history_size,
                                  "line_search_fn": line_search_fn})
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]
        self._dtype = _real_dtype(_host(self._params[0]).dtype)

    def _state_shape(self, p: Tensor, key: str) -> tuple:
        """The flat direction and gradient (``d``, ``prev_flat_grad``) span all parameters
        (a complex one as its real view: two numbers an element, as PyTorch's)."""
        return (sum(q.numel() * (2 if q.is_complex() else 1) for q in self._params),)

    # ---------------------------------------------------------------- flat vectors
    def _gather_flat_grad(self) -> np.ndarray:
        parts = []
        for p in self._params:
            g = p._grad
            parts.append(np.zeros(_flat_size(p), self._dtype) if g is None else
                         _flat(_host(g)).astype(self._dtype, copy=False))
        return np.concatenate(parts) if parts else np.zeros(0, self._dtype)

    def _set_flat(self, values: list[np.ndarray]) -> None:
        from ..autograd import no_grad
        from ..creation import tensor
        with no_grad():
            for p, v in zip(self._params, values):
                if p.is_complex():           # the flat real view back to complex numbers
                    v = np.ascontiguousarray(v, _real_dtype(_host(p).dtype)).view(
                        _host(p).dtype)
                p.copy_(tensor(v.reshape(tuple(p.shape)), device=p.device))

    def _add_grad(self, step_size, update: np.ndarray) -> None:
        offset, new = 0, []
        for p in self._params:
            n = _flat_size(p)
            cur = _flat(_host(p))
            new.append(cur + update[offset:offset + n] * step_size)
            offset += n
        self._set_flat(new)

    def _clone_param(self) -> list[np.ndarray]:
        return [_flat(_host(p)).copy() for p in self._params]

    def _directional_evaluate(self, closure, x, t, d):
        self._add_grad(t, d)
        loss = float(self._closure(closure))
        flat_grad = self._gather_flat_grad()
        self._set_flat(x)
        return loss, flat_grad

    @staticmethod
    def _closure(closure):
        from ..autograd import enable_grad
        with enable_grad():
            return closure()

    # ---------------------------------------------------------------- step
    def step(self, closure):  # type: ignore[override]
        """One L-BFGS step (up to ``max_iter`` iterations); ``closure`` clears the gradients,
        computes the loss, calls ``backward()`` and returns the loss.  Under no_grad, as
        PyTorch's (the closure under enable_grad): float(loss) there does not warn."""
        if closure is None:
            raise RuntimeError("LBFGS requires a closure that re-evaluates the model")
        from ..autograd import no_grad
        with no_grad():
            return self._step(closure)

    def _step(self, closure):  # noqa: C901 - PyTorch's
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        if isinstance(lr, Tensor):          # torch 2.13's _to_scalar(group["lr"])
            lr = float(lr)
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        line_search_fn, history_size = group["line_search_fn"], group["history_size"]
        if line_search_fn not in (None, "strong_wolfe"):
            raise RuntimeError("only 'strong_wolfe' is supported")
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss = self._closure(closure)
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        if np.abs(flat_grad).max() <= tolerance_grad:
            return orig_loss

        kept: dict = {}                 # id(host value) -> (value, its state tensor)
        d, t = _from_state(state.get("d")), state.get("t")
        old_dirs, old_stps = _from_state(state.get("old_dirs"), kept), \
            _from_state(state.get("old_stps"), kept)
        ro, H_diag = _from_state(state.get("ro"), kept), _from_state(state.get("H_diag"))
        prev_flat_grad, prev_loss = _from_state(state.get("prev_flat_grad")), state.get("prev_loss")
        al_list = state.get("al")
        if "al" in state:
            state["al"] = _from_state(state["al"])
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro = [], [], []
                H_diag = 1
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = y.dot(s)
                if ys > 1e-10:
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    H_diag = ys / y.dot(y)
                num_old = len(old_dirs)
                al = state.setdefault("al", [None] * history_size)
                q = -flat_grad
                for i in range(num_old - 1, -1, -1):
                    al[i] = old_stps[i].dot(q) * ro[i]
                    q = q + old_dirs[i] * (-al[i])
                d = r = q * H_diag
                for i in range(num_old):
                    be_i = old_dirs[i].dot(r) * ro[i]
                    r += old_stps[i] * (al[i] - be_i)
            prev_flat_grad = flat_grad.copy()
            prev_loss = loss
            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / np.abs(flat_grad).sum()) * lr
            else:
                t = lr
            gtd = flat_grad.dot(d)
            if gtd > -tolerance_change:
                break
            ls_func_evals = 0
            if line_search_fn is not None:
                x_init = self._clone_param()

                def obj_func(x, t, d):
                    return self._directional_evaluate(closure, x, t, d)
                loss, flat_grad, t, ls_func_evals = _strong_wolfe(obj_func, x_init, t, d, loss,
                                                                  flat_grad, gtd)
                self._add_grad(t, d)
                opt_cond = np.abs(flat_grad).max() <= tolerance_grad
            else:
                self._add_grad(t, d)
                opt_cond = False
                if n_iter != max_iter:
                    loss = float(self._closure(closure))
                    flat_grad = self._gather_flat_grad()
                    opt_cond = np.abs(flat_grad).max() <= tolerance_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals
            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if np.abs(d * t).max() <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break
        # kept as PyTorch keeps them (tensors, lists of tensors; t and prev_loss numbers), in
        # place as PyTorch's: the history lists (and the tensors still in them), ``al`` and
        # ``prev_flat_grad`` (``copy_``) keep their identity across steps
        if "al" in state:
            state["al"] = _into_list(al_list, _as_tensors(state["al"]))
        new = _as_tensors(dict(d=d, t=float(t) if isinstance(t, np.generic) else t,
                               H_diag=H_diag, prev_loss=prev_loss))
        lists = {k: _into_list(state.get(k), [kept[id(v)][1] if id(v) in kept and
                                               kept[id(v)][0] is v else _as_tensors(v)
                                               for v in vals])
                 for k, vals in (("old_dirs", old_dirs), ("old_stps", old_stps), ("ro", ro))}
        pfg = {"prev_flat_grad": state["prev_flat_grad"]} if "prev_flat_grad" in state else {}
        install(pfg, {"prev_flat_grad": _as_tensors(prev_flat_grad)})       # (copy_)
        state.update(d=new["d"], t=new["t"], **lists, H_diag=new["H_diag"],    # torch's order
                     prev_flat_grad=pfg["prev_flat_grad"], prev_loss=new["prev_loss"])
        return orig_loss


def _real_dtype(dt: np.dtype) -> np.dtype:
    return np.empty(0, dt).real.dtype


def _flat(a: np.ndarray) -> np.ndarray:
    """A parameter's (or gradient's) values as one flat real vector: a complex array as
    PyTorch's ``view_as_real(x).view(-1)`` (real and imaginary parts interleaved)."""
    if a.dtype.kind == "c":
        return np.ascontiguousarray(a).reshape(-1).view(_real_dtype(a.dtype))
    return a.reshape(-1)


def _flat_size(p: Tensor) -> int:
    return p.numel() * (2 if p.is_complex() else 1)


def _as_tensors(x):
    """NumPy arrays and scalars (also inside lists and dicts) as dlcore tensors."""
    if isinstance(x, dict):
        return {k: _as_tensors(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_as_tensors(v) for v in x]
    if isinstance(x, (np.ndarray, np.generic)):
        return Tensor._wrap(np.array(x))
    return x


def _from_state(x, kept: dict | None = None):
    """``_as_tensors`` undone: the state's tensors (a loaded one may be a CUDA tensor) as
    NumPy arrays (0-d ones as NumPy scalars); ``kept`` maps each value's id to (the value,
    its tensor), so that the values still in the history at the end get their tensors back."""
    if isinstance(x, list):
        return [_from_state(v, kept) for v in x]
    if isinstance(x, Tensor):
        a = _host(x)
        v = a[()] if a.ndim == 0 else a
        if kept is not None:
            kept[id(v)] = (v, x)
        return v
    return x


def _into_list(old, items: list) -> list:
    """``items`` in the list already in the state (PyTorch mutates its history lists)."""
    if isinstance(old, list):
        old[:] = items
        return old
    return items
