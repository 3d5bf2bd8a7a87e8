"""tf.train.Scaffold, the session creators and MonitoredSession(session_creator=...) /
MonitoredTrainingSession(scaffold=...) as TF 1.15 runs them (the scaffold was accepted and
ignored; ChiefSessionCreator did not exist): the pieces found in or added to the graph's
collections by finalize(), which finalizes the graph; init_op with init_feed_dict, then
init_fn(scaffold, session); local_init_op once ready_for_local_init_op is empty; ready_op's
RuntimeError; the scaffold's saver restores and saves; its summary_op is written; the
StepCounterHook only with a summary directory, and the hooks' global-step RuntimeError."""
import os

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static.io.tfrecord import tf_record_iterator


def _events(logdir):
    event_pb2 = pytest.importorskip("tensorboard.compat.proto.event_pb2")
    files = [f for f in os.listdir(logdir) if f.startswith("events.out.tfevents")]
    assert len(files) == 1, files
    return [event_pb2.Event.FromString(r) for r in tf_record_iterator(os.path.join(logdir,
                                                                                   files[0]))]


def test_finalize_finds_or_makes_the_pieces_in_the_collections_and_finalizes_the_graph():
    with tf.Graph().as_default() as g:
        w = tf.Variable(2.0, name="w")
        loc = tf.Variable(3.0, name="loc", collections=[tf.GraphKeys.LOCAL_VARIABLES])
        tf.summary.scalar("w", w)
        sc = tf.train.Scaffold().finalize()
        assert g.finalized
        assert g.get_collection("init_op") == [sc.init_op]
        assert g.get_collection("ready_op") == [sc.ready_op]
        assert g.get_collection("ready_for_local_init_op") == [sc.ready_for_local_init_op]
        assert g.get_collection("local_init_op") == [sc.local_init_op]
        assert g.get_collection("summary_op") == [sc.summary_op]
        assert g.get_collection("savers") == [sc.saver]
        assert sc.init_fn is None and sc.init_feed_dict is None
        with pytest.raises(RuntimeError, match="Graph is finalized and cannot be modified."):
            tf.constant(1.0)
        # a second scaffold takes the same pieces from the collections
        again = tf.train.Scaffold().finalize()
        assert again.init_op is sc.init_op and again.saver is sc.saver
        with tf.Session() as s:
            assert sorted(s.run(sc.ready_op)) == [b"loc", b"w"]
            s.run(sc.init_op)
            assert list(s.run(sc.ready_op)) == [b"loc"]
            assert list(s.run(sc.ready_for_local_init_op)) == []
            s.run(sc.local_init_op)
            assert s.run([w, loc]) == [2.0, 3.0]


def test_get_or_default_refuses_two_items_and_copy_from_scaffold_checks_its_type():
    with tf.Graph().as_default() as g:
        tf.Variable(1.0)
        g.add_to_collection("init_op", tf.no_op(name="a"))
        g.add_to_collection("init_op", tf.no_op(name="b"))
        with pytest.raises(RuntimeError, match='More than one item in the collection "%s"'):
            tf.train.Scaffold().finalize()
        assert not g.finalized
        with pytest.raises(TypeError, match="^copy_from_scaffold is not a Scaffold instance.$"):
            tf.train.Scaffold(copy_from_scaffold=object())
        first = tf.train.Scaffold(init_feed_dict={"x": 1}, init_fn=lambda sc, s: None)
        copy = tf.train.Scaffold(copy_from_scaffold=first, summary_op=None)
        assert copy.init_feed_dict == {"x": 1} and copy.init_fn is not None


def test_chief_session_creator_runs_init_op_with_its_feed_then_init_fn():
    with tf.Graph().as_default() as g:
        p = tf.placeholder(tf.float32, [2])
        v = tf.Variable(lambda: p * 2.0, name="v")
        u = tf.Variable(np.zeros(2, np.float32), name="u")
        calls = []

        def init_fn(scaffold, sess):
            calls.append(scaffold)
            u.load(sess.run(v) + 1.0, sess)

        sc = tf.train.Scaffold(init_op=tf.global_variables_initializer(),
                               init_feed_dict={p: np.array([1.0, 2.0], np.float32)},
                               init_fn=init_fn)
        with tf.train.MonitoredSession(tf.train.ChiefSessionCreator(scaffold=sc)) as sess:
            assert calls == [sc]
            np.testing.assert_array_equal(sess.run(v), [2.0, 4.0])
            np.testing.assert_array_equal(sess.run(u), [3.0, 5.0])
            assert g.finalized
        assert not g.finalized                        # (unfinalized at close, as TF 1.15)


def test_ready_op_reports_what_the_init_op_left_out():
    with tf.Graph().as_default() as g:
        a = tf.Variable(1.0, name="a")
        tf.Variable(2.0, name="b")
        # the default ready_for_local_init_op (all global variables) fails first
        sc = tf.train.Scaffold(init_op=a.initializer)
        with pytest.raises(RuntimeError, match=r"^Init operations did not make model ready for "
                           r"local_init\.  Init op: a/Assign, init fn: None, error: Variables "
                           r"not initialized: b$"):
            tf.train.MonitoredSession(tf.train.ChiefSessionCreator(scaffold=sc))
        assert not g.finalized                        # a failed start leaves the graph as it was
        sc = tf.train.Scaffold(init_op=a.initializer,
                               ready_for_local_init_op=tf.report_uninitialized_variables([a]))
        with pytest.raises(RuntimeError, match=r"^Init operations did not make model ready\.  "
                           r"Init op: a/Assign, init fn: None, local_init_op: .*, error: "
                           r"Variables not initialized: b$"):
            tf.train.MonitoredSession(tf.train.ChiefSessionCreator(scaffold=sc))
        assert not g.finalized
        sc = tf.train.Scaffold(init_op=None, local_init_op=None, init_fn=None)
        sc._init_op = sc._local_init_op = None        # (finalize would make defaults)
        sc.finalize = lambda: sc                      # a scaffold with nothing to initialize
        with pytest.raises(RuntimeError, match="^Model is not initialized and no init_op or "
                           "init_fn or local_init_op was given$"):
            tf.train.ChiefSessionCreator(scaffold=sc).create_session()


def test_local_init_op_waits_for_ready_for_local_init_op():
    with tf.Graph().as_default():
        w = tf.Variable(4.0, name="w")
        loc = tf.Variable(lambda: w.initialized_value() * 0.0, name="loc",
                          collections=[tf.GraphKeys.LOCAL_VARIABLES])
        copy = tf.assign(loc, w * 10.0)
        sc = tf.train.Scaffold(init_op=tf.no_op(name="nothing"), local_init_op=copy.op)
        with pytest.raises(RuntimeError, match=r"^Init operations did not make model ready for "
                           r"local_init\.  Init op: nothing, init fn: None, error: Variables "
                           r"not initialized: w$"):
            tf.train.MonitoredSession(tf.train.ChiefSessionCreator(scaffold=sc))
        sc = tf.train.Scaffold(local_init_op=copy.op)
        with tf.train.MonitoredSession(tf.train.ChiefSessionCreator(scaffold=sc)) as sess:
            assert sess.run(loc) == 40.0              # local_init_op ran after the init op


def _trained(tmp_path):
    step = tf.train.get_or_create_global_step()
    w = tf.Variable(1.0, name="w")
    extra = tf.Variable(5.0, name="extra")
    loss = tf.square(w)
    train = tf.train.GradientDescentOptimizer(0.25).minimize(loss, global_step=step)
    return step, w, extra, loss, train


def test_the_scaffolds_saver_saves_and_restores(tmp_path):
    with tf.Graph().as_default():
        step, w, extra, _loss, train = _trained(tmp_path)
        saver = tf.train.Saver([step, w])                 # extra is not saved
        sc = tf.train.Scaffold(saver=saver)
        with tf.train.MonitoredTrainingSession(checkpoint_dir=str(tmp_path), scaffold=sc,
                                               save_checkpoint_steps=2,
                                               save_summaries_steps=None) as sess:
            for _ in range(3):
                sess.run(train)
            assert sess.run(w) == 0.125
        ckpt = tf.train.latest_checkpoint(str(tmp_path))
        assert ckpt.endswith("model.ckpt-3")
        assert sorted(tf.train.list_variables(ckpt)) == [("global_step", []), ("w", [])]
        # restoring with this saver leaves `extra` uninitialized: ready_op says so
        sc2 = tf.train.Scaffold(saver=saver)
        with pytest.raises(RuntimeError, match="Variables not initialized: extra$"):
            tf.train.MonitoredSession(tf.train.ChiefSessionCreator(
                scaffold=sc2, checkpoint_dir=str(tmp_path)))
        # from an explicit checkpoint file; a restored model runs no init_op nor init_fn, so
        # `extra` is left to the local_init_op, once step and w are ready
        sc3 = tf.train.Scaffold(saver=saver, init_fn=lambda sc, s: extra.load(7.0, s),
                                local_init_op=extra.initializer,
                                ready_for_local_init_op=tf.report_uninitialized_variables(
                                    [step, w]))
        creator = tf.train.ChiefSessionCreator(scaffold=sc3, checkpoint_filename_with_path=ckpt)
        with tf.train.MonitoredSession(creator) as sess:
            assert sess.run([step, w, extra]) == [3, 0.125, 5.0]
        with pytest.raises(ValueError, match="^Can not provide both checkpoint_dir and "
                           "checkpoint_filename_with_path.$"):
            tf.train.ChiefSessionCreator(scaffold=sc3, checkpoint_dir=str(tmp_path),
                                         checkpoint_filename_with_path=ckpt).create_session()


def test_the_scaffolds_summary_op_is_what_monitored_training_session_writes(tmp_path):
    with tf.Graph().as_default():
        _step, _w, _extra, loss, train = _trained(tmp_path)
        tf.summary.scalar("not_this", loss * 100.0)       # merge_all would write this one
        mine = tf.summary.scalar("mine", loss)
        sc = tf.train.Scaffold(summary_op=mine)
        with tf.train.MonitoredTrainingSession(summary_dir=str(tmp_path), scaffold=sc,
                                               save_summaries_steps=2,
                                               log_step_count_steps=None) as sess:
            for _ in range(3):
                sess.run(train)
    got = [(e.step, v.tag, round(v.simple_value, 6)) for e in _events(str(tmp_path))
           for v in e.summary.value]
    assert got == [(1, "mine", 1.0), (3, "mine", 0.0625)]


def test_step_counter_hook_only_with_a_summary_dir_and_its_global_step_error(tmp_path):
    with tf.Graph().as_default() as g:
        w = tf.Variable(1.0)
        train = tf.assign_add(w, 1.0)
        # no summary_dir, no checkpoint_dir: no hook, so no global step needed
        with tf.train.MonitoredTrainingSession() as sess:
            sess.run(train)
            assert sess.run(w) == 2.0
        assert not g.finalized
        with pytest.raises(RuntimeError, match="^Global step should be created to use "
                           "StepCounterHook.$"):
            tf.train.MonitoredTrainingSession(summary_dir=str(tmp_path / "s"))
        assert not g.finalized
        with pytest.raises(RuntimeError, match="^Global step should be created to use "
                           "CheckpointSaverHook.$"):
            tf.train.MonitoredTrainingSession(checkpoint_dir=str(tmp_path / "c"),
                                              log_step_count_steps=None,
                                              save_summaries_steps=None)
    with tf.Graph().as_default():
        _step, w, _extra, _loss, train = _trained(tmp_path)
        with tf.train.MonitoredTrainingSession(summary_dir=str(tmp_path / "rate"),
                                               save_summaries_steps=None,
                                               log_step_count_steps=2) as sess:
            for _ in range(5):
                sess.run(train)
    # (TF's StepCounterHook writes through the cached writer and does not flush it at the end)
    tf.summary.FileWriterCache.get(str(tmp_path / "rate")).flush()
    rates = [(e.step, v.tag) for e in _events(str(tmp_path / "rate")) for v in e.summary.value]
    # the first trigger (step 1) starts the clock; then every 2 global steps
    assert rates == [(3, "global_step/sec"), (5, "global_step/sec")]
    for e in _events(str(tmp_path / "rate")):
        for v in e.summary.value:
            assert v.simple_value > 0


def test_singular_monitored_session_and_the_hooks_order(tmp_path):
    with tf.Graph().as_default():
        _step, w, _extra, _loss, train = _trained(tmp_path)
        order = []

        class Hook(tf.train.SessionRunHook):
            def __init__(self, name):
                self.name = name

            def begin(self):
                order.append(("begin", self.name, tf.get_default_graph().finalized))

            def after_create_session(self, session, coord):
                order.append(("created", self.name, session.run(w)))
                assert isinstance(coord, tf.train.Coordinator)

        with tf.train.SingularMonitoredSession(hooks=[Hook("a"), Hook("b")]) as sess:
            sess.run(train)
            assert sess.raw_session().run(w) == 0.5
        assert order == [("begin", "a", False), ("begin", "b", False),
                         ("created", "a", 1.0), ("created", "b", 1.0)]
        with pytest.raises(ValueError, match="^You cannot provide both saver and scaffold.$"):
            tf.train.CheckpointSaverHook(str(tmp_path), save_steps=1, saver=tf.train.Saver(),
                                         scaffold=tf.train.Scaffold())
