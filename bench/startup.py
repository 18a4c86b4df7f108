"""Startup benchmark: time from process start to the main window's first paint, for the
``socketscope`` of the venv, for a bare PySide6 QMainWindow (the floor: Python, Qt and one empty
window) and for the installed app (or the bundle) when there is one, measured in one run.

    .venv/bin/python bench/startup.py [--runs 5] [--installed CMD] [--x11] [--floor]
    .venv/bin/python bench/startup.py --instructions

CMD is the installed app's command line, default /usr/bin/socketscope when the .deb is installed,
else dist/socketscope/socketscope; e.g. --installed "chroot /var/tmp/ss-chroot /usr/bin/socketscope"
for an install in a chroot. Each run starts a new process with SOCKETSCOPE_EXIT_AFTER_FIRST_PAINT=1
(ui/app.py): the app prints the wall-clock time of its first paint, then of "ready" (the panels,
menus and study mode it makes right after the first paint) and quits; the figure here is that
time minus the time just before the process was started. The two commands alternate, the first
run of each is reported apart (cold caches). Offscreen by default; --x11 uses $DISPLAY.
The goal (issue 11) is a first paint within 1.5x the bare window's; --floor also times a plain
window of the first picture's widgets without SocketScope's code (bench/startup_floor.py), alone
and with the basics any app does before its first paint, to show how much of that room the
widgets themselves take. Run it with
PYTHONDONTWRITEBYTECODE unset (else every start compiles every module again).

--instructions counts instead of timing: the instructions each start-up runs in user space up to
its first paint, under valgrind's callgrind (needs the valgrind package), one run each. A count
does not move with the machine's load, where the times here move by a third from run to run; it
also counts the floor's steps: with --lesson (the lesson loaded as the engine loads it) and
--model (and the Qt-free modules the window's picture is computed from).
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def default_installed() -> list[str]:
    usr_bin = Path("/usr/bin/socketscope")
    if usr_bin.is_symlink() and str(usr_bin.resolve()).startswith("/opt/socketscope/"):
        return [str(usr_bin)]
    return [str(ROOT / "dist" / "socketscope" / "socketscope")]


# The floor: the same interpreter, PySide6 and one QMainWindow of the same size, reporting its
# first paint the way ui/app.py does.
BARE = """
import os, sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
w = QMainWindow()
w.resize(1280, 800)
class FirstPaint(QObject):
    seen = False
    def eventFilter(self, obj, ev):
        if ev.type() == QEvent.Type.Paint and not self.seen:
            self.seen = True
            QTimer.singleShot(0, report)
        return False
def report():
    print(f"first-paint {time.time():.6f} cpu {time.process_time() * 1000:.0f}ms", flush=True)
    if os.environ.get("SOCKETSCOPE_EXIT_AFTER_FIRST_PAINT") == "paint":
        os._exit(0)
    app.quit()
f = FirstPaint()
w.installEventFilter(f)
w.show()
app.exec()
"""


def first_paint_ms(
    cmd: list[str], x11: bool
) -> tuple[float, float | None, tuple[float, float | None] | None]:
    """Wall-clock ms from the process's start to its first paint, the CPU ms it used by then
    (None if it does not say), and the same two for "ready" (the window has made what its first
    picture did not need: the panels, the menus; None for a program that does not say)."""
    env = {**os.environ, "SOCKETSCOPE_EXIT_AFTER_FIRST_PAINT": "1"}
    if not x11:
        env["QT_QPA_PLATFORM"] = "offscreen"
    args = cmd if cmd[1:2] == ["-c"] else [*cmd, "--scenario", "tcp-echo", "--size", "1280x800"]
    t0 = time.time()
    r = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60, check=False)
    seen: dict[str, tuple[float, float | None]] = {}
    for line in r.stdout.splitlines():
        words = line.split()
        if words and words[0] in ("first-paint", "ready"):
            cpu = words[words.index("cpu") + 1] if "cpu" in words[:-1] else None
            wall = (float(words[1]) - t0) * 1000
            seen[words[0]] = (wall, float(cpu.removesuffix("ms")) if cpu else None)
    if "first-paint" not in seen:
        raise SystemExit(
            f"{shlex.join(args)}: no first-paint line (exit {r.returncode})\n{r.stderr}"
        )
    wall, cpu = seen["first-paint"]
    return wall, cpu, seen.get("ready")


def instructions_to_first_paint(cmd: list[str]) -> int:
    """User-space instructions from the process's start to its first paint (callgrind)."""
    env = {
        **os.environ,
        "SOCKETSCOPE_EXIT_AFTER_FIRST_PAINT": "paint",  # exit at the first paint, not later
        "QT_QPA_PLATFORM": "offscreen",
    }
    args = cmd if cmd[1:2] == ["-c"] else [*cmd, "--scenario", "tcp-echo", "--size", "1280x800"]
    valgrind = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    r = subprocess.run(
        [*valgrind, *args], env=env, capture_output=True, text=True, timeout=900, check=False
    )
    painted = "first-paint" in r.stdout
    m = re.search(r"Collected : (\d+)", r.stderr)
    if not painted or m is None:
        raise SystemExit(f"{shlex.join(args)} under callgrind: no count (exit {r.returncode})")
    return int(m.group(1))


def count_instructions(commands: dict[str, list[str]]) -> None:
    if shutil.which("valgrind") is None:
        raise SystemExit("--instructions needs valgrind (Debian: apt-get install valgrind)")
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        counted = pool.map(instructions_to_first_paint, commands.values())
        counts = dict(zip(commands, counted, strict=True))
    bare = counts["bare"]
    print("instructions run in user space up to the first paint (valgrind callgrind, offscreen):")
    for name, n in counts.items():
        print(f"  {name:<13} {n / 1e6:7.0f} M  {n / bare:5.2f}x bare")
    print(f"  goal (issue 11): within 1.5x bare = {1.5 * bare / 1e6:.0f} M")


def size_mb(path: Path) -> float:
    return sum(p.lstat().st_size for p in path.rglob("*") if not p.is_dir()) / 2**20


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5, help="runs of each after the first (cold) one")
    ap.add_argument("--installed", help="the installed app's command (default: see above)")
    ap.add_argument("--x11", action="store_true", help="a real window on $DISPLAY, not offscreen")
    ap.add_argument(
        "--floor",
        action="store_true",
        help="also a plain window with the first picture's widgets and no SocketScope widget, "
        "alone, with the basics any app does first, with the lesson loaded and with the models "
        "the picture is computed from (bench/startup_floor.py)",
    )
    ap.add_argument(
        "--instructions",
        action="store_true",
        help="count the instructions to the first paint under valgrind instead of timing it, "
        "for the venv's app, the bare window and the floor's steps",
    )
    args = ap.parse_args()
    commands = {
        "venv": [str(Path(sys.prefix) / "bin" / "socketscope")],
        "bare": [sys.executable, "-c", BARE],
    }
    installed = shlex.split(args.installed) if args.installed else default_installed()
    if not args.instructions and (args.installed or Path(installed[0]).exists()):
        commands["installed"] = installed
    if args.floor or args.instructions:
        floor = str(Path(__file__).with_name("startup_floor.py"))
        commands["floor"] = [sys.executable, floor]
        for step in ("basics", "lesson", "model"):
            commands[f"floor+{step}"] = [sys.executable, floor, f"--{step}"]
    if args.instructions:
        count_instructions(commands)
        return 0
    times: dict[str, list[float]] = {k: [] for k in commands}
    cpus: dict[str, list[float]] = {k: [] for k in commands}
    readies: dict[str, list[tuple[float, float | None]]] = {k: [] for k in commands}
    for _ in range(args.runs + 1):
        for name, cmd in commands.items():
            wall, cpu, ready = first_paint_ms(cmd, args.x11)
            times[name].append(wall)
            if cpu is not None:
                cpus[name].append(cpu)
            if ready is not None:
                readies[name].append(ready)
    where = "X11 ($DISPLAY)" if args.x11 else "offscreen"
    print(f"time from process start to first paint ({where}), ms:")
    for name, cmd in commands.items():
        first, rest = times[name][0], times[name][1:]
        label = "python -c BARE" if name == "bare" else shlex.join(cmd)
        print(
            f"  {name:<12} median {statistics.median(rest):6.0f}  min {min(rest):6.0f}"
            f"  first run {first:6.0f}   ({label})"
        )
    bare = statistics.median(times["bare"][1:])
    for name in commands:
        if name != "bare":
            ratio = statistics.median(times[name][1:]) / bare
            print(f"  {name} / bare QMainWindow: {ratio:.2f}x (goal <= 1.5x)")
    # CPU time by the first paint: less at the mercy of other processes than wall time
    if len(cpus["bare"]) > 1:
        print("CPU time used by the first paint (all threads of the process), ms:")
        for name in commands:
            if len(cpus[name]) > 1:
                rest = cpus[name][1:]
                print(f"  {name:<12} median {statistics.median(rest):6.0f}  min {min(rest):6.0f}")
        bare_cpu = statistics.median(cpus["bare"][1:])
        for name in commands:
            if name != "bare" and len(cpus[name]) > 1:
                ratio = statistics.median(cpus[name][1:]) / bare_cpu
                print(f"  {name} / bare QMainWindow (CPU): {ratio:.2f}x")
    # the first paint shows the lesson; the panels and menus are made right after it
    for name in commands:
        rest_ready = readies[name][1:]
        if len(rest_ready) > 1:
            wall_med = statistics.median(w for w, _ in rest_ready)
            ready_cpus = [c for _, c in rest_ready if c is not None]
            cpu_med = f", CPU {statistics.median(ready_cpus):.0f}" if ready_cpus else ""
            print(
                f"  {name}: everything made (panels, menus, study mode) at median "
                f"{wall_med:.0f} ms{cpu_med} ms"
            )
    bundle = ROOT / "dist" / "socketscope"
    if bundle.is_dir():
        print(f"bundle dist/socketscope: {size_mb(bundle):.0f} MB")
    for deb in sorted((ROOT / "dist").glob("socketscope_*.deb")):
        print(f"{deb.relative_to(ROOT)}: {deb.stat().st_size / 2**20:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
