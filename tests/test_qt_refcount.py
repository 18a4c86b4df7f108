"""Guard against a PySide6 that leaks references to None (6.12.0 on Python < 3.12 does).

The diagram repaints at frame rate while a call is blocked; with such a build every QPainter call
drops a reference to None and the process aborts with "none_dealloc" after a few minutes.
"""

from __future__ import annotations

import gc
import sys

import pytest
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from pytestqt.qtbot import QtBot

from socketscope.model.diagram import DiagramLayout
from socketscope.ui.diagram_view import SequenceDiagram


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12 on")
def test_qpainter_calls_keep_none_alive(qtbot: QtBot) -> None:
    img = QImage(40, 40, QImage.Format.Format_ARGB32)
    p = QPainter(img)
    before = sys.getrefcount(None)
    for _ in range(500):
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("red"))
        p.drawRect(QRectF(1, 1, 5, 5))
        p.setOpacity(1.0)
    after = sys.getrefcount(None)
    p.end()
    assert after - before > -50, (
        f"this PySide6 leaks references to None ({after - before} over 2000 painter calls): "
        "the window would abort with none_dealloc"
    )


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12 on")
def test_diagram_paint_keeps_none_alive(qtbot: QtBot) -> None:
    from socketscope.engine import Runner
    from socketscope.engine.scenario import get

    lay = DiagramLayout(["Server", "Client"])
    runner = Runner(get("tcp-echo"))
    lay.extend(runner.run_to_end())
    # what is counted is this thread's renders: no engine thread may be ending meanwhile, and
    # no garbage collection (either drops references to None of their own)
    for t in runner.alive_threads():
        t.join(5.0)
    view = SequenceDiagram()
    qtbot.addWidget(view)
    view.animate = False
    view.resize(1200, 900)
    view.set_layout(lay)
    view.refresh(lay.last_seq)
    img = QImage(view.viewport().size(), QImage.Format.Format_ARGB32)
    view.viewport().render(img)
    gc.collect()
    gc.disable()
    try:
        before = sys.getrefcount(None)
        for _ in range(50):
            view.viewport().render(img)
        after = sys.getrefcount(None)
    finally:
        gc.enable()
    assert after - before > -50
