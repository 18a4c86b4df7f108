"""Exports for slides and notes: Mermaid, PlantUML, PNG, SVG, PDF, one picture per step."""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgRenderer
from pytestqt.qtbot import QtBot

from socketscope.engine import Runner, Trace, write_trace
from socketscope.engine.scenario import get
from socketscope.model.diagram import DiagramLayout
from socketscope.model.textexport import to_mermaid, to_plantuml
from socketscope.ui import theme


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


def test_a_dropped_datagram_is_exported_as_lost_not_delivered() -> None:
    """udp-loss: each datagram the kernel dropped ends in a cross (Mermaid --x, PlantUML -->x),
    not as a plain arrow that reads as delivered."""
    runner = Runner(get("udp-loss"))
    t = Trace(runner.scenario.header(), runner.run_to_end(timeout=20))
    lay = DiagramLayout(list(t.header["actors"]))
    lay.extend(t.events)
    lost = len([a for a in lay.arrows if a.kind == "lost"])  # as the diagram draws them
    assert lost
    mermaid, plantuml = to_mermaid(t).splitlines(), to_plantuml(t).splitlines()
    assert len([x for x in mermaid if re.match(r"\s*A1--xA0: dropped$", x)]) == lost
    assert len([x for x in plantuml if re.match(r"A1 -->x A0 : dropped$", x)]) == lost


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
    # a box per call, and a row where each call returned that has its own: every blocked call,
    # and a receive not seen blocked that read what was sent after its call (Box.returns_later)
    lay = DiagramLayout(list(echo.header["actors"]))
    lay.extend(echo.events)
    assert len([s for s in lay.spans if s.asleep]) == len(echo.of("blocked"))
    assert rows == len(echo.of("call")) + len([s for s in lay.spans if s.row1 is not None])
    assert img.width() == 1200 and img.height() > rows * 40
    # every lane is in the picture: the Client's lane is right of the middle
    assert any(img.pixelColor(x, 20) == theme.LIGHT.actor(1) for x in range(600, 1200, 2)), (
        "the second lane's header is missing"
    )
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


def _has_colour(img: QImage, colour: object, y0: int, y1: int) -> bool:
    return any(
        img.pixelColor(x, y) == colour for y in range(y0, y1, 3) for x in range(0, img.width(), 3)
    )


@pytest.mark.gui
def test_every_slide_shows_every_lane_and_the_newest_row(
    qtbot: QtBot, echo: Trace, tmp_path: Path
) -> None:
    """Slides were 638x478 crops of the top-left corner: the Client never appeared and slides after
    row 9 were identical. Each now shows both lanes' headers and differs from the one before."""
    from socketscope.ui import export

    small = QSize(960, 540)  # tcp-echo's 17 rows do not fit: later slides must scroll
    n = export.export_slides(echo, tmp_path / "s", size=small)
    files = sorted((tmp_path / "s").glob("step-*.png"))
    assert n == len(files) > 9
    previous: QImage | None = None
    for f in files:
        img = QImage(str(f))
        assert img.size() == small, f.name
        for lane in (0, 1):
            assert _has_colour(img, theme.LIGHT.actor(lane), 0, 40), (f.name, lane)
        assert img != previous, f"{f.name} is the same picture as the slide before"
        previous = img


def _pingpong(rounds: int) -> Trace:
    from socketscope.api import AF_INET, SOCK_STREAM, socket
    from socketscope.engine.scenario import ActorSpec, Scenario

    def server(port: int) -> None:
        lst = socket(AF_INET, SOCK_STREAM)
        lst.bind(("127.0.0.1", port))
        lst.listen(1)
        conn, _ = lst.accept()
        while data := conn.recv(64):
            conn.send(data)
        conn.close()
        lst.close()

    def client(port: int) -> None:
        c = socket(AF_INET, SOCK_STREAM)
        c.connect(("127.0.0.1", port))
        for i in range(rounds):
            c.send(b"ping %d" % i)
            c.recv(64)
        c.close()

    scenario = Scenario(
        "../../etc/cron.daily/pingpong",  # a hostile id: file names must not trust it
        {"en": "Ping-pong", "ko": "핑퐁"},
        {"en": "", "ko": ""},
        (ActorSpec("Server", server), ActorSpec("Client", client, ("Server", "accept"))),
        __file__,
        "",
    )
    runner = Runner(scenario)
    return Trace(scenario.header(), runner.run_to_end(timeout=60))


@pytest.fixture(scope="module")
def long_run() -> Trace:
    return _pingpong(160)


@pytest.mark.gui
def test_whole_run_svg_png_and_pdf_draw_the_last_row(
    qtbot: QtBot, long_run: Trace, tmp_path: Path
) -> None:
    """Exports stopped at 600 rows; every export now draws the whole run."""
    from socketscope.ui import export

    lay = export.layout_of(long_run)
    assert lay.row_count > 600
    last_box = lay.boxes[-1]
    svg = tmp_path / "long.svg"
    assert export.export_image(long_run, svg) == lay.row_count
    text = svg.read_text(encoding="utf-8")
    assert QSvgRenderer(str(svg)).isValid()
    assert f">{lay.row_count}</text>" in text, "the last row's number is not in the SVG"
    assert last_box.label.split("(")[0] + "(" in text.rsplit("<clipPath", 1)[1]
    png = tmp_path / "long.png"
    export.export_image(long_run, png, pixel_ratio=1)
    # taller than a QImage can be: written in parts, png, long-2.png...
    parts = [QImage(str(p)) for p in export.written_parts(png)]
    assert len(parts) > 1 and all(not p.isNull() for p in parts)
    assert sum(p.height() for p in parts) > lay.row_count * 40
    # the bottom of the picture has the last rows' boxes, not empty paper
    img = parts[-1]
    assert _has_colour(img, theme.LIGHT.actor(0), max(0, img.height() - 600), img.height() - 10)
    pages = export.export_pdf(long_run, tmp_path / "long.pdf")
    assert pages > 1


@pytest.mark.gui
def test_a_whole_run_picture_with_its_packets_ends_below_its_last_row(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """The bands of real packets under a row make it taller; the picture was sized by rows
    alone, so a run with its packets lost its last rows (tcp-echo stopped inside row 15 of
    18). A real run's trace, with its capture: the picture ends in paper, below the last
    row's boxes."""
    from conftest import trace_of
    from socketscope.ui import export

    t = trace_of("tcp-echo", tmp_path / "echo.jsonl")
    assert any(e.kind == "packet" for e in t.events)
    png = tmp_path / "echo.png"
    export.export_image(t, png, width=1000)
    img = QImage(str(png))
    paper = theme.LIGHT.paper
    h = img.height()
    blank = all(img.pixelColor(x, y) == paper for y in range(h - 12, h) for x in range(0, 1000, 2))
    assert blank, "the picture is cut off: its last rows are missing"
    # and no more paper than a margin: the last rows (with the packets under them) end near it
    drawn = [
        y
        for y in range(h - 250, h - 12, 2)
        if any(img.pixelColor(x, y) != paper for x in range(1000))
    ]
    assert drawn, "the picture ends in a page of paper"


@pytest.mark.gui
def test_pdf_is_scaled_to_the_page_and_titled(qtbot: QtBot, echo: Trace, tmp_path: Path) -> None:
    import datetime

    from socketscope.ui import export

    pdf = tmp_path / "echo.pdf"
    assert export.export_pdf(echo, pdf, date=datetime.date(2026, 3, 14)) == 1
    data = pdf.read_bytes()
    # tcp-echo is wider than tall: a landscape A4 page (842 x 595 pt)
    box = re.search(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", data)
    assert box is not None and float(box.group(1)) > float(box.group(2)) > 590
    assert (
        b"TCP: the whole lifecycle" in data
        or "TCP: the whole lifecycle".encode("utf-16-be") in data
    )


def test_file_names_from_a_hostile_scenario_id() -> None:
    from socketscope.ui.export import safe_file_name

    assert safe_file_name("/etc/cron.daily/x") == "etc-cron.daily-x"
    assert safe_file_name("../../..") == "run"
    assert safe_file_name("..\\..\\win") == "win"
    assert safe_file_name("tcp-echo") == "tcp-echo"
    assert "/" not in safe_file_name("a b;rm -rf /*") and "*" not in safe_file_name("a*")
    assert safe_file_name("") == "run"


@pytest.mark.gui
def test_the_window_keeps_turning_during_a_whole_run_export(
    qtbot: QtBot, gui_window: object, tmp_path: Path
) -> None:
    """A whole-run PNG of udp-loss froze the window 1.3 s: it is now painted a band at a time with
    the event loop turning between bands, and encoded on a worker thread."""
    import gc
    import time

    from PySide6.QtCore import QTimer

    w: Any = gui_window
    w.session.load_scenario(get("udp-loss"))
    w.speed.setValue(100)
    with qtbot.waitSignal(w.session.runFinished, timeout=20000):
        w.session.toggle_run()
    w.set_lecture(True, full_screen=False)  # the presenter's scale: the biggest picture
    w.repaint()  # the window's own first paint in lecture mode is not the export's to count
    # The GUI thread's CPU time between the timer's ticks: what the export keeps it from the event
    # loop, whatever else the (shared, loaded) machine makes it wait for.
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(lambda: ticks.append(time.thread_time()))
    timer.start()
    qtbot.waitUntil(lambda: len(ticks) > 2, timeout=2000)
    # The test process holds every earlier test's objects: a full garbage collection falling due
    # during the export looked through all of them (137 ms in one band, in a shuffled run).
    # Frozen, a collection looks only at what the export itself makes.
    gc.collect()
    gc.freeze()
    collections: list[tuple[int, float]] = []  # (generation, thread CPU s) of each, to report

    def collected(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append((info["generation"], time.thread_time()))
        elif collections:
            g, t0 = collections[-1]
            collections[-1] = (g, time.thread_time() - t0)

    gc.callbacks.append(collected)
    try:
        start = time.thread_time()
        n = len(ticks)
        assert w.export_to("png", str(tmp_path / "loss.png"))
        end = time.thread_time()
    finally:
        gc.callbacks.remove(collected)
        gc.unfreeze()
    timer.stop()
    w.set_lecture(False)
    during = [start, *ticks[n:], end]
    gaps = [b - a for a, b in itertools.pairwise(during)]
    worst = gaps.index(max(gaps))
    assert len(gaps) > 5, "the timer never fired during the export"
    slow_gc = [(g, round(t * 1000)) for g, t in collections if t > 0.005]
    assert max(gaps) < 0.1, (
        f"the event loop stood still {max(gaps) * 1000:.0f} ms (gap {worst} of {len(gaps)}); "
        f"garbage collections over 5 ms meanwhile (generation, ms): {slow_gc}"
    )
    assert not QImage(str(tmp_path / "loss.png")).isNull()


def _drive_dialog(qtbot: QtBot, open_it: Any, answer: Path | None) -> dict[str, Any]:
    """Open a file dialog with ``open_it()``, read it as the user sees it, then choose ``answer``
    (or cancel)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QFileDialog, QLabel, QLineEdit

    seen: dict[str, Any] = {}

    def read() -> None:
        d = QApplication.activeModalWidget()
        if not isinstance(d, QFileDialog):
            QTimer.singleShot(10, read)
            return
        seen["folder"] = Path(d.directory().absolutePath())
        seen["name"] = d.findChild(QLineEdit, "fileNameEdit").text()
        seen["filters"] = d.nameFilters()
        seen["labels"] = [lab.text() for lab in d.findChildren(QLabel) if lab.isVisibleTo(d)]
        if answer is None:
            d.reject()
        else:
            d.selectFile(str(answer))
            d.accept()

    QTimer.singleShot(0, read)
    open_it()
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    return seen


@pytest.mark.gui
def test_export_dialogs_start_in_the_last_folder_with_a_safe_name_and_filter(
    qtbot: QtBot, gui_window: object, echo: Trace, tmp_path: Path
) -> None:
    """A trace's scenario id can be hostile (issue 14 #8): the dialog pre-fills a file name made
    safe, in the folder used last, and lists only files of the format."""
    w: Any = gui_window
    hostile = Trace({**echo.header, "scenario": "/etc/cron.daily/../../x"}, echo.events)
    path = tmp_path / "hostile.jsonl"
    with path.open("w", encoding="utf-8") as f:
        write_trace(hostile, f)
    assert w.open_trace_file(str(path))
    first = tmp_path / "out"
    first.mkdir()
    seen = _drive_dialog(qtbot, lambda: w.export_dialog("pdf"), first / "talk.pdf")
    assert seen["name"] == "etc-cron.daily-x.pdf"
    assert seen["filters"] == ["PDF document (*.pdf)"]
    assert (first / "talk.pdf").read_bytes().startswith(b"%PDF")
    seen = _drive_dialog(qtbot, lambda: w.export_dialog("svg"), None)
    assert seen["folder"] == first, "the dialog did not open in the last folder used"
    assert seen["name"] == "etc-cron.daily-x.svg" and seen["filters"] == ["SVG picture (*.svg)"]
    seen = _drive_dialog(qtbot, w.save_trace_dialog, None)
    assert seen["folder"] == first and seen["name"] == "etc-cron.daily-x.jsonl"


@pytest.mark.gui
def test_the_file_dialog_speaks_korean(qtbot: QtBot, gui_window: object, echo: Trace) -> None:
    """Qt 6.11 labels its file dialog "&Look in:" and "Files of &type:", which the qtbase_ko.qm
    PySide6 ships lacks (it has the older "Look in:"): our catalogue carries them."""
    w: Any = gui_window
    w.set_language("ko")
    seen = _drive_dialog(qtbot, lambda: w.export_dialog("png"), None)
    english = [t for t in seen["labels"] if re.search(r"[A-Za-z]{3,}", t.replace("&", ""))]
    assert not english, english
    assert seen["filters"] and "PNG" in seen["filters"][0] and "(*.png)" in seen["filters"][0]
