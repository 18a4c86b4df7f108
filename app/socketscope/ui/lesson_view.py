"""What the code pane shows at the cursor: the code of the program whose call is shown, each
actor's current line, and the call's C form and explanation (or, before the first step, the
lesson's introduction). A function of the trace, the layout and the cursor."""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING

from socketscope.model.programs import program_of

if TYPE_CHECKING:
    from socketscope.model.diagram import Box
    from socketscope.model.state import LineIndex
    from socketscope.ui.lesson_panel import LessonPanel
    from socketscope.ui.session import Session


def show_lesson(
    panel: LessonPanel, s: Session, lines_index: LineIndex, lang: str, box: Box | None
) -> None:
    """The code, the C call and its explanation for ``box``, else the newest call."""
    cur = s.cursor_seq
    if box is None:
        # the newest box at the cursor (boxes come in seq order): a bisection, not a scan
        n = bisect.bisect_right(s.layout.boxes, cur, key=lambda b: b.seq)
        box = s.layout.boxes[n - 1] if n else None
    # a run of programs: the code of the program whose call is shown, each its own file
    call = box.call if box is not None else None
    program = program_of(s.trace.header, call.actor if call is not None else None)
    sources = s.trace.header.get("sources") or {}
    shown = sources.get(program) if isinstance(sources, dict) and program else None
    source = shown.get("source") if isinstance(shown, dict) else None
    panel.set_source(str(source or s.trace.header.get("source", "")))
    if box is None:
        # before the first step: what the lesson is about, and what to watch for
        h = s.trace.header
        sc = s.scenario
        title = h.get("title", {})
        summary = h.get("summary", {})
        notice = sc.notice if sc is not None else h.get("notice", {})
        panel.show_intro(
            title.get(lang) or title.get("en", ""),
            summary.get(lang) or summary.get("en", ""),
            list(notice.get(lang) or notice.get("en") or []),
        )
    else:
        ret = box.ret if box.returned_at(cur) else None
        panel.show_call(
            box.call,
            ret,
            blocked=ret is None and box.blocked_at(cur),
            ctx=box.ctx,
            blocked_ev=box.blocked_ev if box.blocked_at(cur) else None,
        )
    lines: dict[int, int] = {}
    # each actor's newest line, newest actor first; an older actor on the same line wins
    for _i, actor, line in lines_index.at(s.events, s.cursor):
        if program is not None and program_of(s.trace.header, actor) != program:
            continue  # another program's line: not in this file
        lines[line] = s.layout.lane_of(actor)
    panel.set_lines(lines)
