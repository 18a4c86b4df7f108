"""The status line: what is happening, in plain words, from the trace at the cursor.

A function of the session's trace, layout, cursor and how the run ended (``StatusSession``), so
stepping back or replaying a file says what was true then; the window only shows the text and,
when the run cannot go on, a Reset button.
"""

from __future__ import annotations

from typing import Protocol

from socketscope.engine.events import Event
from socketscope.engine.runhost import Outcome
from socketscope.model.diagram import DiagramLayout
from socketscope.model.messages import message_text
from socketscope.model.state import RunState
from socketscope.ui.i18n import translate
from socketscope.ui.run_messages import run_message


class StatusSession(Protocol):
    """The part of ``ui.session.Session`` the status line reads."""

    @property
    def events(self) -> list[Event]: ...
    @property
    def cursor(self) -> int: ...
    @property
    def at_end(self) -> bool: ...
    @property
    def live(self) -> bool: ...
    @property
    def running(self) -> bool: ...
    @property
    def finished(self) -> bool: ...

    layout: DiagramLayout
    ended: Outcome | None

    def state(self) -> RunState: ...


def _tr(text: str) -> str:
    return translate("StatusLine", text)


def stuck_sentence(s: StatusSession) -> str:
    """An actor that raised, or a run host that died, can leave its peers blocked for ever:
    say so. A lesson's own kill that leaves nobody stuck is not news. "" when nothing is stuck."""
    if s.at_end and s.ended is not None and not s.ended.in_order:
        out = s.ended
        parts = [run_message(out.code, out.params, out.message)]
        lanes = s.layout.lanes
        parts += [
            translate(
                "StatusLine", "{actor}'s {op}() never returned: the process it ran in has ended."
            ).format(actor=lanes[b.lane], op=b.op)
            for b in s.layout.boxes
            if b.ret is None and not b.burst and b.blocked_ev is not None
        ]
    else:
        state = s.state()
        alive = [a for a in state.actors.values() if a.status != "finished"]
        stuck = [a for a in alive if a.status == "blocked"]
        if not stuck or len(stuck) < len(alive):
            return ""  # somebody can still move
        if not any(a.error for a in state.actors.values()):
            return ""  # all blocked on each other, as a lesson can be: no crash to name
        errors: dict[str, Event] = {}
        for ev in s.events[: s.cursor]:
            if ev.kind == "error":
                errors[ev.actor] = ev
        parts = [
            translate("StatusLine", "{actor} crashed: {error}").format(
                actor=actor, error=message_text(ev, translate)
            )
            for actor, ev in errors.items()
        ]
        parts += [
            translate(
                "StatusLine",
                "{actor}'s {op}() waits on an actor that is dead: it will never return.",
            ).format(actor=a.name, op=a.op)
            for a in stuck
        ]
    parts.append(translate("StatusLine", "Reset (Ctrl+R) runs the lesson again."))
    return "  ".join(parts)


def status_line(s: StatusSession, lang: str) -> tuple[str, bool]:
    """The sentence for the status bar, and whether to offer Reset (the run cannot go on)."""
    stuck = stuck_sentence(s)
    if stuck:
        return stuck, True
    state = s.state()
    text = state.sentence(lang)
    ready = translate("StatusLine", "Press Space to run, → to step")
    if s.live and state.calls == 0 and not s.running:
        text = ready  # nothing has run yet
    elif s.live and not s.running and not s.finished and not text.startswith(("Server", "Client")):
        text = (text + "   —   " if text else "") + translate("StatusLine", "Space: run   →: step")
    return text or ready, False
