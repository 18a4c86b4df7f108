"""Themes: light, dark and high contrast. Their contrast figures, a real run painted in each, a
live switch that repaints without a restart, and "system" following the platform."""

from __future__ import annotations

import math
from array import array
from collections import Counter
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPalette, QTextDocument
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from socketscope.engine import Runner, Trace
from socketscope.engine.scenario import get
from socketscope.ui import theme
from socketscope.ui.app import settled
from socketscope.ui.mainwindow import MainWindow

PALETTES = [theme.LIGHT, theme.DARK, theme.HIGH_CONTRAST]
NEW = [theme.DARK, theme.HIGH_CONTRAST]  # LIGHT keeps the original colours as they were


# --- the palettes, no window ---------------------------------------------------------------------
def lab(c: QColor) -> tuple[float, float, float]:
    def lin(v: float) -> float:
        return v / 12.92 if v <= 0.04045 else float(((v + 0.055) / 1.055) ** 2.4)

    r, g, b = lin(c.redF()), lin(c.greenF()), lin(c.blueF())
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return float(t ** (1 / 3)) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def delta_e(c1: QColor, c2: QColor) -> float:
    """CIEDE2000 colour difference: about 2 is just noticeable, 10+ plainly different."""
    (l1, a1, b1), (l2, a2, b2) = lab(c1), lab(c2)
    cb = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(cb**7 / (cb**7 + 25**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360
    h2p = math.degrees(math.atan2(b2, a2p)) % 360
    dl, dc = l2 - l1, c2p - c1p
    dh = h2p - h1p
    if c1p * c2p == 0:
        dh = 0
    elif dh > 180:
        dh -= 360
    elif dh < -180:
        dh += 360
    d_h = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dh / 2))
    lb, cbp = (l1 + l2) / 2, (c1p + c2p) / 2
    if c1p * c2p == 0:
        hb = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        hb = (h1p + h2p) / 2
    else:
        hb = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    t = (
        1
        - 0.17 * math.cos(math.radians(hb - 30))
        + 0.24 * math.cos(math.radians(2 * hb))
        + 0.32 * math.cos(math.radians(3 * hb + 6))
        - 0.20 * math.cos(math.radians(4 * hb - 63))
    )
    dth = 30 * math.exp(-(((hb - 275) / 25) ** 2))
    rc = 2 * math.sqrt(cbp**7 / (cbp**7 + 25**7))
    sl = 1 + 0.015 * (lb - 50) ** 2 / math.sqrt(20 + (lb - 50) ** 2)
    sc, sh = 1 + 0.045 * cbp, 1 + 0.015 * cbp * t
    rt = -math.sin(math.radians(2 * dth)) * rc
    return math.sqrt(
        (dl / sl) ** 2 + (dc / sc) ** 2 + (d_h / sh) ** 2 + rt * (dc / sc) * (d_h / sh)
    )


def test_contrast_known_values() -> None:
    assert theme.contrast(QColor("#000000"), QColor("#FFFFFF")) == pytest.approx(21.0)
    assert theme.contrast(QColor("#777777"), QColor("#FFFFFF")) == pytest.approx(4.48, abs=0.01)
    assert delta_e(QColor("#00897B"), QColor("#00897B")) == 0


@pytest.mark.parametrize("pal", PALETTES, ids=lambda p: p.name)
def test_ink_on_paper_reads_from_the_back_row(pal: theme.Palette) -> None:
    assert theme.contrast(pal.ink, pal.paper) >= 7, pal.name


@pytest.mark.parametrize(
    ("pal", "text", "state"),
    [(theme.DARK, 4.5, 4.5), (theme.HIGH_CONTRAST, 7, 4.5)],
    ids=["dark", "high-contrast"],
)
def test_every_text_and_state_colour_has_contrast(
    pal: theme.Palette, text: float, state: float
) -> None:
    low = [
        f"{what}: {theme.contrast(fg, bg):.2f}"
        for what, fg, bg in pal.text_pairs()
        if theme.contrast(fg, bg) < text
    ]
    assert not low, f"{pal.name}: text below {text}:1 -- {low}"
    for name in ("amber", "red", "blue", "grey"):
        c = getattr(pal, name)
        assert theme.contrast(c, pal.paper) >= state, f"{pal.name}.{name} on paper"
    # blocked and failed boxes stand out from the paper and from a plain call box
    assert theme.contrast(pal.amber, pal.paper) >= 4.5
    assert delta_e(pal.amber_light, pal.paper) > 15 and delta_e(pal.red_light, pal.paper) > 15


def test_high_contrast_has_no_pale_tint_that_carries_meaning() -> None:
    hc = theme.HIGH_CONTRAST
    assert hc.paper == QColor("#FFFFFF") and hc.ink == QColor("#000000")
    # the fills of a returned blocked call, an error, a tag and the sends in the hex view are
    # plainly coloured, not a near-white tint a washed-out projector turns white
    for c in (hc.amber_light, hc.red_light, hc.grey_light, *hc.hex_segments):
        assert theme.contrast(c, hc.paper) >= 1.25, c.name()
        assert delta_e(c, hc.paper) >= 15, c.name()
    assert hc.weight > 1 and hc.dim >= 0.7 and hc.code_line_solid


@pytest.mark.parametrize("pal", NEW, ids=lambda p: p.name)
def test_actor_colours_are_told_apart(pal: theme.Palette) -> None:
    actors = pal.actors
    pairs = [(i, j, delta_e(a, b)) for i, a in enumerate(actors) for j, b in enumerate(actors)]
    close = [(i, j, round(d, 1)) for i, j, d in pairs if i < j and d < 14]
    assert not close, f"{pal.name}: actors too alike (CIEDE2000 < 14): {close}"
    # the first four (most lessons have two to four actors) are plainly different
    close4 = [(i, j, round(d)) for i, j, d in pairs if i < j < 4 and d < 20]
    assert not close4, f"{pal.name}: first four actors too alike: {close4}"
    for name in ("amber", "red", "blue"):
        state = getattr(pal, name)
        near = [(i, round(delta_e(a, state))) for i, a in enumerate(actors)]
        assert all(d >= 12 for _, d in near), f"{pal.name}: an actor looks like {name}: {near}"


# --- the code panel's highlighting ---------------------------------------------------------------
@pytest.mark.gui
@pytest.mark.parametrize("pal", PALETTES, ids=lambda p: p.name)
def test_code_colours_keep_the_theme_contrast(qapp: QApplication, pal: theme.Palette) -> None:
    from socketscope.ui.highlighter import PygmentsHighlighter

    doc = QTextDocument()
    hl = PygmentsHighlighter(doc, pal)
    colours = [
        fmt.foreground().color()
        for fmt in hl._formats.values()
        if fmt.hasProperty(fmt.Property.ForegroundBrush)
    ]
    assert colours
    need = pal.code_min_contrast
    assert need >= (7 if pal is theme.HIGH_CONTRAST else 4.5)
    low = [c.name() for c in colours if theme.contrast(c, pal.paper) < need]
    assert not low, f"{pal.name} ({pal.pygments_style}): token colours below {need}:1: {low}"


# --- a real run, painted in each theme -----------------------------------------------------------
def colour_counts(img: QImage) -> Counter[int]:
    """How many pixels of each colour (0xffRRGGBB)."""
    rgb = img.convertToFormat(QImage.Format.Format_RGB32)
    assert rgb.bytesPerLine() == rgb.width() * 4
    return Counter(array("I", bytes(rgb.constBits())))


def near(counts: Counter[int], c: QColor, tol: int = 24) -> int:
    """Pixels within ``tol`` (per channel) of ``c``: text is antialiased."""
    r, g, b = c.red(), c.green(), c.blue()
    return sum(
        n
        for px, n in counts.items()
        if abs((px >> 16 & 255) - r) <= tol
        and abs((px >> 8 & 255) - g) <= tol
        and abs((px & 255) - b) <= tol
    )


@pytest.fixture
def finished(qtbot: QtBot, gui_window: MainWindow) -> MainWindow:
    """tcp-echo run to the end in the window, the whole diagram in view."""
    w = gui_window
    w.session.load_scenario(get("tcp-echo"))
    w.speed.setValue(100)
    with qtbot.waitSignal(w.session.runFinished, timeout=10000):
        w.session.toggle_run()  # what Space does (the window may not be active yet for keys)
    qtbot.waitUntil(lambda: settled(w), timeout=5000)
    w.diagram.zoom_fit()
    # the server's recv() selected, as a click would: the inspector shows its bytes
    recv = next(b for b in w.session.layout.boxes if b.op == "recv" and b.lane == 0)
    w.diagram.select(recv)
    w.diagram.boxClicked.emit(recv)
    qtbot.waitUntil(lambda: bool(w.inspector.stream_hex.data), timeout=3000)
    # the code's colours are made after the first paint, one piece per turn of the event loop;
    # on a starved machine that can be after the run's end (seen in a shuffled run at nice 19)
    qtbot.waitUntil(lambda: w.is_ready, timeout=30000)
    return w


@pytest.mark.gui
@pytest.mark.parametrize("name", ["light", "dark", "high-contrast"])
def test_a_real_run_paints_in_each_theme(qtbot: QtBot, finished: MainWindow, name: str) -> None:
    w = finished
    pal = theme.apply(name)
    assert theme.current() is pal is theme.THEMES[name] and theme.chosen() == name
    # Qt delivers the palette change to the widgets through the event loop
    base = QPalette.ColorRole.Base
    qtbot.waitUntil(lambda: w.table.palette().color(base) == pal.paper, timeout=3000)
    qtbot.waitUntil(lambda: w.lesson._highlighter.palette is pal, timeout=3000)
    qtbot.waitUntil(lambda: bool(w.lesson.code.extraSelections()), timeout=3000)
    counts = colour_counts(w.diagram.viewport().grab().toImage())
    paper = pal.paper.rgb()
    assert counts.most_common(1)[0][0] == paper, f"{name}: the background is not the paper"
    assert counts[pal.amber.rgb()] > 200, f"{name}: no amber blocked bar"
    assert counts[pal.actor(0).rgb()] > 200, f"{name}: no Server header in its colour"
    assert counts[pal.actor(1).rgb()] > 200, f"{name}: no Client header in its colour"
    assert near(counts, pal.ink) > 200, f"{name}: no ink (text)"
    assert near(counts, pal.blue) > 50, f"{name}: no blue data arrow"
    # the window around the diagram follows: tables, text panes, the window itself
    app_pal = QApplication.palette()
    assert app_pal.color(QPalette.ColorRole.Base) == pal.paper
    assert w.table.palette().color(QPalette.ColorRole.Base) == pal.paper
    assert w.lesson.code.palette().color(QPalette.ColorRole.Text) == (
        pal.ink if pal is not theme.LIGHT else app_pal.color(QPalette.ColorRole.Text)
    )
    if pal is not theme.LIGHT:
        assert app_pal.color(QPalette.ColorRole.Window) == pal.window
        assert QApplication.style().name().lower() == "fusion"
    # the code panel highlights in the theme's style, the actors' lines in their colours
    assert w.lesson._highlighter.palette is pal
    sels = w.lesson.code.extraSelections()
    assert sels, "no actor line is marked"
    bg = sels[0].format.background().color()
    if pal.code_line_solid:
        assert bg in (pal.actor(0), pal.actor(1))
    else:
        assert bg in (pal.wash(pal.actor(0), pal.code_wash), pal.wash(pal.actor(1), pal.code_wash))
    assert bg != pal.paper


class Paints(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.n = 0

    def eventFilter(self, obj: QObject, e: QEvent) -> bool:
        if e.type() == QEvent.Type.Paint:
            self.n += 1
        return False


@pytest.mark.gui
def test_switching_the_theme_repaints_without_a_restart(qtbot: QtBot, finished: MainWindow) -> None:
    w = finished
    views = {
        "diagram": w.diagram.viewport(),
        "call bytes": w.inspector.call_hex.viewport(),  # (the stream is scrolled out of view)
        "code": w.lesson.code.viewport(),
        "sockets": w.table.viewport(),
    }
    theme.apply("light")
    qtbot.waitUntil(lambda: w.lesson._highlighter.palette is theme.LIGHT, timeout=2000)
    before = {k: v.grab().toImage() for k, v in views.items()}
    sels_before = [s.format.background().color() for s in w.lesson.code.extraSelections()]
    paints = {k: Paints() for k in views}
    for k, v in views.items():
        v.installEventFilter(paints[k])
    try:
        for name in ("dark", "high-contrast"):
            for p in paints.values():
                p.n = 0
            theme.apply(name)

            # each view repaints by itself: nobody calls update() for it
            def repainted() -> None:
                assert [k for k, p in paints.items() if not p.n] == []

            qtbot.waitUntil(repainted, timeout=3000)
            after = {k: v.grab().toImage() for k, v in views.items()}
            changed = [k for k in views if after[k] != before[k]]
            same = set(views) - set(changed)
            assert not same, f"{name}: unchanged after the switch: {same}"
            sels = [s.format.background().color() for s in w.lesson.code.extraSelections()]
            assert sels != sels_before, f"{name}: the actors' lines kept their old colours"
            before, sels_before = after, sels
    finally:
        for k, v in views.items():
            v.removeEventFilter(paints[k])


@pytest.mark.gui
def test_queue_gauges_are_in_the_actors_colour_in_every_theme(qtbot: QtBot) -> None:
    from socketscope.ui.inspector import QueueGauge

    holder = QWidget()  # in the window a gauge is a child: it gets the app's palette changes
    qtbot.addWidget(holder)
    gauge = QueueGauge(holder)
    gauge.set_lane(1)
    hl = QPalette.ColorRole.Highlight
    assert gauge.palette().color(hl) == theme.current().actor(1)
    for name in ("dark", "high-contrast", "light"):
        pal = theme.apply(name)
        qtbot.waitUntil(lambda pal=pal: gauge.palette().color(hl) == pal.actor(1), timeout=2000)
        assert gauge.palette().color(QPalette.ColorRole.Base) == pal.paper  # the rest follows
    gauge.set_lane(None)
    assert gauge.palette().color(hl) == QApplication.palette().color(hl)


# --- "system" ------------------------------------------------------------------------------------
@pytest.mark.gui
def test_system_follows_the_platform_scheme(
    qtbot: QtBot, qapp: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    hints = QGuiApplication.styleHints()
    pal = theme.apply("system")
    dark = hints.colorScheme() == Qt.ColorScheme.Dark
    assert pal is (theme.DARK if dark else theme.LIGHT), "unknown counts as light"
    assert theme.chosen() == "system" and theme.current() is pal
    # The offscreen platform cannot change its scheme: say the system is dark now and send the
    # signal the platform would.
    monkeypatch.setattr(theme, "system_is_dark", lambda: True)
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    qtbot.waitUntil(lambda: theme.current() is theme.DARK, timeout=2000)
    assert qapp.palette().color(QPalette.ColorRole.Base) == theme.DARK.paper
    monkeypatch.setattr(theme, "system_is_dark", lambda: False)
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
    qtbot.waitUntil(lambda: theme.current() is theme.LIGHT, timeout=2000)
    # a theme the user picked is not overridden by the system
    theme.apply("high-contrast")
    monkeypatch.setattr(theme, "system_is_dark", lambda: True)
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert theme.current() is theme.HIGH_CONTRAST


def test_an_unknown_theme_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown theme 'sepia'"):
        theme.apply("sepia")
    assert theme.NAMES == ("system", "light", "dark", "high-contrast")


# --- exports -------------------------------------------------------------------------------------
@pytest.mark.gui
def test_exports_stay_light_for_print_unless_asked(qapp: QApplication, tmp_path: Path) -> None:
    from socketscope.ui.export import export_image

    runner = Runner(get("tcp-echo"))
    trace = Trace(runner.scenario.header(), runner.run_to_end())
    theme.apply("dark")
    export_image(trace, tmp_path / "print.png", width=900)
    export_image(trace, tmp_path / "screen.png", width=900, palette=theme.current())
    printed = colour_counts(QImage(str(tmp_path / "print.png")))
    screen = colour_counts(QImage(str(tmp_path / "screen.png")))
    assert printed.most_common(1)[0][0] == theme.LIGHT.paper.rgb()
    assert printed[theme.LIGHT.amber.rgb()] > 100
    assert screen.most_common(1)[0][0] == theme.DARK.paper.rgb()
    assert screen[theme.DARK.amber.rgb()] > 100


def test_light_keeps_the_original_colours() -> None:
    light = theme.LIGHT
    original = {
        "paper": "#ffffff",
        "ink": "#111827",
        "ghost": "#9ca3af",
        "amber": "#f59e0b",
        "amber_light": "#fef3c7",
        "amber_text": "#92400e",
        "red": "#dc2626",
        "red_light": "#fee2e2",
        "blue": "#1d4ed8",
        "grey": "#6b7280",
        "grey_light": "#e5e7eb",
    }
    assert {k: getattr(light, k).name() for k in original} == original
    assert [c.name() for c in light.actors] == [
        "#00897b", "#8e24aa", "#2e7d32", "#c2185b", "#6d4c41", "#00838f", "#5e35b1"
    ]  # fmt: skip
    assert (light.box_wash, light.faint_wash, light.code_wash, light.dim) == (0.9, 0.6, 0.72, 0.5)
    assert light.weight == 1.0 and light.pygments_style == "default"
