"""The network panel's seed: the link's random choices come from it, so the same seed typed in the
panel loses the same datagrams again, and "New seed" draws one that can lose others. Real clicks
and keys, real runs of udp-reorder through the relay, the seed checked in the trace's header."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractSpinBox

from socketscope.engine.scenario import get
from socketscope.model.network import weather_text
from socketscope.ui.mainwindow import MainWindow
from socketscope.ui.network_panel import NetworkPanel

# qtbot is typed Any: pytest-qt is untyped (the modules listed in pyproject.toml say so there)
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

DATAGRAMS = {b"d1", b"d2", b"d3", b"d4", b"d5"}
SHOTS = Path(os.environ.get("SOCKETSCOPE_SHOTS", "/tmp/socketscope-shots"))


def _open_panel(qtbot: Any, w: MainWindow) -> NetworkPanel:
    qtbot.mouseClick(w.network_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.network_panel.isVisible(), timeout=3000)
    return w.network_panel


def _type(qtbot: Any, spin: QAbstractSpinBox, text: str) -> None:
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, text)


def _run_with(qtbot: Any, w: MainWindow, seed: int | None) -> tuple[tuple[str, ...], set[bytes]]:
    """Apply 50 % loss (and ``seed``, typed; None: a new one drawn by its button) in the panel,
    run the restarted lesson until the link has decided about all five datagrams, and return
    what it did: its events' codes in order, and the datagrams the receiver got."""
    panel = _open_panel(qtbot, w)
    _type(qtbot, panel.spins["loss"], "50")
    if seed is None:
        before = panel.seed.value()
        qtbot.mouseClick(panel.new_seed_button, Qt.MouseButton.LeftButton)
        assert panel.seed.value() != before
    else:
        _type(qtbot, panel.seed, str(seed))
    chosen = panel.seed.value()
    qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
    assert w.session.weather is not None and w.session.weather["seed"] == chosen
    qtbot.waitUntil(lambda: "network" in w.session.trace.header, timeout=5000)
    link = w.session.trace.header["network"]["link"]
    assert link["seed"] == chosen and link["loss"] == 50.0, "the trace's header has the seed"
    w.speed.setValue(100)
    w.session.toggle_run()

    def got() -> set[bytes]:
        return {
            bytes.fromhex(e.data or "")
            for e in w.session.trace.of("return", "recvfrom", "Receiver")
            if e.ok
        }

    def dropped() -> int:
        return sum(1 for e in w.session.trace.events if e.code == "link_dropped")

    # every datagram has been dropped or received (a held one comes within 5 s): a lost one
    # leaves the receiver waiting for ever, so the run is not waited for
    qtbot.waitUntil(lambda: dropped() + len(got()) == len(DATAGRAMS), timeout=20000)
    codes = tuple(e.code or "" for e in w.session.trace.events if e.kind == "link")
    assert f"seed {chosen}" in weather_text(w.session.layout.link)
    return codes, got()


def test_the_same_seed_loses_the_same_datagrams_and_a_new_one_can_lose_others(
    qtbot: Any, gui_window: MainWindow
) -> None:
    w = gui_window
    w.session.load_scenario(get("udp-reorder"))
    first = _run_with(qtbot, w, 4242)
    again = _run_with(qtbot, w, 4242)
    assert again == first, "the same seed made other choices"
    # the panel says which seed the run on screen had, and starts from it next time
    panel = _open_panel(qtbot, w)
    assert panel.seed.value() == 4242 and "4242" in panel.used.text()
    panel.hide()
    # another seed (drawn by the button) can lose other datagrams: 50 % of 5, a few tries
    others = [_run_with(qtbot, w, None) for _ in range(4)]
    assert any(o != first for o in others), "four new seeds all made the same choices"


def test_the_panel_shows_the_seed_in_english_and_korean(qtbot: Any, gui_window: MainWindow) -> None:
    w = gui_window
    w.resize(1920, 1080)
    w.session.load_scenario(get("udp-reorder"))
    qtbot.waitUntil(lambda: "network" in w.session.trace.header, timeout=5000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for lang, words in (("en", ("Seed", "New seed")), ("ko", ("시드", "새 시드"))):
        w.set_language(lang)
        panel = _open_panel(qtbot, w)
        assert panel.seed_label.text() == words[0]
        assert panel.new_seed_button.text() == words[1]
        assert panel.used.isVisible() and str(panel.seed.value()) in panel.used.text()
        # nothing clipped: every row fits in the panel as laid out
        for widget in (panel.seed, panel.new_seed_button, panel.used, panel.apply_button):
            r = widget.geometry()
            assert widget.isVisible() and r.width() >= widget.minimumSizeHint().width()
            assert panel.rect().contains(widget.mapTo(panel, widget.rect().bottomRight()))
        assert panel.grab().save(str(SHOTS / f"network-panel-{lang}.png"))
        panel.hide()
    w.set_language("en")
