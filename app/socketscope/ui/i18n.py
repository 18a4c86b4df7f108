"""The interface language: Qt translators for SocketScope's strings and for Qt's own, switched live.

Interface strings go through ``tr()``/``QCoreApplication.translate``; their Korean lives in
``resources/i18n/socketscope_ko.ts``, compiled to ``.qm`` by ``pyside6-lrelease`` when the app is
set up or packaged (``scripts/build_translations.sh``). Installing a translator makes Qt send every
widget a ``LanguageChange`` event, and each widget's ``retranslate()`` sets its texts again, so the
language changes without a restart.

Lesson content (scenario titles and notes, explanations of calls, study questions) is written in
both languages next to the code it describes, so scenario authors can ship both in one file; it is
switched by the same language setting.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

LANGUAGES = {"en": "English", "ko": "한국어"}  # each in its own language, so anyone can find theirs

_installed: list[QTranslator] = []


def system_language() -> str:
    return "ko" if QLocale.system().language() == QLocale.Language.Korean else "en"


def qm_file(lang: str) -> Path:
    """Where the compiled translation of ``lang`` is (it may not be built yet)."""
    # beside the package's modules, as in the bundle; not importlib.resources, whose import
    # costs the start-up ~5 ms (issue 11)
    return Path(__file__).resolve().parent.parent / "resources" / "i18n" / f"socketscope_{lang}.qm"


_language = ["en"]


def current() -> str:
    """The interface language installed last: for the content texts the window shows from the
    model's catalogue, which carries both languages itself."""
    return _language[0]


def install(lang: str) -> str | None:
    """Switch the interface to ``lang``; returns a message if its translation is missing."""
    app = QCoreApplication.instance()
    if app is None:
        return None
    _language[0] = lang
    for t in _installed:
        QCoreApplication.removeTranslator(t)
    _installed.clear()
    if lang == "en":
        return None
    ours = QTranslator(app)
    path = qm_file(lang)
    if not ours.load(str(path)):
        return f"{path} is missing: run `make run` (or scripts/build_translations.sh) to build it"
    qt = QTranslator(app)
    # Qt's own strings: the buttons of standard dialogs, the file dialog
    if qt.load(
        QLocale(lang), "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    ):
        QCoreApplication.installTranslator(qt)
        _installed.append(qt)
    QCoreApplication.installTranslator(ours)
    _installed.append(ours)
    return None


def translate(context: str, text: str) -> str:
    """For code outside a QObject: lupdate reads calls named ``translate`` with literals."""
    return QCoreApplication.translate(context, text)


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:  # the name lupdate looks for
    """Marks ``text`` for translation where it is defined; ``translate`` it where it is shown."""
    return text
