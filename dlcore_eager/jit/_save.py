"""``torch.jit.save`` / ``torch.jit.load``: one real safetensors file, no code in it.

The file holds every parameter and buffer (``param:<qualified name>``) and every constant of
the program (``const:<key>``) as tensors, and in its string metadata::

    format   "dlcore-jit"          version  "1"
    program  the operations as JSON (primitive names, tagged parameters, references)
    modules  {qualified module name: [original class name, training]}
    state    {qualified tensor name: ["parameter" | "buffer", requires_grad]}
    extra:*  the ``_extra_files`` entries

Loading parses it with the safetensors library, checks every reference and every operation
against its primitive's shape rule (:meth:`Program.from_json`), and only then builds the
module tree of ``RecursiveScriptModule``; nothing in the file is executed or imported.  A
scripted module (whose Python runs eagerly) is saved as the trace of its last call, with a
``TracerWarning``.
"""

from __future__ import annotations

import io
import json
import os
from typing import Any

import numpy as np

from dlcore.io import safetensors_io as st
from dlcore.registry import AVal

from ..nn.module import Module, Parameter
from ..tensor import Tensor
from ._modules import RecursiveScriptModule, ScriptFunction, ScriptModule
from ._program import Program

FORMAT, VERSION = "dlcore-jit", "1"


def save(m: Any, f, _extra_files: dict | None = None) -> None:
    """Write ``m`` (a ScriptModule or traced ScriptFunction) to ``f`` (a path or binary file)."""
    if not isinstance(m, (ScriptModule, ScriptFunction)):
        raise AttributeError(  # noqa: TRY004 (PyTorch's type)
            f"'{type(m).__name__}' object has no attribute 'save'")
    prog = m._program()
    arrays: dict[str, np.ndarray] = {}
    doc = prog.to_json(arrays)
    modules: dict[str, list] = {}
    state: dict[str, list] = {}
    if isinstance(m, Module):
        for name, sub in m.named_modules():
            modules[name] = [getattr(sub, "original_name", type(sub).__name__),
                             bool(sub.training)]
        for name, p in m.named_parameters():
            arrays[f"param:{name}"] = np.asarray(p.detach().cpu()._buf)
            state[name] = ["parameter", bool(p.requires_grad)]
        for name, b in m.named_buffers():
            arrays[f"param:{name}"] = np.asarray(b.detach().cpu()._buf)
            state[name] = ["buffer", False]
    else:
        modules[""] = [m.name, False]
    missing = [n for n in prog.param_names if n not in state]
    if missing:
        raise RuntimeError(f"torch.jit.save: the program reads {missing[:3]}, which the module "
                           "no longer has")
    meta = {"format": FORMAT, "version": VERSION, "program": json.dumps(doc),
            "modules": json.dumps(modules), "state": json.dumps(state)}
    for k, v in (_extra_files or {}).items():
        meta[f"extra:{k}"] = v.decode("latin-1") if isinstance(v, bytes) else str(v)
    st.write(f, arrays, meta)


def _save_method(self, f, **kwargs) -> None:
    """``module.save(f)``: ``torch.jit.save(module, f)``."""
    save(self, f, **kwargs)


setattr(ScriptModule, "save", _save_method)     # noqa: B010 (_modules does not import this)
setattr(ScriptFunction, "save", _save_method)   # noqa: B010


def load(f, map_location=None, _extra_files: dict | None = None) -> RecursiveScriptModule:
    """Read a module written by :func:`save`; every failure is a ``RuntimeError``."""
    if isinstance(f, (str, os.PathLike)):
        if not os.path.exists(f):
            raise ValueError(f"The provided filename {os.fspath(f)} does not exist")
        with open(f, "rb") as fh:
            raw = fh.read()
    elif isinstance(f, (bytes, bytearray)):
        raw = bytes(f)
    elif isinstance(f, io.IOBase) or hasattr(f, "read"):
        raw = f.read()
    else:
        raise TypeError(f"torch.jit.load: expected a path or a binary file, got "
                        f"{type(f).__name__}")

    def err(msg: str) -> RuntimeError:
        return RuntimeError(f"torch.jit.load: not a dlcore TorchScript file: {msg}")

    if raw[:4] == b"PK\x03\x04":
        raise err("it is a zip archive, as PyTorch's torch.jit.save writes; those hold pickled "
                  "code, which dlcore never loads (it could run anything). Export the model "
                  "with torch.onnx.export and read it with dlcore_eager.onnx_import, or save "
                  "its state_dict with safetensors")
    arrays, meta = st.loads(raw, err)
    if meta.get("format") != FORMAT:
        raise err(f"its format is {str(meta.get('format'))[:40]!r}, not {FORMAT!r}")
    if meta.get("version") != VERSION:
        raise err(f"version {str(meta.get('version'))[:20]!r} is not supported")
    doc = st.metadata_json(meta, "program", err)
    modules = st.metadata_json(meta, "modules", err) or {}
    state = st.metadata_json(meta, "state", err) or {}
    if not isinstance(modules, dict) or not isinstance(state, dict):
        raise err("malformed module tree")
    avals = {}
    for name, spec in state.items():
        if not (isinstance(spec, list) and len(spec) == 2 and spec[0] in ("parameter", "buffer")
                and f"param:{name}" in arrays):
            raise err(f"malformed entry for tensor {str(name)[:60]!r}")
        a = arrays[f"param:{name}"]
        avals[name] = AVal(tuple(a.shape), a.dtype)
    prog = Program.from_json(doc, arrays, avals)
    root = _build(modules, state, arrays, err)
    object.__setattr__(root, "_jit_program", prog)
    if _extra_files is not None:
        for k in list(_extra_files):
            v = meta.get(f"extra:{k}")
            if v is not None:
                _extra_files[k] = v.encode("latin-1")
    if map_location is not None and str(map_location) != "cpu":
        root.to(map_location)
    return root


def _build(modules: dict, state: dict, arrays: dict, err) -> RecursiveScriptModule:
    root_info = modules.get("", ["Module", False])
    root = _new(root_info, err)
    built = {"": root}
    for name in sorted((n for n in modules if n), key=lambda n: n.count(".")):
        parent, _, leaf = name.rpartition(".")
        if parent not in built or not leaf:
            raise err(f"module {name[:60]!r} has no parent")
        sub = _new(modules[name], err)
        built[parent]._modules[leaf] = sub
        built[name] = sub
    for name, (kind, rg) in state.items():
        owner, _, leaf = name.rpartition(".")
        if owner not in built or not leaf:
            raise err(f"tensor {name[:60]!r} belongs to no module")
        t = Tensor._wrap(arrays[f"param:{name}"])
        if kind == "parameter":
            built[owner]._parameters[leaf] = Parameter(t, requires_grad=bool(rg))
        else:
            built[owner]._buffers[leaf] = t
    return root


def _new(info, err) -> RecursiveScriptModule:
    if not (isinstance(info, list) and len(info) == 2 and isinstance(info[0], str)):
        raise err("malformed module entry")
    m = RecursiveScriptModule(info[0][:200])
    object.__setattr__(m, "training", bool(info[1]))
    return m
