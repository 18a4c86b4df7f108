"""Installers (packaging/): what can be checked fast, without building anything.

The bundle itself is built and run by `make package-check` (CI); these tests guard the pieces it
depends on: one version, the desktop entry and AppStream data, the icon, and the frozen app's way
of starting a process actor's child.
"""

from __future__ import annotations

import configparser
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import socketscope
from socketscope.engine import Runner, Trace
from socketscope.engine.child import CHILD_FLAG, child_argv
from socketscope.engine.runhost import HOST_FLAG, RunHost, host_argv
from socketscope.engine.scenario import get
from socketscope.ui.app import APP_ID

ROOT = Path(__file__).resolve().parent.parent
LINUX = ROOT / "packaging" / "linux"
ICON = ROOT / "app" / "socketscope" / "resources" / "icons" / "socketscope.svg"
HANGUL = re.compile("[\uac00-\ud7a3]")


def test_the_version_lives_in_socketscope_version_only() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    project = pyproject.split("[project]", 1)[1].split("\n[", 1)[0]
    assert not re.search(r"^version\s*=", project, re.M), "pyproject must not repeat the version"
    assert re.search(r"^dynamic = \[\"version\"\]", project, re.M)
    assert 'version = { attr = "socketscope.__version__" }' in pyproject
    # the .deb script reads it with this pattern (packaging/linux/build-deb.sh)
    init = (ROOT / "app" / "socketscope" / "__init__.py").read_text(encoding="utf-8")
    found = re.findall(r'^__version__ = "(.*)"$', init, re.M)
    assert found == [socketscope.__version__]
    assert "socketscope.__version__" in (ROOT / "packaging" / "socketscope.spec").read_text()


def test_desktop_entry_names_and_comments_in_english_and_korean() -> None:
    path = LINUX / f"{APP_ID}.desktop"
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    entry.read(path, encoding="utf-8")
    d = entry["Desktop Entry"]
    assert d["Type"] == "Application" and d["Exec"] == "socketscope"
    assert d["Icon"] == "socketscope" and d["Terminal"] == "false"
    assert d["Name"] == "SocketScope" and d["Comment"]
    assert HANGUL.search(d["Name[ko]"]) and HANGUL.search(d["Comment[ko]"])
    assert "Education" in d["Categories"].split(";")


def test_appstream_metainfo_matches_the_desktop_entry() -> None:
    root = ET.parse(LINUX / f"{APP_ID}.metainfo.xml.in").getroot()
    lang = "{http://www.w3.org/XML/1998/namespace}lang"
    assert root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable") == f"{APP_ID}.desktop"
    assert root.findtext("provides/binary") == "socketscope"
    ko = [e.text or "" for e in root.iter() if e.get(lang) == "ko"]
    assert any(HANGUL.search(t) for t in ko), "Korean name and summary"
    release = root.find("releases/release")
    assert release is not None and release.get("version") == "@VERSION@"


@pytest.mark.gui
def test_the_window_icon_is_the_svg_and_renders(qapp: object) -> None:
    from PySide6.QtSvg import QSvgRenderer
    from PySide6.QtWidgets import QApplication

    from socketscope.ui.app import _app

    assert QSvgRenderer(str(ICON)).isValid()
    _app(offscreen=True)
    icon = QApplication.windowIcon()
    pixmap = icon.pixmap(32, 32)
    assert not icon.isNull() and not pixmap.isNull() and pixmap.width() == 32
    assert QApplication.desktopFileName() == APP_ID


def test_a_frozen_app_starts_its_own_binary_for_a_child(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(sys, "frozen", raising=False)
    argv = child_argv(7)
    assert argv[0] == sys.executable and argv[1] == "-c" and argv[-1] == "7"
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", "/opt/socketscope/socketscope")
    assert child_argv(7) == ["/opt/socketscope/socketscope", CHILD_FLAG, "7"]


def test_process_actors_run_through_the_entry_points_child_flag(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The frozen path end to end, without PyInstaller: the `socketscope` command stands in for
    the bundle's binary (both run socketscope.cli.main, which hands the flag to child_main)."""
    command = Path(sys.executable).parent / "socketscope"
    assert command.is_file(), "the venv's socketscope command"
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(command))
    runner = Runner(get("signal-cleanup"))
    t = Trace(runner.scenario.header(), runner.run_to_end(timeout=30))
    assert not [e for e in t.of("error") if e.error == "CHILD_FAILED"]
    assert t.of("return", "accept", "Server 1"), "Server 1 ran in a child and made its calls"
    assert t.first("signal", actor="Server 1").actor == "Server 1"
    assert t.first("error", actor="Server 2").error == "SIGKILL"


def test_a_frozen_app_starts_its_own_binary_as_run_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(sys, "frozen", raising=False)
    argv = host_argv(7)
    assert argv[0] == sys.executable and argv[-1] == "7"
    assert argv[-3:-1] == ["-m", "socketscope.engine.runhost"] or argv[1] == "-c"
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", "/opt/socketscope/socketscope")
    assert host_argv(7) == ["/opt/socketscope/socketscope", HOST_FLAG, "7"]


def test_runs_go_through_the_entry_points_run_host_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    """As a frozen app runs: the `socketscope` command (socketscope.cli.main) is started with the
    hidden run-host argument, and its process actors with the child one."""
    command = Path(sys.executable).parent / "socketscope"
    assert command.is_file(), "the venv's socketscope command"
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(command))
    host = RunHost(get("signal-cleanup"))
    t = Trace(host.scenario.header(), host.run_to_end(timeout=30))
    assert host.outcome is not None and host.outcome.how == "finished"
    assert t.first("return", "socket", "Server 1").result is not None
    assert t.of("return", "accept", "Server 1"), "Server 1 ran in a child of the run host"
    assert t.first("error", actor="Server 2").error == "SIGKILL"


def test_readme_states_the_prerequisites_above_the_two_commands() -> None:
    """packaging/linux/verify-readme-setup.sh installs exactly the README's first apt line in a
    bare Debian before `make test`: the line must be there, before the commands, with make and
    python3-venv (a minimal Debian has neither)."""
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    setup = readme.split("## Set-up on a fresh machine", 1)[1].split("\n## ", 1)[0]
    lines = setup.splitlines()
    apt = next(i for i, line in enumerate(lines) if line.startswith("apt-get install"))
    run = next(i for i, line in enumerate(lines) if line.startswith("make run"))
    assert apt < run
    assert {"make", "python3-venv"} <= set(lines[apt].split("#")[0].split())


def test_setup_rebuilds_a_half_made_venv(tmp_path: Path) -> None:
    """A first try without python3-venv leaves a .venv with no pip that later runs trusted ("No
    module named pip"). The set-up must rebuild it. Offline (no package index), the install then
    fails, and must leave no stamp, so the next run installs again."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    root = Path(__file__).parents[1]
    env = {
        **os.environ,
        "VENV": str(venv),
        "PYTHON": sys.executable,
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": "",
    }
    r = subprocess.run(
        ["bash", str(root / "scripts" / "setup.sh")],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert "half-made" in r.stdout, r.stdout + r.stderr
    assert r.returncode != 0  # the install cannot reach an index
    pip = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "--version"], check=False)
    assert pip.returncode == 0, "the rebuilt venv has pip"
    assert not (venv / ".socketscope-installed").exists()
