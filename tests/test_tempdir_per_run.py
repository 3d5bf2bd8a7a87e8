"""tests/conftest.py points the temporary folder of each test process (``tempfile.tempdir``) and of
the processes the tests start (``$TMPDIR``) at one folder of its own, removed when the process
ends: the tutorial programs' ``tempfile.mkdtemp(prefix='fully_connected_feed_')`` folders and the
doctests' ``tempfile.mkdtemp()`` folders were left in /tmp by every run (2,800 in a morning)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

HERE = Path(__file__).resolve()


def test_temporary_files_go_to_the_runs_own_folder(tmp_path):
    folder = tempfile.gettempdir()
    assert os.path.basename(folder).startswith("dlcore-tests-") and os.path.isdir(folder)
    assert os.environ["TMPDIR"] == folder
    made = tempfile.mkdtemp(prefix="runs_")
    assert os.path.dirname(made) == folder
    child = subprocess.run([sys.executable, "-c", "import tempfile; print(tempfile.gettempdir())"],
                           capture_output=True, text=True, check=True)
    assert child.stdout.strip() == folder
    # pytest's own tmp_path folders stay where pytest keeps them (its last three runs')
    assert not str(tmp_path).startswith(folder + os.sep)


@pytest.mark.skipif(os.environ.get("DLCORE_TEST_TEMPDIR_CHILD") is None,
                    reason="run by test_the_folder_is_removed_when_the_run_ends, in a child pytest")
def test_child_leaves_a_folder_behind():
    made = tempfile.mkdtemp(prefix="fully_connected_feed_")
    with open(os.path.join(made, "events.out"), "w") as f:
        f.write("x")
    with open(os.environ["DLCORE_TEST_TEMPDIR_CHILD"], "w") as f:
        f.write(made)


def test_the_folder_is_removed_when_the_run_ends(tmp_path):
    report = tmp_path / "made.txt"
    env = dict(os.environ, DLCORE_TEST_TEMPDIR_CHILD=str(report), TMPDIR=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider",
         "-o", "addopts=", f"{HERE}::test_child_leaves_a_folder_behind"],
        check=False, capture_output=True, text=True, env=env,
        cwd=HERE.parent.parent)
    assert done.returncode == 0, done.stdout + done.stderr
    made = Path(report.read_text())
    assert made.parent.parent == tmp_path and made.name.startswith("fully_connected_feed_")
    assert not made.parent.exists()          # the run's folder, with the program's folder in it
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith("dlcore-tests-")]


def test_folders_of_runs_that_were_killed_are_removed(tmp_path, request):
    conftest = next(p for p in request.config.pluginmanager.get_plugins()
                    if getattr(p, "__file__", None) and Path(p.__file__) == HERE.with_name("conftest.py"))
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()                                   # its pid: a process that has ended
    (tmp_path / f"dlcore-tests-{child.pid}-abc" / "runs_x").mkdir(parents=True)
    (tmp_path / f"dlcore-tests-{os.getpid()}-def").mkdir()      # a live run's: kept
    (tmp_path / "dlcore-tests-other").mkdir()                    # not named by a pid: kept
    conftest._remove_folders_of_ended_runs(str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f"dlcore-tests-{os.getpid()}-def", "dlcore-tests-other"]


def test_the_programs_harness_gives_its_run_a_folder_of_its_own():
    from benchmarks import programs
    before = tempfile.tempdir
    with programs.own_tempdir() as folder:
        assert tempfile.gettempdir() == folder
        made = tempfile.mkdtemp()                 # what a program's checkpoint folder does
        assert os.path.dirname(made) == folder
    assert tempfile.tempdir == before and not os.path.exists(folder)
