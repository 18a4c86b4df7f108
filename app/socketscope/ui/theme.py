"""Colours and sizes of the visual language (DESIGN.md): one colour per actor, kept everywhere.

Blocked = amber, error = red, the kernel's own work = grey dashed, data = blue.
Actor colours avoid those four so that an actor never looks like a state.

Three palettes carry that language: LIGHT (the original colours), DARK, and HIGH_CONTRAST for a
washed-out projector (white paper, black ink, deep saturated colours, no pale tint that carries
meaning, heavier lines). Painting code asks ``current()`` at paint time, so ``apply()`` repaints the
whole window without a restart: it sets the palette, and the application's QPalette (Fusion for
dark and high contrast, so docks, tables, combos, text edits and scrollbars follow too); every
widget then gets a palette-change event and repaints.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

from socketscope.ui.i18n import translate

NAMES = ("system", "light", "dark", "high-contrast")


def display_names() -> dict[str, str]:
    """Theme id -> its name in the interface language, for menus and Preferences."""
    return {
        "system": translate("Theme", "Follow the system"),
        "light": translate("Theme", "Light"),
        "dark": translate("Theme", "Dark"),
        "high-contrast": translate("Theme", "High contrast (projector)"),
    }


def _c(spec: str, alpha: int = 255) -> QColor:
    c = QColor(spec)
    c.setAlpha(alpha)
    return c


@dataclass(frozen=True, eq=False)
class Palette:
    """Every colour the views paint, for one theme. Colours are shared: copy before changing one."""

    name: str
    dark: bool  # light text on dark paper
    # the diagram, the hex view, the code
    paper: QColor  # background of the diagram, hex view and text panes (QPalette.Base)
    ink: QColor  # text and outlines
    ink_soft: QColor  # secondary text (a C signature, an id)
    grid: QColor  # the line under the lane headers
    ghost: QColor  # row numbers in the margin
    amber: QColor  # blocked: the bar, the border of a box that is blocked
    amber_light: QColor  # fill of the box where a blocked call returned, of a signal mark
    amber_text: QColor  # "blocked 1.2 s" beside the bar, labels of wake arrows
    red: QColor  # errors: borders, RST / kill arrows and their labels
    red_light: QColor  # fill of a failed call
    error_text: QColor  # text inside a failed box (on red_light)
    blue: QColor  # data arrows and their labels
    grey: QColor  # the kernel's own work: handshake / FIN arrows, tag outlines, hex offsets
    grey_light: QColor  # fill of the TCP-state tags
    actors: tuple[QColor, ...]  # one colour per actor, by lane
    actor_text: QColor  # text on a solid actor colour (the lane header)
    label_bg: QColor  # behind an arrow's label (translucent paper)
    ghost_fill: QColor  # inside the "next: accept()" ghost box
    hex_segments: tuple[QColor, QColor]  # alternating backgrounds of the sends in the hex view
    selection: QColor  # selected rows and text (QPalette.Highlight)
    selection_text: QColor
    # how the views mix colours; amounts mix towards the paper (0 = the colour, 1 = paper)
    box_wash: float  # a call box is its actor's colour, washed out this far
    faint_wash: float  # the dotted lifeline before an actor starts
    ghost_text_wash: float  # the text of a ghost box
    code_wash: float  # an actor's current line in the code (when not solid)
    code_line_solid: bool  # the current line is the actor's colour itself, text in actor_text
    dim: float  # opacity of older rows under the lecture spotlight
    weight: float  # line-width factor of the diagram and hex view
    pygments_style: str
    code_min_contrast: float  # token colours are darkened / lightened to at least this ratio
    # the window around the views (QPalette); LIGHT keeps the style's standard palette instead
    window: QColor
    button: QColor
    alt_base: QColor
    disabled: QColor
    link: QColor

    def actor(self, lane: int) -> QColor:
        return QColor(self.actors[lane % len(self.actors)])

    def wash(self, c: QColor, amount: float) -> QColor:
        """``c`` mixed towards the paper: amount 0 = the colour, 1 = the paper."""
        return mix(c, self.paper, amount)

    def text_pairs(self) -> list[tuple[str, QColor, QColor]]:
        """(what, text colour, background) of every kind of text the views draw."""
        pairs = [
            ("ink on paper", self.ink, self.paper),
            ("secondary text", self.ink_soft, self.paper),
            ("row numbers", self.ghost, self.paper),
            ("blocked label", self.amber_text, self.paper),
            ("red arrow label", self.red, self.paper),
            ("data arrow label", self.blue, self.paper),
            ("kernel arrow label", self.grey, self.paper),
            ("text of a returned blocked call", self.ink, self.amber_light),
            ("text of a failed call", self.error_text, self.red_light),
            ("TCP state tag", self.ink, self.grey_light),
            ("hex bytes, first send", self.ink, self.hex_segments[0]),
            ("hex bytes, second send", self.ink, self.hex_segments[1]),
            ("selected row", self.selection_text, self.selection),
        ]
        for lane, a in enumerate(self.actors):
            pairs += [
                (f"actor {lane} name in the table", a, self.paper),
                (f"actor {lane} header", self.actor_text, a),
                (f"call box of actor {lane}", self.ink, self.wash(a, self.box_wash)),
                (
                    f"ghost of actor {lane}",
                    self.wash(a, self.ghost_text_wash),
                    self.ghost_fill,
                ),
            ]
        return pairs

    def qpalette(self) -> QPalette:
        """The application palette: the style's own for LIGHT, built from this theme otherwise."""
        app = QApplication.instance()
        style = app.style() if isinstance(app, QApplication) else None
        if self.name == "light" and style is not None:
            return style.standardPalette()
        fusion = QStyleFactory.create("Fusion")
        pal = QPalette(fusion.standardPalette())
        R, G = QPalette.ColorRole, QPalette.ColorGroup
        roles = {
            R.Window: self.window,
            R.WindowText: self.ink,
            R.Base: self.paper,
            R.AlternateBase: self.alt_base,
            R.ToolTipBase: self.window,
            R.ToolTipText: self.ink,
            R.PlaceholderText: self.ink_soft,
            R.Text: self.ink,
            R.Button: self.button,
            R.ButtonText: self.ink,
            R.BrightText: self.red,
            R.Light: self.button.lighter(130) if self.dark else QColor("#FFFFFF"),
            R.Midlight: self.button.lighter(115) if self.dark else self.button.darker(110),
            R.Mid: self.button.darker(130) if self.dark else self.ink_soft,
            R.Dark: self.button.darker(160) if self.dark else self.ink_soft,
            R.Shadow: QColor("#000000"),
            R.Highlight: self.selection,
            R.HighlightedText: self.selection_text,
            R.Link: self.link,
            R.LinkVisited: self.link,
        }
        if hasattr(R, "Accent"):  # Qt >= 6.6
            roles[R.Accent] = self.selection
        for role, color in roles.items():
            pal.setColor(G.All, role, color)
        for role in (R.WindowText, R.Text, R.ButtonText, R.PlaceholderText):
            pal.setColor(G.Disabled, role, self.disabled)
        pal.setColor(G.Disabled, R.Highlight, self.grey)
        return pal


def mix(a: QColor, b: QColor, t: float) -> QColor:
    """``a`` mixed with ``b``: t 0 = a, 1 = b (opaque)."""
    return QColor(
        round(a.red() + (b.red() - a.red()) * t),
        round(a.green() + (b.green() - a.green()) * t),
        round(a.blue() + (b.blue() - a.blue()) * t),
    )


def luminance(c: QColor) -> float:
    """WCAG relative luminance."""

    def lin(v: float) -> float:
        return v / 12.92 if v <= 0.04045 else float(((v + 0.055) / 1.055) ** 2.4)

    return 0.2126 * lin(c.redF()) + 0.7152 * lin(c.greenF()) + 0.0722 * lin(c.blueF())


def contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio of two opaque colours, 1 to 21."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def readable(c: QColor, bg: QColor, ratio: float) -> QColor:
    """``c``, darkened (on light ``bg``) or lightened (on dark) just enough to reach ``ratio``."""
    if contrast(c, bg) >= ratio:
        return QColor(c)
    towards = QColor("#000000") if luminance(bg) > 0.18 else QColor("#FFFFFF")
    for step in range(1, 21):
        m = mix(c, towards, step / 20)
        if contrast(m, bg) >= ratio:
            return m
    return towards


LIGHT = Palette(
    name="light",
    dark=False,
    paper=_c("#FFFFFF"),
    ink=_c("#111827"),
    ink_soft=_c("#6B7280"),
    grid=_c("#E5E7EB"),
    ghost=_c("#9CA3AF"),
    amber=_c("#F59E0B"),
    amber_light=_c("#FEF3C7"),
    amber_text=_c("#92400E"),
    red=_c("#DC2626"),
    red_light=_c("#FEE2E2"),
    error_text=_c("#DC2626"),
    blue=_c("#1D4ED8"),
    grey=_c("#6B7280"),
    grey_light=_c("#E5E7EB"),
    actors=tuple(
        _c(h) for h in ("#00897B", "#8E24AA", "#2E7D32", "#C2185B", "#6D4C41", "#00838F", "#5E35B1")
    ),
    actor_text=_c("#FFFFFF"),
    label_bg=_c("#FFFFFF", 225),
    ghost_fill=_c("#FFFFFF", 235),
    hex_segments=(_c("#DBEAFE"), _c("#FDE68A")),
    selection=_c("#308CC6"),
    selection_text=_c("#FFFFFF"),
    box_wash=0.9,
    faint_wash=0.6,
    ghost_text_wash=0.15,
    code_wash=0.72,
    code_line_solid=False,
    dim=0.5,
    weight=1.0,
    pygments_style="default",
    code_min_contrast=4.5,  # changes only the default style's whitespace colour
    window=_c("#EFEFEF"),
    button=_c("#EFEFEF"),
    alt_base=_c("#F7F7F7"),
    disabled=_c("#BEBEBE"),
    link=_c("#0000FF"),
)

DARK = Palette(
    name="dark",
    dark=True,
    paper=_c("#1E1F22"),
    ink=_c("#E8EAED"),
    ink_soft=_c("#A8ADB5"),
    grid=_c("#3A3D42"),
    ghost=_c("#8B919A"),
    amber=_c("#FBBF24"),
    amber_light=_c("#4A3712"),
    amber_text=_c("#FCD34D"),
    red=_c("#F87171"),
    red_light=_c("#4A1F1F"),
    error_text=_c("#FCA5A5"),
    blue=_c("#60A5FA"),
    grey=_c("#9CA3AF"),
    grey_light=_c("#3A3F47"),
    # lighter members of the light theme's families, pulled apart where two were alike
    actors=tuple(
        _c(h) for h in ("#2DD4BF", "#D8B4FE", "#8BC34A", "#F472B6", "#C4A69A", "#7DD3FC", "#9D8CFF")
    ),
    actor_text=_c("#111214"),
    label_bg=_c("#1E1F22", 225),
    ghost_fill=_c("#1E1F22", 235),
    hex_segments=(_c("#1E3A5F"), _c("#4D3B0C")),
    selection=_c("#3D6DB5"),
    selection_text=_c("#FFFFFF"),
    box_wash=0.84,
    faint_wash=0.55,
    ghost_text_wash=0.0,
    code_wash=0.7,
    code_line_solid=False,
    dim=0.5,
    weight=1.0,
    pygments_style="nord",  # calm blues and greens: no red that reads as an error
    code_min_contrast=4.5,
    window=_c("#2B2D31"),
    button=_c("#35383D"),
    alt_base=_c("#26282C"),
    disabled=_c("#7D828A"),
    link=_c("#8AB4F8"),
)

HIGH_CONTRAST = Palette(
    name="high-contrast",
    dark=False,
    paper=_c("#FFFFFF"),
    ink=_c("#000000"),
    ink_soft=_c("#333333"),
    grid=_c("#4B5563"),
    ghost=_c("#4B5563"),
    amber=_c("#B45309"),
    amber_light=_c("#FCD34D"),
    amber_text=_c("#7C2D12"),
    red=_c("#A8001A"),
    red_light=_c("#FCA5A5"),
    error_text=_c("#000000"),
    blue=_c("#1E40AF"),
    grey=_c("#4B5563"),
    grey_light=_c("#B8BEC8"),
    # deep colours (at least 7:1 on white) in seven hue families, as far apart as that allows
    actors=tuple(
        _c(h) for h in ("#005F5C", "#6A0DAD", "#176617", "#9C0F5F", "#5D4037", "#00587F", "#595900")
    ),
    actor_text=_c("#FFFFFF"),
    label_bg=_c("#FFFFFF", 240),
    ghost_fill=_c("#FFFFFF", 245),
    hex_segments=(_c("#93C5FD"), _c("#FCD34D")),
    selection=_c("#1E40AF"),
    selection_text=_c("#FFFFFF"),
    box_wash=0.88,
    faint_wash=0.45,
    ghost_text_wash=0.0,
    code_wash=0.0,
    code_line_solid=True,
    dim=0.7,
    weight=1.35,
    pygments_style="vs",
    code_min_contrast=7.0,
    window=_c("#F0F0F0"),
    button=_c("#F0F0F0"),
    alt_base=_c("#F0F0F0"),
    disabled=_c("#595959"),
    link=_c("#0000EE"),
)

THEMES = {"light": LIGHT, "dark": DARK, "high-contrast": HIGH_CONTRAST}

_current: Palette = LIGHT
_chosen = "light"  # what the user picked: one of NAMES
_following = False  # connected to the system's colour-scheme changes
_original_style: str | None = None  # the application's style before apply() changed it


def current() -> Palette:
    """The palette to paint with now."""
    return _current


def chosen() -> str:
    """The name last given to apply() ("light" until then)."""
    return _chosen


def system_is_dark() -> bool:
    """The system's colour scheme (Qt >= 6.5); unknown counts as light."""
    hints = QGuiApplication.styleHints()
    scheme = getattr(hints, "colorScheme", None)
    return scheme is not None and scheme() == Qt.ColorScheme.Dark


def resolve(name: str) -> Palette:
    """The palette a theme name stands for; "system" asks the system now."""
    if name == "system":
        return DARK if system_is_dark() else LIGHT
    try:
        return THEMES[name]
    except KeyError:
        raise ValueError(f"unknown theme {name!r}: expected one of {', '.join(NAMES)}") from None


_palette_set = False  # apply() has set the application's palette (or style) at least once
_light_unchecked = False  # start-up applied LIGHT without asking the style: settle() asks


def apply(name: str, app: QApplication | None = None, startup: bool = False) -> Palette:
    """Switch to theme ``name`` (one of NAMES) now: the palette the views paint with and the
    application's style and QPalette. "system" follows the system's scheme, also when it changes
    later. Returns the palette in use.

    ``startup``: the window's first theme, before its first paint. LIGHT is then the style's own
    palette, which the application has unless the platform gave it another; asking the style
    for it costs ~15 ms (the first QStyle seen from Python creates all its enums, issue 11), so
    it is asked in :func:`settle`, after the first paint."""
    global _chosen, _current, _light_unchecked
    if name not in NAMES:
        raise ValueError(f"unknown theme {name!r}: expected one of {', '.join(NAMES)}")
    _chosen = name
    qapp = app if app is not None else QApplication.instance()
    if not isinstance(qapp, QApplication):
        _current = resolve(name)
        return _current
    _follow_system(qapp)
    _request_scheme(name)
    _current = resolve(name)
    if startup and _current is LIGHT and not _palette_set:
        _light_unchecked = True
        return _current
    _light_unchecked = False
    _set_app_palette(qapp, _current)
    return _current


def settle() -> None:
    """After the first paint: the palette LIGHT stands for, if the platform gave another."""
    global _light_unchecked
    app = QApplication.instance()
    if not _light_unchecked or not isinstance(app, QApplication):
        return
    _light_unchecked = False
    want = LIGHT.qpalette()
    if app.palette() != want:
        app.setPalette(want)


def _request_scheme(name: str) -> None:
    """Ask the platform for the matching scheme (Qt >= 6.8), so title bars and native dialogs
    agree with the window; "system" withdraws the request."""
    hints = QGuiApplication.styleHints()
    if not hasattr(hints, "setColorScheme"):
        return
    if name == "system":
        if hasattr(hints, "unsetColorScheme"):
            hints.unsetColorScheme()
        return
    hints.setColorScheme(Qt.ColorScheme.Dark if name == "dark" else Qt.ColorScheme.Light)


def _set_app_palette(app: QApplication, pal: Palette) -> None:
    global _original_style, _palette_set
    _palette_set = True
    if _original_style is None:
        _original_style = app.style().name()
    # The window's own style where it honours a light palette; Fusion where colours must follow
    # the palette exactly (native styles draw some controls in the system's colours).
    want = _original_style if pal is LIGHT else "fusion"
    if app.style().name().lower() != want.lower():
        app.setStyle(want)
    app.setPalette(pal.qpalette())


def _follow_system(app: QApplication) -> None:
    global _following
    if _following:
        return
    hints = QGuiApplication.styleHints()
    signal = getattr(hints, "colorSchemeChanged", None)
    if signal is None:
        return
    signal.connect(_system_scheme_changed)
    _following = True


def _system_scheme_changed(*_: object) -> None:
    global _current
    if _chosen != "system":
        return
    pal = resolve("system")
    app = QApplication.instance()
    if pal is not _current and isinstance(app, QApplication):
        _current = pal
        _set_app_palette(app, pal)
