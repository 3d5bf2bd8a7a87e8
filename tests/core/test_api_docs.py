"""help() shows documentation: every op adapter carries the op's doc, its signature and a
runnable example; every public Tensor method, torch function and tf function has a docstring
(help() would otherwise show whatever source comment precedes a definition)."""

from __future__ import annotations

import inspect
import pydoc

import numpy as np
import pytest

import dlcore_eager as torch
import dlcore_static as tf
from dlcore import api


def _help(obj) -> str:
    return pydoc.render_doc(obj, renderer=pydoc.plaintext)


@pytest.mark.parametrize("obj, signature, maths", [
    (torch.Tensor.sum, "sum(self, dim=None, keepdim=False", "y = sum over axes"),
    (torch.sum, "sum(input, dim=None, keepdim=False", "y = sum over axes"),
    (torch.nn.functional.relu, "relu(input", "y = max(x, 0)"),
    (tf.reduce_sum, "reduce_sum(input_tensor, axis=None", "y = sum over axes"),
    (tf.nn.softmax, "softmax(logits, axis=None", "softmax"),
])
def test_help_of_an_op_shows_signature_doc_and_example(obj, signature, maths):
    text = _help(obj)
    assert signature in text and maths in text and "Example::" in text and ">>> " in text


def _examples(ops):
    for e in api.EXPORTS.values():
        if e.name not in ops:
            continue
        for ns, names in e.names.items():
            for name in names:
                eager = ns in api.EAGER_NAMESPACES
                ex = api.example(e, ns, name, eager)
                if ex:
                    yield ns, name, ex


def test_generated_examples_run():
    ops = {"add", "sum", "softmax", "where", "greater", "cumsum", "relu", "log", "logical_and"}
    ran = 0
    for ns, name, ex in _examples(ops):
        code = "\n".join(ln.strip()[4:] for ln in ex.splitlines() if ln.strip().startswith(">>>"))
        with tf.Graph().as_default():
            exec(code, {"torch": torch, "tf": tf, "np": np})      # noqa: S102 - our own text
        ran += 1
    assert ran >= 20


def _undocumented(module_or_class, names):
    out = []
    for name in names:
        obj = inspect.getattr_static(module_or_class, name, None)
        target = obj.fget if isinstance(obj, property) else getattr(obj, "__func__", obj)
        if (inspect.isfunction(target) or inspect.isclass(target)) and not inspect.getdoc(target):
            out.append(name)
    return out


def test_every_public_tensor_member_and_function_has_a_docstring():
    public = [n for n in dir(torch.Tensor)
              if not n.startswith("_") or (n.startswith("__") and n.endswith("__"))]
    assert _undocumented(torch.Tensor, public) == []
    for mod in (torch, torch.nn.functional, tf, tf.nn, tf.train):
        assert _undocumented(mod, [n for n in dir(mod) if not n.startswith("_")]) == [], mod
