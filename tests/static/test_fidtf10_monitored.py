"""tf.train.MonitoredSession as TF 1.15's _RecoverableSession/_CoordinatedSession/_HookedSession
chain: an AbortedError or UnavailableError of a run (or of making the Session) closes the
Session and makes a new one with the same creator (restored from the latest checkpoint), the
run retried; SingularMonitoredSession raises it.  run_step_fn(step_fn) with a StepContext
(session, run_with_hooks, request_stop -> StopIteration).  (dlcore had neither: the
AbortedError went to the caller, run_step_fn was missing.)"""
import numpy as np
import pytest

import dlcore_static as tf


class _Recorder(tf.train.SessionRunHook):
    def __init__(self, abort_at=()):
        self.calls, self.abort_at, self.runs = [], set(abort_at), 0

    def begin(self):
        self.calls.append("begin")

    def after_create_session(self, session, coord):
        self.calls.append("after_create_session")

    def before_run(self, run_context):
        self.calls.append("before_run")

    def after_run(self, run_context, run_values):
        self.runs += 1
        self.calls.append("after_run")
        if self.runs in self.abort_at:
            raise tf.errors.AbortedError(None, None, "preempted")

    def end(self, session):
        self.calls.append("end")


def test_an_aborted_run_recreates_the_session_from_the_checkpoint_and_runs_again(tmp_path):
    with tf.Graph().as_default():
        step = tf.train.get_or_create_global_step()
        v = tf.Variable(1.0, name="v")
        train = tf.group(v.assign(v * 2.0), step.assign_add(1))
        scaffold = tf.train.Scaffold(saver=tf.train.Saver())
        creator = tf.train.ChiefSessionCreator(scaffold=scaffold,
                                               checkpoint_dir=str(tmp_path))
        saver_hook = tf.train.CheckpointSaverHook(str(tmp_path), save_steps=1,
                                                  scaffold=scaffold)
        rec = _Recorder(abort_at={3})
        with tf.train.MonitoredSession(session_creator=creator,
                                       hooks=[saver_hook, rec]) as sess:
            first = sess._tf_sess()
            for _ in range(4):
                sess.run(train)
            second = sess._tf_sess()
            assert second is not first and first._closed
            # runs 1, 2 saved at steps 1 and 2 (v = 4); run 3 aborted after its update (v = 8,
            # step 3 saved by the saver hook, which ran before the recorder); the new Session
            # restored step 3 (v = 8) and ran the run again (v = 16), then run 4 (v = 32)
            assert sess.run([v, step]) == [32.0, 5]
        assert rec.calls == (["begin", "after_create_session"]
                             + ["before_run", "after_run"] * 3
                             + ["after_create_session"]
                             + ["before_run", "after_run"] * 3 + ["end"])


def test_singular_monitored_session_raises_the_aborted_error():
    with tf.Graph().as_default():
        x = tf.constant(3.0)
        rec = _Recorder(abort_at={1})
        with pytest.raises(tf.errors.AbortedError, match="preempted"), \
                tf.train.SingularMonitoredSession(hooks=[rec]) as sess:
            sess.run(x)
        assert rec.calls == ["begin", "after_create_session", "before_run", "after_run"]


class _FlakyCreator(tf.train.SessionCreator):
    def __init__(self, failures):
        self.failures, self.made = failures, 0

    def create_session(self):
        self.made += 1
        if self.failures:
            self.failures -= 1
            raise tf.errors.UnavailableError(None, None, "ps unreachable")
        return tf.train.ChiefSessionCreator().create_session()


def test_an_unavailable_error_while_making_the_session_is_retried():
    with tf.Graph().as_default():
        x = tf.constant([1.0, 2.0])
        creator = _FlakyCreator(2)
        with tf.train.MonitoredSession(session_creator=creator) as sess:
            np.testing.assert_array_equal(sess.run(x), [1.0, 2.0])
        assert creator.made == 3


def test_run_step_fn_with_session_run_with_hooks_and_request_stop():
    with tf.Graph().as_default():
        c = tf.placeholder(tf.float32)
        v = tf.add(c, 4.0)
        w = tf.add(c, 0.5)
        rec = _Recorder()
        seen = []

        def step_fn(step_context):
            a = step_context.session.run(fetches=v, feed_dict={c: 0.5})   # no hooks
            seen.append(a)
            if len(seen) == 3:
                step_context.request_stop()
            return step_context.run_with_hooks(fetches=w, feed_dict={c: 0.1})

        results = []
        with tf.train.MonitoredSession(hooks=[rec]) as session:
            while not session.should_stop():
                results.append(session.run_step_fn(step_fn))
        assert seen == [4.5, 4.5, 4.5]
        np.testing.assert_allclose(results, [0.6, 0.6], rtol=1e-6)
        assert rec.calls.count("before_run") == 2 and rec.calls[-1] == "end"

        class Trainer:
            def step(self, step_context):
                return step_context.session.run(v, {c: 1.0})

        with tf.train.SingularMonitoredSession() as session:
            assert session.run_step_fn(Trainer().step) == 5.0
            assert session.run_step_fn(lambda step_context: 7) == 7
            with pytest.raises(StopIteration, match="step_fn has requested the iterations "
                                                    "to stop."):
                session.run_step_fn(lambda step_context: step_context.request_stop())
            with pytest.raises(ValueError, match=r"^`step_fn` may either have one "
                               r"`step_context` argument, or `self` and `step_context` "
                               r"arguments if it's an instance method\. Got \('ctx',\) "
                               r"instead\.$"):
                session.run_step_fn(lambda ctx: None)


def test_run_step_fn_is_retried_on_a_new_session_after_an_aborted_error():
    with tf.Graph().as_default():
        x = tf.constant(2.0)
        calls = []

        def step_fn(step_context):
            calls.append(step_context.session)
            if len(calls) == 1:
                raise tf.errors.AbortedError(None, None, "aborted")
            return step_context.run_with_hooks(x)

        with tf.train.MonitoredSession() as sess:
            assert sess.run_step_fn(step_fn) == 2.0
        assert len(calls) == 2 and calls[0] is not calls[1] and calls[0]._closed


def test_should_stop_is_not_set_by_an_out_of_range_run():
    with tf.Graph().as_default():
        it = tf.data.Dataset.from_tensor_slices(np.arange(2.0)).make_one_shot_iterator()
        nxt = it.get_next()
        with tf.train.MonitoredSession() as sess:
            assert [sess.run(nxt), sess.run(nxt)] == [0.0, 1.0]
            with pytest.raises(tf.errors.OutOfRangeError):
                sess.run(nxt)
            assert not sess.should_stop()               # TF: only the with block ends
        assert sess.should_stop()


def test_a_failed_recreation_raises_its_own_error_not_session_closed():
    # (review21 R1: leaving the with block after the recovery's new Session failed raised
    # RuntimeError('Session is already closed.') in place of the creator's error)
    class Creator(tf.train.SessionCreator):
        made = 0

        def create_session(self):
            Creator.made += 1
            if Creator.made == 2:
                raise ValueError("restore failed: bad checkpoint")
            return tf.train.ChiefSessionCreator().create_session()

    with tf.Graph().as_default():
        x = tf.constant(1.0)
        with pytest.raises(ValueError, match="^restore failed: bad checkpoint$"), \
                tf.train.MonitoredSession(session_creator=Creator(),
                                          hooks=[_Recorder(abort_at={1})]) as sess:
            sess.run(x)
        assert sess.should_stop()
        with pytest.raises(RuntimeError, match="Session is already closed."):
            sess.close()
