"""What the window's first paint imports and reads (issue 11): a real ``socketscope`` process,
offscreen, that reports at its first paint and exits."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / "app"

# Runs the app as ``socketscope --scenario ID``; at the first paint it prints, as JSON, the
# modules imported by then and the modules PySide6 read the source of (its __feature__ scan),
# counted from the moment QApplication is made.
DRIVER = """
import builtins, json, os, sys
import socketscope.ui.app as ui_app
scanned = []
make_app = ui_app._app
def _app(offscreen):
    app = make_app(offscreen)
    feature = sys.modules.get("PySide6.support.feature")
    scan = getattr(feature, "_mod_uses_pyside", None)
    if scan is not None:
        def counted(module):
            scanned.append(getattr(module, "__name__", "?"))
            return scan(module)
        feature._mod_uses_pyside = counted
    return app
ui_app._app = _app
say = builtins.print
def report(*args, **kwargs):
    if args and str(args[0]).startswith("first-paint"):
        say(json.dumps({"modules": sorted(sys.modules), "scanned": scanned}), flush=True)
        os._exit(0)
    say(*args, **kwargs)
builtins.print = report
sys.argv = ["socketscope", "--scenario", sys.argv[1], "--size", "1280x800"]
from socketscope.cli import main
main()
"""


def first_paint(scenario: str) -> dict[str, list[str]]:
    env = {
        **os.environ,
        "PYTHONPATH": str(APP),
        "QT_QPA_PLATFORM": "offscreen",
        "SOCKETSCOPE_EXIT_AFTER_FIRST_PAINT": "1",
    }
    r = subprocess.run(
        [sys.executable, "-c", DRIVER, scenario],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
    assert lines, f"no report at the first paint (exit {r.returncode}):\n{r.stderr}"
    seen: dict[str, list[str]] = json.loads(lines[-1])
    return seen


@pytest.mark.gui
def test_a_one_host_lesson_paints_without_the_wire_package() -> None:
    seen = first_paint("tcp-echo")
    assert "socketscope.ui.mainwindow" in seen["modules"], "the report came from the window"
    wire = [m for m in seen["modules"] if m.startswith("socketscope.engine.wire")]
    assert wire == [], "capture and the two-host network are a run's, not the first paint's"


@pytest.mark.gui
def test_pyside6_reads_none_of_the_windows_modules_before_the_first_paint() -> None:
    seen = first_paint("tcp-echo")
    assert [m for m in seen["scanned"] if m.split(".", 1)[0] == "socketscope"] == []
    assert len(seen["scanned"]) < 10, seen["scanned"]


@pytest.mark.gui
def test_a_two_host_lesson_still_paints_with_its_network() -> None:
    seen = first_paint("udp-reorder")
    assert "socketscope.engine.wire.network" in seen["modules"], "NETWORK is read when declared"


@pytest.mark.gui
def test_the_benchmarks_paint_only_start_exits_at_the_first_paint() -> None:
    """bench/startup.py --instructions counts up to the first paint: with
    SOCKETSCOPE_EXIT_AFTER_FIRST_PAINT=paint the window reports its first paint and exits there,
    before it makes the rest (no "ready") or starts a run host."""
    env = {
        **os.environ,
        "PYTHONPATH": str(APP),
        "QT_QPA_PLATFORM": "offscreen",
        "SOCKETSCOPE_EXIT_AFTER_FIRST_PAINT": "paint",
    }
    r = subprocess.run(
        [sys.executable, "-m", "socketscope", "--scenario", "udp-echo", "--size", "1280x800"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    words = [ln.split()[0] for ln in r.stdout.splitlines() if ln.strip()]
    assert (r.returncode, words) == (0, ["first-paint"]), r.stderr
