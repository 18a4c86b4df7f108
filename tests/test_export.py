"""Exports for slides and notes: Mermaid, PlantUML, PNG, SVG, PDF, one picture per step."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgRenderer
from pytestqt.qtbot import QtBot

from socketscope.engine import Runner, Trace, write_trace
from socketscope.engine.scenario import get
from socketscope.model.textexport import to_mermaid, to_plantuml


@pytest.fixture(scope="module")
def echo() -> Trace:
    runner = Runner(get("tcp-echo"))
    return Trace(runner.scenario.header(), runner.run_to_end())


def test_mermaid_has_participants_calls_blocking_and_data(echo: Trace) -> None:
    text = to_mermaid(echo)
    lines = text.splitlines()
    assert lines[0] == "sequenceDiagram"
    assert "    participant A0 as Server" in lines and "    participant A1 as Client" in lines
    assert any(re.match(r"    A0->>A0: accept\(fd \d+\)$", x) for x in lines)
    # with the kernel's evidence where the OS reports it (Linux), else time only
    assert any(
        re.match(
            r"    Note right of A0: blocked .* in accept\(\)"
            r"( · (asleep in the kernel|measured).*)?$",
            x,
        )
        for x in lines
    )
    assert any(re.match(r'    A1->>A0: 13 B "hello, server"$', x) for x in lines)
    assert any(x.startswith("    A1-->>A0: SYN") for x in lines)
    body = [x for x in lines[1:] if not x.startswith("    title")]
    assert all(
        re.match(r"    (participant \w+ as .+|Note right of \w+: .+|\w+-{1,2}>>\w+: .+)$", x)
        for x in body
    ), body
    assert ";" not in text.split("\n", 2)[2]


def test_plantuml_shape(echo: Trace) -> None:
    lines = to_plantuml(echo).splitlines()
    assert lines[0] == "@startuml" and lines[-1] == "@enduml"
    assert 'participant "Server" as A0' in lines
    assert any(re.match(r"A0 -> A0 : listen\(fd \d+, backlog 5\) → ok$", x) for x in lines)
    assert any(re.match(r"note right of A0 : blocked .* in accept\(\)( · .*)?$", x) for x in lines)
    assert any(re.match(r"A0 -> A1 : 13 B <U\+0022>hello, server<U\+0022>$", x) for x in lines)


def test_names_with_spaces_get_aliases() -> None:
    runner = Runner(get("tcp-backlog"))
    t = Trace(runner.scenario.header(), runner.run_to_end(timeout=20))
    assert "participant A1 as Client 1" in to_mermaid(t)
    assert 'participant "Client 1" as A1' in to_plantuml(t)


@pytest.mark.gui
def test_images_pdf_and_slides(qtbot: QtBot, echo: Trace, tmp_path: Path) -> None:
    from socketscope.ui import export

    rows = export.export_image(echo, tmp_path / "run.png", width=1200)
    img = QImage(str(tmp_path / "run.png"))
    assert rows == len(echo.of("call")) + len([s for s in echo.of("blocked")])  # boxes + wake rows
    assert img.width() == 1200 and img.height() > rows * 40
    export.export_image(echo, tmp_path / "run.svg")
    assert QSvgRenderer(str(tmp_path / "run.svg")).isValid()
    pages = export.export_pdf(echo, tmp_path / "run.pdf", rows_per_page=6)
    pdf = (tmp_path / "run.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and pages == -(-rows // 6)
    assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") + pdf.count(b"/Type/Page") >= 1
    n = export.export_slides(echo, tmp_path / "slides")
    files = sorted((tmp_path / "slides").glob("step-*.png"))
    assert n == rows == len(files)
    assert QImage(str(files[0])).size().width() > 100
    seen: list[int] = []

    def stop_after_two(done: int, total: int) -> bool:
        seen.append(done)
        return done < 2

    with pytest.raises(export.ExportCancelled):
        export.export_slides(echo, tmp_path / "cut", progress=stop_after_two)
    assert len(list((tmp_path / "cut").glob("*.png"))) == 2


def test_export_command(echo: Trace, tmp_path: Path) -> None:
    trace = tmp_path / "echo.jsonl"
    with trace.open("w", encoding="utf-8") as f:
        write_trace(echo, f)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    for fmt, out in (
        ("mermaid", "a.mmd"),
        ("plantuml", "a.puml"),
        ("png", "a.png"),
        ("slides", "steps"),
    ):
        r = subprocess.run(
            [
                sys.executable,
                "-m",
                "socketscope",
                "export",
                str(trace),
                "--format",
                fmt,
                "-o",
                str(tmp_path / out),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
        assert r.returncode == 0, r.stderr
        assert (tmp_path / out).exists()
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "socketscope",
            "export",
            str(tmp_path / "a.png"),
            "--format",
            "svg",
            "-o",
            "x.svg",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert bad.returncode == 2 and "not a SocketScope trace" in bad.stderr


@pytest.mark.gui
def test_export_from_the_window(qtbot: QtBot, gui_window: object, tmp_path: Path) -> None:
    w = gui_window
    w.session.load_scenario(get("udp-echo"))  # type: ignore[attr-defined]
    w.speed.setValue(100)  # type: ignore[attr-defined]
    with qtbot.waitSignal(w.session.runFinished, timeout=10000):  # type: ignore[attr-defined]
        w.session.toggle_run()  # type: ignore[attr-defined]
    for fmt, out in (("svg", "u.svg"), ("mermaid", "u.mmd"), ("slides", "u-steps")):
        assert w.export_to(fmt, str(tmp_path / out))  # type: ignore[attr-defined]
    assert QSvgRenderer(str(tmp_path / "u.svg")).isValid()
    assert "sendto" in (tmp_path / "u.mmd").read_text(encoding="utf-8")
    assert list((tmp_path / "u-steps").glob("step-*.png"))


def test_export_the_visible_part_crisp_and_at_lecture_scale(
    qtbot: QtBot, gui_window: object, tmp_path: Path
) -> None:
    """The visible part is what the diagram shows (scroll position included), at twice the pixels;
    whole-run pictures from lecture mode are drawn at the presenter's scale."""
    w: Any = gui_window
    w.session.load_scenario(get("tcp-echo"))
    w.speed.setValue(100)
    with qtbot.waitSignal(w.session.runFinished, timeout=10000):
        w.session.toggle_run()
    w.diagram.verticalScrollBar().setValue(0)
    assert w.export_to("visible-png", str(tmp_path / "top.png"))
    top = QImage(str(tmp_path / "top.png"))
    size = w.diagram.viewport().size()
    assert (top.width(), top.height()) == (size.width() * 2, size.height() * 2)
    thumb = (40, 24)
    smooth = (Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation)
    grab = QImage(size, QImage.Format.Format_RGB32)
    grab.fill(0xFFFFFFFF)  # the viewport's grab is transparent where nothing is painted
    painter = QPainter(grab)
    painter.drawPixmap(0, 0, w.diagram.viewport().grab())
    painter.end()
    small = top.scaled(grab.size(), *smooth).convertToFormat(QImage.Format.Format_RGB32)
    # the same picture as the screen: compare a coarse thumbnail, not exact anti-aliasing
    a, b = grab.scaled(*thumb, *smooth), small.scaled(*thumb, *smooth)
    diff = max(
        abs(a.pixelColor(x, y).lightness() - b.pixelColor(x, y).lightness())
        for x in range(thumb[0])
        for y in range(thumb[1])
    )
    assert diff < 40, diff
    w.resize(1000, 400)  # a short window scrolls: the bottom is another picture
    qtbot.waitUntil(lambda: w.diagram.verticalScrollBar().maximum() > 0, timeout=3000)
    w.diagram.verticalScrollBar().setValue(w.diagram.verticalScrollBar().maximum())
    assert w.export_to("visible-png", str(tmp_path / "bottom.png"))
    assert QImage(str(tmp_path / "bottom.png")) != QImage(str(tmp_path / "top.png"))
    assert w.export_to("visible-svg", str(tmp_path / "v.svg"))
    assert QSvgRenderer(str(tmp_path / "v.svg")).isValid()
    assert w.export_to("visible-pdf", str(tmp_path / "v.pdf"))
    assert (tmp_path / "v.pdf").read_bytes().startswith(b"%PDF")
    assert w.export_to("png", str(tmp_path / "normal.png"))
    w.set_lecture(True, full_screen=False)
    assert w.export_to("png", str(tmp_path / "lecture.png"))
    w.set_lecture(False)
    normal, lecture = QImage(str(tmp_path / "normal.png")), QImage(str(tmp_path / "lecture.png"))
    assert normal.width() == 3200, "whole-run PNGs have twice the pixels"
    assert lecture.width() == round(3200 * w.presenter_scale)
