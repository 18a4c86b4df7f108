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

from conftest import trace_of
from socketscope.engine import Trace, read_trace, write_trace

APP = str(Path(__file__).resolve().parents[1] / "app")

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="AF_PACKET, Linux")


@pytest.fixture(scope="module")
def echo_trace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tcp-echo, run for real by `socketscope trace`."""
    out = tmp_path_factory.mktemp("packets") / "echo.jsonl"
    trace_of("tcp-echo", out)  # skips where there is no private network: no packets to show
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


def test_packets_sent_after_an_actor_ended_leave_from_its_still_drawn_lifeline(
    qtbot: Any, gui_window: Any, tmp_path: Path
) -> None:
    """Regression: the lifeline of an ended actor stopped at the middle of the last row, and
    the FIN and ACK its kernel exchanged under the last close() hung in the air below it."""
    out = tmp_path / "last.jsonl"
    scenario = Path(__file__).parent / "scenarios" / "client_closes_last.py"
    r = subprocess.run(
        [sys.executable, "-m", "socketscope", "trace", str(scenario), "-o", str(out)],
        env={**os.environ, "PYTHONPATH": APP},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    if not read_trace(out).header["network"]["private"]:
        pytest.skip("no private network on this system: no packets to show")
    w = gui_window
    shown(w, out)
    bar = w.diagram.verticalScrollBar()
    bar.setValue(bar.maximum())  # the end of the run
    w.diagram.repaint()
    packets = placed(w, "packet")
    lifelines = placed(w, "lifeline")
    last_box = max(placed(w, "box"), key=lambda p: p.rect.bottom())
    below = [p for p in packets if p.rect.top() > last_box.rect.bottom()]
    assert below, "the last close()'s FIN is drawn under it"
    for p in below:
        assert p.line is not None
        for end in (p.line.p1(), p.line.p2()):
            on_a_line = [
                ll
                for ll in lifelines
                if abs(ll.rect.center().x() - end.x()) < 3
                and ll.rect.top() - 1 <= end.y() <= ll.rect.bottom() + 1
            ]
            assert on_a_line, f"{p.owner.message or p.owner.seq}: an end at {end} is on no lifeline"


@pytest.fixture(scope="module")
def drop_trace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two hosts; the link drops the 2nd datagram A→B (tests/scenarios/udp_link_drop.py)."""
    out = tmp_path_factory.mktemp("packets") / "drop.jsonl"
    scenario = str(Path(__file__).parent / "scenarios" / "udp_link_drop.py")
    r = subprocess.run(
        [sys.executable, "-m", "socketscope", "trace", scenario, "-o", str(out)],
        env={**os.environ, "PYTHONPATH": APP},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if r.returncode != 0 and "needs two hosts on a private network" in r.stderr:
        pytest.skip("no private network on this system: no two hosts")
    assert r.returncode == 0, r.stderr
    if not (read_trace(out).header.get("capture") or {}).get("available"):
        pytest.skip("no capture on this system: no packets to show")
    return out


def test_a_packet_the_link_dropped_ends_between_the_lanes_in_a_red_cross(
    qtbot: Any, gui_window: Any, drop_trace: Path
) -> None:
    w = gui_window
    shown(w, drop_trace)
    lay = w.diagram.layout_model
    assert len(lay.link_dropped) == 1
    sb = w.diagram.verticalScrollBar()
    lost = []
    for v in range(0, sb.maximum() + 1, 40):  # scroll until the lost packet is on screen
        sb.setValue(v)
        w.diagram.repaint()
        lost = [p for p in placed(w, "packet") if p.owner.seq in lay.link_dropped]
        if lost:
            break
    assert lost, "the dropped datagram is drawn"
    line = lost[0].line
    sender, receiver = (w.diagram.x_of(lay.lanes.index(a)) for a in ("Sender", "Receiver"))
    lo, hi = sorted((sender, receiver))
    assert line.x1() == pytest.approx(sender, abs=1)
    # it ends on the link, well short of the receiver's lifeline, where its ✗ is
    assert lo + 0.2 * (hi - lo) < line.x2() < hi - 0.2 * (hi - lo)
    crosses = [p.rect for p in placed(w, "lost-x")]
    assert any(r.contains(line.p2()) for r in crosses)
    label = next(
        p
        for p in placed(w, "packet-label")
        if p.owner is not None and p.owner.seq == lost[0].owner.seq
    )
    assert label.text.startswith("✗ lost (link dropped it)")
    # the ✗ is red on screen
    img = w.diagram.viewport().grab().toImage()
    at = line.p2().toPoint()
    reds = 0
    for dx in range(-6, 7):
        for dy in range(-6, 7):
            c = img.pixelColor(at.x() + dx, at.y() + dy)
            reds += c.red() > 150 and c.green() < 90 and c.blue() < 90
    assert reds >= 8, reds
    # the delivered ones reach the receiver's lifeline
    delivered = [p for p in placed(w, "packet") if p.owner.seq not in lay.link_dropped]
    receivers_boxes = [b.rect for b in placed(w, "box") if abs(b.rect.center().x() - receiver) < 2]

    def reaches_the_receiver(line: Any) -> bool:
        # its lifeline, or the side of the call it arrived in (one that did not block)
        end = line.p2()
        return abs(end.x() - receiver) < 2 or any(
            min(abs(end.x() - r.left()), abs(end.x() - r.right())) < 3
            and r.top() - 2 <= end.y() <= r.bottom() + 2
            for r in receivers_boxes
        )

    astray = [(p.text, p.line) for p in delivered if not reaches_the_receiver(p.line)]
    assert not astray, (receiver, astray)
    # a click on it: the inspector says where it was captured and what the link did
    qtbot.mouseClick(
        w.diagram.viewport(), Qt.MouseButton.LeftButton, pos=label.rect.center().toPoint()
    )
    pane = w.wire.pane
    assert pane.isVisible()
    said = pane.fields.text()
    assert "on A:eth0" in said and "lost: the link dropped it (the lesson&#x27;s rule 1)" in said
    if delivered:
        qtbot.mouseClick(
            w.diagram.viewport(),
            Qt.MouseButton.LeftButton,
            pos=_free_point(w, delivered[0].owner.seq, delivered[0].line).toPoint(),
        )
        assert re.search("arrived at host B [0-9.]+ ms later", pane.fields.text())


@pytest.fixture(scope="module")
def reorder_trace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """udp-reorder, run for real: the link holds datagram 1 back until 5 has passed."""
    out = tmp_path_factory.mktemp("packets") / "reorder.jsonl"
    r = subprocess.run(
        [sys.executable, "-m", "socketscope", "trace", "udp-reorder", "-o", str(out)],
        env={**os.environ, "PYTHONPATH": APP},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if r.returncode != 0 and "needs two hosts on a private network" in r.stderr:
        pytest.skip("no private network on this system: no two hosts")
    assert r.returncode == 0, r.stderr
    if not (read_trace(out).header.get("capture") or {}).get("available"):
        pytest.skip("no capture on this system: no packets to show")
    return out


def test_a_datagram_the_link_held_back_is_drawn_arriving_when_it_arrived(
    qtbot: Any, gui_window: Any, reorder_trace: Path
) -> None:
    """d1 left first and arrived last: its arrow starts under its sendto() and slants down to
    the Receiver's lifeline below the arrows of the datagrams sent after it."""
    w = gui_window
    shown(w, reorder_trace)
    lay = w.diagram.layout_model
    sent = sorted(
        (e for e in w.session.events if e.kind == "packet" and not e.packet.arrival),
        key=lambda e: e.t,
    )
    assert len(sent) == 5
    d1, later = sent[0], sent[1:]
    lane_r = lay.lanes.index("Receiver")
    sender, receiver = w.diagram.x_of(lay.lanes.index("Sender")), w.diagram.x_of(lane_r)
    sb = w.diagram.verticalScrollBar()
    checked = ends_seen = 0
    for v in range(0, sb.maximum() + 1, 40):  # every frame that draws d1 and a later one
        sb.setValue(v)
        w.diagram.repaint()
        arrows = {p.owner.seq: p.line for p in placed(w, "packet") if not p.owner.packet.arrival}
        if d1.seq not in arrows:
            continue
        line = arrows[d1.seq]
        assert line.x1() == pytest.approx(sender, abs=1)
        # it ends on the Receiver's lifeline, or at the side of the Receiver's call it came into
        # (where this frame shows its end)
        if line.y2() < w.diagram.viewport().height() - w.diagram.row_h / 2:
            boxes = [b.rect.adjusted(-2, -2, 2, 2) for b in placed(w, "box") if b.lane == lane_r]
            at_box = any(r.contains(line.p2()) for r in boxes)
            assert abs(line.x2() - receiver) < 1 or at_box, line
            ends_seen += 1
        for ev in later:
            if ev.seq in arrows:
                other = arrows[ev.seq]
                assert line.y1() < other.y1(), "d1 leaves before the later ones"
                assert line.y2() > max(other.y1(), other.y2()), "and arrives after them"
                checked += 1
    assert checked >= len(later) and ends_seen, (checked, ends_seen)
    # a click on its slanted line, where no box hides it, selects it; a click on a box that
    # hides it selects the box
    line = next(p.line for p in placed(w, "packet") if p.owner.seq == d1.seq)
    boxes = [b for b in placed(w, "box")]
    points = [line.pointAt(i / 40) for i in range(4, 37)]
    free = _free_point(w, d1.seq, line)
    assert w.diagram.item_at(free.x(), free.y()) == ("packet", d1)
    hidden = [(pt, b) for pt in points for b in boxes if b.rect.contains(pt)]
    if hidden:
        pt, _box = hidden[0]
        assert w.diagram.item_at(pt.x(), pt.y())[0] != "packet"
    # its label stays with its start, by the sender, and says what it is
    sb.setValue(0)
    w.diagram.repaint()
    label = next(p for p in placed(w, "packet-label") if p.owner.seq == d1.seq)
    assert label.text == "UDP 2 bytes" and abs(label.rect.right() - sender) < 40
    # the inspector still says what became of it on the link
    qtbot.mouseClick(
        w.diagram.viewport(), Qt.MouseButton.LeftButton, pos=label.rect.center().toPoint()
    )
    assert re.search("arrived at host B [0-9.]+ ms later", w.wire.pane.fields.text())
    # back to before it arrived: it is on the link, its arrow short of the Receiver
    arrival = next(
        i
        for i, e in enumerate(w.session.events)
        if e.kind == "packet" and e.packet.arrival and e.packet.id == d1.packet.id
    )
    w.session.seek(arrival)
    qtbot.waitUntil(lambda: w.diagram.cursor_seq < w.session.events[arrival].seq, timeout=3000)
    w.diagram.repaint()
    flying = next(p for p in placed(w, "packet") if p.owner.seq == d1.seq)
    lo, hi = sorted((sender, receiver))
    assert lo + 0.2 * (hi - lo) < flying.line.x2() < hi - 0.2 * (hi - lo)
    label = next(p for p in placed(w, "packet-label") if p.owner.seq == d1.seq)
    assert label.text == "on the link · UDP 2 bytes"
    assert not placed(w, "lost-x"), "on the link is not lost"


def test_one_host_packets_stay_level_in_their_band(
    qtbot: Any, gui_window: Any, echo_trace: Path
) -> None:
    """No arrival copies on one host: every arrow keeps the slight slope of its slot."""
    w = gui_window
    shown(w, echo_trace)
    assert not w.diagram.layout_model.wire.held
    slot = w.diagram.row_h * 0.62
    lines = [p.line for p in placed(w, "packet")]
    assert lines
    assert all(abs(line.y2() - line.y1()) < slot / 2 for line in lines)


def _free_point(w: Any, seq: int, line: Any) -> Any:
    """A point of packet ``seq``'s line that nothing else is drawn near (no other packet's line
    or label, no box): where a click can only mean that packet. Lines cross where they will,
    from run to run."""
    others = [p.line for p in placed(w, "packet") if p.owner.seq != seq]
    covers = [b.rect for b in placed(w, "box")] + [
        p.rect.adjusted(-4, -4, 4, 4) for p in placed(w, "packet-label") if p.owner.seq != seq
    ]
    points = [line.pointAt(i / 40) for i in range(4, 37)]
    free = [
        pt
        for pt in points
        if not any(r.contains(pt) for r in covers) and all(_distance(o, pt) > 12 for o in others)
    ]
    assert free, "no stretch of the line is clear of other packets"
    return free[len(free) // 2]


def _distance(line: Any, pt: Any) -> float:
    """From a point to the nearest point of a segment."""
    dx, dy = line.x2() - line.x1(), line.y2() - line.y1()
    n = dx * dx + dy * dy
    t = 0.0 if n == 0 else ((pt.x() - line.x1()) * dx + (pt.y() - line.y1()) * dy) / n
    t = min(1.0, max(0.0, t))
    return float(((line.x1() + t * dx - pt.x()) ** 2 + (line.y1() + t * dy - pt.y()) ** 2) ** 0.5)


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


@pytest.mark.gui
def test_a_picture_of_a_step_waits_for_that_steps_packets(qtbot: Any, gui_window: Any) -> None:
    """`socketscope --steps N --screenshot` took its picture as soon as the calls settled; the
    packets of the last steps reach the window tens of milliseconds later, so http-get's
    picture at step 13 said "connected" with no handshake drawn. A run asked for it reports how
    far the capture has written (wire_covered), and the picture waits for that."""
    from socketscope.engine.scenario import get
    from socketscope.ui.app import packets_caught_up, settled, step_n

    w = gui_window
    w.session.wants_wire_covered = True
    w.session.load_scenario(get("tcp-echo"))
    assert step_n(w, 6)  # socket, bind, listen, accept (blocks), socket, connect

    def returned(op: str) -> bool:
        return any(e.kind == "return" and e.op == op for e in w.session.events)

    qtbot.waitUntil(lambda: returned("connect"), timeout=5000)
    capture = w.session.runner.capture
    if not capture or not capture.get("available"):
        pytest.skip("no packet capture on this system")
    assert packets_caught_up(w, 3.0), "the run never said how far its capture had written"
    qtbot.waitUntil(lambda: settled(w), timeout=5000)
    roles = [e.packet.role for e in w.session.events if e.kind == "packet" and e.packet]
    assert roles[:3] == ["syn", "syn-ack", "handshake-ack"], roles
