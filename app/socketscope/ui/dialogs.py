"""The window's dialogs that load something: the lesson picker, Run programs…, Preferences."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from socketscope.ui.mainwindow import MainWindow


def choose_lesson(w: MainWindow) -> None:
    from socketscope.ui.picker import ScenarioPicker

    current = w.session.scenario.id if w.session.scenario else None
    picker = ScenarioPicker(w.lang, current, w)
    if picker.exec() and (chosen := picker.chosen()) is not None:
        w.session.load_scenario(chosen)


def run_programs(w: MainWindow) -> None:
    """File → Run programs…: the user's own programs, traced."""
    from socketscope.engine.programs import ProgramError, program_scenario
    from socketscope.ui.programs import ProgramsDialog

    folder = str(w.settings.get("programs_folder") or "") or None
    dlg = ProgramsDialog(folder, w)
    if dlg.exec() != ProgramsDialog.DialogCode.Accepted:
        return
    try:
        scenario = program_scenario(dlg.lines())
    except ProgramError as e:
        w.say(str(e))
        return
    if w.persist:
        w.settings.set("programs_folder", dlg.folder.text())
    w.session.load_scenario(scenario)


def preferences(w: MainWindow) -> None:
    from socketscope.ui.preferences import PreferencesDialog

    dialog = PreferencesDialog(w.settings, w)
    if dialog.exec():
        w.apply_settings()


def save_session(w: MainWindow) -> None:
    """File → Save session: the trace with the position in it."""
    w.files.save_trace(with_cursor=True)
