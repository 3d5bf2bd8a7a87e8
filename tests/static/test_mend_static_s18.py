"""Session 18 static mends, each against TF 1.15's behaviour (names, values, errors).

RNN cells (TF1's ``LayerRNNCell`` is a ``tf.layers.Layer``): a cell made without a name takes
the class's snake-cased name made unique in the graph (``basic_lstm_cell``,
``basic_lstm_cell_1``); its variable scope is ``variable_scope(None, default_name=name)`` on
its first call, unique in the enclosing scope.  A second ``dynamic_rnn`` without a scope of its
own reopens ``rnn`` (a string scope), whose subscope counts were reset when the first one left
it, so its new cell meets 'Variable rnn/basic_lstm_cell/kernel already exists' in TF1 too (the
well-known error); a cell object used twice shares its variables.
"""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf


def _names():
    return [v.name for v in tf.global_variables()]


def test_cell_names_unique_per_graph():
    a, b = tf.nn.rnn_cell.BasicLSTMCell(5), tf.nn.rnn_cell.BasicLSTMCell(5)
    assert (a.name, b.name) == ("basic_lstm_cell", "basic_lstm_cell_1")
    assert tf.nn.rnn_cell.GRUCell(3).name == "gru_cell"
    assert tf.nn.rnn_cell.LSTMCell(3).name == "lstm_cell"
    assert tf.nn.rnn_cell.GRUCell(3, name="g").name == "g"
    assert tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.GRUCell(3)]).name == "multi_rnn_cell"
    with tf.Graph().as_default():             # a new graph restarts the count
        assert tf.nn.rnn_cell.BasicLSTMCell(5).name == "basic_lstm_cell"


@pytest.mark.parametrize("make, base, leaf", [
    (lambda: tf.nn.rnn_cell.BasicLSTMCell(5), "basic_lstm_cell", "kernel"),
    (lambda: tf.nn.rnn_cell.LSTMCell(5), "lstm_cell", "kernel"),
    (lambda: tf.nn.rnn_cell.GRUCell(5), "gru_cell", "gates/kernel"),
])
def test_second_dynamic_rnn_without_scope_is_tf1s_already_exists(make, base, leaf):
    x = tf.placeholder(tf.float32, [2, 3, 4])
    tf.nn.dynamic_rnn(make(), x, dtype=tf.float32)
    before = _names()
    with pytest.raises(ValueError, match=f"^Variable rnn/{base}/{leaf} already exists, "
                       r"disallowed\. Did you mean to set reuse=True or reuse=tf\.AUTO_REUSE "
                       r"in VarScope\?"):
        tf.nn.dynamic_rnn(make(), x, dtype=tf.float32)
    assert _names() == before


def test_cells_called_in_one_scope_get_unique_scopes():
    x = tf.placeholder(tf.float32, [2, 4])
    with tf.variable_scope("s"):
        c1, c2 = tf.nn.rnn_cell.GRUCell(5), tf.nn.rnn_cell.GRUCell(5)
        c1(x, c1.zero_state(2, tf.float32))
        c2(x, c2.zero_state(2, tf.float32))
    assert _names() == [f"s/{c}/{p}/{k}:0" for c in ("gru_cell", "gru_cell_1")
                        for p in ("gates", "candidate") for k in ("kernel", "bias")]
    a, b = tf.nn.rnn_cell.BasicLSTMCell(3), tf.nn.rnn_cell.BasicLSTMCell(3, name="a")
    a(x, a.zero_state(2, tf.float32))
    b(x, b.zero_state(2, tf.float32))
    b2 = tf.nn.rnn_cell.BasicLSTMCell(3, name="a")     # the same name: made unique, a_1
    b2(x, b2.zero_state(2, tf.float32))
    assert _names()[8:] == ["basic_lstm_cell/kernel:0", "basic_lstm_cell/bias:0",
                            "a/kernel:0", "a/bias:0", "a_1/kernel:0", "a_1/bias:0"]


def test_cell_reused_and_scoped_dynamic_rnns():
    x = tf.placeholder(tf.float32, [2, 3, 4])
    c = tf.nn.rnn_cell.BasicLSTMCell(5)
    o1, _ = tf.nn.dynamic_rnn(c, x, dtype=tf.float32)
    o2, _ = tf.nn.dynamic_rnn(c, x, dtype=tf.float32)      # one cell object: shared weights
    assert _names() == ["rnn/basic_lstm_cell/kernel:0", "rnn/basic_lstm_cell/bias:0"]
    assert o1.name.startswith("rnn/") and o2.name.startswith("rnn_1/")
    with tf.variable_scope("dec"):
        tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicLSTMCell(5), x, dtype=tf.float32)
    tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicLSTMCell(5), x, dtype=tf.float32, scope="enc2")
    with tf.variable_scope(tf.get_variable_scope(), reuse=tf.AUTO_REUSE):
        tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicLSTMCell(5), x, dtype=tf.float32)
    assert _names()[2:] == ["dec/rnn/basic_lstm_cell/kernel:0", "dec/rnn/basic_lstm_cell/bias:0",
                            "enc2/basic_lstm_cell/kernel:0", "enc2/basic_lstm_cell/bias:0"]
    m = tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.GRUCell(2), tf.nn.rnn_cell.GRUCell(2)])
    # a scope given to the call is the cell's scope itself (TF1's _set_scope(scope))
    m(tf.placeholder(tf.float32, [2, 4]), m.zero_state(2, tf.float32), scope="stack")
    assert _names()[6:8] == ["stack/cell_0/gru_cell/gates/kernel:0",
                             "stack/cell_0/gru_cell/gates/bias:0"]


# --- tf.contrib.seq2seq beam search (TF 1.15's beam_search_decoder.py and GatherTree) -----

def _np_gather_tree(step_ids, parent_ids, max_lens, end):
    """TF's GatherTree kernel, a loop per (batch, beam) as it is written in C++."""
    t_max, batch, beam = step_ids.shape
    out = np.full_like(step_ids, end)
    for b in range(batch):
        n = min(t_max, max_lens[b])
        for k in range(beam):
            if n <= 0:
                continue
            out[n - 1, b, k] = step_ids[n - 1, b, k]
            parent = parent_ids[n - 1, b, k]
            for level in range(n - 2, -1, -1):
                out[level, b, k] = step_ids[level, b, parent]
                parent = parent_ids[level, b, parent]
            done = False
            for t in range(n):
                if done:
                    out[t, b, k] = end
                elif out[t, b, k] == end:
                    done = True
    return out


def test_gather_tree_tf_example_and_random_against_the_kernel_loop():
    step = np.array([[[1, 2, 3], [4, 5, 6], [7, 8, 9], [-1, -1, -1]]]).transpose(1, 0, 2)
    parent = np.array([[[0, 0, 0], [0, 1, 1], [2, 1, 2], [-1, -1, -1]]]).transpose(1, 0, 2)
    got = tf.Session().run(tf.contrib.seq2seq.gather_tree(step.astype(np.int32),
                                                          parent.astype(np.int32), [3], 10))
    np.testing.assert_array_equal(got.transpose(1, 0, 2),   # TF's beam_search_ops_test
                                  [[[2, 2, 2], [6, 5, 6], [7, 8, 9], [10, 10, 10]]])
    rng = np.random.RandomState(3)
    step = rng.randint(0, 6, size=(8, 10, 5)).astype(np.int32)
    parent = rng.randint(0, 4, size=(8, 10, 5)).astype(np.int32)
    lens = np.array([0, 1, 2, 4, 7, 8, 9, 10, 11, 0], np.int32)
    s, p, n = (tf.placeholder(tf.int32, sh) for sh in ([None, None, None],) * 2 + ([None],))
    got = tf.Session().run(tf.contrib.seq2seq.gather_tree(s, p, n, 5), {s: step, p: parent,
                                                                         n: lens})
    np.testing.assert_array_equal(got, _np_gather_tree(step, parent, lens, 5))


def test_tile_batch_repeats_each_entry_in_place():
    x = np.arange(12, dtype=np.float32).reshape(2, 3, 2)
    t = tf.contrib.seq2seq.tile_batch((tf.constant(x), tf.constant([7, 8])), 3)
    assert t[0].shape.as_list() == [6, 3, 2] and t[1].shape.as_list() == [6]
    a, b = tf.Session().run(t)
    np.testing.assert_array_equal(a, np.repeat(x, 3, axis=0))
    np.testing.assert_array_equal(b, [7, 7, 7, 8, 8, 8])
    with pytest.raises(ValueError, match="t must have statically known rank"):
        tf.contrib.seq2seq.tile_batch(tf.constant(1.0), 2)


B, K, V, E, U, END, START, T = 2, 3, 6, 4, 5, 1, 0, 6


def _np_log_softmax(z):
    z = z - z.max(-1, keepdims=True)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


def _np_beam_search(enc, emb, w, b, wd, bd, lpw):
    """TF 1.15's _beam_search_step in NumPy (float32), the cell a BasicRNNCell."""
    f32 = np.float32
    h = np.repeat(enc, K, axis=0)
    x = np.broadcast_to(emb[START], (B, K, E))
    lp = np.tile(np.array([0] + [-np.inf] * (K - 1), f32), (B, 1))
    fin = np.tile(np.array([False] + [True] * (K - 1)), (B, 1))
    lens = np.zeros((B, K), np.int64)
    loop_lens = np.zeros((B, K), np.int32)
    rec = {"scores": [], "ids": [], "parents": []}
    low = np.finfo(f32).min
    for t in range(T):
        h2 = np.tanh(np.concatenate([x.reshape(B * K, E), h], 1) @ w + b).astype(f32)
        logits = (h2 @ wd + bd).reshape(B, K, V)
        step = _np_log_softmax(logits.astype(f32))
        eos_row = np.where(np.arange(V) == END, f32(0), low).astype(f32)
        step = np.where(fin[:, :, None], eos_row, step)
        total = lp[:, :, None] + step
        new_len = lens[:, :, None] + (~fin)[:, :, None] * (np.arange(V) != END)
        pen = ((f32(5) + new_len.astype(f32)) ** f32(lpw) / f32(6) ** f32(lpw)) if lpw else 1
        scores = (total / pen).astype(f32).reshape(B, K * V)
        idx = np.argsort(-scores, axis=1, kind="stable")[:, :K]   # top_k: lower index first
        word, par = idx % V, idx // V
        rows = np.arange(B)[:, None]
        lp = total.reshape(B, K * V)[rows, idx]
        prev = fin[rows, par]
        loop_lens = np.where(~fin, t + 1, loop_lens)
        fin = prev | (word == END)
        lens = lens[rows, par] + ~prev
        h = h2.reshape(B, K, U)[rows, par].reshape(B * K, U)
        rec["scores"].append(scores[rows, idx])
        rec["ids"].append(word)
        rec["parents"].append(par)
        x = np.broadcast_to(emb[START], (B, K, E)) if fin.all() else emb[word]
        if fin.all():
            break
    ids = _np_gather_tree(np.array(rec["ids"]), np.array(rec["parents"]), lens.max(1), END)
    return ids.transpose(1, 0, 2), rec, lens, lp, fin, loop_lens


@pytest.mark.parametrize("lpw", [0.0, 0.7])
def test_beam_search_decoder_matches_a_numpy_beam_search(lpw):
    tf.set_random_seed(0)           # (seeded: both finished and unfinished hypotheses below)
    enc = tf.placeholder(tf.float32, [B, U])
    emb = tf.get_variable("emb", [V, E], initializer=tf.random_normal_initializer(seed=1))
    cell = tf.nn.rnn_cell.BasicRNNCell(U)
    out = tf.layers.Dense(V, kernel_initializer=tf.random_normal_initializer(stddev=2., seed=2),
                          bias_initializer=tf.random_normal_initializer(seed=3))
    dec = tf.contrib.seq2seq.BeamSearchDecoder(
        cell, emb, tf.fill([B], START), END, tf.contrib.seq2seq.tile_batch(enc, K), K,
        output_layer=out, length_penalty_weight=lpw)
    o, st, ln = tf.contrib.seq2seq.dynamic_decode(dec, maximum_iterations=T)
    assert isinstance(o, tf.contrib.seq2seq.FinalBeamSearchDecoderOutput)
    assert isinstance(st, tf.contrib.seq2seq.BeamSearchDecoderState)
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    e = np.random.RandomState(0).randn(B, U).astype(np.float32)
    r = s.run({"o": o, "st": st, "ln": ln}, {enc: e})
    ids, rec, lens, lp, fin, loop_lens = _np_beam_search(
        e, *s.run([emb, cell.trainable_variables[0], cell.trainable_variables[1],
                   out.kernel, out.bias]), lpw)
    bo = r["o"].beam_search_decoder_output
    np.testing.assert_array_equal(r["o"].predicted_ids, ids)
    np.testing.assert_array_equal(bo.predicted_ids, np.array(rec["ids"]).transpose(1, 0, 2))
    np.testing.assert_array_equal(bo.parent_ids, np.array(rec["parents"]).transpose(1, 0, 2))
    np.testing.assert_allclose(bo.scores, np.array(rec["scores"]).transpose(1, 0, 2),
                               rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(r["st"].lengths, lens)
    assert r["st"].lengths.dtype == np.int64
    np.testing.assert_allclose(r["st"].log_probs, lp, rtol=1e-5)
    np.testing.assert_array_equal(r["st"].finished, fin)
    np.testing.assert_array_equal(r["ln"], loop_lens)
    assert (ids[:, 0] != END).any() and (ids == END).any()      # hypotheses of both kinds


def test_beam_search_decoder_errors():
    cell, emb = tf.nn.rnn_cell.GRUCell(4), tf.zeros([5, 3])
    with pytest.raises(ValueError, match="start_tokens must be a vector"):
        tf.contrib.seq2seq.BeamSearchDecoder(cell, emb, 0, 1, tf.zeros([6, 4]), 3)
    with pytest.raises(ValueError, match="end_token must be a scalar"):
        tf.contrib.seq2seq.BeamSearchDecoder(cell, emb, [0, 0], [1], tf.zeros([6, 4]), 3)
    with pytest.raises(ValueError, match=r"Unexpected behavior when reshaping between beam "
                       r"width and batch size.*Perhaps you forgot to create a zero_state "
                       r"with batch_size=encoder_batch_size \* beam_width\?"):
        tf.contrib.seq2seq.BeamSearchDecoder(cell, emb, [0, 0], 1, tf.zeros([2, 4]), 3)


# --- missing files and fixed-length records (TF 1.15's kernels) ----------------------------
# A missing file was already TF's NotFoundError on the first get_next (checked here across the
# pipelines).  TF 1.15's FixedLengthRecordReader drops a partial tail WITHOUT an error (its
# ReadNBytes OutOfRange sets at_end; fixed_length_record_reader_op.cc), so the reader keeps
# that; what was wrong: a negative size looped forever instead of TF's InvalidArgumentError.

@pytest.mark.parametrize("make", [
    lambda p: tf.data.TextLineDataset(p),
    lambda p: tf.data.TextLineDataset(p).map(tf.strings.length).batch(2),
    lambda p: tf.data.Dataset.from_tensor_slices([p]).interleave(tf.data.TextLineDataset,
                                                                 cycle_length=1),
    lambda p: tf.data.TextLineDataset(p, compression_type="GZIP").shuffle(4).repeat(),
    lambda p: tf.data.TFRecordDataset(p),
])
def test_missing_file_is_not_found_on_the_first_get_next(make, tmp_path):
    path = str(tmp_path / "missing.txt")
    nxt = make(path).make_one_shot_iterator().get_next()
    with pytest.raises(tf.errors.NotFoundError, match=f"{path}; No such file or directory"):
        tf.Session().run(nxt)


def _tf_fixed_length_records(data: bytes, record, header=0, footer=0, hop=0):
    """TF 1.15's FixedLengthRecordReader::ReadLocked, its lookahead cache step by step."""
    hop = hop or record
    pos, cache, out = header, b"", []
    if len(data) < header:
        return out
    while True:
        if out:
            if hop <= len(cache):
                cache = cache[hop:]
            else:
                pos += hop - len(cache)
                cache = b""
                if pos > len(data):
                    return out
        need = record + footer - len(cache)
        chunk = data[pos:pos + need]
        if len(chunk) < need:                  # ReadNBytes' OutOfRange: at_end, no error
            return out
        pos += need
        cache += chunk
        out.append(cache[:record])


@pytest.mark.parametrize("record, header, footer, hop", [
    (4, 0, 0, 0), (4, 0, 0, 3), (3, 0, 0, 5), (3, 1, 2, 0), (2, 3, 1, 1), (3, 20, 0, 0)])
def test_fixed_length_record_reader_as_tf_kernel(record, header, footer, hop, tmp_path):
    data = bytes(range(10, 31))                            # 21 bytes: partial tails
    path = tmp_path / "r.bin"
    path.write_bytes(data)
    r = tf.FixedLengthRecordReader(record_bytes=record, header_bytes=header,
                                   footer_bytes=footer, hop_bytes=hop)
    q = tf.FIFOQueue(2, tf.string)
    s = tf.Session()
    s.run([q.enqueue_many([[str(path)]]), q.close()])
    k, v = r.read(q)
    got = []
    with pytest.raises(tf.errors.OutOfRangeError):
        while True:
            got.append(s.run([k, v]))
    want = _tf_fixed_length_records(data, record, header, footer, hop)
    assert [g[1] for g in got] == want
    assert [g[0] for g in got] == [f"{path}:{i}".encode() for i in range(len(want))]


def test_fixed_length_record_reader_bad_sizes(tmp_path):
    # TF builds the node; its kernel refuses the size at the first run that reads
    path = tmp_path / "r.bin"
    path.write_bytes(bytes(12))
    q = tf.FIFOQueue(2, tf.string)
    s = tf.Session()
    s.run(q.enqueue_many([[str(path)]]))
    for kw, text in (({"record_bytes": -3}, "^record_bytes must be >= 0 not -3"),
                     ({"record_bytes": 3, "hop_bytes": -1}, "^hop_bytes must be >= 0 not -1"),
                     ({"record_bytes": 0}, "record_bytes must be > 0")):
        k, _ = tf.FixedLengthRecordReader(**kw).read(q)
        with pytest.raises(tf.errors.InvalidArgumentError, match=text) as e:
            s.run(k)
        assert e.value.op is k.op
    assert s.run(q.size()) == 1                         # no file name was taken


# --- .meta files of graphs with tf.Assert and host ops -------------------------------------

def _assert_and_string_graph():
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    a = tf.Assert(tf.reduce_all(x > 0), ["x must be positive:", x], name="pos")
    with tf.control_dependencies([a]):
        y = tf.identity(x * 2, name="y")
    w = tf.Variable(3.0, name="w")
    z = tf.multiply(y, w, name="z")
    sp = tf.placeholder(tf.string, [None], name="s")
    n = tf.strings.length(tf.strings.regex_replace(sp, "a", "bb"), name="n")
    return z, n


def test_meta_graph_with_assert_and_host_ops_round_trips(tmp_path):
    g = tf.Graph()
    with g.as_default():
        _assert_and_string_graph()
        s = tf.Session()
        s.run(tf.global_variables_initializer())
        ck = tf.train.Saver().save(s, str(tmp_path / "ck"), write_meta_graph=True)
    with tf.Graph().as_default():
        saver = tf.train.import_meta_graph(ck + ".meta")
        s = tf.Session()
        saver.restore(s, ck)
        np.testing.assert_array_equal(s.run("z:0", {"x:0": [[1, 2]]}), [[6, 12]])
        np.testing.assert_array_equal(s.run("n:0", {"s:0": [b"abca", b"zz"]}), [6, 2])
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"assertion failed: \[x must be positive:\] \[-1 2\]"):
            s.run("z:0", {"x:0": [[-1, 2]]})
        assert tf.get_default_graph().get_operation_by_name("n").device is not None


def test_meta_graph_with_py_func_is_refused_naming_the_node(tmp_path):
    x = tf.placeholder(tf.float32, [2])
    tf.py_func(lambda v: v + 1, [x], tf.float32, name="pyf")
    with pytest.raises(NotImplementedError, match=r"'PyFunc' nodes is not supported \(node "
                       r"'pyf'\): its Python function cannot be stored"):
        tf.train.export_meta_graph(str(tmp_path / "m.meta"))
    assert not (tmp_path / "m.meta").exists()


def test_meta_graph_with_a_malformed_assert_is_refused(tmp_path):
    import json

    x = tf.placeholder(tf.float32, [2], name="x")
    tf.Assert(tf.reduce_all(x > 0), [x], name="pos")
    path = str(tmp_path / "m.meta")
    tf.train.export_meta_graph(path)
    with np.load(path, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    doc = json.loads(arrays["__graph__"].tobytes())
    op = next(o for o in doc["ops"] if o["type"] == "Assert")
    op["attrs"]["dict"]["parts"] = {"list": [{"tuple": ["t", 5]}]}   # no data tensor 5
    arrays["__graph__"] = np.frombuffer(json.dumps(doc).encode(), np.uint8)
    with open(path, "wb") as f:
        np.savez(f, **arrays)
    with tf.Graph().as_default(), pytest.raises(ValueError, match="'pos': a malformed Assert"):
        tf.train.import_meta_graph(path)


# --- sess.run([train_op, global_step]) ----------------------------------------------------
# Evidence for TF1's answer: a TF1 variable is a ref; fetching it hands out its buffer (the
# executor derefs the ref into a Tensor sharing the buffer), AssignAdd updates that buffer in
# place, and the fetched values are converted after the run: the value after the increment.
# TF's own hooks read ``global_step + 0`` instead, "so that it will create a copy of variable
# as Tensor" (training_util._get_or_create_global_step_read), to see the value before; and
# the tutorials' `_, step = sess.run([train_op, global_step])` logs 1 after the first step.

def test_fetched_global_step_is_the_value_after_the_run(static_passes):
    gs = tf.train.get_or_create_global_step()
    w = tf.Variable(3.0, name="w")
    train = tf.train.GradientDescentOptimizer(0.25).minimize(w * w, global_step=gs)
    before = gs + 0                                   # TF's hooks' read: a copy, taken first
    inc = tf.assign_add(w, 1.0)
    s = tf.Session()                  # (under 'passes': the compiled one-step plans)
    s.run(tf.global_variables_initializer())
    want_w, n = 3.0, 0
    for _ in range(3):
        _, step = s.run([train, gs])
        n += 1
        want_w -= 0.25 * 2 * want_w
        assert step == n and isinstance(step, np.int64)
        assert s.run(gs) == n
        assert s.run([gs.value(), train])[0] == n + 1
        n += 1
        want_w -= 0.25 * 2 * want_w
    np.testing.assert_allclose(s.run(w), want_w, rtol=1e-6)
    got = s.run({"inc": inc, "w": w, "w0": "w:0"})
    assert got["inc"] == got["w"] == got["w0"] == np.float32(want_w + 1)
    assert s.run([train, before])[1] in (n, n + 1)        # (no order: either)
    if static_passes == "passes":
        assert s.plan([train, gs]).one_step
