"""What the run host says to people, in the interface language.

The engine hands the window codes and parameters (a step that released nothing, how a run
ended); the English sentence it also sends is for the terminal. Each code is translated here,
through Qt's translation system like every other interface string.
"""

from __future__ import annotations

from typing import Any

from socketscope.ui.i18n import translate


def _status(value: str) -> str:
    if value == "blocked":
        return translate("RunMessages", "blocked")
    if value == "running":
        return translate("RunMessages", "running")
    return value


def run_message(code: str, params: dict[str, Any], english: str = "") -> str:
    """The sentence for ``code`` in the interface language; ``english`` for an unknown code."""
    p = params
    actor, op, other = str(p.get("actor", "")), str(p.get("op", "")), str(p.get("other", ""))
    if code == "STOPPED":
        return translate("RunMessages", "The run has stopped.")
    if code == "BLOCKED":
        return translate(
            "RunMessages",
            "{actor} is blocked in {op}(): it cannot move until another actor's call wakes it.",
        ).format(actor=actor, op=op)
    if code == "FINISHED":
        return translate("RunMessages", "{actor} has finished.").format(actor=actor)
    if code == "NOT_STARTED":
        return translate("RunMessages", "{actor} has not started yet.").format(actor=actor)
    if code == "STARTS_WHEN":
        return translate("RunMessages", "{actor} starts when {other} reaches {op}().").format(
            actor=actor, other=other, op=op
        )
    if code == "STARTS_AFTER":
        return translate(
            "RunMessages", "{actor} starts when {other} has returned from {op}()."
        ).format(actor=actor, other=other, op=op)
    if code == "STARTS_AT_END":
        return translate("RunMessages", "{actor} starts when {other} has finished.").format(
            actor=actor, other=other
        )
    if code == "RUNNING":
        return translate("RunMessages", "{actor} is still running {op}().").format(
            actor=actor, op=op
        )
    if code == "RELEASED":
        return translate("RunMessages", "{actor}'s next call is already released.").format(
            actor=actor
        )
    if code == "NOBODY_WAITING":
        return translate("RunMessages", "No actor is waiting to make a call.")
    if code == "NOBODY_AT_GATE":
        part = translate("RunMessages", "{actor} is {status} in {op}()")
        parts = [part.format(actor=a, status=_status(str(s)), op=o) for a, s, o in p["busy"]]
        return translate("RunMessages", "No actor is waiting at its gate: {list}.").format(
            list=translate("RunMessages", "; ").join(parts)
        )
    if code == "HOST_EXITED" and p.get("where"):
        return translate(
            "RunMessages",
            "The run's process called {call}({status}) at {where}; the kernel closed its "
            "sockets. The trace so far is kept.",
        ).format(call=p.get("call"), status=p.get("status"), where=p.get("where"))
    if code == "HOST_EXITED":
        return translate(
            "RunMessages",
            "The run's process exited with status {status} before the run ended; the kernel "
            "closed its sockets. The trace so far is kept.",
        ).format(status=p.get("status"))
    if code == "HOST_KILLED":
        return translate(
            "RunMessages",
            "The run's process was killed by {signal}; the kernel closed its sockets. The trace "
            "so far is kept.",
        ).format(signal=p.get("signal"))
    if code == "HOST_STOP_KILLED":
        return translate(
            "RunMessages",
            "The run did not stop within 1 s: its process was killed ({signal}) and the kernel "
            "closed its sockets.",
        ).format(signal=p.get("signal"))
    if code == "HOST_FAILED":
        return translate("RunMessages", "The run could not start: {reason}").format(
            reason=p.get("reason", "")
        )
    return english
