"""Files: open a lesson or a trace, save the trace, export the diagram.

``FilesController`` is handed a view (the Mu pattern, as ``StudyController``): ``FilesView``
asks for paths, shows problems and progress; ``QtFilesView`` is the window's, with Qt's dialogs,
and the tests drive the controller with a fake. The controller decides what is read and written
and what the user is told; it reads the session's trace, never the live run.

Its sentences keep the window's translation context ("MainWindow"), where they were translated.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtWidgets import QWidget

from socketscope.engine.scenario import ScenarioError, load_file
from socketscope.engine.trace import Trace, TraceError
from socketscope.model.filenames import safe_file_name
from socketscope.ui.i18n import translate

Progress = Callable[[int, int], bool]  # (done, total) -> go on?

EXPORT_FORMATS = (
    "png",
    "svg",
    "pdf",
    "visible-png",
    "visible-svg",
    "visible-pdf",
    "slides",
    "mermaid",
    "plantuml",
)


class FilesSession(Protocol):
    """The part of ``ui.session.Session`` the files read and load."""

    trace: Trace

    def load_scenario(self, scenario: Any) -> None: ...
    def load_trace(self, path: str) -> None: ...
    def save_trace(self, path: str, with_cursor: bool = False) -> None: ...


class FilesSettings(Protocol):
    def get(self, key: str) -> Any: ...
    def set(self, key: str, value: Any) -> None: ...


class FilesView(Protocol):
    def ask_open_path(self, title: str, filters: str) -> str:
        """A file to open; "" if the user cancelled."""

    def ask_save_path(self, title: str, folder: str, name: str, ext: str | None) -> str:
        """A file to write (``ext`` None: a folder), asked in ``folder`` with ``name`` filled
        in; "" if the user cancelled."""

    def problem(self, title: str, frame: str, detail: str) -> None:
        """An error: the sentence, then the detail as the engine or the OS gave it."""

    def say(self, text: str) -> None:
        """A passing message in the status bar."""

    def run_with_progress(self, work: Callable[[Progress], None]) -> None:
        """Run ``work``, which reports progress and stops when told (``ExportCancelled``)."""

    def export_visible(self, path: str) -> None:
        """The part of the diagram on screen, as it is drawn."""

    def export_scale(self) -> float:
        """The presenter's scale in lecture mode, else 1.0."""


class FilesController:
    def __init__(self, session: FilesSession, settings: FilesSettings, view: FilesView) -> None:
        self.session = session
        self.settings = settings
        self.view = view

    # --- opening -------------------------------------------------------------------------------
    def open_scenario(self) -> None:
        path = self.view.ask_open_path(
            translate("MainWindow", "Open lesson"), translate("MainWindow", "Python lesson (*.py)")
        )
        if path:
            self.open_scenario_file(path)

    def open_scenario_file(self, path: str) -> bool:
        try:
            scenario = load_file(path)
        except ScenarioError as e:
            self.view.problem(
                translate("MainWindow", "Cannot open lesson"),
                translate("MainWindow", "This lesson could not be loaded. Where and why:"),
                str(e),
            )
            return False
        self.session.load_scenario(scenario)
        return True

    def open_trace(self) -> None:
        path = self.view.ask_open_path(
            translate("MainWindow", "Open trace"),
            translate("MainWindow", "SocketScope trace (*.jsonl);;All files (*)"),
        )
        if path:
            self.open_trace_file(path)

    def open_trace_file(self, path: str) -> bool:
        try:
            self.session.load_trace(path)
        except TraceError as e:
            self.view.problem(
                translate("MainWindow", "Cannot open trace"),
                translate(
                    "MainWindow",
                    "This file could not be read as a SocketScope trace. Where and why:",
                ),
                str(e),
            )
            return False
        return True

    # --- writing -------------------------------------------------------------------------------
    def ask_path(self, title: str, name: str, ext: str | None) -> str:
        """A file (or, with ``ext`` None, a folder) to write, asked in the last folder used, with
        a safe ``name`` filled in; "" if the user cancelled. The folder is remembered."""
        from socketscope.ui import export

        start = export.start_folder(self.settings.get("last_folder"))
        path = self.view.ask_save_path(title, start, name, ext)
        if path:
            self.settings.set("last_folder", path if ext is None else str(Path(path).parent))
        return path

    def save_trace(self, with_cursor: bool = False) -> None:
        name = safe_file_name(self.session.trace.header.get("scenario"), "jsonl")
        title = (
            translate("MainWindow", "Save session")
            if with_cursor
            else translate("MainWindow", "Save trace")
        )
        path = self.ask_path(title, name, "jsonl")
        if not path:
            return
        try:
            self.session.save_trace(path, with_cursor=with_cursor)
        except OSError as e:
            self.view.problem(
                translate("MainWindow", "Cannot save trace"),
                translate("MainWindow", "The trace could not be saved:"),
                f"{path}: {e.strerror or e}",
            )

    def export(self, fmt: str) -> None:
        from socketscope.ui import export

        name = export.safe_file_name(self.session.trace.header.get("scenario", "run"))
        if fmt == "slides":
            title, ext = translate("MainWindow", "Folder for the slides"), None
        else:
            ext = export.extension(fmt)
            title = translate("MainWindow", "Export {format}").format(format=ext.upper())
        path = self.ask_path(title, f"{name}.{ext}" if ext else name, ext)
        if path:
            self.export_to(fmt, path)

    def export_to(self, fmt: str, path: str) -> bool:
        """Export the trace on screen; long exports show progress and can be cancelled."""
        from socketscope.model.textexport import to_mermaid, to_plantuml
        from socketscope.ui import export

        trace = self.session.trace
        scale = self.view.export_scale()

        def work(progress: Progress) -> None:
            if fmt in ("mermaid", "plantuml"):
                text = to_mermaid(trace) if fmt == "mermaid" else to_plantuml(trace)
                Path(path).write_text(text, encoding="utf-8")
            elif fmt == "pcapng":
                from socketscope.model.pcapng import write_pcapng

                with open(path, "wb") as f:
                    write_pcapng(trace, f)
            elif fmt.startswith("visible-"):
                self.view.export_visible(path)
            elif fmt in ("png", "svg"):
                # at the presenter's scale in lecture mode, and twice the pixels: crisp on slides
                export.export_image(
                    trace, path, round(1600 * scale), scale, pixel_ratio=2, progress=progress
                )
            elif fmt == "pdf":
                export.export_pdf(trace, path, round(1600 * scale), progress=progress, scale=scale)
            else:
                export.export_slides(trace, path, progress=progress, scale=scale)

        try:
            self.view.run_with_progress(work)
        except export.ExportCancelled:
            self.view.say(translate("MainWindow", "Export cancelled."))
            return False
        except OSError as e:
            self.view.problem(
                translate("MainWindow", "Cannot export"),
                translate("MainWindow", "The export could not be written:"),
                f"{path}: {e.strerror or e}",
            )
            return False
        self.view.say(translate("MainWindow", "Exported {path}").format(path=path))
        return True


class QtFilesView:
    """``FilesView`` with Qt's dialogs, on the window ``parent``. The dialogs' classes are
    imported when first used: making their enums costs start-up time (~10 ms)."""

    def __init__(
        self,
        parent: QWidget,
        say: Callable[[str], None],
        export_visible: Callable[[str], None],
        export_scale: Callable[[], float],
    ) -> None:
        self.parent = parent
        self._say = say
        self._export_visible = export_visible
        self._export_scale = export_scale

    def say(self, text: str) -> None:
        self._say(text)

    def export_visible(self, path: str) -> None:
        self._export_visible(path)

    def export_scale(self) -> float:
        return self._export_scale()

    def ask_open_path(self, title: str, filters: str) -> str:
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getOpenFileName(self.parent, title, "", filters)
        return path

    def ask_save_path(self, title: str, folder: str, name: str, ext: str | None) -> str:
        from socketscope.ui import export

        dialog = export.file_dialog(self.parent, title, folder, name, ext)
        try:
            if not dialog.exec() or not dialog.selectedFiles():
                return ""
            return dialog.selectedFiles()[0]
        finally:
            dialog.deleteLater()

    def problem(self, title: str, frame: str, detail: str) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(
            QMessageBox.Icon.Warning, title, frame, QMessageBox.StandardButton.Ok, self.parent
        )
        box.setObjectName("problem")
        box.setInformativeText(detail)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.exec()
        box.deleteLater()

    def run_with_progress(self, work: Callable[[Progress], None]) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QApplication, QProgressDialog

        dialog = QProgressDialog(
            translate("MainWindow", "Exporting…"),
            translate("MainWindow", "Cancel"),
            0,
            100,
            self.parent,
        )
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(400)

        def progress(done: int, total: int) -> bool:
            dialog.setMaximum(total)
            dialog.setValue(done)
            QApplication.processEvents()
            return not dialog.wasCanceled()

        try:
            work(progress)
        finally:
            dialog.close()
