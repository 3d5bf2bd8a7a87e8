"""The base of every learning-rate scheduler (``torch.optim.lr_scheduler.LRScheduler``):
``initial_lr`` in each group, ``base_lrs``, ``last_epoch``, the chainable ``step()`` and
``state_dict()``.  The schedules themselves are in ``lr_scheduler``.

Every ``step()`` (the base's and each schedule's own) is all-or-nothing: a ``KeyboardInterrupt``
or an error raised half-way (a user's ``lr_lambda`` failing at some epoch) puts the scheduler's
attributes, its sub-schedulers' and the optimizers' param groups back as they were, where the
step count, ``last_epoch`` and the learning rates used to be left out of step with each other
(the next ``step()`` then skipped an epoch of the schedule).  The snapshot is a shallow copy of a
few small dicts (the schedule runs user code, so a Ctrl-C is not held back here).
"""

from __future__ import annotations

import functools
import warnings
import weakref

from ..tensor import Tensor


def set_group_value(group: dict, key: str, value) -> None:
    """torch 2.13's ``_update_param_group_val``, used at every write of a group's ``lr``: a
    Tensor entry (``SGD(ps, lr=torch.tensor(0.1))``) is filled in place, so the group and the
    caller keep the one Tensor; any other entry is replaced."""
    cur = group[key]
    if isinstance(cur, Tensor):
        cur.fill_(float(value) if isinstance(value, Tensor) else value)
    else:
        group[key] = value


def group_values(optimizer, key: str = "lr") -> list:
    """torch's ``_param_groups_val_list``: each group's ``key``, a Tensor cloned (no alias)."""
    return [g[key].clone() if isinstance(g[key], Tensor) else g[key]
            for g in optimizer.param_groups]


class LRScheduler:
    """Base class: ``initial_lr`` in each group, ``base_lrs``, ``last_epoch``, ``step()``."""

    _get_lr_called_within_step = False

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if "step" in cls.__dict__:
            cls.step = _all_or_nothing(cls.__dict__["step"])  # type: ignore[method-assign]

    def __init__(self, optimizer, last_epoch: int = -1) -> None:
        if not hasattr(optimizer, "param_groups"):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                lr = group["lr"]
                group.setdefault("initial_lr", lr.clone() if isinstance(lr, Tensor) else lr)
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"param 'initial_lr' is not specified in param_groups[{i}] "
                                   "when resuming an optimizer")
        self.base_lrs = group_values(optimizer, "initial_lr")
        self.last_epoch = last_epoch
        _track_step_called(optimizer)
        self._initial_step()

    def _initial_step(self) -> None:
        self._step_count = 0
        self._is_initial = True          # PyTorch's flag, False (and in state_dict()) after
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list:
        raise NotImplementedError

    def get_last_lr(self) -> list:
        """The learning rates set by the last ``step()``, one per parameter group."""
        return self._last_lr

    def step(self, epoch=None) -> None:
        if self._step_count == 1:          # the first step after construction: PyTorch's checks
            _warn_if_optimizer_not_stepped(self.optimizer)
        self._step_count += 1
        self._get_lr_called_within_step = True
        try:
            if epoch is None:
                self.last_epoch += 1
                values = self.get_lr()
            else:
                warnings.warn("The epoch parameter in `scheduler.step()` was not necessary and "
                              "is being deprecated where possible. Please use "
                              "`scheduler.step()` to step the scheduler.", UserWarning,
                              stacklevel=2)
                self.last_epoch = epoch
                closed = getattr(self, "_get_closed_form_lr", None)
                values = closed() if closed is not None else self.get_lr()
        finally:
            self._get_lr_called_within_step = False
        for group, lr in zip(self.optimizer.param_groups, values):
            set_group_value(group, "lr", lr)
        self._last_lr = group_values(self.optimizer)

    def state_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict) -> None:
        self.__dict__.update(state_dict)

    def _lrs(self) -> list:
        return group_values(self.optimizer)


def _per_group(value, n: int, name: str) -> list:
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"expected {n} values for {name}, got {len(value)}")
        return list(value)
    return [value] * n


def _track_step_called(opt) -> None:
    """PyTorch's ``patch_track_step_called``: the optimizer's ``step`` (once) marks the
    optimizer ``_opt_called``, so the scheduler's first ``step()`` can warn when it ran first."""
    step = getattr(opt, "step", None)
    func = getattr(step, "__func__", None)
    if func is None or getattr(step, "_wrapped_by_lr_sched", False):
        return
    opt_ref = weakref.ref(opt)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        o = opt_ref()
        o._opt_called = True               # type: ignore[union-attr]
        return func.__get__(o, o.__class__)(*args, **kwargs)
    wrapper._wrapped_by_lr_sched = True    # type: ignore[attr-defined]
    opt.step = wrapper


def _warn_if_optimizer_not_stepped(opt) -> None:
    if not hasattr(opt.step, "_wrapped_by_lr_sched"):
        warnings.warn("Seems like `optimizer.step()` has been overridden after learning rate "
                      "scheduler initialization. Please, make sure to call `optimizer.step()` "
                      "before `lr_scheduler.step()`. See more details at "
                      "https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate",
                      UserWarning, stacklevel=4)
    elif not getattr(opt, "_opt_called", False):
        warnings.warn("Detected call of `lr_scheduler.step()` before `optimizer.step()`. In "
                      "PyTorch 1.1.0 and later, you should call them in the opposite order: "
                      "`optimizer.step()` before `lr_scheduler.step()`.  Failure to do this will "
                      "result in PyTorch skipping the first value of the learning rate schedule. "
                      "See more details at "
                      "https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate",
                      UserWarning, stacklevel=4)


def _snapshot(sched, seen: dict) -> None:
    """Record (in ``seen``, by id) shallow copies of ``sched``'s attributes, of its
    sub-schedulers' and of its optimizer's param groups."""
    if id(sched) in seen:
        return
    attrs = vars(sched)
    seen[id(sched)] = (attrs, {k: (list(v) if type(v) is list else v) for k, v in attrs.items()})
    opt = attrs.get("optimizer")
    if opt is not None and id(opt.param_groups) not in seen:
        seen[id(opt.param_groups)] = (opt.param_groups, [dict(g) for g in opt.param_groups])
        for g in opt.param_groups:              # a Tensor entry is filled in place: its value
            for v in g.values():
                if isinstance(v, Tensor) and v.numel() == 1:
                    seen[id(v)] = (v, v.item())
    for v in attrs.values():
        if type(v) is list:
            for x in v:
                if isinstance(x, LRScheduler):
                    _snapshot(x, seen)


def _restore(seen: dict) -> None:
    for target, saved in seen.values():
        if type(target) is dict:                 # a scheduler's attributes
            target.clear()
            target.update(saved)
        elif isinstance(target, Tensor):         # a Tensor lr, filled back
            target.fill_(saved)
        else:                                    # param groups: the same dicts, refilled
            for g, old in zip(target, saved):
                g.clear()
                g.update(old)


def _all_or_nothing(step):
    @functools.wraps(step)
    def wrapped(self, *args, **kwargs):
        seen: dict = {}
        _snapshot(self, seen)
        try:
            return step(self, *args, **kwargs)
        except BaseException:
            _restore(seen)
            raise
    return wrapped


LRScheduler.step = _all_or_nothing(LRScheduler.step)  # type: ignore[method-assign]

_LRScheduler = LRScheduler
