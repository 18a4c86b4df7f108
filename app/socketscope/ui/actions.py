"""The window's actions, toolbar and menus, from one table.

Each action is a row of ``ACTIONS``: its id (the window's ``act_<id>``), its text and tooltip
(translated in the MainWindow context, where their Korean already is), its keys, the handler (a
dotted name looked up on the window when triggered: ``session.reset``, ``lecture_ctl.zoom_in``) and
whether it is checkable. ``MENUS`` says which actions each menu shows. The window only calls
:func:`build` and :func:`retranslate`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QComboBox, QLabel, QMenu, QSlider, QToolBar, QToolButton

from socketscope.ui import theme
from socketscope.ui.i18n import LANGUAGES, QT_TRANSLATE_NOOP, translate

if TYPE_CHECKING:
    from socketscope.ui.mainwindow import MainWindow

CONTEXT = "MainWindow"


@dataclass(frozen=True)
class ActionSpec:
    id: str  # the window's attribute is act_<id>
    text: str
    handler: str  # a dotted name on the window; called with no arguments
    keys: tuple[str, ...] = ()  # "std:ZoomIn" is QKeySequence.StandardKey.ZoomIn
    tip: str = ""  # empty: the text
    checkable: bool = False
    icon_text: str = ""  # the toolbar is short of room: a sign there, words in the menu


ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec(
        "run",
        QT_TRANSLATE_NOOP("MainWindow", "▶ Run"),
        "study_mode.run_key",
        ("Space",),
        QT_TRANSLATE_NOOP("MainWindow", "Run / pause (Space)"),
    ),
    ActionSpec(
        "step",
        QT_TRANSLATE_NOOP("MainWindow", "Step →"),
        "study_mode.step",
        ("Right",),
        QT_TRANSLATE_NOOP("MainWindow", "One call: the earliest waiting actor (→)"),
    ),
    ActionSpec(
        "back",
        QT_TRANSLATE_NOOP("MainWindow", "← Back"),
        "session.step_back",
        ("Left",),
        QT_TRANSLATE_NOOP("MainWindow", "Step back through the recorded trace (←)"),
    ),
    ActionSpec(
        "reset",
        QT_TRANSLATE_NOOP("MainWindow", "⟲ Reset"),
        "session.reset",
        ("Ctrl+R",),
        QT_TRANSLATE_NOOP("MainWindow", "Stop everything and start clean (Ctrl+R)"),
    ),
    ActionSpec(
        "study",
        QT_TRANSLATE_NOOP("MainWindow", "Study mode: predict, then reveal"),
        "toggle_study",
        ("Ctrl+P",),
        QT_TRANSLATE_NOOP(
            "MainWindow",
            "Before each step, guess what the call will do; the real run tells (Ctrl+P)",
        ),
        checkable=True,
    ),
    ActionSpec(
        "lecture",
        QT_TRANSLATE_NOOP("MainWindow", "Lecture mode"),
        "toggle_lecture",
        ("F11",),
        QT_TRANSLATE_NOOP("MainWindow", "Full screen, everything larger, for a projector (F11)"),
        checkable=True,
    ),
    # a presenter remote sends Page Down / Page Up; B blanks the screen (and pauses)
    ActionSpec(
        "remote_step",
        QT_TRANSLATE_NOOP("MainWindow", "Step (presenter remote)"),
        "study_mode.step",
        ("PgDown",),
    ),
    ActionSpec(
        "remote_back",
        QT_TRANSLATE_NOOP("MainWindow", "Step back (presenter remote)"),
        "session.step_back",
        ("PgUp",),
    ),
    ActionSpec(
        "blank",
        QT_TRANSLATE_NOOP("MainWindow", "Blank the screen"),
        "lecture_ctl.toggle_blank",
        ("B",),
    ),
    ActionSpec(
        "zoom_in",
        QT_TRANSLATE_NOOP("MainWindow", "Zoom in"),
        "lecture_ctl.zoom_in",
        ("std:ZoomIn", "Ctrl+="),
        QT_TRANSLATE_NOOP("MainWindow", "Zoom in (Ctrl +); in lecture mode: everything larger"),
        icon_text="＋",
    ),
    ActionSpec(
        "zoom_out",
        QT_TRANSLATE_NOOP("MainWindow", "Zoom out"),
        "lecture_ctl.zoom_out",
        ("std:ZoomOut",),
        QT_TRANSLATE_NOOP("MainWindow", "Zoom out (Ctrl −); in lecture mode: everything smaller"),
        icon_text="－",
    ),
    ActionSpec(
        "actual_size",
        QT_TRANSLATE_NOOP("MainWindow", "Actual size"),
        "lecture_ctl.actual_size",
        ("Ctrl+0",),
        QT_TRANSLATE_NOOP(
            "MainWindow", "100 % (Ctrl 0); in lecture mode: the default presenter scale"
        ),
        icon_text="100 %",
    ),
    ActionSpec(
        "fit",
        QT_TRANSLATE_NOOP("MainWindow", "Fit"),
        "lecture_ctl.fit",
        ("Ctrl+9",),
        QT_TRANSLATE_NOOP("MainWindow", "Fit the whole diagram (Ctrl 9)"),
    ),
    ActionSpec(
        "choose",
        QT_TRANSLATE_NOOP("MainWindow", "Choose a lesson…"),
        "dialogs.choose_lesson",
        ("Ctrl+L",),
    ),
    ActionSpec(
        "open_scenario",
        QT_TRANSLATE_NOOP("MainWindow", "Open lesson file…"),
        "files.open_scenario",
        ("Ctrl+O",),
    ),
    ActionSpec(
        "open_trace",
        QT_TRANSLATE_NOOP("MainWindow", "Open trace…"),
        "files.open_trace",
        ("Ctrl+Shift+O",),
    ),
    ActionSpec(
        "run_programs",
        QT_TRANSLATE_NOOP("MainWindow", "Run programs…"),
        "dialogs.run_programs",
        ("Ctrl+Shift+P",),
        QT_TRANSLATE_NOOP(
            "MainWindow", "Your own programs (Python or executables), traced (Ctrl+Shift+P)"
        ),
    ),
    ActionSpec(
        "save_trace",
        QT_TRANSLATE_NOOP("MainWindow", "Save trace…"),
        "files.save_trace",
        ("Ctrl+S",),
    ),
    ActionSpec(
        "save_session",
        QT_TRANSLATE_NOOP("MainWindow", "Save session (trace and position)…"),
        "dialogs.save_session",
        ("Ctrl+Shift+S",),
    ),
    ActionSpec(
        "preferences", QT_TRANSLATE_NOOP("MainWindow", "Preferences…"), "preferences", ("Ctrl+,",)
    ),
    ActionSpec("quit", QT_TRANSLATE_NOOP("MainWindow", "Quit"), "close", ("Ctrl+Q",)),
    ActionSpec(
        "reset_layout", QT_TRANSLATE_NOOP("MainWindow", "Reset panel layout"), "reset_layout"
    ),
)
# File → Export: format -> text (the window's act_export[format])
EXPORTS: tuple[tuple[str, str], ...] = (
    ("png", QT_TRANSLATE_NOOP("MainWindow", "Diagram as PNG…")),
    ("svg", QT_TRANSLATE_NOOP("MainWindow", "Diagram as SVG…")),
    ("pdf", QT_TRANSLATE_NOOP("MainWindow", "Diagram as PDF…")),
    ("visible-png", QT_TRANSLATE_NOOP("MainWindow", "Visible part as PNG…")),
    ("visible-svg", QT_TRANSLATE_NOOP("MainWindow", "Visible part as SVG…")),
    ("visible-pdf", QT_TRANSLATE_NOOP("MainWindow", "Visible part as PDF…")),
    ("slides", QT_TRANSLATE_NOOP("MainWindow", "Slides: one picture per step…")),
    ("mermaid", QT_TRANSLATE_NOOP("MainWindow", "Mermaid text…")),
    ("plantuml", QT_TRANSLATE_NOOP("MainWindow", "PlantUML text…")),
)
EXPORT_BREAKS = ("pdf", "visible-pdf")  # a separator after these
TOOLBAR_CALLS = ("run", "step", "back", "reset")
ZOOMS = ("zoom_in", "zoom_out", "actual_size", "fit")
# the menus: action ids, "-" a separator, "@name" a submenu the code below fills
MENUS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "file_menu",
        QT_TRANSLATE_NOOP("MainWindow", "&File"),
        (
            "choose",
            "open_scenario",
            "run_programs",
            "open_trace",
            "save_trace",
            "save_session",
            "@export",
            "-",
            "preferences",
            "quit",
        ),
    ),
    ("scenario_menu", QT_TRANSLATE_NOOP("MainWindow", "&Lessons"), ()),
    (
        "view_menu",
        QT_TRANSLATE_NOOP("MainWindow", "&View"),
        (
            "lecture",
            "study",
            "-",
            "zoom_in",
            "zoom_out",
            "actual_size",
            "fit",
            "-",
            "@panels",
            "@theme",
            "@language",
        ),
    ),
)
SUBMENUS = {
    "export": QT_TRANSLATE_NOOP("MainWindow", "Export"),
    "panels": QT_TRANSLATE_NOOP("MainWindow", "Panels"),
    "theme": QT_TRANSLATE_NOOP("MainWindow", "Theme"),
    "language": QT_TRANSLATE_NOOP("MainWindow", "Language"),
}


def _keys(keys: tuple[str, ...]) -> list[QKeySequence]:
    return [
        QKeySequence(getattr(QKeySequence.StandardKey, k[4:]))
        if k.startswith("std:")
        else QKeySequence(k)
        for k in keys
    ]


def _handler(w: MainWindow, name: str) -> Callable[[], object]:
    """The handler ``name`` names, looked up when the action fires (a controller the window
    makes later, or replaces, is the one called). ``dialogs.f`` is ui/dialogs.py's ``f(w)``,
    imported when first used."""

    def call(_checked: bool = False) -> None:
        if name.startswith("dialogs."):
            from socketscope.ui import dialogs

            getattr(dialogs, name.removeprefix("dialogs."))(w)
            return
        target: object = w
        for part in name.split("."):
            target = getattr(target, part)
        target()  # type: ignore[operator]

    return call


def _action(w: MainWindow, keys: list[QKeySequence], slot: Callable[..., object]) -> QAction:
    a = QAction(w)
    a.setShortcuts(keys)
    a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    a.triggered.connect(slot)
    w.addAction(a)  # its keys work wherever the focus is in the window, menus built or not
    return a


def build_actions(w: MainWindow) -> None:
    """Every action with its keys: made before the first paint, so a key works at once."""
    for spec in ACTIONS:
        a = _action(w, _keys(spec.keys), _handler(w, spec.handler))
        a.setCheckable(spec.checkable)
        setattr(w, f"act_{spec.id}", a)
    w.act_step_actor = [
        _action(w, [QKeySequence(str(n))], lambda _=False, n=n: w.study_mode.step_lane(n - 1))
        for n in range(1, 10)
    ]
    w.act_export = {
        fmt: _action(w, [], lambda _=False, fmt=fmt: w.files.export(fmt)) for fmt, _ in EXPORTS
    }


def build_toolbar(w: MainWindow) -> QToolBar:
    tb = QToolBar()
    tb.setObjectName("controls")
    tb.setMovable(False)
    tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    for name in TOOLBAR_CALLS:
        tb.addAction(getattr(w, f"act_{name}"))
    tb.addSeparator()
    w.speed_label = QLabel()
    tb.addWidget(w.speed_label)
    w.speed = QSlider(Qt.Orientation.Horizontal)
    w.speed.setRange(0, 100)
    w.speed.setValue(w.session.speed)
    w.speed.setFixedWidth(140)
    w.speed.valueChanged.connect(w.on_speed)
    tb.addWidget(w.speed)
    tb.addSeparator()
    w.timeline_label = QLabel()
    tb.addWidget(w.timeline_label)
    w.scrubber = QSlider(Qt.Orientation.Horizontal)
    w.scrubber.setMinimumWidth(320)
    w.scrubber.valueChanged.connect(w.on_scrub)
    tb.addWidget(w.scrubber)
    w.position = QLabel("")
    tb.addWidget(w.position)
    tb.addSeparator()
    for name in ("zoom_out", "zoom_in", "actual_size", "fit"):
        tb.addAction(getattr(w, f"act_{name}"))
    tb.addSeparator()
    # the link's weather for two-host lessons: a popup under this button (ui/network_panel.py)
    w.network_button = QToolButton()
    w.network_button.setObjectName("network-button")
    w.network_button.clicked.connect(lambda: show_network_panel(w))
    tb.addWidget(w.network_button)
    tb.addSeparator()
    w.language = QComboBox()
    for code, name in LANGUAGES.items():
        w.language.addItem(name, code)
    w.language.currentIndexChanged.connect(
        lambda _i: w.set_language(str(w.language.currentData()), save=True)
    )
    tb.addWidget(w.language)
    # the packets toggle (ui/wire_panel.py) comes right after the first paint: its place is
    # held by a twin until then, so that nothing on the toolbar moves when it comes; the twin's
    # click or P makes the panels now and toggles the real one
    slot = QAction(w)
    slot.setCheckable(True)
    slot.setChecked(True)
    slot.setShortcut("P")
    slot.triggered.connect(lambda _=False: QTimer.singleShot(0, lambda: _toggle_packets(w)))
    w.packets_slot = [tb.addSeparator(), slot]
    tb.addAction(slot)
    w.addToolBar(tb)
    return tb


def _toggle_packets(w: MainWindow) -> None:
    w.wire.act_packets.trigger()  # w.wire makes the panels if they are not made yet


def release_packets_slot(w: MainWindow) -> None:
    for a in w.packets_slot:
        w.toolbar.removeAction(a)  # its P goes with it (an action's keys need a widget)
        a.setParent(None)  # not a stale "Packets" among the window's actions
    w.released_slot = w.packets_slot  # kept: it may be the sender of what called this
    w.packets_slot = []


def build_menus(w: MainWindow) -> None:
    """The menu bar from ``MENUS``; the Lessons menu is filled later (:func:`fill_lessons`)."""
    subs: dict[str, QMenu] = {}
    for attr, _title, items in MENUS:
        menu = w.menuBar().addMenu("")
        setattr(w, attr, menu)
        for item in items:
            if item == "-":
                menu.addSeparator()
            elif item.startswith("@"):
                subs[item[1:]] = menu.addMenu("")
            else:
                menu.addAction(getattr(w, f"act_{item}"))
    w.submenus = subs
    w.export_menu = subs["export"]
    for fmt, a in w.act_export.items():
        w.export_menu.addAction(a)
        if fmt in EXPORT_BREAKS:
            w.export_menu.addSeparator()
    w.panels_menu = subs["panels"]
    for dock in (w.inspector_dock, w.table_dock, w.lesson_dock, w.console_dock):
        w.panels_menu.addAction(dock.toggleViewAction())
    w.panels_menu.addSeparator()
    w.panels_menu.addAction(w.act_reset_layout)
    w.theme_menu = subs["theme"]
    w.act_theme = _group(w, w.theme_menu, theme.NAMES, lambda code: w.set_theme(code, save=True))
    w.language_menu = subs["language"]
    w.act_language = _group(
        w, w.language_menu, tuple(LANGUAGES), lambda code: w.set_language(code, save=True)
    )
    for code, name in LANGUAGES.items():
        w.act_language[code].setText(name)  # each in its own language, not translated
    w.scenario_menu.setToolTipsVisible(True)
    w.lesson_actions = []
    w.scenario_menu.aboutToShow.connect(lambda: fill_lessons(w))


def _group(
    w: MainWindow, menu: QMenu, codes: tuple[str, ...], choose: Callable[[str], None]
) -> dict[str, QAction]:
    """Checkable actions of which one is checked (a theme, a language)."""
    group = QActionGroup(w)
    acts: dict[str, QAction] = {}
    for code in codes:
        a = QAction(w)
        a.setCheckable(True)
        a.triggered.connect(lambda _=False, code=code: choose(code))
        group.addAction(a)
        menu.addAction(a)
        acts[code] = a
    return acts


def fill_lessons(w: MainWindow) -> None:
    """The Lessons menu, one submenu per group: after the first paint (or when first opened)."""
    if w.lesson_actions:
        return
    from socketscope.engine.scenario import builtin_scenarios

    groups: dict[str, QMenu] = {}
    for sc in builtin_scenarios():
        if sc.group not in groups:
            groups[sc.group] = w.scenario_menu.addMenu("")
        a = QAction(groups[sc.group])
        a.triggered.connect(lambda _=False, sc=sc: w.session.load_scenario(sc))
        groups[sc.group].addAction(a)
        w.lesson_actions.append((a, sc))
    w.lesson_groups = groups
    retranslate_lessons(w)


def retranslate_lessons(w: MainWindow) -> None:
    if not w.lesson_actions:
        return
    from socketscope.ui.picker import group_name

    for group, menu in w.lesson_groups.items():
        menu.setTitle(group_name(group))
    for a, sc in w.lesson_actions:
        a.setText(f"{sc.text('title', w.lang)}   ({sc.id})")
        a.setToolTip(sc.text("summary", w.lang))


def retranslate(w: MainWindow) -> None:
    """Every text of the actions, the toolbar and the menus, in the language installed now."""
    for spec in ACTIONS:
        a: QAction = getattr(w, f"act_{spec.id}")
        text = translate(CONTEXT, spec.text)
        a.setText(text)
        a.setToolTip(translate(CONTEXT, spec.tip) if spec.tip else text)
        if spec.icon_text:
            a.setIconText(spec.icon_text)
    for fmt, text in EXPORTS:
        w.act_export[fmt].setText(translate(CONTEXT, text))
        w.act_export[fmt].setToolTip(translate(CONTEXT, text))
    for n, a in enumerate(w.act_step_actor, start=1):
        a.setText(translate("MainWindow", "Step actor {n}").format(n=n))
    for attr, title, _items in MENUS:
        getattr(w, attr).setTitle(translate(CONTEXT, title))
    for name, title in SUBMENUS.items():
        w.submenus[name].setTitle(translate(CONTEXT, title))
    for code, name in theme.display_names().items():
        w.act_theme[code].setText(name)
    w.toolbar.setWindowTitle(translate("MainWindow", "Controls"))
    w.speed_label.setText(" " + translate("MainWindow", "speed") + " ")
    w.speed.setToolTip(translate("MainWindow", "Slow (2 s per call) … as fast as possible"))
    w.timeline_label.setText(" " + translate("MainWindow", "timeline") + " ")
    w.scrubber.setToolTip(translate("MainWindow", "Move through the recorded trace"))
    w.network_button.setText(translate("MainWindow", "Network"))
    w.network_button.setToolTip(
        translate(
            "MainWindow", "Loss, delay, reordering and duplication on the link of two-host lessons"
        )
    )
    w.language.setToolTip(translate("MainWindow", "Language of the interface and the explanations"))
    for a in w.packets_slot[1:]:
        a.setText(translate("WireControls", "Packets"))
    retranslate_lessons(w)


def show_network_panel(w: MainWindow) -> None:
    panel = w.network_panel
    panel.show_for(w.session.scenario, w.session.weather, w.session.trace.header)
    panel.adjustSize()
    b = w.network_button
    at = b.mapToGlobal(QPoint(0, b.height()))
    # under the button, but inside the window: the button sits near the right edge
    right = w.mapToGlobal(QPoint(w.width(), 0)).x()
    at.setX(max(w.mapToGlobal(QPoint(0, 0)).x(), min(at.x(), right - panel.width() - 8)))
    panel.move(at)
    panel.show()
    panel.spins["loss"].setFocus()
