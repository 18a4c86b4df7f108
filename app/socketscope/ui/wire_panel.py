"""The window's side of the real packets: the calls / calls + packets toggle (View menu and
toolbar), the inspector's packet pane (header fields and bytes; for a call, the packets it
caused), File → Export → pcapng, and the banner that says why a run has no packets.

Installed on a MainWindow by :func:`install`, so that mainwindow.py only calls it.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QSizePolicy, QToolBar, QVBoxLayout, QWidget

from socketscope.engine.events import Event
from socketscope.model.diagram import Box
from socketscope.model.labels import addr
from socketscope.model.wire import packet_label
from socketscope.ui import i18n
from socketscope.ui.hexview import HexView
from socketscope.ui.inspector import TitledBox
from socketscope.ui.wire_view import cause_text

if TYPE_CHECKING:
    from socketscope.ui.mainwindow import MainWindow


class PacketPane(TitledBox):
    """A selected packet's header fields and bytes, or the packets a selected call caused."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("packetPane")
        self.fields = QLabel()
        self.fields.setObjectName("packetFields")
        self.fields.setWordWrap(True)
        self.fields.setTextFormat(Qt.TextFormat.RichText)
        self.fields.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.body.addWidget(self.fields)
        self.hex = HexView()
        self.hex.setObjectName("packetHex")
        self.body.addWidget(self.hex)
        self.packet: Event | None = None
        self.setVisible(False)

    def show_packet(self, ev: Event, by_seq: dict[int, Event], fate: str | None = None) -> None:
        p = ev.packet
        if p is None:
            return
        self.packet = ev
        self.setTitle(self.tr("Packet: {label}").format(label=packet_label(ev, i18n.translate)))
        rows = [
            (
                self.tr("captured"),
                self.tr("{t} s after the start, on {iface}").format(
                    t=f"{ev.t:.6f}", iface=f"{p.host}:{p.iface}" if p.host else p.iface
                ),
            ),
            (self.tr("from → to"), f"{addr(p.src)} → {addr(p.dst)}"),
            (self.tr("protocol"), p.proto),
        ]
        if p.proto == "TCP":
            rows += [
                (self.tr("flags"), ", ".join(p.flags) or "—"),
                (self.tr("seq / ack (relative)"), f"{_num(p.seq)} / {_num(p.ack)}"),
                (self.tr("window"), self.tr("{n} bytes").format(n=_num(p.window))),
            ]
        rows += [
            (self.tr("payload"), self.tr("{n} bytes").format(n=p.len)),
            (self.tr("on the wire"), self.tr("{n} bytes").format(n=p.wire_len)),
        ]
        if ev.range is not None:
            rows.append((self.tr("stream bytes"), f"[{ev.range[0]}, {ev.range[1]})"))
        rows.append((self.tr("why it was sent"), cause_text(ev, by_seq)))
        if fate:
            rows.append((self.tr("on the link"), fate))
        self.fields.setText(_table(rows))
        frame = bytes.fromhex(p.frame or "")
        self.hex.set_bytes(
            frame, placeholder=self.tr("The trace did not keep this packet's bytes.")
        )
        self.hex.setVisible(True)
        self.setVisible(True)

    def show_call(self, box: Box | None, caused: list[Event], cursor: int) -> None:
        """The packets a call made the kernel send (those in the trace at the cursor)."""
        self.packet = None
        seen = [e for e in caused if e.seq <= cursor]
        if box is None or not seen:
            self.setVisible(False)
            return
        self.setTitle(self.tr("Packets {op}() caused: {n}").format(op=box.op, n=len(seen)))
        items = [html.escape(packet_label(e, i18n.translate)) for e in seen[:40]]
        more = len(seen) - len(items)
        text = "<br>".join(items)
        if more:
            text += "<br>" + html.escape(self.tr("and {n} more").format(n=more))
        self.fields.setText(text)
        self.hex.setVisible(False)
        self.setVisible(True)


def _num(v: int | None) -> str:
    return "—" if v is None else str(v)


def _table(rows: list[tuple[str, str]]) -> str:
    cells = "".join(
        f"<tr><td style='padding-right:10px'>{html.escape(k)}</td><td>{html.escape(v)}</td></tr>"
        for k, v in rows
    )
    return f"<table>{cells}</table>"


def banner_text(header: dict[str, Any]) -> str:
    """What the window says when a run has no packets (or lost some): what, why, how to fix."""
    translate = i18n.translate
    net = header.get("network")
    cap = header.get("capture") or {}
    if isinstance(net, dict) and net.get("private") is False:
        reason = net.get("reason")
        if reason == "userns-disabled":
            why = translate(
                "Banner",
                "this system does not allow unprivileged user namespaces "
                "(user.max_user_namespaces = 0), so the run could not have a network of its own "
                "to capture.",
            )
            how = translate(
                "Banner",
                "To enable: sudo sysctl -w user.max_user_namespaces=15000, then run again.",
            )
        elif reason == "not-linux":
            why = translate("Banner", "capturing a run's packets needs Linux network namespaces.")
            how = ""
        else:
            why = translate(
                "Banner",
                "the system refused the run a user namespace of its own (Ubuntu 24.04's AppArmor "
                "restriction does this), so it could not capture.",
            )
            how = translate(
                "Banner",
                "To enable: install SocketScope's .deb package (it grants its program a user "
                "namespace), or sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0.",
            )
        head = translate("Banner", "Calls only, no packets:")
        return " ".join(x for x in (head, why, how) if x)
    if cap.get("available") is False and cap.get("reason") == "capture-failed":
        return translate(
            "Banner", "Calls only, no packets: the capture could not start ({detail})."
        ).format(detail=cap.get("detail", ""))
    drops = cap.get("drops")
    if isinstance(drops, int) and drops > 0:
        return translate(
            "Banner", "The capture dropped {n} packets: the diagram lacks them."
        ).format(n=f"{drops:,}")
    return ""


class WireControls(QObject):
    """The packet toggle, the packet pane and the banner of one window."""

    def __init__(self, w: MainWindow) -> None:
        super().__init__(w)
        self.w = w
        self.act_packets = QAction(w)
        self.act_packets.setObjectName("actPackets")
        self.act_packets.setCheckable(True)
        self.act_packets.setChecked(True)
        self.act_packets.setShortcut("P")
        self.act_packets.toggled.connect(self.set_packets)
        w.addAction(self.act_packets)
        w.toolbar.addSeparator()
        w.toolbar.addAction(self.act_packets)
        w.view_menu.insertAction(w.view_menu.actions()[2], self.act_packets)
        self.act_export = QAction(w)
        self.act_export.setObjectName("actExportPcapng")
        self.act_export.triggered.connect(lambda _=False: w.export_dialog("pcapng"))
        w.export_menu.addSeparator()
        w.export_menu.addAction(self.act_export)
        self.pane = PacketPane()
        layout = w.inspector.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(0, self.pane)
        self.banner = QLabel()
        self.banner.setObjectName("wireBanner")
        self.banner.setWordWrap(True)
        self.banner.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.banner.setStyleSheet(
            "QLabel#wireBanner { background: #fff3cd; color: #5c4400; padding: 6px 10px; "
            "border-bottom: 1px solid #e0c36c; }"
        )
        self.banner_bar = QToolBar()
        self.banner_bar.setObjectName("wireBannerBar")
        self.banner_bar.setMovable(False)
        self.banner_bar.addWidget(self.banner)
        w.addToolBarBreak(Qt.ToolBarArea.TopToolBarArea)
        w.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.banner_bar)
        self.banner_bar.setVisible(False)
        self._shown_for: tuple[Any, ...] = ()
        w.diagram.packetClicked.connect(self._on_packet)
        w.diagram.boxClicked.connect(self._on_box)
        w.session.changed.connect(self.update)
        w.installEventFilter(self)
        self.retranslate()

    def eventFilter(self, obj: QObject, e: QEvent) -> bool:
        if obj is self.w and e.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        return False

    def retranslate(self) -> None:
        self.act_packets.setText(self.tr("Show packets"))
        self.act_packets.setIconText(self.tr("Packets"))
        self.act_packets.setToolTip(
            self.tr("Calls only, or calls and the real packets they made the kernel send (P)")
        )
        self.act_export.setText(self.tr("Packets as pcapng (Wireshark)…"))
        self.pane.setVisible(False)
        self._shown_for = ()
        self.update()

    def set_packets(self, on: bool) -> None:
        d = self.w.diagram
        d.show_packets = on
        d.refresh(d.cursor_seq, d.live)

    def update(self) -> None:
        s = self.w.session
        header = s.trace.header
        key = (id(s.trace), str(header.get("network")), str(header.get("capture")), i18n.current())
        capture = header.get("capture") or {}
        self.act_packets.setEnabled(s.layout.wire.has_packets or bool(capture.get("available")))
        if key != self._shown_for:
            self._shown_for = key
            text = banner_text(header)
            self.banner.setText(text)
            self.banner_bar.setVisible(bool(text))

    def _calls(self) -> dict[int, Event]:
        return {b.seq: b.call for b in self.w.session.layout.boxes if b.call is not None}

    def _on_packet(self, ev: Event) -> None:
        s = self.w.session
        self.pane.show_packet(ev, self._calls(), s.layout.wire.fate(ev, s.cursor_seq))

    def _on_box(self, box: Box) -> None:
        s = self.w.session
        self.pane.show_call(box, s.layout.wire.caused.get(box.seq, []), s.cursor_seq)


def install(w: MainWindow) -> WireControls:
    return WireControls(w)
