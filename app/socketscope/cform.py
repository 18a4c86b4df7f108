"""Write a traced call as the C call of the course notes, with the real values.

    bind(3, {AF_INET, 127.0.0.1:5050}, 16) = 0
    accept(3, {AF_INET, 127.0.0.1:51234}, 16) = 4
    connect(3, {AF_INET, 127.0.0.1:5050}, 16) = -1 ECONNREFUSED (Connection refused)

Pure functions of (call event, return event); the forms themselves live in the call catalogue
(model/catalogue.py). Used by the terminal log and the GUI.
"""

from __future__ import annotations

from socketscope.engine.events import Event
from socketscope.model import catalogue as cat
from socketscope.model.catalogue import preview, sockaddr
from socketscope.model.context import NONE, CallContext

__all__ = ["c_args", "c_line", "c_result", "preview", "signature", "sockaddr"]


def signature(op: str | None, lang: str = "en") -> str:
    """The prototype, and where the course notes simplify it."""
    e = cat.entry(op)
    if e is None:
        return ""
    proto = e.prototype(lang) if isinstance(e.prototype, cat.Words) else e.prototype
    if e.note is None:
        return proto
    return f"{proto}\n/* {e.note(lang)} */"


def c_args(call: Event, ret: Event | None, lang: str = "en") -> str:
    """The C call with its arguments, e.g. ``bind(3, {AF_INET, 127.0.0.1:5050}, 16)``."""
    op = call.op or "?"
    e = cat.entry(op)
    if e is None:
        # a call no lesson makes (a C program's fork(), poll(), recvmsg()): its fd, if any
        return f"{op}({'' if call.fd is None else call.fd})"
    values = cat.Values(
        call.args or {},
        call.fd,
        data=ret.data if ret is not None else None,
        peer=ret.peer if ret is not None else None,
        returned=ret is not None,
        lang=lang,
    )
    return e.c_form(values)


_NEVER_RETURNED = {
    "timeout": (
        "= ? (timed out in poll() before the call)",
        "= ? (호출 전에 poll()에서 시간 초과)",
    ),
    "STOPPED": ("= ? (run stopped)", "= ? (실행 중지됨)"),
    "EXITED": ("= ? (the process exited during the call)", "= ? (호출 중에 프로세스가 종료됨)"),
    "SIGKILL": (
        "= ? <killed by SIGKILL: the call never returned>",
        "= ? <SIGKILL로 종료됨: 호출은 돌아오지 않음>",
    ),
}


def c_result(ret: Event, lang: str = "en") -> str:
    """``= 4`` / ``= 0`` / ``= -1 ECONNREFUSED (Connection refused)`` / ``= ?``."""
    if ret.ok is False or (ret.op == "connect_ex" and ret.error):
        name = ret.error or "?"
        if name in _NEVER_RETURNED:
            en, ko = _NEVER_RETURNED[name]
            return ko if lang == "ko" else en
        why = cat.strerror(name) or (ret.message or "")
        return f"= -1 {name} ({why})"
    e = cat.entry(ret.op)
    if e is None and isinstance(ret.result, int) and not isinstance(ret.result, bool):
        return f"= {ret.result}"  # a C program's call the catalogue does not know: its value
    kind = e.result if e is not None else "zero"
    if kind == "fd":
        return f"= {ret.fd}"
    if kind == "accepted":
        res = ret.result if isinstance(ret.result, dict) else {}
        return f"= {res.get('fd')}"
    if kind == "bytes":
        return f"= {ret.nbytes}"
    if kind == "count":  # poll(), epoll_wait(): how many are ready; fork(): the child's pid
        return f"= {ret.result}"
    if kind == "value":
        return f"= 0 (optval {ret.result})"
    if kind == "ready":
        res = ret.result if isinstance(ret.result, dict) else {}
        return f"= {sum(len(v) for v in res.values())}"
    if kind == "nothing" or ret.op == "wait_until":
        return ""
    return "= 0"


def c_timeout(call: Event, ctx: CallContext, lang: str = "en") -> str:
    """A timed-out call as C sees it: CPython's poll() returned 0 and the call was never made."""
    e = cat.entry(call.op)
    out = (e is not None and e.data == "out") or call.op in ("connect", "connect_ex")
    events = "POLLOUT" if out else "POLLIN"
    ms = round((ctx.timeout or 0) * 1000)
    name = e.c_name if e is not None else call.op
    never = f"호출되지 않음: {name}()" if lang == "ko" else f"{name}() was never called"
    return f"poll([{{fd={call.fd}, events={events}}}], 1, {ms}) = 0 (Timeout)  /* {never} */"


def c_line(call: Event, ret: Event, ctx: CallContext = NONE, lang: str = "en") -> str:
    """The whole C line; ``lang``: the language of its comments (the terminal keeps English)."""
    if ret.ok is False and ret.error == "timeout" and ctx.mode == "timeout":
        return c_timeout(call, ctx, lang)
    return f"{c_args(call, ret, lang)} {c_result(ret, lang)}".rstrip()
