"""Colours and sizes of the visual language (DESIGN.md): one colour per actor, kept everywhere.

Blocked = amber, error = red, the kernel's own work = grey dashed, data = blue.
Actor colours avoid those four so that an actor never looks like a state.
"""

from __future__ import annotations

from PySide6.QtGui import QColor

ACTOR_COLORS = ["#00897B", "#8E24AA", "#2E7D32", "#C2185B", "#6D4C41", "#00838F", "#5E35B1"]

AMBER = QColor("#F59E0B")
AMBER_LIGHT = QColor("#FEF3C7")
RED = QColor("#DC2626")
RED_LIGHT = QColor("#FEE2E2")
BLUE = QColor("#1D4ED8")
GREY = QColor("#6B7280")
GREY_LIGHT = QColor("#E5E7EB")
INK = QColor("#111827")
PAPER = QColor("#FFFFFF")
GHOST = QColor("#9CA3AF")


def actor_color(lane: int) -> QColor:
    return QColor(ACTOR_COLORS[lane % len(ACTOR_COLORS)])


def tint(c: QColor, amount: float) -> QColor:
    """Mix a colour with white: amount 0 = the colour, 1 = white."""
    return QColor(
        round(c.red() + (255 - c.red()) * amount),
        round(c.green() + (255 - c.green()) * amount),
        round(c.blue() + (255 - c.blue()) * amount),
    )
