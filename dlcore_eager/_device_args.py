"""``torch.device(type, index)`` as PyTorch 2.13 parses it: the index kept as given (None for
``'cuda'``: "the current device"; ``cpu:0`` a distinct device from ``cpu``), its parser's
TypeErrors and its RuntimeErrors (a negative index, an index given twice, an upper-case or
unknown type, an int ordinal with no accelerator).  The place a device names is
``dlcore.as_device``'s (``cuda`` the current CUDA device, ``cpu:0`` the CPU)."""

from __future__ import annotations

import re

from dlcore.device import _TORCH_DEVICE_TYPES, Device, InvalidDevice, as_device, cuda_available

_SIGNATURES = (" * (torch.device device)\n"
               " * (str type, int index = -1)\n")


def _combination(args) -> TypeError:
    got = ", ".join(type(a).__name__ for a in args)
    return TypeError(f"device() received an invalid combination of arguments - got ({got}), "
                     f"but expected one of:\n{_SIGNATURES}")


def _index(index) -> int | None:
    if index is None:
        return None
    if type(index) is not int:
        raise TypeError("device(): argument 'index' (position 2) must be int, not "
                        f"{type(index).__name__}")
    if index < 0:
        raise RuntimeError("Device index must not be negative")
    return index


def torch_device(args: tuple, kwargs: dict) -> Device:
    """PyTorch's ``torch.device(*args, **kwargs)``."""
    if kwargs.keys() - {"type", "index"} or len(args) > 2 or \
            (len(args) == 2 and "index" in kwargs) or (args and "type" in kwargs):
        raise _combination(args + tuple(kwargs.values()))
    spec = args[0] if args else kwargs.get("type")
    index = args[1] if len(args) > 1 else kwargs.get("index")
    if isinstance(spec, Device):
        if len(args) > 1 or "index" in kwargs:
            raise TypeError("device(): argument 'type' (position 1) must be str, not "
                            "torch.device")
        return spec
    if type(spec) is int and not args[1:] and "type" not in kwargs:
        if spec < 0:
            raise RuntimeError("Device index must not be negative")
        if not cuda_available():
            raise RuntimeError("Cannot access accelerator device when none is available.")
        return Device("cuda", spec)
    if not isinstance(spec, str):
        raise _combination(args + tuple(kwargs.values()))
    index = _index(index)
    kind, colon, idx = spec.partition(":")
    if colon and index is not None:
        raise RuntimeError("type (string) must not include an index because index was passed "
                           f"explicitly: {spec}")
    if kind not in ("cpu", "cuda") and re.fullmatch(r"[a-z_]+(:(0|[1-9][0-9]*))?", spec) or \
            kind.lower() != kind:
        if kind == "meta":
            as_device(spec)                     # (dlcore's NoMetaDevice)
        raise RuntimeError(f"Expected one of {_TORCH_DEVICE_TYPES} device type at start of "
                           f"device string: {kind}")
    try:
        as_device(spec)                         # (PyTorch's refusals of a malformed string)
    except InvalidDevice as e:
        raise (RuntimeError(str(e)) if type(e) is InvalidDevice else e) from None
    if colon:
        index = int(idx)
    return Device(kind, index)
