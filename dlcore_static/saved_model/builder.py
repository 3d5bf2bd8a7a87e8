"""``tf.saved_model.builder.SavedModelBuilder``: write a SavedModel directory.

    builder = tf.saved_model.builder.SavedModelBuilder(export_dir)
    builder.add_meta_graph_and_variables(sess, [tag_constants.SERVING],
                                         signature_def_map={"serving_default": sig})
    builder.add_meta_graph([tag_constants.TRAINING])       # more graphs, same variables
    builder.save()

As TensorFlow's: the export directory must not exist or be empty; the variables are written at
``add_meta_graph_and_variables`` (``variables/variables``, dlcore's checkpoint format), each
meta graph's structure is taken when it is added and everything else written by ``save()``.
The layout is described in :mod:`dlcore_static.saved_model`.
"""

from __future__ import annotations

import json
import os

import numpy as np

from . import _format
from .signature_def_utils import SignatureDef, TensorInfo

__all__ = ["SavedModelBuilder"]


class SavedModelBuilder:
    """Builds a SavedModel: one set of variables, one or more tagged meta graphs."""

    def __init__(self, export_dir):
        export_dir = os.fspath(export_dir)
        if os.path.exists(export_dir):
            if os.listdir(export_dir):
                raise AssertionError("Export directory already exists, and isn't empty. Please "
                                     "choose a different export directory, or delete all the "
                                     "contents of the specified directory: " + export_dir)
        else:
            os.makedirs(export_dir)
        self._export_dir = export_dir
        self._has_saved_variables = False
        self._meta_graphs: list = []           # (record, graph doc, constant arrays)

    # -- checks (TensorFlow's)
    @staticmethod
    def _validate_tensor_info(info) -> None:
        if info is None or not isinstance(info, TensorInfo):
            raise AssertionError("All TensorInfo protos used in the SignatureDefs must have "
                                 "the name and dtype fields set.")
        if not info.name:
            raise AssertionError("All TensorInfos in SignatureDefs must have one of the "
                                 f"'encoding' fields (e.g., name or coo_sparse) set: {info}")

    def _validate_signature_def_map(self, signature_def_map, graph) -> dict:
        sigs = dict(signature_def_map or {})
        for key, sig in sigs.items():
            if not isinstance(key, str) or not isinstance(sig, SignatureDef):
                raise TypeError(f"signature_def_map: expected {{str: SignatureDef}}, got "
                                f"{key!r}: {type(sig).__name__}")
            for info in (*sig.inputs.values(), *sig.outputs.values()):
                self._validate_tensor_info(info)
                try:
                    graph.get_tensor_by_name(info.name)
                except (KeyError, ValueError):
                    raise ValueError(f"SignatureDef {key!r} names tensor {info.name!r}, which "
                                     "is not in the graph being saved") from None
        for reserved, what in ((_format.INIT_OP_SIGNATURE_KEY, "initialization"),
                               (_format.TRAIN_OP_SIGNATURE_KEY, "the train op")):
            if reserved in sigs:
                raise KeyError(f'SignatureDef map key "{reserved}" is reserved for {what}. '
                               "Please use a different key.")
        return sigs

    @staticmethod
    def _tags(tags) -> list:
        if isinstance(tags, str) or not all(isinstance(t, str) for t in tags or ()):
            raise TypeError(f"tags must be a list of strings, got {tags!r}")
        return list(tags or [])

    # -- adding meta graphs
    def _add(self, graph, tags, signature_def_map, main_op, clear_devices, assets) -> None:
        from ..saving import graph_to_json
        if assets:
            raise NotImplementedError("SavedModelBuilder: assets_collection (asset files) is "
                                      "not supported")
        tags = self._tags(tags)
        sigs = self._validate_signature_def_map(signature_def_map, graph)
        if main_op is not None and getattr(main_op, "graph", graph) is not graph:
            raise ValueError("main_op must be an op of the graph being saved")
        arrays: dict = {}
        doc = graph_to_json(graph, arrays)           # the structure as it is now
        if clear_devices:
            for rec in doc["ops"]:
                rec["device"] = None
        record = {"tags": tags,
                  "graph": f"{_format.GRAPH_DIR}/{len(self._meta_graphs)}{_format.GRAPH_SUFFIX}",
                  "signature_def": {k: s.to_json() for k, s in sigs.items()},
                  "main_op": None if main_op is None else main_op.name}
        self._meta_graphs.append((record, doc, arrays))

    def add_meta_graph_and_variables(self, sess, tags, signature_def_map=None,
                                     assets_collection=None, legacy_init_op=None,
                                     clear_devices=False, main_op=None,
                                     strip_default_attrs=False, saver=None) -> None:
        """Save the session's variables and its graph under ``tags``."""
        if self._has_saved_variables:
            raise AssertionError("Graph state including variables and assets has already been "
                                 "saved. Please invoke `add_meta_graph()` instead.")
        graph = sess.graph
        self._add(graph, tags, signature_def_map, main_op if main_op is not None else
                  legacy_init_op, clear_devices, assets_collection)
        self._write_variables(sess, graph)
        self._has_saved_variables = True

    def add_meta_graph(self, tags, signature_def_map=None, assets_collection=None,
                       legacy_init_op=None, clear_devices=False, main_op=None,
                       strip_default_attrs=False, saver=None) -> None:
        """Add the default graph under ``tags``, sharing the variables saved already."""
        from ..graph import get_default_graph
        if not self._has_saved_variables:
            raise AssertionError("Graph state including variables and assets has not been "
                                 "saved yet. Please invoke `add_meta_graph_and_variables()` "
                                 "first.")
        self._add(get_default_graph(), tags, signature_def_map, main_op if main_op is not None
                  else legacy_init_op, clear_devices, assets_collection)

    def _write_variables(self, sess, graph) -> None:
        from dlcore.device import to_host

        from .. import checkpoint_format
        from ..errors import FailedPreconditionError
        from ..variables import GLOBAL_VARIABLES
        values = {}
        for v in graph.get_collection(GLOBAL_VARIABLES):
            val = sess.variables.get(v.op)
            if val is None:
                raise FailedPreconditionError(None, v.op, "Attempting to use uninitialized "
                                              f"value {v.op.name}")
            values[v.op.name] = np.asarray(to_host(val))
        if values:                      # TensorFlow writes no checkpoint without variables
            d = os.path.join(self._export_dir, _format.VARIABLES_DIR)
            os.makedirs(d, exist_ok=True)
            checkpoint_format.write_variables(os.path.join(d, _format.VARIABLES_FILE), values)

    # -- writing
    def save(self, as_text: bool = False) -> bytes:
        """Write the meta graphs and the index; returns the index file's path (bytes, as
        TensorFlow returns the ``saved_model.pb`` path)."""
        os.makedirs(os.path.join(self._export_dir, _format.GRAPH_DIR), exist_ok=True)
        for record, doc, arrays in self._meta_graphs:
            payload = np.frombuffer(json.dumps(doc).encode(), dtype=np.uint8)
            with open(os.path.join(self._export_dir, record["graph"]), "wb") as f:
                np.savez(f, __graph__=payload, **arrays)
        index = {"format": _format.FORMAT, "version": _format.VERSION,
                 "meta_graphs": [record for record, _, _ in self._meta_graphs]}
        path = os.path.join(self._export_dir, _format.INDEX)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(index, f, indent=1 if as_text else None)
        return os.fsencode(path)


Builder = SavedModelBuilder
