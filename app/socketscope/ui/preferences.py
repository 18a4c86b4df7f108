"""Preferences: language, speed, presenter scale, and a way back to the defaults."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QPushButton,
    QSlider,
    QWidget,
)

from socketscope.ui import theme
from socketscope.ui.i18n import LANGUAGES
from socketscope.ui.settings import DEFAULTS, Settings


class PreferencesDialog(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle(self.tr("Preferences"))
        form = QFormLayout(self)
        self.language = QComboBox()
        self.language.addItem(self.tr("Follow the system"), "")
        for code, name in LANGUAGES.items():
            self.language.addItem(name, code)
        self.speed = QSlider(Qt.Orientation.Horizontal)
        self.speed.setRange(0, 100)
        self.theme = QComboBox()
        self.lecture_theme = QComboBox()
        self.lecture_theme.addItem(self.tr("The same as the window"), "")
        for code, name in theme.display_names().items():
            self.theme.addItem(name, code)
            if code != "system":
                self.lecture_theme.addItem(name, code)
        self.scale = QDoubleSpinBox()
        self.scale.setRange(1.0, 3.0)
        self.scale.setSingleStep(0.1)
        form.addRow(self.tr("Language") + " / Language", self.language)
        form.addRow(self.tr("Theme"), self.theme)
        form.addRow(self.tr("Theme in lecture mode"), self.lecture_theme)
        form.addRow(self.tr("Speed"), self.speed)
        form.addRow(self.tr("Presenter scale (lecture mode)"), self.scale)
        reset = QPushButton(self.tr("Reset to defaults"))
        reset.clicked.connect(self.reset_to_defaults)
        form.addRow(reset)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self._load()

    def _load(self) -> None:
        i = self.language.findData(str(self.settings.get("language")))
        self.language.setCurrentIndex(max(0, i))
        for combo, key in ((self.theme, "theme"), (self.lecture_theme, "lecture_theme")):
            combo.setCurrentIndex(max(0, combo.findData(str(self.settings.get(key)))))
        self.speed.setValue(int(self.settings.get("speed")))
        self.scale.setValue(float(self.settings.get("presenter_scale")))

    def reset_to_defaults(self) -> None:
        self.settings.reset()
        self._load()

    def _save(self) -> None:
        self.settings.set("language", str(self.language.currentData()))
        self.settings.set("theme", str(self.theme.currentData()))
        self.settings.set("lecture_theme", str(self.lecture_theme.currentData()))
        self.settings.set("speed", self.speed.value())
        self.settings.set("presenter_scale", self.scale.value())
        self.settings.sync()
        self.accept()


__all__ = ["DEFAULTS", "PreferencesDialog"]
