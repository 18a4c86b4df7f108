"""ScenarioPicker: the built-in lessons, grouped, with each one's summary and what to notice."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from socketscope.engine.scenario import Scenario, builtin_scenarios
from socketscope.ui import theme
from socketscope.ui.i18n import QT_TRANSLATE_NOOP, translate

GROUPS: dict[str, str] = {
    "tcp-basics": QT_TRANSLATE_NOOP("ScenarioPicker", "TCP basics"),
    "udp": QT_TRANSLATE_NOOP("ScenarioPicker", "UDP"),
    "failures": QT_TRANSLATE_NOOP("ScenarioPicker", "Failures"),
    "advanced": QT_TRANSLATE_NOOP("ScenarioPicker", "Advanced"),
    "custom": QT_TRANSLATE_NOOP("ScenarioPicker", "Your lessons"),
}


def group_name(group: str) -> str:
    """The lesson group's name in the interface language; unknown groups are the user's own."""
    return translate("ScenarioPicker", GROUPS.get(group, GROUPS["custom"]))


def describe(s: Scenario, lang: str) -> str:
    """The scenario's summary and its notes, as simple HTML."""
    notes = "".join(f"<li>{n}</li>" for n in s.notice.get(lang) or s.notice.get("en", []))
    heading = translate("ScenarioPicker", "What to notice")
    return (
        f"<h3>{s.text('title', lang)}</h3><p>{s.text('summary', lang)}</p>"
        f"<p><b>{heading}</b></p><ul>{notes}</ul>"
        f"<p style='color:{theme.current().ink_soft.name()}'>id: {s.id}</p>"
    )


class ScenarioPicker(QDialog):
    def __init__(
        self, lang: str = "en", current: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.lang = lang
        self.setWindowTitle(self.tr("Choose a lesson"))
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.text = QTextBrowser()
        self._by_item: dict[int, Scenario] = {}
        scenarios = builtin_scenarios()
        used = {s.group if s.group in GROUPS else "custom" for s in scenarios}
        # groups in teaching order, not in the order their first scenario happens to come
        groups = {g: QTreeWidgetItem(self.tree, [group_name(g)]) for g in GROUPS if g in used}
        for item in groups.values():
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
        for s in scenarios:
            item = QTreeWidgetItem(
                groups[s.group if s.group in GROUPS else "custom"], [s.text("title", lang)]
            )
            item.setData(0, Qt.ItemDataRole.UserRole, s.id)
            self._by_item[id(item)] = s
        self.tree.expandAll()
        for item in self._items():
            if item.data(0, Qt.ItemDataRole.UserRole) == current:
                self.tree.setCurrentItem(item)
        self.tree.currentItemChanged.connect(self._show)
        self.tree.itemDoubleClicked.connect(
            lambda item, _c: self.accept() if self.chosen() else None
        )
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.tree, 2)
        row.addWidget(self.text, 3)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(buttons)
        self._show(self.tree.currentItem(), None)
        # no fixed size: the list is as wide as its longest title in this font (lecture mode's
        # too), and the dialog as large as that needs, within the screen
        self.tree.resizeColumnToContents(0)
        need = self.tree.sizeHintForColumn(0) + self.tree.indentation() + 40
        self.tree.setMinimumWidth(need)
        self.text.setMinimumWidth(round(need * 1.2))
        screen = self.screen().availableGeometry() if self.screen() else None
        w, h = round(need * 2.4), round(self.fontMetrics().height() * 30)
        if screen is not None:
            w, h = min(w, screen.width() - 40), min(h, screen.height() - 80)
        self.resize(max(w, self.minimumSizeHint().width()), h)

    def _items(self) -> list[QTreeWidgetItem]:
        out: list[QTreeWidgetItem] = []
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            if group is not None:
                children = (group.child(j) for j in range(group.childCount()))
                out.extend(c for c in children if c is not None)
        return out

    def chosen(self) -> Scenario | None:
        item = self.tree.currentItem()
        sid = item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None
        return next((s for s in self._by_item.values() if s.id == sid), None)

    def _show(self, item: QTreeWidgetItem | None, _prev: QTreeWidgetItem | None) -> None:
        s = self.chosen()
        self.text.setHtml(describe(s, self.lang) if s else "")
