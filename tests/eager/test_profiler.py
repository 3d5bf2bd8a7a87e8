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
