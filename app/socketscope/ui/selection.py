"""Which socket and which call the panels show: the one the user chose, else the newest.

``SelectionController`` is handed a view (the Mu pattern, as ``StudyController``): the window
implements ``SelectionView`` with the diagram's highlight and the inspector, the tests use a fake.
It reads the session's trace, layout and cursor only, never the live run, so what it shows at a
cursor is the same live, stepped back or replayed from a file.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Protocol

from socketscope.engine.events import Event
from socketscope.model.diagram import Box, DiagramLayout
from socketscope.model.state import RunState


class SelectionSession(Protocol):
    """The part of ``ui.session.Session`` the selection reads."""

    @property
    def events(self) -> list[Event]: ...
    @property
    def cursor(self) -> int: ...
    @property
    def cursor_seq(self) -> int: ...

    layout: DiagramLayout

    def state(self) -> RunState: ...


@dataclass(frozen=True)
class Shown:
    """What the panels show at the cursor."""

    box: Box | None  # the call chosen on the diagram (None: the panels follow the newest)
    sock: int | None  # the socket in the inspector
    ret: Event | None  # the return (or burst) whose bytes the inspector shows
    blocked: Event | None  # the blocked event of the call shown, while it is blocked
    listener: int | None  # a listening socket whose accept queue is shown alongside


class SelectionView(Protocol):
    def highlight(self, box: Box | None) -> None:
        """Mark ``box`` on the diagram (None: no mark)."""

    def show_selection(self, shown: Shown) -> None: ...


class SelectionController:
    def __init__(self, session: SelectionSession, view: SelectionView) -> None:
        self.session = session
        self.view = view
        self.box: Box | None = None
        self.sock: int | None = None  # chosen by a click on a box or a table row

    def choose_box(self, box: Box | None) -> None:
        """A click on a call: its socket (the new one, for an accept()) and its bytes."""
        self.box = box
        if box is None:
            self.sock = None
        else:
            self.sock = box.ret.new_sock if box.ret is not None and box.ret.new_sock else box.sock
        self.view.highlight(box)
        self.refresh()

    def choose_socket(self, sock: int | None) -> None:
        """A click on a row of the sockets table: that socket, no call."""
        self.box = None
        self.sock = sock
        self.view.highlight(None)
        self.refresh()

    def forget(self) -> None:
        """A new lesson, a Reset or a new language's layout: nothing chosen any more."""
        self.box = None
        self.sock = None
        self.view.highlight(None)

    def shown(self) -> Shown:
        s = self.session
        cur = s.cursor_seq
        state = s.state()
        box = self.box
        if box is not None and box.seq > cur:
            # stepped back before the chosen call: it does not exist yet
            self.box = box = None
            self.view.highlight(None)
        ret = (
            box.ret if box is not None and box.ret_seq is not None and box.ret_seq <= cur else None
        )
        sock = self.sock
        if sock is not None and sock not in state.sockets:
            sock = None  # chosen later in the trace than the cursor
        if sock is None and box is None:
            events = s.events
            for i in range(s.cursor - 1, -1, -1):  # no copy of the trace: it can be 100k long
                ev = events[i]
                if ev.kind in ("return", "burst") and ev.sock is not None:
                    sock = ev.new_sock or ev.sock
                    ret = ret or ev
                    break
        return Shown(box, sock, ret, self._blocked(box), self._listener(state, sock))

    def refresh(self) -> None:
        self.view.show_selection(self.shown())

    def _blocked(self, box: Box | None) -> Event | None:
        """The blocked event of the chosen call, else of the newest call blocked now: the
        inspector says where the kernel holds its thread."""
        cur = self.session.cursor_seq
        if box is None:
            # only a call not yet returned can be blocked: look those up, not every box
            boxes = self.session.layout.boxes
            now = []
            for call in self.session.state().pending_calls():
                i = bisect.bisect_left(boxes, call.seq, key=lambda b: b.seq)
                if i < len(boxes) and boxes[i].seq == call.seq:
                    b = boxes[i]
                    if b.blocked_at(cur) and not b.returned_at(cur):
                        now.append((i, b))
            box = max(now, key=lambda ib: ib[0])[1] if now else None
        return box.blocked_ev if box is not None and box.blocked_at(cur) else None

    @staticmethod
    def _listener(state: RunState, sock: int | None) -> int | None:
        """The newest listening socket still open, unless the one shown listens itself."""
        shown = state.sockets.get(sock) if sock is not None else None
        if shown is not None and shown.listening and not shown.closed:
            return None
        open_listeners = [s.id for s in state.sockets.values() if s.listening and not s.closed]
        return open_listeners[-1] if open_listeners else None
