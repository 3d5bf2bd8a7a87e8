"""dlcore_eager.utils.benchmark: Measurement's statistics and repr against PyTorch's for the
same raw times; Timer runs the statement in its globals."""

import pytest

from dlcore_eager.utils import benchmark as B


@pytest.mark.parametrize("raw", [[2e-3], [1e-3, 1.1e-3, 1.3e-3, 0.9e-3, 1e-3],
                                 [5e-6, 9e-6, 4e-6, 6e-6, 20e-6, 5e-6]])
def test_measurement_matches_torch(raw):
    tb = pytest.importorskip("torch.utils.benchmark")
    kw = dict(stmt="f(x)", setup="pass", label="L", sub_label="s", description="d",
              num_threads=2)
    mine = B.Measurement(10, raw, B.TaskSpec(**kw))
    theirs = tb.Measurement(number_per_run=10, raw_times=raw,
                            task_spec=tb.utils.common.TaskSpec(**kw))
    assert mine.times == pytest.approx(theirs.times)
    for a in ("median", "mean", "iqr", "has_warnings", "title", "significant_figures"):
        assert getattr(mine, a) == pytest.approx(getattr(theirs, a)), a
    assert repr(mine).splitlines()[1:] == repr(theirs).splitlines()[1:]
    assert B.select_unit(mine.median) == tb.utils.common.select_unit(mine.median)


def test_timer_runs_the_statement_in_its_globals():
    calls = []
    t = B.Timer("f()", globals={"f": lambda: calls.append(1)}, label="x")
    m = t.timeit(5)
    assert m.number_per_run == 5 and len(calls) == 5 + 2        # (two warm-up runs)
    m = t.blocked_autorange(min_run_time=0.001)
    assert m.median > 0 and len(m.times) >= 1
    assert "x" in str(B.Compare([m]))
