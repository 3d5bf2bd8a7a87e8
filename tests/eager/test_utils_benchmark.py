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


def _cells(text: str) -> list[str]:
    rows = [ln.split("|")[1:] for ln in text.splitlines() if "|" in ln][1:]
    return [c.strip() for row in rows for c in row]


@pytest.mark.parametrize("trim,highlight", [(False, False), (True, False), (True, True)])
def test_compare_cells_follow_trim_and_highlight_as_torch(trim, highlight):
    """The table's cells (medians in the block's unit) are torch's: one decimal, or rounded
    to each measurement's significant figures with trim_significant_figures, and the spread
    of a noisy measurement with highlight_warnings."""
    tb = pytest.importorskip("torch.utils.benchmark")
    runs = [("a", "x", [1.234e-3, 1.236e-3, 1.235e-3, 1.237e-3, 1.233e-3]),
            ("b", "x", [5.1e-3, 9.7e-3, 2.2e-3, 7.4e-3, 4.0e-3]),
            ("a", "y", [12.34e-3, 12.31e-3, 12.38e-3, 12.33e-3, 12.36e-3]),
            ("b", "y", [0.2e-3, 0.21e-3, 0.2e-3, 0.22e-3, 0.2e-3])]
    tables = []
    for mod in (B, tb):
        ms = [mod.Measurement(1, times, mod.TaskSpec("f()", "pass", label="L", sub_label=sub,
                                                     description=desc))
              for sub, desc, times in runs]
        cmp = mod.Compare(ms)
        if trim:
            cmp.trim_significant_figures()
        if highlight:
            cmp.highlight_warnings()
        tables.append(_cells(str(cmp)))
    assert tables[0] == tables[1]
