"""Runs of the user's own programs, as the views see them (engine/programs makes them)."""

from __future__ import annotations

from typing import Any


def program_of(header: dict[str, Any], actor: str | None) -> str | None:
    """The program an actor belongs to in a run of programs: the program itself, or the program
    a thread of it (``server.py/Thread-2``) belongs to. None outside a run of programs."""
    if actor is None or (header.get("scenario") != "programs" and not header.get("sources")):
        return None  # a lesson made of programs has its programs' sources too
    best = None
    for name in header.get("actors") or []:
        if (actor == name or actor.startswith(f"{name}/")) and (
            best is None or len(name) > len(best)
        ):
            best = name
    return best
