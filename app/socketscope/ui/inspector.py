"""SocketInspector: one socket at the cursor -- addresses, state, options, its kernel queues
against their limits, the bytes of the selected call and of the whole stream so far."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QLabel,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from socketscope.engine.events import Event
from socketscope.model.labels import addr
from socketscope.model.state import RunState, SocketInfo
from socketscope.ui.hexview import HexView

NA = "not available on this system"


class QueueGauge(QProgressBar):
    """A kernel queue against its limit, with the numbers written on it."""

    def show_value(self, value: int | None, limit: int | None, unit: str) -> None:
        if value is None or limit is None or limit <= 0:
            self.setRange(0, 1)
            self.setValue(0)
            self.setFormat("—")
            return
        self.setRange(0, limit)
        self.setValue(min(value, limit))
        self.setFormat(f"{value:,} / {limit:,} {unit}")


class SocketInspector(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        self.title = QLabel("Select a call or a socket")
        self.title.setObjectName("inspectorTitle")
        self.title.setWordWrap(True)
        outer.addWidget(self.title)
        form_box = QGroupBox("Socket")
        form = QFormLayout(form_box)
        self.fields: dict[str, QLabel] = {}
        for key, label in (
            ("fd", "fd"),
            ("type", "type"),
            ("local", "local address"),
            ("peer", "peer address"),
            ("state", "state"),
            ("options", "options set"),
        ):
            w = QLabel("—")
            w.setWordWrap(True)
            self.fields[key] = w
            form.addRow(label, w)
        outer.addWidget(form_box)
        gauges = QGroupBox("Kernel queues")
        g = QFormLayout(gauges)
        self.recv_q = QueueGauge()
        self.send_q = QueueGauge()
        self.accept_q = QueueGauge()
        self.accept_label = QLabel("accept queue")
        g.addRow("receive queue", self.recv_q)
        g.addRow("send queue", self.send_q)
        g.addRow(self.accept_label, self.accept_q)
        self.queue_note = QLabel("")
        self.queue_note.setWordWrap(True)
        g.addRow(self.queue_note)
        outer.addWidget(gauges)
        self.call_box = QGroupBox("Bytes of this call")
        cb = QVBoxLayout(self.call_box)
        self.call_hex = HexView()
        cb.addWidget(self.call_hex)
        outer.addWidget(self.call_box, 1)
        self.stream_box = QGroupBox("The stream so far (each send shaded)")
        sb = QVBoxLayout(self.stream_box)
        self.stream_hex = HexView()
        sb.addWidget(self.stream_hex)
        outer.addWidget(self.stream_box, 2)
        self.sock_id: int | None = None
        self.call: Event | None = None

    def show_socket(
        self,
        state: RunState,
        sock_id: int | None,
        ret: Event | None,
        events: list[Event],
        cursor: int,
    ) -> None:
        self.sock_id = sock_id
        info = state.sockets.get(sock_id) if sock_id is not None else None
        if info is None:
            self.title.setText("Select a call or a socket")
            for w in self.fields.values():
                w.setText("—")
            for gauge in (self.recv_q, self.send_q, self.accept_q):
                gauge.show_value(None, None, "")
            self.call_hex.set_bytes(b"", placeholder="")
            self.stream_hex.set_bytes(b"", placeholder="")
            return
        self.title.setText(f"Socket #{info.id} of {info.actor}")
        self._fill(info)
        self._bytes(info, ret, events, cursor)

    def _fill(self, s: SocketInfo) -> None:
        k = s.kernel
        self.fields["fd"].setText(str(s.fd) + ("  (closed)" if s.closed else ""))
        self.fields["type"].setText("SOCK_STREAM (TCP)" if s.type == "TCP" else "SOCK_DGRAM (UDP)")
        self.fields["local"].setText(addr(s.local) if s.local else "not bound yet")
        self.fields["peer"].setText(addr(s.peer) if s.peer else "—")
        self.fields["state"].setText(
            s.state if s.type == "TCP" else f"{s.state} (UDP has no connection state)"
        )
        opts = ", ".join(f"{k_} = {v}" for k_, v in s.options.items())
        mode = "blocking" if s.blocking else "non-blocking"
        if s.timeout:
            mode = f"timeout {s.timeout} s"
        self.fields["options"].setText((opts + "; " if opts else "") + mode)
        if s.closed:
            for gauge in (self.recv_q, self.send_q, self.accept_q):
                gauge.show_value(None, None, "")
            self.queue_note.setText("closed: no fd to ask the kernel about")
            return
        self.recv_q.show_value(k.recv_q, k.rcvbuf, "bytes")
        self.send_q.show_value(k.send_q, k.sndbuf, "bytes")
        self.accept_q.setVisible(s.listening)
        self.accept_label.setVisible(s.listening)
        self.accept_q.show_value(
            k.accept_q, (k.backlog or 0) + 1 if k.backlog is not None else None, "connections"
        )
        notes = []
        if s.type == "UDP":
            nd = k.next_dgram
            notes.append(
                "UDP: the receive queue's length is "
                + NA
                + f"; next datagram: {nd if nd is not None else '—'} bytes"
            )
        elif k.recv_q is None and not s.listening:
            notes.append("queue lengths: " + NA)
        if s.listening:
            notes.append(
                f"Linux admits backlog + 1 = {(k.backlog or 0) + 1} connections before accept()"
                if k.backlog is not None
                else "accept queue: " + NA
            )
        self.queue_note.setText("\n".join(notes))

    def _bytes(self, s: SocketInfo, ret: Event | None, events: list[Event], cursor: int) -> None:
        if ret is not None and ret.data is not None:
            raw = bytes.fromhex(ret.data)
            more = " (first part only)" if ret.truncated else ""
            self.call_box.setTitle(f"Bytes of this {ret.op}(): {ret.nbytes} bytes{more}")
            self.call_hex.set_bytes(raw, base_offset=ret.range[0] if ret.range else 0)
        else:
            self.call_box.setTitle("Bytes of this call")
            self.call_hex.set_bytes(b"", placeholder="This call moved no bytes.")
        if s.conn is None:
            self.stream_box.setTitle("The stream so far")
            self.stream_hex.set_bytes(
                b"", placeholder="Not a connected TCP socket: no byte stream."
            )
            return
        direction = ret.dir if ret is not None and ret.dir else None
        if direction is None:
            direction = "c>s"
        data = bytearray()
        segments: list[tuple[int, int]] = []
        gaps = False
        for ev in events[:cursor]:
            if ev.conn != s.conn or ev.dir != direction or ev.range is None:
                continue
            if not (ev.op or "").startswith("send") or ev.kind not in ("return", "burst"):
                continue
            a, b = ev.range
            chunk = bytes.fromhex(ev.data or "")
            if a != len(data) or len(chunk) < b - a:
                gaps = True
            if a == len(data):
                segments.append((len(data), len(data) + len(chunk)))
                data += chunk
        arrow = "client → server" if direction == "c>s" else "server → client"
        note = " (large: only the first bytes of each send are kept)" if gaps else ""
        self.stream_box.setTitle(f"Stream {arrow}: {len(data)} bytes, {len(segments)} sends{note}")
        hl = ret.range if ret is not None and ret.range else None
        self.stream_hex.set_bytes(bytes(data), segments, hl, placeholder="No bytes sent yet.")
