"""Every built-in lesson, run for real once and drawn to its end as a lecturer shows it: nothing
a lecturer points at is cut short, and nothing is drawn over anything else.

The checks read the diagram's own record of what its last paint drew (``placed``), scrolling
through the run as a user would: the layout, not pixels, and not private methods."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import lesson_trace
from socketscope.engine.scenario import builtin_scenarios, get
from socketscope.engine.trace import write_trace

LESSONS = [s.id for s in builtin_scenarios()]


@pytest.fixture(scope="module")
def traces(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One real run of every lesson, saved as a trace (the window replays it)."""
    out = tmp_path_factory.mktemp("lessons")
    paths = {}
    for sid in LESSONS:
        trace = lesson_trace(get(sid))
        paths[sid] = out / f"{sid}.jsonl"
        with open(paths[sid], "w", encoding="utf-8") as f:
            write_trace(trace, f)
    return paths


def frames(w: Any) -> Iterator[list[Any]]:
    """Scroll the diagram from top to bottom, a screen at a time with overlap, and yield what
    each frame drew below the header."""
    d = w.diagram
    vb = d.verticalScrollBar()
    # a row of overlap; at least a row a frame (a small screen in lecture mode shows few rows)
    step = max(int(d.row_h), int(d.viewport().height() - d.header_h - d.row_h))
    value = 0
    while True:
        vb.setValue(value)
        d.viewport().grab()
        yield [it for it in d.placed if it.rect.top() >= d.header_h or it.kind == "lifeline"]
        if value >= vb.maximum():
            return
        value = min(vb.maximum(), value + step)


def open_at_end(w: Any, qtbot: Any, path: Path) -> None:
    w.open_trace_file(str(path))
    w.session.seek(len(w.session.events))
    qtbot.waitUntil(lambda: w.diagram.cursor_seq == w.session.cursor_seq, timeout=3000)


def lecture(w: Any, qtbot: Any, size: tuple[int, int], lang: str) -> None:
    w.set_language(lang)
    w.resize(*size)
    w.set_lecture(True, full_screen=False)
    w.resize(*size)
    qtbot.waitUntil(lambda: w.width() == size[0], timeout=3000)


def problems(items: list[Any]) -> list[str]:
    found = []
    labels = [
        it
        for it in items
        if it.kind
        in (
            "text",
            "tag",
            "arrow-label",
            "span-label",
            "evidence",
            "mark",
            "lost-x",
            "packet-label",
        )
    ]
    boxes = [it for it in items if it.kind in ("box", "mark")]
    for i, a in enumerate(labels):
        for b in labels[i + 1 :]:
            if a.rect.intersects(b.rect) and not _nested(a, b):
                found.append(f"{a.kind} {a.text!r} overlaps {b.kind} {b.text!r}")
        for box in boxes:
            if a.owner is box.owner or (a.kind in ("text", "tag") and _inside(a, box)):
                continue
            if a.rect.intersects(box.rect):
                found.append(f"{a.kind} {a.text!r} overlaps the box of {box.text!r}")
    for arrow in (it for it in items if it.kind == "arrow"):
        for lab in labels:
            if lab.owner is arrow.owner or lab.kind in ("text", "tag", "mark", "lost-x"):
                continue  # a box's own text is under an opaque box, which hides the line
            if lab.kind == "packet-label":
                continue  # drawn after the calls' arrows, on a backing of its own
            if _crosses(arrow.line, lab.rect):
                found.append(f"the arrow {arrow.text!r} strikes through {lab.kind} {lab.text!r}")
    # a real packet's line, level or slanting down to where it arrived, strikes through no
    # call's label, blocked time or evidence (a packet's label is drawn over the lines before it)
    for packet in (it for it in items if it.kind == "packet"):
        for lab in labels:
            if lab.kind not in ("arrow-label", "span-label", "evidence"):
                continue
            if _crosses(packet.line, lab.rect):
                what = packet.owner.message or packet.owner.seq
                found.append(f"the packet {what!r} strikes through {lab.kind} {lab.text!r}")
    # an arrow ends at a box, or at a lifeline where its lane has no box on that row (checked
    # where the frame drew what is at the arrow's end)
    ends = [it.rect.adjusted(-4, -4, 4, 4) for it in items if it.kind in ("box", "mark", "bar")]
    # the lifeline, or the edge of a blocked bar on it (the widest a bar is drawn)
    ends += [it.rect.adjusted(-12, 0, 12, 0) for it in items if it.kind == "lifeline"]
    drawn_to = max((it.rect.bottom() for it in items if it.kind == "box"), default=0)
    drawn_from = min((it.rect.top() for it in items if it.kind == "box"), default=0)
    gone = ("lost", "unsure")  # they end short of the receiver, where the ✗ or ? is
    for arrow in (it for it in items if it.kind == "arrow" and it.owner.kind not in gone):
        tip = arrow.line.p2()
        if not drawn_from <= tip.y() <= drawn_to:
            continue
        if not any(r.contains(tip) for r in ends):
            found.append(f"the arrow {arrow.text!r} ends in mid-air")
    return found


def _nested(a: Any, b: Any) -> bool:
    """A mark's words inside its own mark box."""
    return a.owner is b.owner and {a.kind, b.kind} == {"mark", "text"}


def _inside(a: Any, box: Any) -> bool:
    return bool(box.rect.contains(a.rect)) and a.row == box.row and a.lane == box.lane


def _crosses(line: Any, rect: Any) -> bool:
    from socketscope.ui.diagram_view import line_hits_rect

    return line_hits_rect(line, rect.adjusted(1, 1, -1, -1))


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_lecture_mode_cuts_no_call_or_result_short_and_draws_nothing_over_anything(
    gui_window: Any, qtbot: Any, traces: dict[str, Path], lang: str
) -> None:
    w = gui_window
    lecture(w, qtbot, (1920, 1080), lang)
    failures = []
    for sid, path in traces.items():
        open_at_end(w, qtbot, path)
        seen: set[tuple[str, str]] = set()
        for items in frames(w):
            for it in items:
                if it.kind == "text" and it.elided and (it.kind, it.text) not in seen:
                    seen.add((it.kind, it.text))
                    failures.append(f"{sid}: cut short: {it.text!r} shown as {it.shown!r}")
            for it in items:
                if it.kind == "text" and ("100001" in it.text or "200001" in it.text):
                    failures.append(f"{sid}: an internal socket number in {it.text!r}")
            for p in problems(items):
                if ("p", p) not in seen:
                    seen.add(("p", p))
                    failures.append(f"{sid}: {p}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("lecture_mode", [False, True])
def test_the_lesson_picker_shows_every_title_whole(
    gui_window: Any, qtbot: Any, lecture_mode: bool
) -> None:
    from socketscope.ui.picker import ScenarioPicker

    w = gui_window
    if lecture_mode:
        lecture(w, qtbot, (1920, 1080), "en")
    picker = ScenarioPicker("en", "tcp-echo", w)
    qtbot.addWidget(picker)
    picker.show()
    qtbot.waitExposed(picker)
    assert picker.windowTitle() == "Choose a lesson"
    tree = picker.tree
    fm = tree.fontMetrics()
    for i in range(tree.topLevelItemCount()):
        group = tree.topLevelItem(i)
        for j in range(group.childCount()):
            item = group.child(j)
            rect = tree.visualItemRect(item)
            assert fm.horizontalAdvance(item.text(0)) <= tree.viewport().width() - rect.left(), (
                item.text(0)
            )
    picker.close()


def test_four_actors_fit_and_nothing_is_cut_short_at_1280x720_lecture_mode(
    gui_window: Any, qtbot: Any, traces: dict[str, Path]
) -> None:
    w = gui_window
    lecture(w, qtbot, (1280, 720), "en")
    open_at_end(w, qtbot, traces["tcp-backlog"])
    failures = []
    for items in frames(w):
        failures += [f"cut short: {it.text!r}" for it in items if it.kind == "text" and it.elided]
        failures += problems(items)
    assert not failures, "\n".join(sorted(set(failures)))


def test_select_shows_fd_numbers_in_its_call_and_its_result(traces: dict[str, Path]) -> None:
    import re

    from socketscope.engine.trace import read_trace
    from socketscope.model.diagram import DiagramLayout

    trace = read_trace(traces["tcp-nonblocking-select"])
    lay = DiagramLayout(list(trace.header.get("actors", [])))
    lay.extend(trace.events)
    selects = [b for b in lay.boxes if b.op == "select" and b.ok]
    assert selects
    for b in selects:
        asked = {int(n) for n in re.findall(r"\d+", b.label)}
        ready = {int(n) for n in re.findall(r"\d+", b.result)}
        assert ready and ready <= asked, (b.label, b.result)
    expected = [b for b in lay.boxes if b.error in ("EAGAIN", "EINPROGRESS")]
    assert expected and all(b.expected for b in expected)


def test_an_arrow_shows_what_woke_select(traces: dict[str, Path]) -> None:
    from socketscope.engine.trace import read_trace
    from socketscope.model.diagram import DiagramLayout

    trace = read_trace(traces["tcp-nonblocking-select"])
    lay = DiagramLayout(list(trace.header.get("actors", [])))
    lay.extend(trace.events)
    woke = [a for a in lay.arrows if a.kind == "woke"]
    wakes = {s.row1 for s in lay.spans if s.op == "select"}
    # how long each select() sleeps is the machine's business; each one that slept was woken
    # by the client's connect() or send(), made while it slept
    assert {a.row1 for a in woke} == wakes, (woke, wakes)
    assert {a.label for a in woke} <= {"a connection arrived", "data arrived", "connected (kernel)"}
    server, client = lay.lanes.index("Server"), lay.lanes.index("Client")
    # the Server's select() is woken by the Client's calls; the Client's by the Server's kernel
    assert all(a.lane0 == (client if a.lane1 == server else server) for a in woke)


def _texts(w: Any) -> list[str]:
    """The words of each box as drawn, its lines joined."""
    w.diagram.viewport().grab()
    by_owner: dict[int, list[str]] = {}
    for it in w.diagram.placed:
        if it.kind == "text":
            by_owner.setdefault(id(it.owner), []).append(it.text.strip())
    return [" ".join(parts) for parts in by_owner.values()]


def test_a_long_streak_of_identical_calls_folds_into_one_row_and_unfolds(
    gui_window: Any, qtbot: Any
) -> None:
    from PySide6.QtCore import Qt

    from socketscope.ui.app import step_n

    w = gui_window
    w.session.load_scenario(get("udp-loss"))
    assert step_n(w, 80) and w.session.finished  # step by step: every call has its own row
    qtbot.waitUntil(lambda: w.diagram.cursor_seq == w.session.cursor_seq, timeout=3000)
    d = w.diagram
    ((r0, r1),) = d.streaks
    n = r1 - r0 + 1
    assert n > 8
    d.verticalScrollBar().setValue(0)
    folded = [t for t in _texts(w) if t.startswith("▸ sendto(")]
    assert len(folded) == 1 and f"× {n}" in folded[0], folded
    # every lost datagram ends in a ✗ at the end of its own arrow, and one row counts them
    lost = [a for a in d.layout_model.arrows if a.kind == "lost"]
    count = [m for m in d.layout_model.marks if m.kind == "lost"]
    assert lost and len(count) == 1 and len(count[0].seqs) == len(lost)
    # the fold's arithmetic (bands of real packets under rows, where a run has them, come on top)
    assert d.layout_model.row_count - (n - 1) == d._fold_disp(d.layout_model.row_count)

    d.setFocus()
    qtbot.keyClick(d, Qt.Key.Key_Return)  # unfold: every call has its row again
    assert not d._folds
    seen: set[int] = set()
    for items in frames(w):
        seen |= {it.row for it in items if it.kind == "text" and it.text.startswith("sendto(")}
    assert set(range(r0, r1 + 1)) <= seen
    xs = [it for items in frames(w) for it in items if it.kind == "lost-x"]
    assert len({(round(x.rect.x()), round(x.rect.y())) for x in xs}) >= min(len(lost), 5)
    qtbot.keyClick(d, Qt.Key.Key_Return)  # and fold again
    assert d._folds

    # stepping back through the streak: it counts down row by row, then unfolds under 9
    w.session.seek(0)
    while d.layout_model.rows_at(w.session.cursor_seq) <= r1:
        w.session.step()  # replay: forward through the recorded trace
    counts = []
    for _ in range(n):
        w.session.step_back()
        qtbot.waitUntil(lambda: d.cursor_seq == w.session.cursor_seq, timeout=3000)
        d.verticalScrollBar().setValue(d.verticalScrollBar().maximum())
        counts.append([t for t in _texts(w) if t.startswith("▸ sendto(")])
    sizes = [int(c[0].rsplit("× ", 1)[1].split()[0]) if c else 0 for c in counts]
    assert sizes[: n - 9] == sorted(sizes[: n - 9], reverse=True)
    assert 0 in sizes  # under 9 rows, each call has its own row again


def test_clicking_a_folded_streak_unfolds_it(gui_window: Any, qtbot: Any) -> None:
    from PySide6.QtCore import Qt

    from socketscope.ui.app import step_n

    w = gui_window
    w.session.load_scenario(get("udp-loss"))
    assert step_n(w, 80) and w.session.finished
    d = w.diagram
    qtbot.waitUntil(lambda: bool(d._folds), timeout=3000)
    d.verticalScrollBar().setValue(0)
    d.viewport().grab()
    box = next(it for it in d.placed if it.kind == "text" and it.text.startswith("▸ sendto("))
    qtbot.mouseClick(d.viewport(), Qt.MouseButton.LeftButton, pos=box.rect.center().toPoint())
    assert not d._folds


def test_fit_keeps_every_row_number_whole(
    gui_window: Any, qtbot: Any, traces: dict[str, Path]
) -> None:
    from socketscope.engine.trace import read_trace
    from socketscope.model.diagram import DiagramLayout

    w = gui_window
    d = w.diagram
    d.collapse = False  # every row: two-digit and three-digit numbers
    trace = read_trace(traces["udp-loss"])
    lay = DiagramLayout(list(trace.header.get("actors", [])))
    lay.extend(trace.events)
    d.set_layout(lay)
    d.jump(trace.events[-1].seq)
    for zoom in ("fit", 0.25, 1.0):
        if zoom == "fit":
            d.zoom_fit()
        else:
            d.set_zoom(float(zoom))
        for items in frames(w):
            numbers = [it for it in items if it.kind == "row-number"]
            assert numbers
            assert all(it.rect.left() >= 0 for it in numbers), [it.text for it in numbers]


def test_socket_numbers_are_what_a_user_calls_them() -> None:
    from socketscope.model.labels import socket_number

    assert [socket_number(s) for s in (1, 2, 100001, 100002, 200001)] == [1, 2, 1, 2, 1]


def normal(w: Any, qtbot: Any, size: tuple[int, int]) -> None:
    """The window at ``size`` outside lecture mode, with the panel layout a fresh install has."""
    w.resize(*size)
    qtbot.waitUntil(lambda: w.width() == size[0] and w.height() == size[1], timeout=3000)
    w.reset_layout()


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 720)])
def test_every_lane_fits_the_width_outside_lecture_mode(
    gui_window: Any, qtbot: Any, traces: dict[str, Path], size: tuple[int, int]
) -> None:
    """tcp-multi-client has 7 actors: the lanes shrink (two-line boxes) rather than make the
    user scroll sideways to see a Handler."""
    w = gui_window
    normal(w, qtbot, size)
    d = w.diagram
    failures = []
    for sid, path in traces.items():
        open_at_end(w, qtbot, path)
        d.viewport().grab()
        if d.horizontalScrollBar().maximum() > 0:
            failures.append(
                f"{sid}: scrolls sideways at {size} ({len(d.layout_model.lanes)} lanes)"
            )
        n = len(d.layout_model.lanes)
        right = d.x_of(n - 1) + d.box_w() / 2  # the last lane's boxes end here
        if right > d.viewport().width():
            failures.append(f"{sid}: the last lane ends at {right:.0f} of {d.viewport().width()}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    ("lang", "sentence"),
    [
        ("en", "accept(): never returned: the process was killed by SIGKILL"),
        ("ko", "accept(): 반환되지 않음: SIGKILL에 의해 프로세스가 강제 종료됨"),
    ],
)
def test_a_call_whose_process_was_killed_reads_as_a_sentence(
    gui_window: Any, qtbot: Any, traces: dict[str, Path], lang: str, sentence: str
) -> None:
    """signal-cleanup kills Server 2 inside accept(): its box says so in words, with no "→ = ?"
    as if a result had come back."""
    w = gui_window
    w.set_language(lang)
    normal(w, qtbot, (1920, 1080))
    open_at_end(w, qtbot, traces["signal-cleanup"])
    # the row where the killed call ended (its call's row only says "accept(fd 3)"), line by line
    killed: dict[int, list[Any]] = {}
    for items in frames(w):
        frame: dict[int, list[Any]] = {}
        for it in items:
            box = it.owner
            if it.kind == "text" and getattr(box, "error", None) == "SIGKILL" and it.row != box.row:
                frame.setdefault(it.row, []).append(it)
        killed.update(frame)  # a row two frames show: the later frame's drawing
    assert killed, "no box where the killed accept() ended"
    for lines in killed.values():
        text = " ".join(" ".join(it.text.split()) for it in lines)
        shown = " ".join(" ".join(it.shown.split()) for it in lines)
        assert text == sentence
        assert "→" not in shown and "= ?" not in shown, shown
        assert not any(it.elided for it in lines), shown


def test_the_inspector_of_a_killed_listener_says_it_is_closed(
    gui_window: Any, qtbot: Any, traces: dict[str, Path]
) -> None:
    """After its process is killed the kernel closes the listener: the inspector says it is closed
    and has no queue, not that the queue is "not available on this system"."""
    from PySide6.QtCore import Qt

    w = gui_window
    normal(w, qtbot, (1920, 1080))
    open_at_end(w, qtbot, traces["signal-cleanup"])
    state = w.session.state()
    listener = next(s for s in state.sockets.values() if s.actor == "Server 2" and s.listening)
    qtbot.waitUntil(lambda: listener.id in w.table_model.ids, timeout=3000)
    row = w.table_model.ids.index(listener.id)
    rect = w.table.visualRect(w.table_model.index(row, 0))
    qtbot.mouseClick(w.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: w.inspector.sock_id == listener.id, timeout=3000)
    note = w.inspector.queue_note.text()
    assert "closed: no fd to ask the kernel about" in note
    assert "A closed listener has no accept queue." in note
    assert "not available" not in note
    assert not w.inspector.accept_q.isVisible()
    # another actor's socket does not show the dead listener's queue either
    other = next(s for s in state.sockets.values() if s.actor == "Operator")
    row = w.table_model.ids.index(other.id)
    rect = w.table.visualRect(w.table_model.index(row, 0))
    qtbot.mouseClick(w.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: w.inspector.sock_id == other.id, timeout=3000)
    assert "not available" not in w.inspector.queue_note.text()
    assert "Server 2" not in w.inspector.queue_note.text()


def test_a_tag_the_spotlight_fades_still_hides_the_lifeline_under_it(
    gui_window: Any, qtbot: Any, traces: dict[str, Path]
) -> None:
    """Lecture mode's spotlight fades every row but the newest. A socket's state tag under its
    box sits on its lane's lifeline; faded, it let the lifeline show through its words (1280×720,
    tcp-backlog's "fd 6 FIN_WAIT1"). Read from the pixels: inside the tag's pill, just above its
    words, the lifeline's column looks like the pill beside it."""
    w = gui_window
    lecture(w, qtbot, (1280, 720), "ko")
    checked, failures = 0, []
    for sid in ("tcp-backlog", "tcp-echo", "tcp-half-close", "tcp-multi-client"):
        open_at_end(w, qtbot, traces[sid])
        everything = list(frames(w))
        newest = max(it.row for items in everything for it in items if it.kind == "text")
        vb = w.diagram.verticalScrollBar()
        for value in sorted({0, vb.maximum()}):
            vb.setValue(value)
            image = w.diagram.viewport().grab().toImage()
            items = list(w.diagram.placed)
            lines = [it.rect for it in items if it.kind == "lifeline"]
            for tag in (it for it in items if it.kind == "tag" and it.row < newest):
                r = tag.rect
                for line in lines:
                    x = int(line.center().x())
                    if not (r.left() + 8 < x < r.right() - 8 and line.intersects(r)):
                        continue
                    y = int(r.top() + 2.5)
                    if not (image.rect().contains(x, y) and image.rect().contains(x + 6, y)):
                        continue  # drawn in part below the view
                    here, beside = image.pixelColor(x, y), image.pixelColor(x + 6, y)
                    far = max(
                        abs(here.red() - beside.red()),
                        abs(here.green() - beside.green()),
                        abs(here.blue() - beside.blue()),
                    )
                    checked += 1
                    if far > 8:
                        failures.append(f"{sid}: {tag.text!r} shows its lifeline ({far})")
    assert checked, "no faded tag on a lifeline to look at"
    assert not failures, failures


def test_every_row_in_view_has_its_number(
    gui_window: Any, qtbot: Any, traces: dict[str, Path]
) -> None:
    """The margin numbers every row a box of which is in view, also the last one in view: a
    run stepped in lecture mode follows its newest row down to the bottom of the view, and that
    row, the one just stepped, had no number (the margin stopped a row short)."""
    w = gui_window
    lecture(w, qtbot, (1920, 1080), "en")
    missing = []
    for sid in ("tcp-echo", "tcp-backlog", "tcp-retransmit"):
        open_at_end(w, qtbot, traces[sid])
        height = w.diagram.viewport().height()
        for items in frames(w):
            numbered = {it.row for it in items if it.kind == "row-number"}
            for it in items:
                inside = it.rect.top() >= w.diagram.header_h and it.rect.bottom() <= height
                if it.kind == "box" and inside and it.row not in numbered:
                    missing.append(f"{sid}: row {it.row + 1} ({it.text!r})")
    assert not missing, sorted(set(missing))


def test_a_kernel_queue_gauge_shows_its_numbers_on_one_line_in_lecture_mode(
    gui_window: Any, qtbot: Any, traces: dict[str, Path]
) -> None:
    """Lecture mode's fonts made "4,096 / 8,192 bytes" wider than the room the gauge beside its
    name gives its words: the bar broke them onto two lines inside its one line's height and
    cut both. A gauge is now at least as wide as its words (the form puts it under its name
    when it must). Read from the layout: the style's own rectangle for the bar's words."""
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtWidgets import QStyle, QStyleOptionProgressBar

    w = gui_window
    lecture(w, qtbot, (1920, 1080), "en")
    open_at_end(w, qtbot, traces["tcp-flow-control"])
    d = w.diagram
    sends = [b for b in w.session.layout.boxes if b.op == "send" and b.ret is not None]
    gauges = (w.inspector.recv_q, w.inspector.send_q)
    seen: list[tuple[str, int, int]] = []
    for send in sends[:4]:
        w.session.seek(next(i for i, e in enumerate(w.session.events) if e.seq == send.ret.seq))
        qtbot.waitUntil(lambda: d.cursor_seq == w.session.cursor_seq, timeout=3000)
        d.follow = False
        d.verticalScrollBar().setValue(int(send.row * d.row_h))
        pos = QPoint(int(d.x_of(send.lane)), int(d.y_of(send.row)))
        qtbot.mouseClick(d.viewport(), Qt.MouseButton.LeftButton, pos=pos)
        qtbot.waitUntil(lambda: all("bytes" in g.text() for g in gauges), timeout=3000)
        qtbot.waitUntil(lambda: not w.panels_pending, timeout=3000)
        for g in gauges:
            opt = QStyleOptionProgressBar()
            g.initStyleOption(opt)
            words = g.fontMetrics().horizontalAdvance(g.text())

            def room(g: Any = g, opt: Any = opt) -> int:
                opt.rect = g.rect()
                label = QStyle.SubElement.SE_ProgressBarLabel
                return int(g.style().subElementRect(label, opt, g).width())

            try:
                qtbot.waitUntil(lambda room=room, words=words: room() >= words, timeout=3000)
            except qtbot.TimeoutError:
                seen.append((g.text(), room(), words))
    assert not seen, seen


def test_the_kernel_queue_note_shows_its_last_line_in_korean_lecture_mode(
    gui_window: Any, qtbot: Any
) -> None:
    """The note under the queue gauges is a form row of its own, and the form squeezed it: in
    Korean lecture mode the last line of a listener's note ("둡니다.") was cut, and stayed cut
    once the window had laid out what the step changed (tcp-backlog, step 20). Nor may it keep
    the height a longer note needed (an empty line above and below a short one). Stepped
    through the live lesson, read from the layout after each step: the note is as tall as its
    lines need at its width."""
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication, QLabel

    from socketscope.engine.scenario import get
    from socketscope.ui.app import step_n

    w = gui_window
    lecture(w, qtbot, (1920, 1080), "ko")
    w.session.load_scenario(get("tcp-backlog"))
    note = w.inspector.queue_note
    short, checked = [], 0
    while not w.session.finished and checked < 40:
        assert step_n(w, 1)
        qtbot.waitUntil(lambda: not w.panels_pending, timeout=3000)
        for _ in range(8):  # the layout passes the step asked for, and those they ask for
            QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
            QApplication.processEvents()
        checked += 1
        if not note.text():
            continue
        # what its lines need at its width, asked of a label with no minimum of its own
        fresh = QLabel(note.text())
        fresh.setFont(note.font())
        fresh.setWordWrap(True)
        need = fresh.heightForWidth(note.width())
        if not need <= note.height() <= need + 2:
            short.append((checked, note.height(), need))
    assert not short, short


def test_a_datagram_that_may_have_been_read_ends_in_a_question_not_a_cross(
    gui_window: Any, qtbot: Any, tmp_path: Path
) -> None:
    """Two senders send the same bytes; the kernel drops most of the first's; recv() reads the
    second's but does not say whose it is (tests/programs/udp_two_senders.py). At the close,
    what was never named is not all drawn as dropped: each such datagram's arrow ends in a ?,
    and their row says they were dropped or read, in amber, never a ✗ or "dropped by the
    kernel" alone."""
    from socketscope.engine import Runner, Trace
    from socketscope.engine.programs import ProgramLine, program_scenario

    programs = Path(__file__).parent / "programs"
    sc = program_scenario([ProgramLine.parse("udp_two_senders.py", str(programs), "ready")])
    path = tmp_path / "two-senders.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        write_trace(Trace(sc.header(), Runner(sc).run_to_end(30)), f)
    w = gui_window
    w.resize(1600, 1000)
    open_at_end(w, qtbot, path)
    lay = w.diagram.layout_model
    unsure = [m for m in lay.marks if m.kind == "unsure"]
    assert len(unsure) == 1 and len(unsure[0].seqs) >= 2, lay.marks
    assert not [m for m in lay.marks if m.kind == "lost"]
    assert len([a for a in lay.arrows if a.kind == "unsure"]) == len(unsure[0].seqs)
    drawn = [it for items in frames(w) for it in items]
    words: dict[int, list[str]] = {}  # a box's lines, joined
    for it in drawn:
        if it.kind == "text" and it.text.strip() not in words.get(id(it.owner), []):
            words.setdefault(id(it.owner), []).append(it.text.strip())
    texts = [" ".join(lines) for lines in words.values()]
    n = len(unsure[0].seqs)
    assert f"? {n} datagrams: dropped, or read by recv()" in texts, texts
    assert not [t for t in texts if t.startswith("✗")]
    assert [it for it in drawn if it.kind == "lost-x"], "each unsure arrow ends in its ?"
