"""``nn.Module``: a layer or a model, a tree of modules that own parameters and buffers.

Assigning a ``Parameter`` or a ``Module`` to an attribute registers it (``__setattr__``), so
``parameters()``, ``state_dict()``, ``to()``/``cuda()``, ``train()``/``eval()`` and ``zero_grad()``
find everything without being told.  ``state_dict`` keys are dotted paths (``0.weight``);
``load_state_dict(strict=True)`` names missing and unexpected keys in PyTorch's words.
"""

from __future__ import annotations

from collections import OrderedDict, namedtuple
from collections.abc import Iterator

from .._state import inference_write as _inference_write
from ..tensor import Tensor, tensor_type_name
from ._module_hooks import ModuleHooks
from .buffer import buffer_persistent


class Parameter(Tensor):
    """A tensor that is a module's learnable weight: a leaf with ``requires_grad=True``."""

    __slots__ = ()

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True):
        if data is None:
            from ..creation import empty
            data = empty(0)
        p = Tensor.__new__(cls)
        p._buf = data._buf
        p._rg = False
        p._node = None
        p._acc = None
        p._grad = None
        p._vc = data._vc
        p._hooks = None
        if requires_grad:
            from ..creation import factory_requires_grad
            factory_requires_grad(p)
        return p

    def __init__(self, *args, **kwargs):
        pass

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


class Module(ModuleHooks):
    """Base class of all layers and models."""

    training: bool

    def __init__(self, *args, **kwargs) -> None:
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())
        object.__setattr__(self, "_backward_hooks", OrderedDict())
        object.__setattr__(self, "_backward_pre_hooks", OrderedDict())
        object.__setattr__(self, "_state_dict_pre_hooks", OrderedDict())
        object.__setattr__(self, "_state_dict_hooks", OrderedDict())
        object.__setattr__(self, "_load_state_dict_pre_hooks", OrderedDict())
        object.__setattr__(self, "_load_state_dict_post_hooks", OrderedDict())

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required '
                                  '"forward" function')

    def __call__(self, *args, **kwargs):
        if self._forward_pre_hooks:
            args, kwargs = self._run_forward_pre_hooks(args, kwargs)
        if self._backward_hooks or self.__dict__.get("_backward_pre_hooks"):
            return self._call_with_backward_hooks(args, kwargs)     # forward hooks run too
        if self._forward_hooks:
            return self._forward_then_hooks(args, kwargs)
        return self.forward(*args, **kwargs)

    # ------------------------------------------------------------------ registration
    def __setattr__(self, name: str, value) -> None:
        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self.__dict__.pop(name, None)
            self._modules.pop(name, None)
            self._buffers.pop(name, None)
            params[name] = value
        elif isinstance(value, Module):
            if params is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self.__dict__.pop(name, None)
            params.pop(name, None)
            self._buffers.pop(name, None)
            self._modules[name] = value
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{_typename(value)}' as parameter '{name}' "
                                "(torch.nn.Parameter or None expected)")
            params[name] = None
        elif params is not None and name in self._modules:
            if value is not None:
                raise TypeError(f"cannot assign '{_typename(value)}' as child module "
                                f"'{name}' (torch.nn.Module or None expected)")
            self._modules[name] = None
        elif params is not None and (name in self._buffers or (
                isinstance(value, Tensor) and buffer_persistent(value) is not None)):
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{_typename(value)}' as buffer '{name}' "
                                "(torch.nn.Buffer, torch.Tensor or None expected)")
            marked = buffer_persistent(value)
            self.register_buffer(name, value, name not in self._non_persistent
                                 if marked is None else marked)
        elif isinstance(value, Tensor) and buffer_persistent(value) is not None:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str):
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            s = d.get(store)
            if s is not None and name in s:
                return s[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for store in (self._parameters, self._buffers, self._modules):
            if name in store:
                del store[name]
                return
        object.__delattr__(self, name)

    def _check_name(self, name, kind: str, store: dict) -> None:
        """PyTorch's checks of a parameter's or buffer's name (a module's: ``add_module``)."""
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string. Got {_typename(name)}")
        if "." in name:
            raise KeyError(f'{kind} name can\'t contain "."')
        if name == "":
            raise KeyError(f'{kind} name can\'t be empty string ""')
        if hasattr(self, name) and name not in store:
            raise KeyError(f"attribute '{name}' already exists")

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        self._check_name(name, "parameter", self._parameters)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{_typename(param)}' object to parameter '{name}' "
                            "(torch.nn.Parameter or None required)")
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        self._check_name(name, "buffer", self._buffers)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{_typename(tensor)}' object to buffer '{name}' "
                            "(torch Tensor or None required)")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{_typename(module)} is not a Module subclass")
        if not isinstance(name, str):
            raise TypeError(f"module name should be a string. Got {_typename(name)}")
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        if "." in name:
            raise KeyError(f'module name can\'t contain ".", got: {name}')
        if name == "":
            raise KeyError('module name can\'t be empty string ""')
        self._modules[name] = module

    register_module = add_module

    # ------------------------------------------------------------------ traversal
    def named_modules(self, memo=None, prefix: str = "", remove_duplicate: bool = True
                      ) -> Iterator:
        """Every module under this one with its dotted path, each once (``remove_duplicate``:
        a module reached twice, shared, under its first path only; else under every path, as
        ``state_dict`` walks them)."""
        memo = set() if memo is None else memo
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, m in self._modules.items():
            if m is not None:
                yield from m.named_modules(memo, f"{prefix}.{name}" if prefix else name,
                                           remove_duplicate)

    def modules(self) -> Iterator[Module]:
        for _, m in self.named_modules():
            yield m

    def get_submodule(self, target: str) -> Module:
        """The module at the dotted path ``target`` ('' is ``self``), PyTorch's errors."""
        mod = self
        for item in target.split(".") if target else ():
            if not hasattr(mod, item):
                raise AttributeError(f"{type(mod).__name__} has no attribute `{item}`")
            mod = getattr(mod, item)
            if not isinstance(mod, Module):
                raise AttributeError(f"`{item}` is not an nn.Module")  # noqa: TRY004 (torch's)
        return mod

    def _owner(self, target: str) -> tuple[Module, str]:
        """The module holding the dotted path ``target``'s last name, and that name."""
        path, _, name = target.rpartition(".")
        mod = self.get_submodule(path)
        if not hasattr(mod, name):
            raise AttributeError(f"{type(mod).__name__} has no attribute `{name}`")
        return mod, name

    def get_parameter(self, target: str) -> Parameter:
        mod, name = self._owner(target)
        param = getattr(mod, name)
        if not isinstance(param, Parameter):
            raise AttributeError(f"`{name}` is not an nn.Parameter")  # noqa: TRY004 (torch's)
        return param

    def get_buffer(self, target: str) -> Tensor:
        mod, name = self._owner(target)
        if name not in mod._buffers:
            raise AttributeError(f"`{name}` is not a buffer")
        return getattr(mod, name)

    def named_children(self) -> Iterator:
        for name, m in self._modules.items():
            if m is not None:
                yield name, m

    def children(self) -> Iterator[Module]:
        for _, m in self.named_children():
            yield m

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator:
        seen = set()
        mods = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for mp, m in mods:
            for name, p in m._parameters.items():
                if p is None or (remove_duplicate and id(p) in seen):
                    continue
                seen.add(id(p))
                yield (f"{mp}.{name}" if mp else name), p

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> Iterator:
        mods = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for mp, m in mods:
            for name, b in m._buffers.items():
                if b is not None:
                    yield (f"{mp}.{name}" if mp else name), b

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def apply(self, fn) -> Module:
        """Call ``fn`` on every submodule (children first), then on this module."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------------ modes and devices
    def train(self, mode: bool = True) -> Module:
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")  # noqa: TRY004 (PyTorch)
        object.__setattr__(self, "training", mode)
        for m in self.children():
            m.train(mode)
        return self

    def eval(self) -> Module:
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.parameters():
            if p._grad is not None:
                if set_to_none:
                    p._grad = None
                else:
                    p._grad = p._grad.detach()
                    p._grad.zero_()

    def _apply(self, fn) -> Module:
        """Replace every parameter's and buffer's data by ``fn(data)`` (in place: the Parameter
        objects stay the same, so optimizers built earlier still hold them)."""
        for m in self.modules():
            for name, p in m._parameters.items():
                if p is not None:
                    new = fn(p.detach())
                    p._buf = new._buf
                    p._vc = [0]
                    if p._grad is not None:
                        p._grad = fn(p._grad.detach())
            for name, b in list(m._buffers.items()):
                if b is not None:
                    new = fn(b)
                    if hasattr(b, "materialize"):     # a lazy module's placeholder stays one
                        b.data = new
                    else:
                        m._buffers[name] = new
        return self

    def to(self, *args, **kwargs) -> Module:
        """Move (and, for floating-point tensors, cast) every parameter and buffer."""
        from .._dtype import dtype as _dtype_cls

        def convert(t: Tensor) -> Tensor:
            if "memory_format" in kwargs and t.dim() not in (4, 5):    # (as PyTorch's: only
                return t.to(*args, **{k: v for k, v in kwargs.items()     # the 4-d and 5-d
                                      if k != "memory_format"})            # ones are relaid)
            if t.is_floating_point():
                return t.to(*args, **kwargs)
            return t.to(*[a for a in args if not isinstance(a, _dtype_cls)],
                        **{k: v for k, v in kwargs.items() if k != "dtype"})
        return self._apply(convert)

    def cuda(self, device=None) -> Module:
        return self._apply(lambda t: t.cuda(device))

    def share_memory(self) -> Module:
        """Every parameter, gradient and buffer in shared memory (``Tensor.share_memory_``:
        processes forked afterwards update them in place, as Hogwild training needs)."""
        for t in [*self.parameters(), *[p.grad for p in self.parameters()], *self.buffers()]:
            if t is not None:
                t.share_memory_()
        return self

    def cpu(self) -> Module:
        return self._apply(lambda t: t.cpu())

    def float(self) -> Module:
        return self._apply(lambda t: t.float() if t.is_floating_point() else t)

    def double(self) -> Module:
        return self._apply(lambda t: t.double() if t.is_floating_point() else t)

    def half(self) -> Module:
        return self._apply(lambda t: t.half() if t.is_floating_point() else t)

    def type(self, dst_type) -> Module:
        return self._apply(lambda t: t.type(dst_type))

    # ------------------------------------------------------------------ state
    def state_dict(self, destination=None, prefix: str = "", keep_vars: bool = False):
        return self._state_entries(destination, prefix, keep_vars, hooks=True)

    def _state_entries(self, destination=None, prefix: str = "", keep_vars: bool = False,
                       hooks: bool = False):
        out = OrderedDict() if destination is None else destination
        visited = []
        # (a shared module's entries under each of its paths, as PyTorch's recursion)
        for mp, m in self.named_modules(prefix=prefix.rstrip("."), remove_duplicate=False):
            base = f"{mp}." if mp else ""
            if hooks:
                visited.append((m, base))
                for hook in list(m.__dict__.get("_state_dict_pre_hooks", {}).values()):
                    hook(m, base, keep_vars)
            for name, p in m._parameters.items():
                if p is not None:
                    out[base + name] = p if keep_vars else p.detach()
            for name, b in m._buffers.items():
                if b is not None and name not in m._non_persistent:
                    out[base + name] = b if keep_vars else b.detach()
            extra = getattr(m, "_extra_state_entries", None)
            if hooks and extra is not None:      # entries that are not tensors (PyTorch's
                extra(out, base)                 # _save_to_state_dict: quantized modules)
        for m, base in reversed(visited):            # a module's post-hooks after its children's
            for hook, public in list(m.__dict__.get("_state_dict_hooks", {}).values()):
                r = hook(m, out, base, {})
                if r is not None:
                    if public:
                        raise RuntimeError("state_dict post-hook must return None")
                    out = r
        return out

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False):
        """Copy ``state_dict`` into the parameters and buffers.  Validate-then-apply: nothing
        changes when a shape differs, or under ``strict`` when keys are missing or unexpected,
        unless load post-hooks are registered: then, as PyTorch, the matching entries are
        copied and the hooks run (they may clear the key lists) before ``strict`` decides."""
        own = self._state_entries(keep_vars=True)
        missing: list = []
        unexpected: list = []
        errors: list = []
        mods = list(self.named_modules())
        if any(m.__dict__.get("_load_state_dict_pre_hooks") for _, m in mods):
            state_dict = OrderedDict(state_dict)
            for mp, m in mods:
                base = f"{mp}." if mp else ""
                for hook, with_module in list(m.__dict__.get("_load_state_dict_pre_hooks",
                                                             {}).values()):
                    args: tuple = (state_dict, base, {}, strict, missing, unexpected, errors)
                    hook(m, *args) if with_module else hook(*args)
        state_dict = _count_defaults(state_dict, mods)
        missing += [k for k in own if k not in state_dict]
        unexpected += [k for k in state_dict if k not in own]
        posts = [(m, h) for _, m in mods
                 for h in m.__dict__.get("_load_state_dict_post_hooks", {}).values()]
        for k, target in own.items():
            if k not in state_dict:
                continue
            src = state_dict[k]
            if not isinstance(src, Tensor):
                from ..creation import tensor
                src = tensor(src)
            if tuple(src.shape) != tuple(target.shape):
                errors.append(f'size mismatch for {k}: copying a param with shape {src.shape} '
                              f'from checkpoint, the shape in current model is {target.shape}.')
            elif _inference_write(target):      # (PyTorch's copy_ error, reported so)
                from .._state import ERR_INFERENCE_INPLACE
                errors.append(f'While copying the parameter named "{k}", whose dimensions in '
                              f'the model are {target.shape} and whose dimensions in the '
                              f'checkpoint are {src.shape}, an exception occurred : '
                              f'({ERR_INFERENCE_INPLACE!r},).')
        if errors or (strict and (missing or unexpected) and not posts):
            self._raise_load_errors(errors, missing, unexpected, strict)
        from dlcore.deferred_interrupt import deferred_interrupt

        from .._state import STATE
        from ..creation import tensor
        prev, STATE.enabled = STATE.enabled, False
        try:
            with deferred_interrupt():      # (a Ctrl-C waits: every entry copied or none)
                for k, target in own.items():
                    if k in state_dict:
                        src = state_dict[k]
                        target.copy_(src if isinstance(src, Tensor) else tensor(src))
        finally:
            STATE.enabled = prev
        result = _IncompatibleKeys(missing, unexpected)
        for m, hook in posts:
            if hook(m, result) is not None:
                raise AssertionError("Hooks registered with ``register_load_state_dict_post_hook``"
                                     " are not expected to return new values, if "
                                     "incompatible_keys need to be modified, it should be done "
                                     "inplace.")
        if strict and (missing or unexpected):
            self._raise_load_errors([], missing, unexpected, strict)
        return result

    def _raise_load_errors(self, errors: list, missing: list, unexpected: list,
                           strict: bool) -> None:
        errors = list(errors)
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: " +
                              ", ".join(f'"{k}"' for k in unexpected) + ". ")
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: " +
                              ", ".join(f'"{k}"' for k in missing) + ". ")
        raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                           + "\n\t".join(errors))

    # ------------------------------------------------------------------ printing
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = []
        extra = self.extra_repr()
        if extra:
            lines = extra.split("\n")
        for name, m in self._modules.items():
            mod = repr(m).replace("\n", "\n  ")
            lines.append(f"({name}): {mod}")
        main = type(self).__name__ + "("
        if lines:
            if len(lines) == 1 and not self._modules:
                return main + lines[0] + ")"
            main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._modules) |
                      set(self._buffers))


def _typename(obj) -> str:
    """torch.typename: a tensor's type name ('torch.FloatTensor'), else the class's qualified
    name ('int' for a builtin)."""
    if isinstance(obj, Tensor):
        return tensor_type_name(obj)
    t = type(obj)
    return t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def _count_defaults(state_dict, mods):
    """PyTorch's ``_NormBase._load_from_state_dict``: a batch-norm layer that tracks running
    stats, given a state dict without its ``num_batches_tracked`` and without version metadata
    of 2 or more for it (a plain dict: a safetensors file's, a pre-0.4.1 checkpoint's), keeps
    its current count instead of reporting the key missing.  A copy; ``state_dict`` as given."""
    meta = getattr(state_dict, "_metadata", None)
    added = None
    for mp, m in mods:
        nbt = m._buffers.get("num_batches_tracked") if getattr(m, "_COUNT_ON_LOAD", False) \
            else None
        key = f"{mp}.num_batches_tracked" if mp else "num_batches_tracked"
        if nbt is None or key in state_dict or not getattr(m, "track_running_stats", False):
            continue
        version = (meta.get(mp) or {}).get("version") if meta is not None else None
        if version is None or version < 2:
            if added is None:
                added = OrderedDict(state_dict)
                if meta is not None:
                    added._metadata = meta      # type: ignore[attr-defined]
            added[key] = nbt
    return state_dict if added is None else added
