"""What tests/conftest.py does for the xdist controller's CPU: an xdist worker's test reports go
to the controller without their ``keywords`` (nothing there reads them), everything it prints and
counts from (the nodeid, location, outcome, longrepr, sections, duration) as pytest encodes it;
the controller, never a worker or a plain run, freezes what it holds at the session's end; and
under the CUDA simulator every process that runs tests, not the controller, switches threads
every 0.2 ms."""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest


def _report() -> pytest.TestReport:
    return pytest.TestReport(
        nodeid="tests/x/test_y.py::test_z[a-1]", location=("tests/x/test_y.py", 4, "test_z[a-1]"),
        keywords={"test_z[a-1]": 1, "parametrize": 1, "a-1": 1, "x": 1, "tests": 1},
        outcome="skipped", longrepr=("tests/x/test_y.py", 5, "Skipped: no GPU"), when="call",
        sections=[("Captured stdout call", "hello\n")], duration=0.25, start=1.0, stop=1.25,
        user_properties=[("k", "v")])


def _encode(request, config):
    return request.config.hook.pytest_report_to_serializable(config=config, report=_report())


def test_a_worker_sends_everything_but_the_keywords(request):
    stock = _encode(request, SimpleNamespace())                   # not a worker: unchanged
    assert stock["keywords"] == _report().keywords
    sent = _encode(request, SimpleNamespace(workerinput={"workerid": "gw0"}))
    assert sent["keywords"] == {}
    assert {k: v for k, v in sent.items() if k != "keywords"} == \
        {k: v for k, v in stock.items() if k != "keywords"}
    got = request.config.hook.pytest_report_from_serializable(config=request.config, data=sent)
    want = _report()
    for name in ("nodeid", "location", "outcome", "longrepr", "when", "sections", "duration",
                 "start", "stop", "user_properties"):
        assert getattr(got, name) == getattr(want, name), name
    assert (got.skipped, got.passed, got.failed) == (True, False, False)


def test_collect_reports_are_left_alone(request):
    rep = pytest.CollectReport("tests/x/test_y.py", "failed", "ImportError: no module", [])
    worker = SimpleNamespace(workerinput={"workerid": "gw0"})
    data = request.config.hook.pytest_report_to_serializable(config=worker, report=rep)
    assert data == request.config.hook.pytest_report_to_serializable(config=SimpleNamespace(),
                                                                      report=rep)
    assert data["longrepr"] == "ImportError: no module"


def _root_conftest(config):
    here = Path(__file__).with_name("conftest.py")
    for plugin in config.pluginmanager.get_plugins():
        if Path(getattr(plugin, "__file__", None) or "/") == here:
            return plugin
    raise AssertionError("tests/conftest.py is not registered")


@pytest.mark.parametrize("worker,xdist,frozen", [(False, True, 1), (True, True, 0),
                                                 (False, False, 0)])
def test_only_the_controller_freezes_at_the_end(request, monkeypatch, worker, xdist, frozen):
    calls = []
    monkeypatch.setattr(gc, "freeze", lambda: calls.append(1))
    config = SimpleNamespace(pluginmanager=SimpleNamespace(
        has_plugin=lambda name: xdist and name == "dsession"))
    if worker:
        config.workerinput = {"workerid": "gw1"}
    _root_conftest(request.config).pytest_sessionfinish(session=SimpleNamespace(config=config))
    assert len(calls) == frozen


def test_the_simulators_switch_interval_in_test_processes_only(request, monkeypatch):
    if os.environ.get("NUMBA_ENABLE_CUDASIM") == "1":
        assert sys.getswitchinterval() == pytest.approx(2e-4)      # this process runs tests
    conftest = _root_conftest(request.config)
    monkeypatch.setenv("NUMBA_ENABLE_CUDASIM", "1")
    calls = []
    monkeypatch.setattr(sys, "setswitchinterval", calls.append)

    registered = []

    def config(worker, dist, tx):
        options = {"dist": dist, "tx": tx}
        made = SimpleNamespace(getoption=lambda name, default=None: options.get(name, default),
                               pluginmanager=SimpleNamespace(
                                   register=lambda plugin, name: registered.append(name)))
        if worker:
            made.workerinput = {"workerid": "gw0"}
        return made

    conftest.pytest_configure(config(False, "loadgroup", ["popen", "popen"]))   # controller
    assert calls == []
    assert registered == ["dlcore_worker_recycler"]     # (the controller's: _xdist_recycle)
    conftest.pytest_configure(config(True, "loadgroup", ["popen", "popen"]))    # a worker
    conftest.pytest_configure(config(False, "no", []))                          # -n 0
    assert calls == [2e-4, 2e-4]
    monkeypatch.setenv("NUMBA_ENABLE_CUDASIM", "0")                             # a real GPU
    conftest.pytest_configure(config(True, "loadgroup", ["popen"]))
    assert calls == [2e-4, 2e-4]
    assert registered == ["dlcore_worker_recycler"]
