"""The window shows the real packets under the calls that caused them, a click shows a packet's
bytes, P toggles calls only / calls + packets, and a run without packets says why."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from socketscope.engine import Trace, read_trace, write_trace

APP = str(Path(__file__).resolve().parents[1] / "app")

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="AF_PACKET, Linux")


@pytest.fixture(scope="module")
def echo_trace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tcp-echo, run for real by `socketscope trace`."""
    out = tmp_path_factory.mktemp("packets") / "echo.jsonl"
    r = subprocess.run(
        [sys.executable, "-m", "socketscope", "trace", "tcp-echo", "-o", str(out)],
        env={**os.environ, "PYTHONPATH": APP},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    if not read_trace(out).header["network"]["private"]:
        pytest.skip("no private network on this system: no packets to show")
    return out


def shown(w: Any, echo_trace: Path) -> None:
    w.resize(1920, 1080)
    w.session.load_trace(str(echo_trace))
    w.session.seek(len(w.session.events))
    w.diagram.follow = False
    w.diagram.verticalScrollBar().setValue(0)
    w.diagram.repaint()


def placed(w: Any, kind: str) -> list[Any]:
    return [p for p in w.diagram.placed if p.kind == kind]


def test_each_packet_is_drawn_under_the_call_that_caused_it_and_a_click_shows_its_bytes(
    qtbot: Any, gui_window: Any, echo_trace: Path
) -> None:
    w = gui_window
    shown(w, echo_trace)
    labels = placed(w, "packet-label")
    texts = [p.text for p in labels]
    assert texts[0].startswith("SYN seq=0 win=")
    assert texts[1].startswith("SYN+ACK seq=0 ack=1 win=")
    assert texts[2].startswith("ACK seq=1 ack=1 win=")
    assert any("len=13" in t for t in texts)
    # the handshake's three packets lie under connect()'s box, above the next row's boxes
    connect = next(p for p in placed(w, "box") if p.text.startswith("connect("))
    below = [p for p in placed(w, "box") if p.rect.top() > connect.rect.bottom()]
    nxt = min(p.rect.top() for p in below)
    for lab in labels[:3]:
        assert connect.rect.bottom() <= lab.rect.top() and lab.rect.bottom() <= nxt
    # real packets on screen: the guessed kernel arrows are not drawn
    assert not any("inferred" in p.text for p in placed(w, "arrow-label"))
    # a click on the data segment: its header fields and its bytes in the inspector
    data = next(p for p in labels if "len=13" in p.text)
    qtbot.mouseClick(
        w.diagram.viewport(), Qt.MouseButton.LeftButton, pos=data.rect.center().toPoint()
    )
    pane = w.wire.pane
    assert pane.isVisible() and "len=13" in pane.title()
    assert pane.hex.data.endswith(b"hello, server")
    assert "send()" in pane.fields.text()
    # P: calls only, with the inferred handshake arrow back, labelled so
    qtbot.keyClick(w.diagram, Qt.Key.Key_P)
    assert not w.wire.act_packets.isChecked()
    w.diagram.repaint()
    assert placed(w, "packet-label") == []
    assert "SYN · SYN-ACK · ACK (kernel, inferred)" in [p.text for p in placed(w, "arrow-label")]
    qtbot.keyClick(w.diagram, Qt.Key.Key_P)
    w.diagram.repaint()
    assert placed(w, "packet-label")


def test_a_call_lists_the_packets_it_caused(qtbot: Any, gui_window: Any, echo_trace: Path) -> None:
    w = gui_window
    shown(w, echo_trace)
    connect = next(p for p in placed(w, "box") if p.text.startswith("connect("))
    qtbot.mouseClick(
        w.diagram.viewport(), Qt.MouseButton.LeftButton, pos=connect.rect.center().toPoint()
    )
    pane = w.wire.pane
    assert pane.isVisible() and pane.title() == "Packets connect() caused: 3"
    assert re.search("SYN seq=0.*SYN\\+ACK.*ACK seq=1", pane.fields.text())


def test_a_calls_only_trace_says_why_in_the_windows_language(
    qtbot: Any, gui_window: Any, tmp_path: Path
) -> None:
    src = tmp_path / "calls.jsonl"
    header = {
        "scenario": "tcp-echo",
        "actors": ["Server", "Client"],
        "network": {"private": False, "reason": "userns-disabled", "detail": "errno 28"},
        "capture": {"available": False, "reason": "no-private-network"},
    }
    with src.open("w", encoding="utf-8") as f:
        write_trace(Trace(header, []), f)
    w = gui_window
    w.session.load_trace(str(src))
    assert w.wire.banner_bar.isVisible()
    text = w.wire.banner.text()
    assert "no packets" in text and "user.max_user_namespaces" in text and "sysctl" in text
    w.set_language("ko")
    assert "패킷" in w.wire.banner.text() and "sysctl" in w.wire.banner.text()


WINDOW_RUN = """
import json
from socketscope.ui.app import _app, run_to_end
_app(True)
from socketscope.engine.scenario import get
from socketscope.ui.mainwindow import MainWindow
w = MainWindow(); w.persist = False; w.diagram.animate = False; w.show()
w.session.load_scenario(get("tcp-echo"))
ok = run_to_end(w)
print(json.dumps({"ok": ok, "banner": w.wire.banner.text(),
                  "shown": w.wire.banner_bar.isVisible(),
                  "packets": sum(1 for e in w.session.events if e.kind == "packet")}))
w.close()
"""


@pytest.mark.skipif(shutil.which("unshare") is None, reason="util-linux unshare")
def test_with_user_namespaces_forbidden_a_live_run_is_calls_only_and_the_window_says_why(
    tmp_path: Path,
) -> None:
    """user.max_user_namespaces=0, for real, inside a namespace of the test's own."""
    probe = subprocess.run(["unshare", "-rn", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip("cannot make the outer namespace that forbids the inner one")
    run = " ".join(shlex.quote(a) for a in [sys.executable, "-c", WINDOW_RUN])
    r = subprocess.run(
        ["unshare", "-Ur", "sh", "-c", f"echo 0 > /proc/sys/user/max_user_namespaces && {run}"],
        env={
            **os.environ,
            "PYTHONPATH": APP,
            "QT_QPA_PLATFORM": "offscreen",
            "SOCKETSCOPE_SETTINGS": str(tmp_path / "settings.ini"),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["ok"] and out["packets"] == 0
    assert out["shown"] and "user.max_user_namespaces = 0" in out["banner"]


def test_file_export_writes_the_packets_as_pcapng(
    qtbot: Any, gui_window: Any, echo_trace: Path, tmp_path: Path
) -> None:
    import pcapng  # type: ignore[import-untyped]

    w = gui_window
    shown(w, echo_trace)
    assert w.wire.act_export in w.export_menu.actions()
    assert w.wire.act_export.text() == "Packets as pcapng (Wireshark)…"
    out = tmp_path / "run.pcapng"
    assert w.export_to("pcapng", str(out))
    with out.open("rb") as f:
        blocks = [b for b in pcapng.FileScanner(f) if isinstance(b, pcapng.blocks.EnhancedPacket)]
    assert len(blocks) == w.session.trace.header["capture"]["packets"]


def test_the_packets_toggle_works_before_the_panels_are_made(qtbot: Any, echo_trace: Path) -> None:
    """Start-up speed (issue 11): until the panels behind the first paint are made, the packets
    toggle's place holds a twin with its key (P); using it makes the panels and toggles the real
    one, which then sits in the same place."""
    from socketscope.ui.mainwindow import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.persist = False
    w.session.load_trace(str(echo_trace))
    assert w.panels_if_built("wire") is None
    twin = w.packets_slot[1]
    assert twin.shortcut().toString() == "P" and twin.isEnabled() and twin.isChecked()
    place = w.toolbar.actions().index(twin)
    twin.trigger()  # what P or a click on it does
    qtbot.waitUntil(lambda: w.panels_if_built("wire") is not None, timeout=5000)
    qtbot.waitUntil(lambda: not w.wire.act_packets.isChecked(), timeout=5000)
    assert w.toolbar.actions().index(w.wire.act_packets) == place
    assert twin not in w.toolbar.actions()
    w.close()
