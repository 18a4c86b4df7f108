"""Short texts for boxes and arrows: ``accept(fd 5)`` → ``fd 7 ← 127.0.0.1:51234``.

The text of each call's box comes from the call catalogue; this module adds what is common to all
calls: results, errors, durations and the blocked bar's evidence.
"""

from __future__ import annotations

from collections.abc import Callable

from socketscope.engine.events import Event
from socketscope.model import catalogue as cat
from socketscope.model.catalogue import addr, preview, size
from socketscope.model.context import NONE, CallContext

__all__ = [
    "addr",
    "arrow_label",
    "call_label",
    "duration",
    "result_label",
    "size",
    "socket_number",
]

# The model stays free of Qt: the window passes Qt's translate() in, the terminal and text exports
# keep English. lupdate collects the strings of the calls below because they are named translate.
Translate = Callable[[str, str], str]


def untranslated(context: str, text: str) -> str:
    return text


def duration(seconds: float) -> str:
    """0.41 s, 12.5 ms, 35 µs: blocked times span six orders of magnitude on loopback."""
    if seconds >= 0.1:
        return f"{seconds:.2f} s"
    if seconds >= 0.001:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds * 1_000_000:.0f} µs"


def call_label(ev: Event, translate: Translate = untranslated) -> str:
    op, a, fd = ev.op or "?", ev.args or {}, ev.fd
    if ev.kind == "burst":
        return f"{op}(fd {fd}) × {ev.count}"
    e = cat.entry(op)
    if e is None:
        return f"{op}(fd {fd})"
    return e.label(a, fd, translate)


def result_label(
    ev: Event,
    translate: Translate = untranslated,
    ctx: CallContext = NONE,
    call: Event | None = None,
) -> str:
    if ev.kind == "burst":
        text = translate("DiagramText", "{size} in {count} calls").format(
            size=size(ev.nbytes), count=ev.count
        )
        if ev.blocked_count:
            text += translate("DiagramText", ", {n} blocked").format(n=ev.blocked_count)
        return text
    if ev.ok is False:
        if ev.error == "timeout":
            return translate("DiagramText", "✗ timed out")
        if ev.error == "STOPPED":
            return translate("DiagramText", "✗ stopped")
        if ev.error == "NOT_LOOPBACK":
            return translate("DiagramText", "✗ refused: not loopback")
        if ev.error == "EXITED":
            return translate("DiagramText", "✗ the process exited")
        if ev.error == "SIGKILL":
            # the call never returned: there is no result, only the end of the process (the
            # diagram writes it as a sentence after the call, with no "→": nothing came back)
            return translate("DiagramText", "never returned: the process was killed by SIGKILL")
        return f"✗ {ev.error}"
    op = ev.op or ""
    e = cat.entry(op)
    kind = e.result if e is not None else "zero"
    if kind == "fd":
        return f"fd {ev.fd}"
    if kind == "accepted":
        res = ev.result if isinstance(ev.result, dict) else {}
        return f"fd {res.get('fd')} ← {addr(ev.peer)}"
    if op in ("connect", "connect_ex") and ctx.sock_type == "UDP":
        # nothing was sent: only the default peer is set (and a port bound, if there was none)
        if ev.local:
            return translate("DiagramText", "peer set; bound {address}").format(
                address=addr(ev.local)
            )
        return translate("DiagramText", "peer set")
    if op in ("connect", "connect_ex"):
        return translate("DiagramText", "connected from {address}").format(address=addr(ev.local))
    if kind == "bytes" and e is not None and e.data == "in":
        if ev.nbytes == 0 and op != "recvfrom":
            return translate("DiagramText", "0 B: end of stream (EOF)")
        src = f" ← {addr(ev.peer)}" if op == "recvfrom" and ev.peer else ""
        return f"{size(ev.nbytes)} {preview(ev.data, 14)}{src}"
    if kind == "bytes" and op == "sendto" and ev.local:
        # the first sendto() on an unbound socket: bound implicitly (on loopback, not on every
        # interface as the kernel would)
        return translate("DiagramText", "{size} sent; implicit bind {address}").format(
            size=size(ev.nbytes), address=addr(ev.local)
        )
    if kind == "bytes":
        return translate("DiagramText", "{size} sent").format(size=size(ev.nbytes))
    if kind == "value":
        return f"= {ev.result}"
    if kind == "count" and op == "fork":
        child = (ev.params or {}).get("child")
        return f"pid {ev.result}" + (f" → {child}" if child else "")
    if kind == "count":
        return translate("DiagramText", "{n} ready").format(n=ev.result)
    if kind == "ready":
        res = ev.result if isinstance(ev.result, dict) else {}
        # the call shows fd numbers, so the result does too: the same numbers on both sides
        a = (call.args or {}) if call is not None else {}
        raw = a.get("fds")
        by_fd: dict[str, list[object]] = raw if isinstance(raw, dict) else {}

        def fds_of(k: str) -> list[object]:
            ready_fds = res.get("fds")
            if isinstance(ready_fds, dict):
                # a program's select() may wait on more than sockets (its stdin): every fd
                return list(ready_fds.get(k) or [])
            socks, fds = a.get(k) or [], by_fd.get(k) or []
            to_fd = dict(zip(socks, fds, strict=False))
            return [to_fd.get(s, s) for s in res.get(k, [])]

        fds = f"r={fds_of('r')} w={fds_of('w')}"
        return translate("DiagramText", "ready: {fds}").format(fds=fds)
    if op == "wait_until":
        return translate("DiagramText", "done waiting")
    if op == "spawn":
        return translate("DiagramText", "started")
    if op == "signal":
        return translate("DiagramText", "handler installed")
    if op == "kill":
        return translate("DiagramText", "signal sent")
    if op == "listen" and isinstance(ev.result, dict) and ev.result.get("implicit_bind"):
        # listen() before bind(): bound implicitly, on loopback rather than on every interface
        return translate("DiagramText", "implicit bind {address}").format(address=addr(ev.local))
    if op == "bind" and ev.local:
        return translate("DiagramText", "bound {address}").format(address=addr(ev.local))
    return translate("DiagramText", "ok")


def socket_number(sock: int) -> int:
    """The number a user would call a socket by: its actor's own count. A process actor's
    sockets are numbered from 100001 (the second from 200001) so that they stay unique across
    processes; to the user they are that process's socket #1, #2…"""
    return sock % 100_000 if sock > 100_000 else sock


def evidence_label(
    blocked: Event | None, translate: Translate = untranslated, short: bool = False
) -> str:
    """Where the kernel holds a blocked thread, for the blocked bar: empty if the trace does not
    say (traces made before the engine read /proc). ``short``: the wait alone, for a short bar."""
    if blocked is None:
        return ""
    if blocked.evidence == "kernel" and blocked.kernel_wait:
        if short:
            return translate("DiagramText", "in the kernel: {wait}").format(
                wait=blocked.kernel_wait
            )
        if blocked.syscall:
            return translate("DiagramText", "asleep in the kernel: {wait}, in {syscall}()").format(
                wait=blocked.kernel_wait, syscall=blocked.syscall
            )
        return translate("DiagramText", "asleep in the kernel: {wait}").format(
            wait=blocked.kernel_wait
        )
    if blocked.evidence == "time":
        return translate("DiagramText", "measured by time only on this system")
    return ""


def arrow_label(nbytes: int | None, hexdata: str | None) -> str:
    return f"{size(nbytes)} {preview(hexdata, 16)}" if hexdata else size(nbytes)
