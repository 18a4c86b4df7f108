"""SocketInspector: one socket at the cursor -- addresses, state, options, its kernel queues
against their limits, the bytes of the selected call and of the whole stream so far."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QLabel,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from socketscope.engine.events import Event
from socketscope.model import catalogue as cat
from socketscope.model.labels import addr, evidence_label
from socketscope.model.state import RunState, SocketInfo, stream_so_far
from socketscope.ui import i18n, theme
from socketscope.ui.hexview import HexView
from socketscope.ui.sockets_table import state_text


class QueueGauge(QProgressBar):
    """A kernel queue against its limit, with the numbers written on it, in the colour of the
    socket's actor (one colour per actor, kept everywhere)."""

    lane: int | None = None
    _shown: tuple[QColor, QColor] | None = None  # the bar's colour and its text's, if set

    def set_lane(self, lane: int | None) -> None:
        self.lane = lane
        self._recolor()

    def _recolor(self) -> None:
        pal = theme.current()
        want = None if self.lane is None else (pal.actor(self.lane), pal.actor_text)
        if want == self._shown:
            return  # also ends the PaletteChange our own setPalette sends
        self._shown = want
        colors = QPalette()  # no role set: everything else follows the application palette
        if want is not None:
            colors.setColor(QPalette.ColorRole.Highlight, want[0])
            colors.setColor(QPalette.ColorRole.HighlightedText, want[1])
        self.setPalette(colors)

    def changeEvent(self, e: QEvent) -> None:
        super().changeEvent(e)
        if e.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._recolor()  # a theme switch

    def minimumSizeHint(self) -> QSize:
        """As wide as its words: narrower, the style broke "4,096 / 8,192 bytes" onto two lines
        inside the one-line bar and cut both (lecture mode's fonts). Then the inspector's form
        puts the bar under its name, where it has the whole width."""
        hint = super().minimumSizeHint()
        words = self.fontMetrics().horizontalAdvance(self.text()) + 2 * self.fontMetrics().height()
        return QSize(max(hint.width(), words), hint.height())

    def show_value(self, value: int | None, limit: int | None, unit: str) -> None:
        if value is None or limit is None or limit <= 0:
            want: tuple[int, int, str] = (1, 0, "—")
        else:
            want = (limit, min(value, limit), f"{value:,} / {limit:,} {unit}")
        if want == (self.maximum(), self.value(), self.format()):
            return
        # QProgressBar.setValue() repaints at once, synchronously: with updates off, the three
        # changes are painted together in the next frame (a step's panels cost ~3 ms less)
        self.setUpdatesEnabled(False)
        try:
            self.setRange(0, want[0])
            self.setValue(want[1])
            self.setFormat(want[2])
        finally:
            self.setUpdatesEnabled(True)
        self.updateGeometry()  # its words' width is its minimum


class TitledBox(QGroupBox):
    """A group box whose title wraps. A QGroupBox's own title never does, so a long one
    ("Stream client → server: 1,024 bytes, 12 sends") would set the inspector's minimum width and
    clip it where the inspector is narrow (lecture mode, a laptop)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.body = QVBoxLayout(self)
        self._heading = QLabel()
        self._heading.setWordWrap(True)
        self.body.addWidget(self._heading)

    def setTitle(self, title: str) -> None:
        self._heading.setText(title)

    def title(self) -> str:
        return self._heading.text()


class SocketInspector(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        self.title = QLabel()
        self.title.setObjectName("inspectorTitle")
        self.title.setWordWrap(True)
        outer.addWidget(self.title)
        self.form_box = QGroupBox()
        form = QFormLayout(self.form_box)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.fields: dict[str, QLabel] = {}
        self.field_labels: dict[str, QLabel] = {}
        for key in ("fd", "type", "local", "peer", "state", "options"):
            w = QLabel("—")
            w.setWordWrap(True)
            w.installEventFilter(self)  # see _fit_height
            self.fields[key] = w
            self.field_labels[key] = QLabel()
            form.addRow(self.field_labels[key], w)
        outer.addWidget(self.form_box)
        self.gauges = QGroupBox()
        g = QFormLayout(self.gauges)
        g.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.recv_q = QueueGauge()
        self.send_q = QueueGauge()
        self.accept_q = QueueGauge()
        self.recv_label = QLabel()
        self.send_label = QLabel()
        self.accept_label = QLabel()
        g.addRow(self.recv_label, self.recv_q)
        g.addRow(self.send_label, self.send_q)
        g.addRow(self.accept_label, self.accept_q)
        self.queue_note = QLabel("")
        self.queue_note.setWordWrap(True)
        # a form row of its own is squeezed as the fields are: the note's last line was cut
        # ("...연결을 넣어" without "둡니다.", lecture mode)
        self.queue_note.installEventFilter(self)  # see _fit_height
        g.addRow(self.queue_note)
        outer.addWidget(self.gauges)
        # where the kernel holds the selected call's thread, when it is blocked
        self.blocking = QLabel("")
        self.blocking.setObjectName("inspectorBlocking")
        self.blocking.setWordWrap(True)
        self.blocking.setVisible(False)
        outer.addWidget(self.blocking)
        self.call_box = TitledBox()
        self.call_hex = HexView()
        self.call_box.body.addWidget(self.call_hex)
        outer.addWidget(self.call_box, 1)
        self.stream_box = TitledBox()
        self.stream_hex = HexView()
        self.stream_box.body.addWidget(self.stream_hex)
        outer.addWidget(self.stream_box, 2)
        self.sock_id: int | None = None
        self.call: Event | None = None
        self.retranslate()

    def retranslate(self) -> None:
        """The fixed labels; the rest is written again by the next ``show_socket``."""
        self.title.setText(self.tr("Select a call or a socket"))
        self.form_box.setTitle(self.tr("Socket"))
        names = {
            "fd": self.tr("fd"),
            "type": self.tr("type"),
            "local": self.tr("local address"),
            "peer": self.tr("peer address"),
            "state": self.tr("state"),
            "options": self.tr("options set"),
        }
        for key, label in self.field_labels.items():
            label.setText(names[key])
        self.gauges.setTitle(self.tr("Kernel queues"))
        self.recv_label.setText(self.tr("receive queue"))
        self.send_label.setText(self.tr("send queue"))
        self.accept_label.setText(self.tr("accept queue"))
        self.call_box.setTitle(self.tr("Bytes of this call"))
        self.stream_box.setTitle(self.tr("The stream so far (each send shaded)"))

    def changeEvent(self, e: QEvent) -> None:
        if e.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(e)

    def show_socket(
        self,
        state: RunState,
        sock_id: int | None,
        ret: Event | None,
        events: list[Event],
        cursor: int,
        blocked: Event | None = None,
        listener: int | None = None,
    ) -> None:
        """Show socket ``sock_id`` at the cursor; ``listener``, a listening socket of the run
        whose accept queue is shown alongside when ``sock_id`` is not one."""
        self.sock_id = sock_id
        self._show_blocking(blocked)
        info = state.sockets.get(sock_id) if sock_id is not None else None
        if info is None:
            # nothing of an earlier run or selection may stay on screen (Reset, a new lesson)
            self.title.setText(self.tr("Select a call or a socket"))
            for w in self.fields.values():
                w.setText("—")
            for gauge in (self.recv_q, self.send_q, self.accept_q):
                gauge.show_value(None, None, "")
                gauge.set_lane(None)
            self.accept_q.setVisible(True)
            self.accept_label.setVisible(True)
            self.accept_label.setText(self.tr("accept queue"))
            self.queue_note.setText("")
            self.call_box.setTitle(self.tr("Bytes of this call"))
            self.stream_box.setTitle(self.tr("The stream so far (each send shaded)"))
            self.call_hex.set_bytes(b"", placeholder="")
            self.stream_hex.set_bytes(b"", placeholder="")
            return
        # the fd is what the program calls it; the engine's socket id means nothing to a student
        if info.fd is not None:
            title = self.tr("Socket fd {fd} of {actor}").format(fd=info.fd, actor=info.actor)
        else:
            title = self.tr("A socket of {actor}").format(actor=info.actor)
        self.title.setText(title)
        lanes = list(state.actors)  # in lane order
        lane = lanes.index(info.actor) if info.actor in lanes else None
        for gauge in (self.recv_q, self.send_q, self.accept_q):
            if gauge.lane != lane:
                gauge.set_lane(lane)
        listener_info = state.sockets.get(listener) if listener is not None else None
        self._fill(info, listener_info)
        self._bytes(info, ret, events, cursor)
        for label in (*self.fields.values(), self.queue_note):
            _fit_height(label)

    def eventFilter(self, watched: QObject, e: QEvent) -> bool:
        if e.type() == QEvent.Type.Resize and isinstance(watched, QLabel):
            _fit_height(watched)
        return False

    def _show_blocking(self, blocked: Event | None) -> None:
        """The selected call's blocking evidence: where the kernel holds its thread and what that
        wait channel means, or that only time could tell."""
        said = evidence_label(blocked, i18n.translate)
        if not said:
            self.blocking.setText("")
            self.blocking.setVisible(False)
            return
        assert blocked is not None
        lines = [self.tr("{op}() blocked: {evidence}").format(op=blocked.op, evidence=said)]
        if blocked.evidence == "kernel":
            meaning = cat.wait_channel(blocked.kernel_wait, i18n.current())
            if meaning:
                lines.append(meaning)
        self.blocking.setText("\n".join(lines))
        self.blocking.setVisible(True)

    def _fill(self, s: SocketInfo, listener: SocketInfo | None = None) -> None:
        na = self.tr("not available on this system")
        self.fields["fd"].setText(str(s.fd) + ("  " + self.tr("(closed)") if s.closed else ""))
        self.fields["type"].setText("SOCK_STREAM (TCP)" if s.type == "TCP" else "SOCK_DGRAM (UDP)")
        self.fields["local"].setText(_wrappable(s.local) if s.local else self.tr("not bound yet"))
        self.fields["peer"].setText(_wrappable(s.peer) if s.peer else "—")
        self.fields["state"].setText(
            s.state
            if s.type == "TCP"
            else self.tr("{state} (UDP has no connection state)").format(state=state_text(s.state))
        )
        opts = ", ".join(f"{k_} = {v}" for k_, v in s.options.items())
        mode = self.tr("blocking") if s.blocking else self.tr("non-blocking")
        if s.timeout:
            mode = self.tr("timeout {seconds} s").format(seconds=s.timeout)
        self.fields["options"].setText((opts + "; " if opts else "") + mode)
        notes: list[str] = []
        if s.closed:
            for gauge in (self.recv_q, self.send_q):
                gauge.show_value(None, None, "")
            notes.append(self.tr("closed: no fd to ask the kernel about"))
            if s.listening:
                # not "not available": a closed listener has no queue at all
                notes.append(self.tr("A closed listener has no accept queue."))
        elif s.type == "UDP":
            notes += self._udp_queues(s, na)
        else:
            notes += self._tcp_queues(s, na)
        notes += self._accept_queue(s, listener, na)
        self.queue_note.setText("\n".join(notes))

    def _tcp_queues(self, s: SocketInfo, na: str) -> list[str]:
        k = s.kernel
        self.recv_q.show_value(k.recv_q, k.rcvbuf, self.tr("bytes"))
        self.send_q.show_value(k.send_q, k.sndbuf, self.tr("bytes"))
        if k.state is None:
            return [self.tr("TCP state and queue lengths: {na}").format(na=na)]
        if k.state == "LISTEN":
            return [self.tr("A listening socket queues connections, not bytes.")]
        if k.state == "CLOSED":
            # measured: the kernel has no connection for this fd, so there is no queue to ask
            return [
                self.tr(
                    "CLOSED: not connected and not listening, so the kernel keeps no queues for it."
                )
            ]
        if k.recv_q is None or k.send_q is None:
            return [self.tr("queue lengths: {na}").format(na=na)]
        return []

    def _udp_queues(self, s: SocketInfo, na: str) -> list[str]:
        k = s.kernel
        self.recv_q.show_value(k.recv_q, k.rcvbuf, self.tr("bytes"))
        self.send_q.show_value(k.send_q, k.sndbuf, self.tr("bytes"))
        notes = []
        if k.recv_q is None:
            notes.append(self.tr("UDP receive queue: {na}").format(na=na))
        else:
            notes.append(
                self.tr(
                    "UDP receive queue: the bytes the kernel charges for the queued datagrams "
                    "(as ss shows Recv-Q), each with its buffer's overhead."
                )
            )
        nd = k.next_dgram
        if nd is None:
            notes.append(self.tr("Next datagram: {na}").format(na=na))
        elif nd == 0 and not k.recv_q:
            notes.append(self.tr("Next datagram: none queued."))
        else:
            notes.append(
                self.tr("Next datagram: {n} bytes of payload (FIONREAD).").format(n=f"{nd:,}")
            )
        return notes

    def _accept_queue(self, s: SocketInfo, listener: SocketInfo | None, na: str) -> list[str]:
        """The shown socket's own accept queue, else the lesson's listener's: its queue matters
        in every lesson with a server, and nobody should need a click to see it."""
        own = s.listening and not s.closed
        ls = s if own else listener
        shown = ls is not None and ls.listening and not ls.closed
        self.accept_q.setVisible(shown)
        self.accept_label.setVisible(shown)
        if not shown or ls is None:
            return []
        k = ls.kernel
        self.accept_label.setText(self.tr("accept queue"))
        notes = (
            []
            if own
            else [
                self.tr("The accept queue is of {actor}'s listener (fd {fd}).").format(
                    actor=ls.actor, fd=ls.fd
                )
            ]
        )
        self.accept_q.show_value(
            k.accept_q,
            k.backlog + 1 if k.backlog is not None else None,
            self.tr("connections"),
        )
        if k.backlog is None:
            return [*notes, self.tr("accept queue: {na}").format(na=na)]
        return [
            *notes,
            self.tr("Linux admits backlog + 1 = {n} connections before accept()").format(
                n=k.backlog + 1
            ),
        ]

    def _bytes(self, s: SocketInfo, ret: Event | None, events: list[Event], cursor: int) -> None:
        if ret is not None and ret.data is not None:
            raw = bytes.fromhex(ret.data)
            more = " " + self.tr("(first part only)") if ret.truncated else ""
            self.call_box.setTitle(
                self.tr("Bytes of this {op}(): {n} bytes").format(op=ret.op, n=ret.nbytes) + more
            )
            self.call_hex.set_bytes(
                raw,
                base_offset=ret.range[0] if ret.range else 0,
                placeholder=self.tr("The trace did not keep these bytes."),
            )
        else:
            self.call_box.setTitle(self.tr("Bytes of this call"))
            self.call_hex.set_bytes(b"", placeholder=self.tr("This call moved no bytes."))
        if s.conn is None:
            self.stream_box.setTitle(self.tr("The stream so far"))
            self.stream_hex.set_bytes(
                b"", placeholder=self.tr("Not a connected TCP socket: no byte stream.")
            )
            return
        direction = ret.dir if ret is not None and ret.dir else None
        if direction is None:
            direction = "c>s"
        data, segments, gaps = stream_so_far(events, s.conn, direction, cursor)
        if len(segments) == 1:
            title = (
                self.tr("Stream client → server: {n} bytes, 1 send")
                if direction == "c>s"
                else self.tr("Stream server → client: {n} bytes, 1 send")
            )
        else:
            title = (
                self.tr("Stream client → server: {n} bytes, {sends} sends")
                if direction == "c>s"
                else self.tr("Stream server → client: {n} bytes, {sends} sends")
            )
        note = " " + self.tr("(large: only the first bytes of each send are kept)") if gaps else ""
        self.stream_box.setTitle(title.format(n=len(data), sends=len(segments)) + note)
        hl = ret.range if ret is not None and ret.range else None
        self.stream_hex.set_bytes(data, segments, hl, placeholder=self.tr("No bytes sent yet."))


def _wrappable(a: object) -> str:
    """An address that may break before its port: a narrow inspector (1280×720, lecture mode)
    otherwise cut "127.0.0.1:36116" off at the edge."""
    text = addr(a)
    i = text.rfind(":")
    return text if i < 0 else text[: i + 1] + "\u200b" + text[i + 1 :]


def _fit_height(label: QLabel) -> None:
    """A field that wraps (the options set, in Korean, or at 1280 px) gets the height its lines
    need at its width: in the scroll area the form squeezed its row to one line, and the second
    line was drawn under the box below."""
    w = label.width()
    if w > 0:
        # asked with the last minimum in place, a label never answers less: a shorter text (or a
        # wider inspector) kept the height a longer one had needed, an empty line above and below
        label.setMinimumHeight(0)
        # an empty label has no height for a width (-1): it needs none
        label.setMinimumHeight(max(0, label.heightForWidth(w)))
