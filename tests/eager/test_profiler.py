"""dlcore_eager.profiler (torch.profiler): the schedule against PyTorch's, events timed and
nested, key_averages/table in PyTorch's format, the apply wrapper put back afterwards."""

import json

import pytest

import dlcore_eager as dl
import dlcore_eager.nn as dnn
from dlcore_eager import _dispatch
from dlcore_eager.profiler import (ProfilerAction, profile, record_function, schedule,
                                   tensorboard_trace_handler)
from dlcore_eager.profiler._events import format_memory, format_time


@pytest.mark.parametrize("kw", [dict(wait=1, warmup=1, active=2, repeat=1),
                                dict(wait=2, warmup=1, active=3, repeat=0, skip_first=3),
                                dict(wait=5, warmup=2, active=1, skip_first=2,
                                     skip_first_wait=1)])
def test_schedule_is_pytorchs(kw):
    torch = pytest.importorskip("torch")
    mine, theirs = schedule(**kw), torch.profiler.schedule(**kw)
    assert [mine(i).name for i in range(40)] == [theirs(i).name for i in range(40)]
    with pytest.raises(AssertionError, match="Invalid profiler schedule arguments"):
        schedule(wait=0, warmup=0, active=0)


def test_formats_are_pytorchs():
    torch_util = pytest.importorskip("torch.autograd.profiler_util")
    for us in (0.5, 12.3456, 999.9994, 1234.5, 2.5e6):
        assert format_time(us) == torch_util._format_time(us)
    for b in (0, 64, -128, 2048, 5 * 1024 ** 2, 3 * 1024 ** 3):
        assert format_memory(b) == torch_util._format_memory(b)


def test_ops_and_regions_nest_and_the_apply_is_restored():
    apply = _dispatch.EagerFrontend.__dict__["apply"]
    m = dnn.Linear(4, 3)
    x = dl.randn(2, 4)
    with profile(record_shapes=True, profile_memory=True) as prof:
        with record_function("outer"):
            with record_function("inner"):
                y = m(x).relu()
            (y * 2).sum()
    assert _dispatch.EagerFrontend.__dict__["apply"] is apply
    ev = {e.name: e for e in prof.events()}
    outer, inner = ev["outer"], ev["inner"]
    assert inner.cpu_parent is outer and inner in outer.cpu_children
    assert outer.start_us <= inner.start_us <= inner.end_us <= outer.end_us
    ops = [e for e in prof.events() if e.name.startswith("aten::")]
    assert ops and all(e.cpu_parent is not None for e in ops)
    assert any(e.input_shapes == [[2, 3]] for e in ops if e.name == "aten::relu")
    assert ev["aten::relu"].cpu_memory_usage == 2 * 3 * 4
    total = sum(e.self_cpu_time_total for e in prof.key_averages())
    assert total == pytest.approx(outer.cpu_time_total, rel=1e-6)
    table = prof.key_averages().table(sort_by="cpu_time_total", row_limit=2)
    lines = table.splitlines()
    assert lines[1].split()[:3] == ["Name", "Self", "CPU"] and "Input Shapes" not in lines[1]
    assert lines[3].split()[0] == "outer" and len(lines) == 2 + 1 + 2 + 2
    assert lines[-1].startswith("Self CPU time total: ")
    assert "Input Shapes" in prof.key_averages(group_by_input_shape=True).table()
    assert dl.randn(3).add(1).shape == (3,)         # (ops after the profile: plain again)


def test_no_profile_records_nothing_and_a_decorated_function_runs():
    @record_function("f")
    def f(t):
        return t + 1
    assert f(dl.ones(2)).tolist() == [2.0, 2.0]
    with profile() as prof:
        f(dl.ones(2))
    assert [e.count for e in prof.key_averages() if e.key == "f"] == [1]


def test_steps_call_on_trace_ready_and_write_chrome_traces(tmp_path):
    seen = []
    sched = schedule(wait=1, warmup=1, active=2, repeat=2)
    handler = tensorboard_trace_handler(str(tmp_path), worker_name="w")
    with profile(schedule=sched, on_trace_ready=lambda p: (seen.append(
            (p.step_num, sorted(e.name for e in p.events() if e.name.startswith("Prof")))),
            handler(p))) as p:
        for _ in range(9):
            dl.ones(2).mul(3)
            p.step()
    assert seen == [(4, ["ProfilerStep#2", "ProfilerStep#3"]),
                    (8, ["ProfilerStep#6", "ProfilerStep#7"])]
    assert [e.key for e in p.key_averages() if e.key.startswith("Prof")] == ["ProfilerStep*"]
    files = sorted(tmp_path.iterdir())
    assert len(files) == 2 and all(f.name.endswith(".pt.trace.json") for f in files)
    names = [e["name"] for e in json.loads(files[0].read_text())["traceEvents"]]
    assert "ProfilerStep#2" in names and "aten::mul" in names
    assert sched(3) is ProfilerAction.RECORD_AND_SAVE


def _thread_profile(m):
    """(ops of the profiling thread, ops of another thread while it profiles) as recorded."""
    import threading
    x = m.ones(8, 8)

    def worker():
        for _ in range(3):
            m.mm(x, x)
    with m.profiler.profile() as prof:
        m.add(x, x)
        t = threading.Thread(target=worker)
        t.start()
        t.join()
    names = {e.name for e in prof.events()}
    return "aten::add" in names, "aten::mm" in names


def test_a_profile_records_only_its_own_thread_as_torch():
    torch = pytest.importorskip("torch")
    assert _thread_profile(dl) == _thread_profile(torch) == (True, False)


def test_each_thread_runs_its_own_profile_and_the_patch_is_counted():
    """(torch's own concurrent profiles crash its process: dlcore's checked alone)"""
    import threading
    apply = _dispatch.EagerFrontend.__dict__["apply"]
    x, got = dl.ones(4), {}

    def other():
        with profile() as p2:
            dl.mul(x, x)
        got["other"] = sorted({e.name for e in p2.events()})
    with profile() as p1:
        t = threading.Thread(target=other)
        t.start()
        t.join()
        dl.sub(x, x)
        assert _dispatch.EagerFrontend.__dict__["apply"] is not apply   # (still patched)
    assert got["other"] == ["aten::mul"]
    assert sorted({e.name for e in p1.events()}) == ["aten::sub"]
    assert _dispatch.EagerFrontend.__dict__["apply"] is apply
    with profile():                     # (torch: the inner one takes the session over)
        with profile():
            assert _dispatch.EagerFrontend.__dict__["apply"] is not apply
    assert _dispatch.EagerFrontend.__dict__["apply"] is apply


def _backward_nodes(m):
    x = m.tensor([[1.0, -2.0], [3.0, 0.5]], requires_grad=True)
    with m.profiler.profile() as prof:
        (x @ x).relu().sum().backward()
    head = "autograd::engine::evaluate_function: "
    evs = prof.events()
    outer = [e.name[len(head):] for e in evs if e.name.startswith(head)]
    inner = [e.name for e in evs if e.name in outer]
    return (sorted(n for n in outer if "AccumulateGrad" not in n), sorted(inner),
            x.grad.tolist())


def test_backward_nodes_are_recorded_under_torch_names():
    torch = pytest.importorskip("torch")
    mine, theirs = _backward_nodes(dl), _backward_nodes(torch)
    assert mine[0] == theirs[0] == ["MmBackward0", "ReluBackward0", "SumBackward0"]
    assert mine[1] == [n for n in theirs[1] if "AccumulateGrad" not in n]   # one inner each
    assert mine[2] == theirs[2]


def test_traces_written_in_one_clock_tick_keep_a_file_each(tmp_path, monkeypatch):
    """tensorboard_trace_handler names files by nanoseconds (PyTorch's names); two traces with
    the same stamp (a clock stuck, as a coarse one is) get two files, not one overwritten."""
    import dlcore_eager.profiler as prof_mod
    monkeypatch.setattr(prof_mod.time, "time_ns", lambda: 1_700_000_000_123_456_789)
    handler = tensorboard_trace_handler(str(tmp_path), worker_name="w")
    sched = schedule(wait=0, warmup=1, active=1, repeat=2)
    with profile(schedule=sched, on_trace_ready=handler) as p:
        for _ in range(5):
            dl.ones(2).mul(3)
            p.step()
    names = sorted(f.name for f in tmp_path.iterdir())
    assert names == ["w.1700000000123456789.pt.trace.json", "w.1700000000123456790.pt.trace.json"]
