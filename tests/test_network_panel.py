"""The network panel: the weather chosen in the window reaches the next run of a two-host lesson,
and the diagram shows the link as the run had it (real clicks, real runs, real pixels)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot

from socketscope.engine.scenario import get
from socketscope.model.network import weather_text
from socketscope.ui.mainwindow import MainWindow

pytestmark = [
    pytest.mark.gui,
    # the panel is a popup: the offscreen plugin cannot grab the keyboard for it (not our warning)
    pytest.mark.qt_log_ignore("This plugin does not support grabbing the keyboard"),
    pytest.mark.skipif(
        not sys.platform.startswith("linux")
        or subprocess.run(["unshare", "-rn", "true"], capture_output=True, check=False).returncode
        != 0,
        reason="two-host lessons need unprivileged user + network namespaces",
    ),
]


def _open_panel(qtbot: QtBot, w: MainWindow) -> None:
    button = w.network_button
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.network_panel.isVisible(), timeout=3000)


def _type_value(qtbot: QtBot, w: MainWindow, name: str, text: str) -> None:
    spin = w.network_panel.spins[name]
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, text)


def test_the_weather_chosen_reaches_the_next_run_and_the_diagram(
    qtbot: QtBot, gui_window: MainWindow
) -> None:
    w = gui_window
    w.session.load_scenario(get("udp-reorder"))
    _open_panel(qtbot, w)
    # the panel starts from the lesson's own link: no loss, no delay
    assert w.network_panel.spins["loss"].isEnabled()
    assert w.network_panel.spins["loss"].value() == 0.0
    _type_value(qtbot, w, "delay_ms", "30")
    _type_value(qtbot, w, "duplicate", "5")
    qtbot.mouseClick(w.network_panel.apply_button, Qt.MouseButton.LeftButton)
    assert w.session.weather is not None and w.session.weather["delay_ms"] == 30.0
    # applying restarted the lesson: its run host has the new link, the lesson's rules kept
    qtbot.waitUntil(lambda: "network" in w.session.trace.header, timeout=5000)
    link = w.session.trace.header["network"]["link"]
    assert link["delay_ms"] == 30.0 and link["duplicate"] == 5.0
    assert [r["do"] for r in link["rules"]] == ["delay", "duplicate"]
    w.speed.setValue(100)
    with qtbot.waitSignal(w.session.runFinished, timeout=15000):
        w.session.toggle_run()
    got = [
        bytes.fromhex(e.data or "")
        for e in w.session.trace.of("return", "recvfrom", "Receiver")
        if e.ok
    ]
    assert sorted(set(got)) == [b"d1", b"d2", b"d3", b"d4", b"d5"], "every datagram arrived"
    # the diagram's link strip says what the run had
    assert "delay 30 ms" in weather_text(w.session.layout.link)
    d = w.diagram
    img = QImage(d.viewport().size(), QImage.Format.Format_ARGB32)
    d.viewport().render(img)
    y = int(d._lane_header_h + d._link_h / 2)
    x0, x1 = int(d.x_of(0)), int(d.x_of(1))
    ink = QColor(d.colors().paper).rgb()
    drawn = sum(1 for x in range(min(x0, x1), max(x0, x1)) if img.pixel(x, y) != ink)
    assert drawn > abs(x1 - x0) // 3, "the link strip is drawn between the hosts' lanes"
    # back to the lesson's own link
    _open_panel(qtbot, w)
    assert w.network_panel.own_button.isEnabled()
    qtbot.mouseClick(w.network_panel.own_button, Qt.MouseButton.LeftButton)
    assert w.session.weather is None
    qtbot.waitUntil(lambda: "network" in w.session.trace.header, timeout=5000)
    assert w.session.trace.header["network"]["link"]["delay_ms"] == 0.0


def test_a_one_host_lesson_has_no_link_to_change(qtbot: QtBot, gui_window: MainWindow) -> None:
    w = gui_window
    w.session.load_scenario(get("tcp-echo"))
    _open_panel(qtbot, w)
    assert not w.network_panel.apply_button.isEnabled()
    assert "one host" in w.network_panel.note.text()
    assert w.diagram._link_h == 0, "no link strip on a one-host lesson"
    w.network_panel.hide()
    qtbot.mouseClick(w.diagram.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
