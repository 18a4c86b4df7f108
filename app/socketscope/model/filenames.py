"""File names made from what a trace says about itself.

A trace's header names its scenario, and a save or export dialog pre-fills a file name from it.
A trace is a file anyone can hand a student, so its scenario id may be ``/etc/cron.daily/ss`` or
``../../../../tmp/x``: the name offered must be one plain file name in the folder the user chose,
never a path of the file's choosing. Used by every dialog that suggests a name (save trace,
save session, export).
"""

from __future__ import annotations

import re
import unicodedata

MAX_STEM = 80  # characters: room for the extension and a folder within every system's limits

# Windows refuses these whatever the extension ("con.jsonl" is the console)
_RESERVED = {"con", "prn", "aux", "nul"} | {f"{p}{i}" for p in ("com", "lpt") for i in range(10)}
# a path separator on some system, or a character Windows does not allow in a name
_UNSAFE = re.compile(r'[/\\:*?"<>|]+')


def safe_file_name(name: object, ext: str, fallback: str = "trace") -> str:
    """``name`` as one safe file name ending in ``.ext``: separators and characters no system
    allows become "-", control characters and leading dots go (no "..", no hidden file), the
    length is bounded; what is left empty becomes ``fallback``.

    >>> safe_file_name("../../../../tmp/x", "jsonl")
    'tmp-x.jsonl'
    >>> safe_file_name("tcp-echo", "svg")
    'tcp-echo.svg'
    """
    text = " ".join(name.split()) if isinstance(name, str) else ""
    text = "".join(ch for ch in text if not unicodedata.category(ch).startswith("C"))
    # a path's steps up and in say nothing about the run: "../../x" is "x", "/etc/a" is "etc-a"
    text = "-".join(p for p in re.split(r"[/\\]+", text) if p not in ("", ".", ".."))
    text = re.sub(r"-{2,}", "-", _UNSAFE.sub("-", text))
    stem = text.strip(" .-")[:MAX_STEM].rstrip(" .-")
    if stem.split(".")[0].lower() in _RESERVED:
        stem = f"_{stem}"
    if not stem:
        stem = fallback
    return f"{stem}.{ext.lstrip('.')}"
