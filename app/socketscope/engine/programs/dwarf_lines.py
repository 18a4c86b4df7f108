"""C source lines of a traced program: an address in the binary to (file, line, function).

A binary built with ``-g`` carries DWARF line tables; pyelftools (MIT) reads them. Without them
only the symbol table is left: the function name, and the views say "compile with -g to see
your lines". A position-independent executable (gcc's default) is loaded at a random base: the
caller gives addresses already made relative to it (see :func:`load_base`).
"""

from __future__ import annotations

import bisect
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# Reading a line table costs 100-150 ms in a fresh run host (pyelftools' import, ~70 ms, then
# the DWARF): done by the tracer at the program's first call, a Stop landing meanwhile waited
# for all of it. It is read aside instead, from the moment the program is started, and the
# tracer's wait for it gives way to a Stop (see line_map).
WAIT_SLICE = 0.005  # seconds between looks at the stop flag while a line table is being read
_ready: dict[tuple[str, int, int], threading.Event] = {}
_maps: dict[tuple[str, int, int], LineMap] = {}
_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class SourcePlace:
    function: str | None
    file: str | None = None  # absolute path when the DWARF says where it was compiled
    line: int | None = None


class LineMap:
    """One executable's line table and function symbols, read once."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.pie = False
        self._rows: list[int] = []  # sorted addresses
        self._places: list[tuple[str, int] | None] = []  # None: the end of a sequence
        self._funcs: list[tuple[int, int, str]] = []
        self._addr2line: dict[int, SourcePlace] | None = None
        try:
            from elftools.elf.elffile import ELFFile
        except ImportError:
            # pyelftools is a dependency, but a Python without it (a system interpreter) can
            # still ask binutils' addr2line, one address at a time
            self._addr2line = {}
            self.pie = _is_pie(path)
            self._starts: list[int] = []
            return
        try:
            with open(path, "rb") as f:
                elf = ELFFile(f)
                self.pie = elf["e_type"] == "ET_DYN"
                self._read_symbols(elf)
                if elf.has_dwarf_info():
                    self._read_lines(elf)
        except Exception:  # noqa: BLE001 -- any unreadable binary simply has no lines to show
            self._rows, self._places = [], []
        self._starts = [f[0] for f in self._funcs]

    @property
    def has_lines(self) -> bool:
        return bool(self._rows)

    def _read_symbols(self, elf: object) -> None:
        from elftools.elf.sections import SymbolTableSection

        for sec in elf.iter_sections():  # type: ignore[attr-defined]
            if not isinstance(sec, SymbolTableSection):
                continue
            for sym in sec.iter_symbols():
                if sym["st_info"]["type"] == "STT_FUNC" and sym["st_value"] and sym.name:
                    start = int(sym["st_value"])
                    self._funcs.append((start, start + max(1, int(sym["st_size"])), sym.name))
        self._funcs.sort()

    def _read_lines(self, elf: object) -> None:
        dwarf = elf.get_dwarf_info()  # type: ignore[attr-defined]
        rows: list[tuple[int, tuple[str, int] | None]] = []
        for cu in dwarf.iter_CUs():
            prog = dwarf.line_program_for_CU(cu)
            if prog is None:
                continue
            version = prog.header["version"]
            files = prog.header["file_entry"]
            dirs = prog.header["include_directory"]
            comp_dir = ""
            top = cu.get_top_DIE()
            if "DW_AT_comp_dir" in top.attributes:
                comp_dir = _text(top.attributes["DW_AT_comp_dir"].value)
            for entry in prog.get_entries():
                st = entry.state
                if st is None:
                    continue
                if st.end_sequence:
                    rows.append((int(st.address), None))
                    continue
                idx = st.file if version >= 5 else st.file - 1
                if not 0 <= idx < len(files):
                    continue
                fe = files[idx]
                name = _text(fe.name)
                d_idx = fe.dir_index if version >= 5 else fe.dir_index - 1
                base = _text(dirs[d_idx]) if 0 <= d_idx < len(dirs) else comp_dir
                if not os.path.isabs(base):
                    base = os.path.join(comp_dir, base)
                full = name if os.path.isabs(name) else os.path.normpath(os.path.join(base, name))
                rows.append((int(st.address), (full, int(st.line))))
        rows.sort(key=lambda r: r[0])
        self._rows = [r[0] for r in rows]
        self._places = [r[1] for r in rows]

    def _ask_addr2line(self, addr: int) -> SourcePlace:
        import shutil
        import subprocess

        cache = self._addr2line
        assert cache is not None
        if addr in cache:
            return cache[addr]
        place = SourcePlace(None)
        tool = shutil.which("addr2line")
        if tool is not None:
            try:
                out = subprocess.run(
                    [tool, "-f", "-e", self.path, hex(addr)],
                    capture_output=True, text=True, timeout=5, check=False,
                ).stdout.split("\n")  # fmt: skip
            except (OSError, subprocess.SubprocessError):
                out = []
            if len(out) >= 2:
                fn = out[0].strip() if out[0].strip() != "??" else None
                file, _, line = out[1].strip().rpartition(":")
                line = line.split()[0] if line else ""
                if file and file != "??" and line.isdigit() and int(line) > 0:
                    place = SourcePlace(fn, file, int(line))
                else:
                    place = SourcePlace(fn)
        cache[addr] = place
        return place

    def function(self, addr: int) -> str | None:
        if self._addr2line is not None:
            return self._ask_addr2line(addr).function
        i = bisect.bisect_right(self._starts, addr) - 1
        if i >= 0 and self._funcs[i][0] <= addr < self._funcs[i][1]:
            return self._funcs[i][2]
        return None

    def place(self, addr: int) -> SourcePlace:
        """Where ``addr`` (relative to the load base for a PIE) is in the source."""
        if self._addr2line is not None:
            return self._ask_addr2line(addr)
        fn = self.function(addr)
        i = bisect.bisect_right(self._rows, addr) - 1
        if i < 0 or self._places[i] is None:
            return SourcePlace(fn)
        file, line = self._places[i]  # type: ignore[misc]
        return SourcePlace(fn, file, line)

    def main_file(self) -> str | None:
        """The source file of ``main`` (None without debug info)."""
        start = next((f[0] for f in self._funcs if f[2] == "main"), None)
        if start is None:
            return None
        return self.place(start).file

    def contains_code(self, addr: int) -> bool:
        if self._addr2line is not None:
            return True  # no symbol table read: the first word into the code is taken
        return self.function(addr) is not None


def _key(path: str) -> tuple[str, int, int] | None:
    """A binary rebuilt at the same path is another program: its size and time tell."""
    try:
        real = os.path.realpath(path)
        st = os.stat(real)
    except OSError:
        return None
    return real, st.st_size, st.st_mtime_ns


def prepare(path: str) -> None:
    """Start reading ``path``'s line table in a thread of its own (once per binary)."""
    key = _key(path)
    if key is None:
        return
    with _lock:
        if key in _ready:
            return
        ready = _ready[key] = threading.Event()

    def read() -> None:
        try:
            _maps[key] = LineMap(key[0])
        except Exception:  # noqa: BLE001 -- the tracer then reads it itself, and meets it there
            pass
        finally:
            ready.set()

    # not an actor's thread: it belongs to no run and ends by itself
    threading.Thread(target=read, name="linemap-reader", daemon=True).start()


def line_map(path: str, give_up: Callable[[], bool]) -> LineMap | None:
    """``path``'s line table, read aside (:func:`prepare`, started now if it was not); None
    when ``give_up()`` turns true first (the run is stopping: nothing waits for the table)."""
    key = _key(path)
    if key is None:
        return LineMap(path)  # unreadable: an empty map, as LineMap itself makes it
    prepare(path)
    with _lock:
        ready = _ready[key]
    while not ready.wait(WAIT_SLICE):
        if give_up():
            return None
    found = _maps.get(key)
    return found if found is not None else LineMap(key[0])


def _is_pie(path: str) -> bool:
    """ELF e_type ET_DYN (a position-independent executable), read from the header."""
    try:
        with open(path, "rb") as f:
            head = f.read(18)
    except OSError:
        return False
    return len(head) == 18 and head[16] == 3


def _text(v: object) -> str:
    return v.decode(errors="replace") if isinstance(v, bytes) else str(v)


def load_base(pid: int, exe: str) -> tuple[int, int, int] | None:
    """(base, text start, text end) of ``exe`` in ``pid``'s address space, from /proc/PID/maps:
    base is the start of its mapping at file offset 0."""
    try:
        real = os.path.realpath(exe)
        lines = Path(f"/proc/{pid}/maps").read_text().splitlines()
    except OSError:
        return None
    base = None
    lo, hi = None, None
    for row in lines:
        parts = row.split(maxsplit=5)
        if len(parts) < 6 or os.path.realpath(parts[5]) != real:
            continue
        start, end = (int(x, 16) for x in parts[0].split("-"))
        if int(parts[2], 16) == 0 and base is None:
            base = start
        if "x" in parts[1]:
            lo = start if lo is None else min(lo, start)
            hi = end if hi is None else max(hi, end)
    if base is None or lo is None or hi is None:
        return None
    return base, lo, hi
