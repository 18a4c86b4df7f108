"""A netstat-like table of every socket of the run at the cursor."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from socketscope.model.labels import addr
from socketscope.model.state import RunState
from socketscope.ui import theme
from socketscope.ui.i18n import QT_TRANSLATE_NOOP, translate

# the columns of netstat / ss; the Korean names the queues as the inspector does. No column for
# the trace's own socket number: it means nothing to a user (the inspector's title keeps it), and
# without it the table fits the right-hand panel at 1920 px.
COLUMNS = [
    "fd",
    QT_TRANSLATE_NOOP("SocketTableModel", "actor"),
    QT_TRANSLATE_NOOP("SocketTableModel", "type"),
    QT_TRANSLATE_NOOP("SocketTableModel", "local"),
    QT_TRANSLATE_NOOP("SocketTableModel", "peer"),
    QT_TRANSLATE_NOOP("SocketTableModel", "state"),
    QT_TRANSLATE_NOOP("SocketTableModel", "recv-q"),
    QT_TRANSLATE_NOOP("SocketTableModel", "send-q"),
    QT_TRANSLATE_NOOP("SocketTableModel", "accept-q"),
]
ACTOR, STATE = 1, 5
# a UDP socket's "state" is ours, not the kernel's: say it in the interface language
UDP_STATES = {
    "closed": QT_TRANSLATE_NOOP("SocketTableModel", "closed"),
    "bound": QT_TRANSLATE_NOOP("SocketTableModel", "bound"),
    "unbound": QT_TRANSLATE_NOOP("SocketTableModel", "unbound"),
}


def state_text(state: str) -> str:
    """TCP states are the kernel's names (as ss shows them); UDP's words are translated."""
    return translate("SocketTableModel", UDP_STATES[state]) if state in UDP_STATES else state


class SocketTableModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[Any]] = []
        self.ids: list[int] = []
        self.lanes: dict[str, int] = {}

    def set_state(self, state: RunState, lanes: list[str]) -> None:
        lane_of = {name: i for i, name in enumerate(lanes)}
        rows: list[list[object]] = []
        ids: list[int] = []
        for s in state.sockets.values():
            k = s.kernel
            ids.append(s.id)
            rows.append(
                [
                    s.fd,
                    s.actor,
                    s.type,
                    addr(s.local) if s.local else "—",
                    addr(s.peer) if s.peer else "—",
                    s.state,
                    "—" if k.recv_q is None or s.closed else k.recv_q,
                    "—" if k.send_q is None or s.closed else k.send_q,
                    f"{k.accept_q}/{(k.backlog or 0) + 1}"
                    if s.listening and k.accept_q is not None and not s.closed
                    else "",
                ]
            )
        if ids == self.ids and lane_of == self.lanes:
            # the same sockets (most steps): only the cells that changed, so that the view keeps
            # its selection and does not measure every column again
            old, self.rows = self.rows, rows
            for r, (was, now) in enumerate(zip(old, rows, strict=True)):
                if was != now:
                    changed = [c for c, (a, b) in enumerate(zip(was, now, strict=True)) if a != b]
                    self.dataChanged.emit(self.index(r, min(changed)), self.index(r, max(changed)))
            return
        self.beginResetModel()
        self.lanes, self.rows, self.ids = lane_of, rows, ids
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            if index.column() == STATE:
                return state_text(str(row[STATE]))
            value = row[index.column()]
            return "—" if value is None else str(value)
        # colours are asked for at paint time, so a theme switch repaints them
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == ACTOR:
            return theme.current().actor(self.lanes.get(row[ACTOR], 0))
        if role == Qt.ItemDataRole.ForegroundRole and row[STATE] in ("CLOSED", "closed"):
            return theme.current().grey
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return translate("SocketTableModel", COLUMNS[section])
        return None
