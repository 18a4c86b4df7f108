"""What a call does, why it blocked or returned at once, and what an error means: English and Korean.

Pure text from (call event, return event) and the socket's type and mode at the call, read from
the call catalogue (model/catalogue.py). Where the course notes simplify, the catalogue says what
really happens: the kernel, not the server program, completes the handshake; close() does not
always free a port; a successful send() only means the bytes reached your own kernel.
"""

from __future__ import annotations

from socketscope.engine.events import Event
from socketscope.model import catalogue as cat
from socketscope.model.context import NONE, CallContext
from socketscope.model.labels import duration

# Kept for the tests and callers that ask "is there a text for this op / error"
WHAT = cat.CATALOGUE
ERRORS = cat.ERRORS


def explain(
    call: Event | None,
    ret: Event | None,
    lang: str = "en",
    blocked: bool = False,
    ctx: CallContext = NONE,
    blocked_ev: Event | None = None,
) -> str:
    """A few sentences about one call, in ``lang`` ("en" or "ko"); ``blocked``: the call is
    blocked at the cursor; ``ctx``: its socket's type and mode; ``blocked_ev``: the event that
    said it blocked (its kernel evidence)."""
    ev = ret or call
    if ev is None:
        return ""
    lang = "ko" if lang == "ko" else "en"
    op = ev.op or ""
    t, mode = ctx.sock_type, ctx.mode
    parts = [cat.what(op, t, mode, lang)]
    error = ret.error if ret is not None and ret.ok is False else None
    if mode in ("nonblocking", "timeout") and (error in (None, "EAGAIN", "timeout")):
        parts.append(cat.mode_note(op, mode, lang))
    if ret is None and blocked:
        parts.append(cat.BLOCKED_NOW(lang))
    elif ret is None:
        parts.append("호출 중입니다." if lang == "ko" else "The call is in progress.")
    elif ret.kind == "burst":
        parts.append(
            f"{ret.count}번의 같은 호출을 하나로 묶었습니다 (빠르게 실행 중)."
            if lang == "ko"
            else f"{ret.count} identical calls are summarised as one (the run is going fast)."
        )
    elif error:
        # the engine's English sentence only in English; in Korean, at least the errno's name
        fallback = ret.message if lang == "en" else None
        parts.append(cat.error_text(op, error, t, mode, lang) or fallback or error)
    elif ret.blocked:
        why = cat.why_blocked(op, t, mode, lang)
        took = duration(ret.duration or 0)
        parts.append(f"{why} ({took})" if why else took)
    elif cat.can_block(op) and mode != "nonblocking":
        parts.append(cat.AT_ONCE(lang))
    if blocked_ev is not None and (blocked or (ret is not None and ret.blocked)):
        said = cat.evidence(blocked_ev.kernel_wait, blocked_ev.syscall, blocked_ev.evidence, lang)
        if said:
            parts.append(said[0].upper() + said[1:] + ".")
            meaning = cat.wait_channel(blocked_ev.kernel_wait, lang)
            if meaning and blocked_ev.evidence == "kernel":
                parts.append(meaning)
    if (
        ret is not None
        and cat.data_dir(op) == "in"
        and ret.ok
        and ret.nbytes == 0
        and t != "UDP"
        and op != "recvfrom"
    ):
        parts.append(cat.EOF(lang))
    if ret is not None and ret.dgram_size:
        parts.append(
            f"데이터그램은 {ret.dgram_size}바이트였고, 나머지는 버려졌습니다."
            if lang == "ko"
            else f"The datagram was {ret.dgram_size} bytes; the rest was discarded."
        )
    return " ".join(p for p in parts if p)
