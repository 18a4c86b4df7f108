"""The floor under SocketScope's first paint: a plain PySide6 window with the widgets the app's
first picture has (a menu bar with three menus, a tool bar with four actions, two sliders and a
combo box, a painted diagram with two lifeline heads, three docks, two of them tabbed, a code
editor, an HTML text browser, a status message) and no SocketScope code. It reports its first
paint as ui/app.py and bench/startup.py's bare window do. Run by ``bench/startup.py --floor``.

    python bench/startup_floor.py [--basics] [the app's options]

``--basics`` adds only what any such app does before its first picture, still without a line of
SocketScope: parse its command line with argparse, set up a logger, read three settings with
QSettings and set its SVG window icon. ``--lesson`` adds to the basics the lesson the picture
shows, loaded as the engine loads it (``resolve("tcp-echo")``: the lesson's module and what it
imports), and ``--model`` adds to that the Qt-free modules the window's picture is computed from:
the run host's client, the diagram layout, the state at the cursor and the C forms. Both still
make no SocketScope widget: they are the least a window showing a real lesson must do.
"""

import os
import sys
import time

MODEL = "--model" in sys.argv
LESSON = MODEL or "--lesson" in sys.argv
BASICS = LESSON or "--basics" in sys.argv
if BASICS:
    import argparse
    import logging

    ap = argparse.ArgumentParser(prog="socketscope")
    for flag in ("--basics", "--lesson", "--model"):
        ap.add_argument(flag, action="store_true")
    ap.add_argument("--scenario")
    ap.add_argument("--size")
    ap.add_argument("--lang")
    ap.add_argument("--lecture", action="store_true")
    ap.parse_args()
    log = logging.getLogger("socketscope")
    log.addHandler(logging.StreamHandler())
    log.setLevel(logging.WARNING)
if LESSON:
    from socketscope.engine.scenario import resolve

    resolve("tcp-echo")
if MODEL:
    import socketscope.cform
    import socketscope.engine.runhost.client
    import socketscope.model.diagram
    import socketscope.model.state  # noqa: F401

from pathlib import Path  # noqa: E402

from PySide6.QtCore import QEvent, QObject, QRectF, Qt, QTimer  # noqa: E402
from PySide6.QtGui import QColor, QFont, QPainter  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QApplication,
    QComboBox,
    QDockWidget,
    QLabel,
    QMainWindow,
    QPlainTextEdit,
    QSlider,
    QSplitter,
    QTextBrowser,
    QToolBar,
    QWidget,
)

app = QApplication(sys.argv[:1])
if BASICS:
    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QIcon

    settings = QSettings("SocketScope", "SocketScope")
    for key in ("geometry", "state", "language"):
        settings.value(key)
    root = Path(__file__).resolve().parent.parent
    icon = root / "app" / "socketscope" / "resources" / "icons" / "socketscope.svg"
    app.setWindowIcon(QIcon(str(icon)))
w = QMainWindow()
w.resize(1280, 800)
for title in ("File", "Lessons", "View"):
    w.menuBar().addMenu(title)
tools = QToolBar()
w.addToolBar(tools)
for title in ("Run", "Step", "Back", "Reset"):
    tools.addAction(title)
tools.addWidget(QLabel("speed"))
tools.addWidget(QSlider(Qt.Orientation.Horizontal))
tools.addWidget(QLabel("timeline"))
tools.addWidget(QSlider(Qt.Orientation.Horizontal))
languages = QComboBox()
languages.addItems(["English", "한국어"])
tools.addWidget(languages)


class Diagram(QWidget):
    def paintEvent(self, ev: QEvent) -> None:  # type: ignore[override]
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        f = QFont()
        f.setBold(True)
        f.setPointSize(13)
        p.setFont(f)
        for x, colour, name in ((110, "#00897b", "Server"), (525, "#8e24aa", "Client")):
            p.setBrush(QColor(colour))
            p.setPen(Qt.PenStyle.NoPen)
            p.drawRoundedRect(QRectF(x, 10, 260, 40), 6, 6)
            p.setPen(QColor("white"))
            p.drawText(QRectF(x, 10, 260, 40), Qt.AlignmentFlag.AlignCenter, name)


w.setCentralWidget(Diagram())
right = []
for title in ("Socket inspector", "Sockets"):
    d = QDockWidget(title)
    d.setWidget(QWidget())
    w.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, d)
    right.append(d)
w.tabifyDockWidget(*right)
bottom = QDockWidget("Code and explanation")
split = QSplitter()
code = QPlainTextEdit()
code.setPlainText("def server(port):\n    listener = socket(AF_INET, SOCK_STREAM)\n" * 8)
text = QTextBrowser()
text.setHtml(
    "<h2>TCP: the whole lifecycle</h2><p>The server creates a socket...</p>"
    "<ul><li>accept() blocks</li></ul>"
)
split.addWidget(code)
split.addWidget(text)
bottom.setWidget(split)
w.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, bottom)
w.statusBar().showMessage("Press Space to run, → to step")


class FirstPaint(QObject):
    seen = False

    def eventFilter(self, obj: QObject, ev: QEvent) -> bool:
        if ev.type() == QEvent.Type.Paint and not self.seen:
            self.seen = True
            QTimer.singleShot(0, report)
        return False


def report() -> None:
    print(f"first-paint {time.time():.6f} cpu {time.process_time() * 1000:.0f}ms", flush=True)
    if os.environ.get("SOCKETSCOPE_EXIT_AFTER_FIRST_PAINT") == "paint":
        os._exit(0)  # nothing after the paint is counted (bench/startup.py --instructions)
    app.quit()


first = FirstPaint()
w.installEventFilter(first)
w.show()
app.exec()
