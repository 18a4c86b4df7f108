"""Settings that persist between sessions: one small typed wrapper over QSettings.

Tests (and anyone who wants a clean slate) point SOCKETSCOPE_SETTINGS at an .ini file.
"""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import QByteArray, QLocale, QSettings

DEFAULTS: dict[str, Any] = {
    "language": "",  # empty: follow the system locale
    "theme": "system",  # system, light, dark or high-contrast
    "lecture_theme": "high-contrast",  # "" keeps the window's theme in lecture mode
    "speed": 55,
    "presenter_scale": 1.7,
    "last_scenario": "",
    "last_folder": "",  # where the last export or saved trace went: the next dialog opens there
    "programs_folder": "",  # where the programs of the last Run programs… were
    "geometry": QByteArray(),
    "state": QByteArray(),
    "study_scores": "",  # JSON {scenario id: [right, asked]}
}


def _store() -> QSettings:
    path = os.environ.get("SOCKETSCOPE_SETTINGS")
    if path:
        return QSettings(path, QSettings.Format.IniFormat)
    return QSettings("SocketScope", "SocketScope")


class Settings:
    def __init__(self) -> None:
        self._s = _store()

    def get(self, key: str) -> Any:
        default = DEFAULTS[key]
        value = self._s.value(key, default)
        if isinstance(default, bool):
            return value in (True, "true", "1", 1)
        if isinstance(default, int):
            try:
                return int(str(value))
            except (TypeError, ValueError):
                return default
        if isinstance(default, float):
            try:
                return float(str(value))
            except (TypeError, ValueError):
                return default
        return value if value is not None else default

    def set(self, key: str, value: Any) -> None:
        if key not in DEFAULTS:
            raise KeyError(key)
        self._s.setValue(key, value)

    def language(self) -> str:
        lang = str(self.get("language"))
        if lang in ("en", "ko"):
            return lang
        return "ko" if QLocale.system().language() == QLocale.Language.Korean else "en"

    def reset(self) -> None:
        self._s.clear()
        self._s.sync()

    def sync(self) -> None:
        self._s.sync()
