"""Hostile files and all-or-nothing state changes (issue 15, items 1, 9 and 10).

* ``import_meta_graph``: every declared shape is checked against what the op derives (the
  issue's ``w/read`` edited to [1e9, 2000] and to [300, 2000]); members nothing references are
  never decompressed; JSON of the wrong structure gives ``GraphFileError``.
* ``dlcore_eager.load``: a tensor referenced 10,000 times is decoded once; overlapping byte
  ranges are refused; wrong structures give the loader's ``ValueError``.
* ``Saver.restore`` and ``Optimizer.load_state_dict`` change nothing when any part is bad.
"""

from __future__ import annotations

import io
import json
import struct
import tracemalloc

import numpy as np
import pytest

import dlcore_eager as dl
import dlcore_static as tf
from dlcore_eager.serialization import LoadError
from dlcore_static import checkpoint_format
from dlcore_static.saving import GraphFileError


# ============================================================================ graph files
def _export(path):
    g = tf.Graph()
    with g.as_default():
        w = tf.Variable(tf.ones((1, 2)), name="w")
        tf.reduce_sum(tf.exp(w * 2), name="y")
        with tf.Session() as s:
            s.run(w.initializer)
            tf.train.export_meta_graph(str(path), sess=s)
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files}
    return json.loads(arrays.pop("__graph__").tobytes()), arrays


def _write(path, doc, arrays, compressed=False, extra=None):
    payload = np.frombuffer(json.dumps(doc).encode(), np.uint8)
    (np.savez_compressed if compressed else np.savez)(path, __graph__=payload, **arrays,
                                                      **(extra or {}))


def _refused(path, pattern=None):
    g = tf.Graph()
    with g.as_default():
        with pytest.raises(GraphFileError, match=pattern):
            tf.train.import_meta_graph(str(path))
        assert g.get_operations() == []


@pytest.mark.parametrize("shape", [[1000000000, 2000], [300, 2000], [2, 1], [1, 2, 1], [2]])
def test_edited_read_shape_is_refused_before_anything_runs(tmp_path, shape):
    doc, arrays = _export(tmp_path / "g.npz")
    for op in doc["ops"]:
        if op["name"] == "w/read":
            op["outputs"][0]["shape"] = shape
    _write(tmp_path / "bad.npz", doc, arrays)
    _refused(tmp_path / "bad.npz", "w/read")


@pytest.mark.parametrize("op_name, shape", [("mul", [1, 3]), ("Exp", [2, 2]), ("y", [1]),
                                            ("w/Assign", [2, 1]), ("ones", [1, 2, 1])])
def test_every_declared_output_must_match_its_rule(tmp_path, op_name, shape):
    doc, arrays = _export(tmp_path / "g.npz")
    for op in doc["ops"]:
        if op["name"] == op_name:
            op["outputs"][0]["shape"] = shape
    _write(tmp_path / "bad.npz", doc, arrays)
    _refused(tmp_path / "bad.npz", "match|declares")


def test_valid_file_still_round_trips(tmp_path):
    _export(tmp_path / "g.npz")
    with tf.Graph().as_default():
        saver = tf.train.import_meta_graph(str(tmp_path / "g.npz"))
        with tf.Session() as s:
            saver.restore(s)
            np.testing.assert_allclose(s.run("y:0"), 2 * np.exp(2.0), rtol=1e-6)


def test_unreferenced_member_is_never_decompressed(tmp_path):
    doc, arrays = _export(tmp_path / "g.npz")
    bomb = np.zeros(64 << 20, np.uint8)             # 64 MiB of zeros: ~64 KiB deflated
    _write(tmp_path / "bomb.npz", doc, arrays, compressed=True, extra={"unused": bomb})
    del bomb
    assert (tmp_path / "bomb.npz").stat().st_size < 1 << 20
    tracemalloc.start()
    try:
        with tf.Graph().as_default():
            tf.train.import_meta_graph(str(tmp_path / "bomb.npz"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20, peak


def test_member_larger_than_declared_is_refused_before_decompression(tmp_path):
    doc, arrays = _export(tmp_path / "g.npz")
    key = next(k for k in arrays if k.startswith("const/"))
    arrays[key] = np.zeros((4096, 4096), np.float32)      # the record still says (1, 2)
    _write(tmp_path / "big.npz", doc, arrays, compressed=True)
    tracemalloc.start()
    try:
        _refused(tmp_path / "big.npz", "expected|declares|shape")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20, peak


def _deep(n):
    v = 0
    for _ in range(n):
        v = {"tuple": [v]}
    return v


WRONG_STRUCTURES = [
    ("ops_dict", lambda d: d.__setitem__("ops", {"a": 1})),
    ("op_list", lambda d: d["ops"].__setitem__(0, [1, 2])),
    ("outputs_str", lambda d: d["ops"][0].__setitem__("outputs", "abc")),
    ("outputs_items", lambda d: d["ops"][0].__setitem__("outputs", [1])),
    ("shape_str", lambda d: d["ops"][0]["outputs"][0].__setitem__("shape", "12")),
    ("shape_float", lambda d: d["ops"][0]["outputs"][0].__setitem__("shape", [1.0, 2])),
    ("shape_neg", lambda d: d["ops"][0]["outputs"][0].__setitem__("shape", [-1, 2])),
    ("shape_bool", lambda d: d["ops"][0]["outputs"][0].__setitem__("shape", [True, 2])),
    ("dtype_list", lambda d: d["ops"][0]["outputs"][0].__setitem__("dtype", [1])),
    ("params_dict_list", lambda d: d["ops"][5].__setitem__("params", {"dict": []})),
    ("attrs_int", lambda d: d["ops"][2].__setitem__("attrs", 7)),
    ("input_short", lambda d: d["ops"][5].__setitem__("inputs", [[0]])),
    ("input_str", lambda d: d["ops"][5].__setitem__("inputs", "x")),
    ("variables_str", lambda d: d.__setitem__("variables", "abc")),
    ("variable_rec_list", lambda d: d.__setitem__("variables", [[1, 2]])),
    ("variable_op_str", lambda d: d["variables"][0].__setitem__("op", "w")),
    ("collections_list", lambda d: d.__setitem__("collections", [1])),
    ("contexts_dict", lambda d: d.__setitem__("contexts", {"a": 1})),
    ("deep_params", lambda d: d["ops"][5].__setitem__("params", {"dict": {"x": _deep(300)}})),
    ("control_str", lambda d: d["ops"][5].__setitem__("control_inputs", "a")),
    ("name_int", lambda d: d["ops"][0].__setitem__("name", 5)),
    ("var_attr_shape", lambda d: d["ops"][1].__setitem__(
        "attrs", {"dict": {"shape": {"tuple": ["a"]}, "dtype": {"dtype": "float32"}}})),
    ("prim_params_junk", lambda d: d["ops"][5].__setitem__(
        "params", {"dict": {"axes": {"tuple": [9]}}})),
    ("prim_params_tensor", lambda d: d["ops"][5].__setitem__(
        "params", {"dict": {"x": {"tensor": [0, 0]}}})),
    ("prim_params_op", lambda d: d["ops"][5].__setitem__("params", {"dict": {"x": {"op": 0}}})),
]


@pytest.mark.parametrize("mutate", [m for _, m in WRONG_STRUCTURES],
                         ids=[n for n, _ in WRONG_STRUCTURES])
def test_wrong_json_structure_gives_graph_file_error(tmp_path, mutate):
    doc, arrays = _export(tmp_path / "g.npz")
    mutate(doc)
    _write(tmp_path / "bad.npz", doc, arrays)
    _refused(tmp_path / "bad.npz")


def test_json_nested_too_deep_for_the_parser(tmp_path):
    doc, arrays = _export(tmp_path / "g.npz")
    raw = json.dumps(doc).replace('"collections": {', '"x": ' + "[" * 100000 + "]" * 100000 +
                                  ', "collections": {')
    np.savez(tmp_path / "deep.npz", __graph__=np.frombuffer(raw.encode(), np.uint8), **arrays)
    _refused(tmp_path / "deep.npz", "JSON")


# ============================================================================ Saver.restore
def _saver_setup():
    g = tf.Graph()
    with g.as_default():
        a = tf.Variable(np.array([1.0, 2.0], np.float32), name="a")
        b = tf.Variable(np.array([[3.0]], np.float32), name="b")
        saver = tf.train.Saver()
        s = tf.Session()
        s.run([a.initializer, b.initializer])
    return g, a, b, saver, s


@pytest.mark.parametrize("values, exc, pattern", [
    ({"a": np.array([9.0, 9.0], np.float32)}, tf.errors.NotFoundError, "Key b not found"),
    ({"a": np.array([9.0, 9.0], np.float32), "b": np.zeros((1,), np.float32)},
     tf.errors.InvalidArgumentError, r"shape of variable b \(\[1,1\]\).*\[1\]"),
    ({"a": np.array([9.0, 9.0], np.float32), "b": np.zeros((64, 64), np.float32)},
     GraphFileError, r"tensor 'b'.*refusing to read it"),      # bounded: never read
    ({"a": np.array([9.0, 9.0], np.float32), "b": np.zeros((1, 1), np.int32)},
     tf.errors.InvalidArgumentError, "expected dtype float32 does not equal original dtype "
     "int32"),
    ({"a": np.array([9.0, 9.0], np.float64), "b": np.zeros((1, 1), np.float32)},
     tf.errors.InvalidArgumentError, "tensor_name = a; expected dtype float32"),
])
def test_restore_is_all_or_nothing(tmp_path, values, exc, pattern):
    g, a, b, saver, s = _saver_setup()
    checkpoint_format.write_variables(str(tmp_path / "ck"), values)
    with g.as_default():
        with pytest.raises(exc, match=pattern):
            saver.restore(s, str(tmp_path / "ck"))
        np.testing.assert_array_equal(s.run(a.value()), [1.0, 2.0])
        np.testing.assert_array_equal(s.run(b.value()), [[3.0]])


# ============================================================================ eager load
def _eager_file(structure, tensors, blob):
    header = json.dumps({"format": "dlcore_eager/1", "structure": structure,
                         "tensors": tensors}).encode()
    return struct.pack("<Q", len(header)) + header + blob


def test_aliasing_bomb_decodes_each_tensor_once():
    data = np.arange(256 * 1024, dtype=np.float32)           # 1 MiB
    tensors = {"0": {"dtype": "F32", "shape": [data.size], "data_offsets": [0, data.nbytes]}}
    raw = _eager_file([{"__tensor__": "0"}] * 10000, tensors, data.tobytes())
    tracemalloc.start()
    try:
        out = dl.load(io.BytesIO(raw))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(out) == 10000 and all(t is out[0] for t in out)
    np.testing.assert_array_equal(out[0].numpy(), data)
    assert peak < 16 << 20, peak                 # ~3 MiB; 10,000 copies would be 10 GiB


def test_overlapping_tensors_are_refused():
    data = np.zeros(1024, np.float32).tobytes()
    tensors = {str(i): {"dtype": "F32", "shape": [1024], "data_offsets": [0, 4096]}
               for i in range(100)}
    raw = _eager_file([{"__tensor__": str(i)} for i in range(100)], tensors, data)
    with pytest.raises(LoadError, match="overlaps"):
        dl.load(io.BytesIO(raw))


def test_save_keeps_aliasing_and_load_restores_it(tmp_path):
    t = dl.ones(3, requires_grad=True)
    dl.save({"a": t, "b": [t, t]}, tmp_path / "x.pt")
    back = dl.load(tmp_path / "x.pt")
    assert back["a"] is back["b"][0] is back["b"][1] and back["a"].requires_grad


EAGER_WRONG = [
    ("tensors_list", [], [1], b""),
    ("structure_bad_dict", {"__dict__": [[{"a": 1}, 2]]}, {}, b""),
    ("dict_entry_short", {"__dict__": [[1]]}, {}, b""),
    ("unknown_object", {"x": 1}, {}, b""),
    ("tensor_name_int", {"__tensor__": 5}, {}, b""),
    ("shape_float", {"__tensor__": "0"}, {"0": {"dtype": "F32", "shape": [1.5],
                                                "data_offsets": [0, 4]}}, b"\0" * 4),
    ("shape_neg", {"__tensor__": "0"}, {"0": {"dtype": "F32", "shape": [-1],
                                              "data_offsets": [0, 4]}}, b"\0" * 4),
    ("offsets_str", {"__tensor__": "0"}, {"0": {"dtype": "F32", "shape": [1],
                                                "data_offsets": "0,4"}}, b"\0" * 4),
    ("past_end", {"__tensor__": "0"}, {"0": {"dtype": "F32", "shape": [4],
                                             "data_offsets": [0, 16]}}, b"\0" * 4),
    ("int_requires_grad", {"__tensor__": "0", "requires_grad": True},
     {"0": {"dtype": "I64", "shape": [1], "data_offsets": [0, 8]}}, b"\0" * 8),
    ("bad_device", {"__tensor__": "0", "device": [1]},
     {"0": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 4),
    ("deep", json.loads("[" * 500 + "]" * 500), {}, b""),
]


@pytest.mark.parametrize("structure, tensors, blob", [c[1:] for c in EAGER_WRONG],
                         ids=[c[0] for c in EAGER_WRONG])
def test_eager_wrong_structure_gives_load_error(structure, tensors, blob):
    with pytest.raises(LoadError, match="dlcore_eager.load: not a valid dlcore_eager file"):
        dl.load(io.BytesIO(_eager_file(structure, tensors, blob)))


def test_eager_header_nested_too_deep_for_the_parser():
    header = b'{"format": "dlcore_eager/1", "tensors": {}, "structure": ' + b"[" * 100000 + \
        b"]" * 100000 + b"}"
    with pytest.raises(LoadError, match="JSON"):
        dl.load(io.BytesIO(struct.pack("<Q", len(header)) + header))


# ============================================================================ optimizer
def _opt():
    dl.manual_seed(0)
    a, b = dl.randn(3, requires_grad=True), dl.randn(2, 2, requires_grad=True)
    opt = dl.optim.Adam([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    (a.sum() + b.pow(2).sum()).backward()
    opt.step()
    return opt


def _opt_snapshot(opt):
    sd = opt.state_dict()
    return ([dict(g) for g in sd["param_groups"]],
            {i: {k: (v.numpy().copy() if hasattr(v, "numpy") else v) for k, v in s.items()}
             for i, s in sd["state"].items()})


@pytest.mark.parametrize("damage, pattern", [
    (lambda sd: sd["param_groups"][1]["params"].append(7), "doesn't match the size"),
    (lambda sd: sd["param_groups"].pop(), "different number of parameter groups"),
    (lambda sd: sd["param_groups"][1].__setitem__("lr", "fast"), "expected a number"),
    (lambda sd: sd["param_groups"][1].__setitem__("betas", (0.9,)), "malformed betas"),
    (lambda sd: sd["state"][1].__setitem__("exp_avg", dl.zeros(5)), "has shape"),
    (lambda sd: sd["state"].__setitem__(9, {}), "unknown parameter index"),
    (lambda sd: sd["param_groups"][1].__setitem__("params", [0]), "repeated parameter index"),
    (lambda sd: sd.pop("state"), "must be a dict"),
])
def test_load_state_dict_is_all_or_nothing(damage, pattern):
    opt = _opt()
    sd = opt.state_dict()
    sd["param_groups"][0]["lr"] = 123.0              # a good change in the first group
    damage(sd)
    before = _opt_snapshot(opt)
    with pytest.raises(ValueError, match=pattern):
        opt.load_state_dict(sd)
    after = _opt_snapshot(opt)
    assert after[0] == before[0] and opt.param_groups[0]["lr"] == 0.1
    assert after[1].keys() == before[1].keys()
    for i in before[1]:
        for k, v in before[1][i].items():
            np.testing.assert_array_equal(after[1][i][k], v)
