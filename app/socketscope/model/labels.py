"""Short texts for boxes and arrows: ``accept(fd 5)`` → ``fd 7 ← 127.0.0.1:51234``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from socketscope.cform import preview
from socketscope.engine.events import Event

# The model stays free of Qt: the window passes Qt's translate() in, the terminal and text exports
# keep English. lupdate collects the strings of the calls below because they are named translate.
Translate = Callable[[str, str], str]


def untranslated(context: str, text: str) -> str:
    return text


def addr(a: Any) -> str:
    if isinstance(a, (list, tuple)) and len(a) >= 2:
        host, port = a[0], a[1]
        return f"[{host}]:{port}" if ":" in str(host) else f"{host}:{port}"
    return "?"


def duration(seconds: float) -> str:
    """0.41 s, 12.5 ms, 35 µs: blocked times span six orders of magnitude on loopback."""
    if seconds >= 0.1:
        return f"{seconds:.2f} s"
    if seconds >= 0.001:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds * 1_000_000:.0f} µs"


def size(n: int | None) -> str:
    if n is None:
        return "?"
    if n >= 10 * 1024 * 1024:
        return f"{n / (1024 * 1024):.0f} MB"
    if n >= 10 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} B"


def call_label(ev: Event, translate: Translate = untranslated) -> str:
    op, a, fd = ev.op or "?", ev.args or {}, ev.fd
    if ev.kind == "burst":
        return f"{op}(fd {fd}) × {ev.count}"
    if op == "socket":
        kind = {"SOCK_STREAM": "TCP", "SOCK_DGRAM": "UDP"}.get(str(a.get("type")), a.get("type"))
        return f"socket({kind})"
    if op == "bind":
        return f"bind(fd {fd}, {addr(a.get('address'))})"
    if op == "listen":
        return f"listen(fd {fd}, backlog {a.get('backlog')})"
    if op in ("connect", "connect_ex"):
        return f"{op}(fd {fd}, {addr(a.get('address'))})"
    if op in ("send", "sendall"):
        return f"{op}(fd {fd}, {size(a.get('len'))})"
    if op in ("recv", "recv_into", "recvfrom"):
        return f"{op}(fd {fd}, {a.get('bufsize', a.get('nbytes'))})"
    if op == "sendto":
        return f"sendto(fd {fd}, {size(a.get('len'))} → {addr(a.get('address'))})"
    if op == "shutdown":
        return f"shutdown(fd {fd}, {a.get('how')})"
    if op == "setsockopt":
        return f"setsockopt(fd {fd}, {a.get('option')}, {a.get('value')})"
    if op == "getsockopt":
        return f"getsockopt(fd {fd}, {a.get('option')})"
    if op == "settimeout":
        return f"settimeout(fd {fd}, {a.get('timeout')})"
    if op == "setblocking":
        return f"setblocking(fd {fd}, {a.get('flag')})"
    if op == "spawn":
        return f"spawn({a.get('actor')})"
    if op == "signal":
        return f"signal({a.get('signal')}, {a.get('handler')})"
    if op == "kill":
        return f"kill({a.get('actor')}, {a.get('signal')})"
    if op == "wait_until":
        if a.get("op"):
            text = translate("DiagramText", "waits: {actor} in {op}()")
        else:
            text = translate("DiagramText", "waits: {actor} finished")
        return text.format(actor=a.get("actor"), op=a.get("op"))
    if op == "select":
        fds = a.get("fds") or {}
        return f"select(r={fds.get('r', [])}, w={fds.get('w', [])})"
    return f"{op}(fd {fd})"


def result_label(ev: Event, translate: Translate = untranslated) -> str:
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
        return f"✗ {ev.error}"
    op = ev.op or ""
    if op == "socket":
        return f"fd {ev.fd}"
    if op == "accept":
        res = ev.result if isinstance(ev.result, dict) else {}
        return f"fd {res.get('fd')} ← {addr(ev.peer)}"
    if op in ("connect", "connect_ex"):
        return translate("DiagramText", "connected from {address}").format(address=addr(ev.local))
    if op in ("recv", "recv_into", "recvfrom"):
        if ev.nbytes == 0 and op != "recvfrom":
            return translate("DiagramText", "0 B: end of stream (EOF)")
        src = f" ← {addr(ev.peer)}" if op == "recvfrom" and ev.peer else ""
        return f"{size(ev.nbytes)} {preview(ev.data, 14)}{src}"
    if op in ("send", "sendall", "sendto"):
        return translate("DiagramText", "{size} sent").format(size=size(ev.nbytes))
    if op == "getsockopt":
        return f"= {ev.result}"
    if op == "select":
        res = ev.result if isinstance(ev.result, dict) else {}
        fds = f"r={res.get('r', [])} w={res.get('w', [])}"
        return translate("DiagramText", "ready: {fds}").format(fds=fds)
    if op == "wait_until":
        return translate("DiagramText", "done waiting")
    if op == "spawn":
        return translate("DiagramText", "started")
    if op == "signal":
        return translate("DiagramText", "handler installed")
    if op == "kill":
        return translate("DiagramText", "signal sent")
    if op == "bind" and ev.local:
        return translate("DiagramText", "bound {address}").format(address=addr(ev.local))
    return translate("DiagramText", "ok")


def arrow_label(nbytes: int | None, hexdata: str | None) -> str:
    return f"{size(nbytes)} {preview(hexdata, 16)}" if hexdata else size(nbytes)
