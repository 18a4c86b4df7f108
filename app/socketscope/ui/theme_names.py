"""The themes' names as the user sees them, in the interface language."""

from __future__ import annotations

from socketscope.ui.i18n import translate


def theme_names() -> dict[str, str]:
    """Theme id -> its name now; ids are those of ``theme.NAMES``."""
    return {
        "system": translate("Theme", "Follow the system"),
        "light": translate("Theme", "Light"),
        "dark": translate("Theme", "Dark"),
        "high-contrast": translate("Theme", "High contrast (projector)"),
    }
