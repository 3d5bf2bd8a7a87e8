"""``tf.saved_model.loader``: load a SavedModel's meta graph into a Session.

    with tf.Session(graph=tf.Graph()) as sess:
        meta_graph_def = tf.saved_model.loader.load(sess, [tag_constants.SERVING], export_dir)
        sig = meta_graph_def.signature_def["serving_default"]
        x = sess.graph.get_tensor_by_name(sig.inputs["x"].name)

``load`` finds the meta graph whose tag set equals ``tags``, checks the index, its signatures
and the graph file before anything is added (every signature tensor and the main op must be in
the graph file), rebuilds the graph in ``sess.graph`` with ``import_meta_graph`` (names kept:
a name already in the graph is an error), restores the variables from ``variables/variables``
(all-or-nothing, ``Saver.restore``), runs the meta graph's main op if it has one, and returns a
``MetaGraphDef`` (``meta_info_def.tags``, ``signature_def``).  Nothing in the directory is ever
executed as code: the index is JSON, the graph file JSON and arrays, the values safetensors.
"""

from __future__ import annotations

import os
import re

from dlcore import safe_io

from .._graph_checks import GraphFileError, _bad
from . import _format
from .signature_def_utils import DATA_TYPES, SignatureDef, TensorInfo, TensorShapeProto

__all__ = ["MetaGraphDef", "load", "maybe_saved_model_directory"]

_GRAPH_FILE = re.compile(r"^" + _format.GRAPH_DIR + r"/[0-9]{1,6}" +
                         re.escape(_format.GRAPH_SUFFIX) + r"$")


class MetaInfoDef:
    """``tags``: the meta graph's tag set, as saved."""

    def __init__(self, tags: list):
        self.tags = list(tags)

    def __repr__(self) -> str:
        return "".join(f'tags: "{t}"\n' for t in self.tags)


class MetaGraphDef:
    """What ``load`` returns: ``meta_info_def.tags`` and ``signature_def`` (``{key:
    SignatureDef}``), the fields a client reads to find the tensors to feed and fetch."""

    def __init__(self, tags: list, signature_def: dict):
        self.meta_info_def = MetaInfoDef(tags)
        self.signature_def = dict(signature_def)

    def __repr__(self) -> str:
        return (f"MetaGraphDef(tags={self.meta_info_def.tags}, "
                f"signature_def={sorted(self.signature_def)})")


def maybe_saved_model_directory(export_dir) -> bool:
    """Whether ``export_dir`` holds a SavedModel index."""
    return os.path.isfile(os.path.join(os.fspath(export_dir), _format.INDEX))


# ============================================================================ reading
def _read_index(export_dir: str) -> dict:
    path = os.path.join(export_dir, _format.INDEX)
    if not os.path.isfile(path):
        raise OSError(f"SavedModel file does not exist at: {export_dir}/{{{_format.INDEX}}}")
    with open(path, "rb") as f:
        raw = f.read(_format.MAX_INDEX_BYTES + 1)
    if len(raw) > _format.MAX_INDEX_BYTES:
        _bad(f"the SavedModel index {path!r} is larger than {_format.MAX_INDEX_BYTES} bytes")
    doc = safe_io.json_loads(raw, f"the SavedModel index {path!r}", GraphFileError)
    if not isinstance(doc, dict) or doc.get("format") != _format.FORMAT or \
            doc.get("version") != _format.VERSION:
        _bad(f"{path!r} is not a version-{_format.VERSION} {_format.FORMAT} index")
    mgs = doc.get("meta_graphs")
    if not isinstance(mgs, list) or not 0 < len(mgs) <= _format.MAX_META_GRAPHS:
        _bad(f"{path!r} has no meta graph list")
    for i, mg in enumerate(mgs):
        if not isinstance(mg, dict):
            _bad(f"meta graph {i} of {path!r} is not an object")
        tags, graph, sigs, main = (mg.get(k) for k in ("tags", "graph", "signature_def",
                                                       "main_op"))
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            _bad(f"meta graph {i} of {path!r} has malformed tags")
        if not isinstance(graph, str) or not _GRAPH_FILE.match(graph):
            _bad(f"meta graph {i} of {path!r} names a bad graph file {str(graph)[:80]!r}")
        if not isinstance(sigs, dict) or not (main is None or isinstance(main, str)):
            _bad(f"meta graph {i} of {path!r} has malformed signatures or main op")
    return doc


def _tensor_info(rec, where: str) -> TensorInfo:
    if not isinstance(rec, dict) or not isinstance(rec.get("name"), str) or \
            rec.get("dtype") not in DATA_TYPES:
        _bad(f"{where} is malformed")
    shape = rec.get("shape")
    if shape is not None and (not isinstance(shape, list) or len(shape) > 64 or not all(
            d is None or (isinstance(d, int) and not isinstance(d, bool) and d >= 0)
            for d in shape)):
        _bad(f"{where} has a malformed shape")
    return TensorInfo(rec["name"], DATA_TYPES[rec["dtype"]],
                      TensorShapeProto(shape, unknown_rank=shape is None))


def _signatures(recs: dict) -> dict:
    sigs = {}
    for key, rec in recs.items():
        if not isinstance(rec, dict) or not isinstance(rec.get("method_name"), str) or \
                not isinstance(rec.get("inputs"), dict) or \
                not isinstance(rec.get("outputs"), dict):
            _bad(f"signature {key[:80]!r} is malformed")
        sigs[key] = SignatureDef(
            {k: _tensor_info(v, f"input {k[:80]!r} of signature {key[:80]!r}")
             for k, v in rec["inputs"].items()},
            {k: _tensor_info(v, f"output {k[:80]!r} of signature {key[:80]!r}")
             for k, v in rec["outputs"].items()}, rec["method_name"])
    return sigs


def _check_names(graph_doc: dict, sigs: dict, main_op) -> None:
    """Every signature tensor (with its dtype) and the main op are in the graph file."""
    outputs = {}
    for r in graph_doc.get("ops", []):
        if isinstance(r, dict) and isinstance(r.get("name"), str) and \
                isinstance(r.get("outputs"), list):
            outputs[r["name"]] = r["outputs"]
    for key, sig in sigs.items():
        for info in (*sig.inputs.values(), *sig.outputs.values()):
            op, _, idx = info.name.rpartition(":")
            outs = outputs.get(op)
            if outs is None or not idx.isdigit() or int(idx) >= len(outs):
                _bad(f"signature {key[:80]!r} names tensor {info.name[:80]!r}, which is not "
                     "in the meta graph")
            rec = outs[int(idx)]
            dt = str(rec.get("dtype")) if isinstance(rec, dict) else ""
            dt = "string" if dt == "object" else dt
            if DATA_TYPES.get(dt) != info.dtype:
                _bad(f"signature {key[:80]!r}: tensor {info.name[:80]!r} is {dt}, the "
                     "signature says otherwise")
    if main_op is not None and main_op not in outputs:
        _bad(f"the main op {main_op[:80]!r} is not in the meta graph")


def _has_globals(graph_doc: dict) -> bool:
    colls = graph_doc.get("collections")
    items = colls.get("variables") if isinstance(colls, dict) else None
    return bool(items) if isinstance(items, list) else bool(graph_doc.get("variables"))


def _check_restore(graph_path: str, prefix: str) -> None:
    """Restore into a scratch graph and Session first, so that a checkpoint that does not fit
    (missing, wrong dtype or shape) raises before anything is added to the caller's graph."""
    from ..graph import Graph
    from ..saving import import_meta_graph
    from ..session import Session
    scratch = Graph()
    saver = _global_saver(import_meta_graph(graph_path, graph=scratch), scratch)
    with Session(graph=scratch) as s:
        saver.restore(s, prefix)


def _global_saver(saver, graph):
    """The loaded graph's Saver narrowed to its global variables (the checkpoint holds those;
    local variables are initialised by the main op, as in TensorFlow)."""
    from ..saving import Saver
    from ..variables import GLOBAL_VARIABLES
    wanted = set(graph.get_collection(GLOBAL_VARIABLES))
    # keyed as the loaded Saver (the checkpoint names: unscoped under an import_scope)
    return Saver(var_list={k: v for k, v in saver._vars.items() if v in wanted})


# ============================================================================ load
def load(sess, tags, export_dir, import_scope=None, **saver_kwargs) -> MetaGraphDef:
    """Load the meta graph tagged ``tags`` and its variables into ``sess`` (see the module
    docstring); returns its MetaGraphDef."""
    from .. import checkpoint_format
    from ..saving import _read, import_meta_graph
    export_dir = os.fspath(export_dir)
    index = _read_index(export_dir)
    want = set([tags] if isinstance(tags, str) else tags)
    found = next((mg for mg in index["meta_graphs"] if set(mg["tags"]) == want), None)
    if found is None:
        raise RuntimeError(f"MetaGraphDef associated with tags {str(sorted(want)).strip('[]')} "
                           "could not be found in SavedModel. To inspect available tag-sets in "
                           "the SavedModel, please use the SavedModel CLI: `saved_model_cli`"
                           f"\navailable_tags: {[set(mg['tags']) for mg in index['meta_graphs']]}")
    sigs = _signatures(found["signature_def"])
    graph_path = os.path.join(export_dir, found["graph"])
    graph_doc, _ = _read(graph_path)
    _check_names(graph_doc, sigs, found["main_op"])
    prefix = os.path.join(export_dir, _format.VARIABLES_DIR, _format.VARIABLES_FILE)
    if _has_globals(graph_doc):
        if not checkpoint_format.exists(prefix):
            from ..errors import NotFoundError
            raise NotFoundError(None, None, "Failed to find any matching files for "
                                f"{prefix} (the SavedModel has variables but no checkpoint)")
        _check_restore(graph_path, prefix)
    scope = ""
    if import_scope:            # the scope import_meta_graph will use (unique, as a name scope)
        scope = sess.graph.unique_name(str(import_scope).rstrip("/"), mark_as_used=False) + "/"
    saver = _global_saver(import_meta_graph(graph_path, graph=sess.graph,
                                            import_scope=import_scope), sess.graph)
    if saver._vars:
        saver.restore(sess, prefix)
    if found["main_op"] is not None:
        sess.run(sess.graph.get_operation_by_name(scope + found["main_op"]))
    return MetaGraphDef(found["tags"], sigs)
