"""torch.autograd.profiler (PyTorch's legacy profiler API) over dlcore_eager.profiler: the
legacy call forms run, record the region and the ops, and give the same kind of results as
torch's (names, a table, averages)."""

import numpy as np
import pytest

import dlcore_eager as T


def _run(lib):
    x = lib.from_numpy(np.ones((4, 3), np.float32)).requires_grad_(True)
    with lib.autograd.profiler.profile(record_shapes=True, use_cpu=True) as prof:
        with lib.autograd.profiler.record_function("my_region"):
            y = (x * 2.0).sum()
        y.backward()
    names = {e.name for e in prof.function_events}
    avg = prof.key_averages()
    return prof, names, avg


def test_legacy_profile_records_the_region_and_ops():
    prof, names, avg = _run(T)
    assert "my_region" in names
    assert any(n.startswith("aten::") for n in names)
    table = avg.table(sort_by="cpu_time_total", row_limit=5)
    assert "my_region" in table and "Self CPU" in table
    assert prof.total_average().key == "Total"
    assert isinstance(str(prof), str)


def test_disabled_records_nothing():
    x = T.ones(2, requires_grad=True)
    with T.autograd.profiler.profile(enabled=False) as prof:
        (x * 2.0).sum().backward()
    assert len(prof.function_events) == 0
    with T.autograd.profiler.emit_nvtx():
        pass


def test_same_region_name_as_torch():
    torch = pytest.importorskip("torch")
    names_t = _run(torch)[1]
    names_d = _run(T)[1]
    assert "my_region" in names_t and "my_region" in names_d
