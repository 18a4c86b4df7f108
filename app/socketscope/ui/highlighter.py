"""Python highlighting for the lesson's code: Pygments' lexer and styles in a QSyntaxHighlighter.

Imported only when the code is first coloured, after the window's first paint: the lexer's
regular expressions and QTextFormat's enums cost start-up time the first picture does not need.
"""

from __future__ import annotations

from pygments.lexers import PythonLexer
from pygments.styles import get_style_by_name
from pygments.token import Token, _TokenType
from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument

from socketscope.ui import theme


class PygmentsHighlighter(QSyntaxHighlighter):
    """Python highlighting with Pygments' lexer and a Pygments style, line by line.

    The style is the theme's (``Palette.pygments_style``); its colours are darkened or lightened
    where needed to keep the theme's contrast against the code's background (the paper)."""

    def __init__(self, doc: QTextDocument, palette: theme.Palette | None = None) -> None:
        super().__init__(doc)
        self._lexer = PythonLexer(stripnl=False, ensurenl=False)
        self._formats: dict[_TokenType, QTextCharFormat] = {}
        self.palette: theme.Palette | None = None
        self._build(palette or theme.current())

    def _build(self, pal: theme.Palette) -> None:
        self.palette = pal
        self._formats = {}
        for token, spec in get_style_by_name(pal.pygments_style):
            fmt = QTextCharFormat()
            if spec["color"]:
                color = QColor("#" + spec["color"])
                fmt.setForeground(theme.readable(color, pal.paper, pal.code_min_contrast))
            if spec["bold"]:
                fmt.setFontWeight(QFont.Weight.Bold)
            if spec["italic"]:
                fmt.setFontItalic(True)
            self._formats[token] = fmt

    def set_palette(self, pal: theme.Palette) -> None:
        """Highlight again in another theme's style."""
        if pal is not self.palette:
            self._build(pal)
            self.rehighlight()

    def _format(self, token: _TokenType) -> QTextCharFormat | None:
        t: _TokenType | None = token
        while t is not None and t is not Token and t not in self._formats:
            t = t.parent
        return self._formats.get(t) if t is not None else None

    def highlightBlock(self, text: str) -> None:
        pos = 0
        for token, value in self._lexer.get_tokens(text):
            fmt = self._format(token)
            if fmt is not None and not fmt.isEmpty():
                self.setFormat(pos, len(value), fmt)
            pos += len(value)
