"""Sentences the engine writes for people, in the window's language.

The engine gives such events a ``code`` and ``params`` and keeps ``message`` in English for the
terminal; the window turns the code into a sentence through Qt's translation system (the
``translate`` it is handed), so a Korean window shows no English from the engine.
"""

from __future__ import annotations

import re
from typing import Any

from socketscope.engine.events import Event
from socketscope.model.labels import Translate, untranslated

# A signal event of an engine that does not give it a code yet: "SIGTERM received: on_term() runs"
_SIGNAL_RECEIVED = re.compile(r"^(SIG\w+) received: (\w+)\(\) runs$")


def _params(ev: Event) -> dict[str, Any]:
    if ev.code is None and ev.kind == "signal" and ev.message:
        m = _SIGNAL_RECEIVED.match(ev.message)
        if m:
            return {"signal": m.group(1), "handler": m.group(2)}
    return dict(ev.params or {})


def _code(ev: Event) -> str | None:
    if ev.code is None and ev.kind == "signal" and ev.message:
        return "signal_received" if _SIGNAL_RECEIVED.match(ev.message) else None
    return ev.code


def trace_cause(p: dict[str, Any], translate: Translate = untranslated) -> str:
    """Why the step-by-step C tracer cannot run here (engine/programs/no_ptrace.py's causes)."""
    cause = p.get("cause")
    if cause == "yama":
        return translate(
            "EngineMessage",
            "ptrace is refused by Yama (kernel.yama.ptrace_scope = {scope}; {error})",
        ).format(scope=p["scope"], error=p["error"])
    if cause == "seccomp_filter":
        return translate(
            "EngineMessage",
            "ptrace is refused here ({error}); this process runs under a seccomp filter, as in "
            "a container: inferred to be the cause",
        ).format(error=p["error"])
    if cause == "ptrace_refused":
        return translate("EngineMessage", "ptrace is refused here ({error})").format(
            error=p["error"]
        )
    if cause == "no_new_privs":
        return translate(
            "EngineMessage", "this system refused no_new_privs, needed for the seccomp filter"
        )
    if cause == "seccomp_refused":
        return translate(
            "EngineMessage",
            "this system refused the seccomp filter: seccomp is not available here",
        )
    if cause == "no_syscall_info":
        return translate(
            "EngineMessage",
            "this kernel cannot tell a tracer the system calls' arguments "
            "(PTRACE_GET_SYSCALL_INFO, Linux 5.3 and later)",
        )
    if cause == "forced":
        return translate("EngineMessage", "SOCKETSCOPE_C_TRACER=strace was set")
    return str(p.get("detail", ""))  # the platform's own words (not Linux, not x86_64)


def message_text(ev: Event, translate: Translate = untranslated) -> str:
    """The event's sentence for people; its English ``message`` when it has no known code."""
    text = _sentence(ev, translate)
    system_pid = (ev.params or {}).get("system_pid")
    if ev.kind == "start" and system_pid is not None:
        # the run's processes live in a PID namespace of their own: the program's getpid() and
        # the number ps, top and strace -p know it by differ, and a lecturer needs the second
        note = translate("EngineMessage", " — {system_pid} on this machine (ps, strace -p)")
        text += note.format(system_pid=system_pid)
    return text


def _sentence(ev: Event, translate: Translate) -> str:
    code, p = _code(ev), _params(ev)
    try:
        if code == "killed":
            return translate("EngineMessage", "the process was killed by {signal}").format(**p)
        if code == "killed_in_call":
            return translate(
                "EngineMessage",
                "the process was killed by {signal} during this call; it never returned",
            ).format(**p)
        if code == "killed_socket_closed":
            return translate(
                "EngineMessage", "killed by {signal}: the kernel closed this socket"
            ).format(**p)
        if code == "child_failed":
            return translate("EngineMessage", "the process actor could not run: {detail}").format(
                **p
            )
        if code == "process_started":
            return translate("EngineMessage", "{function} (process {pid})").format(**p)
        if code == "sys_exit":
            return translate("EngineMessage", "sys.exit({status}) in process {pid}").format(**p)
        if code == "exception":
            # the program's own exception, as Python words it
            return "{type}: {text}".format(**p)
        if code == "thread_started":
            return translate("EngineMessage", "{thread} (thread of {program})").format(**p)
        if code == "program_untraced":
            return translate(
                "EngineMessage",
                "{program} (process {pid}) runs, not traced: its own calls are not shown "
                "(C programs: not available in this build)",
            ).format(**p)
        if code == "program_exited":
            return translate("EngineMessage", "{program} exited with status {status}").format(**p)
        if code == "program_cannot_start":
            return translate("EngineMessage", "{program} could not start: {detail}").format(**p)
        if code == "fork_untraced":
            return translate(
                "EngineMessage",
                "fork(): the new process runs untraced (the processes a traced Python program "
                "forks are not traced yet)",
            )
        if code == "bind_made_on_loopback":
            return translate(
                "EngineMessage",
                "bind to {address} made on {loopback}: SocketScope keeps programs on this machine",
            ).format(**p)
        if code == "signal_received":
            return translate("EngineMessage", "{signal} received: {handler}() runs").format(**p)
        # a C program traced with ptrace (engine/programs/ctrace.py)
        if code == "program_forked":
            return translate(
                "EngineMessage", "fork(): process {pid}, a child of {parent} (process {ppid})"
            ).format(**p)
        if code == "program_thread":
            return translate("EngineMessage", "thread {tid} of process {pid}").format(**p)
        if code == "fd_inherited":
            return translate(
                "EngineMessage", "fd {fd} inherited from {from_actor}: the same socket"
            ).format(fd=ev.fd, **p)
        if code == "program_exit":
            return translate("EngineMessage", "exit status {status}").format(**p)
        if code == "program_exit_closed":
            return translate(
                "EngineMessage", "the process ended: the kernel closed this socket"
            ).format(**p)
        if code == "program_signal":
            return translate("EngineMessage", "{signal} received").format(**p)
        if code == "close_still_held":
            return translate(
                "EngineMessage",
                "fd {fd} closed; the socket stays open: it is still held by {holders}",
            ).format(fd=ev.fd, holders=p["holders"])
        if code == "bind_loopback_instead":
            return translate(
                "EngineMessage",
                "bind() to {address} (every interface) is made on {loopback} instead: "
                "SocketScope keeps this run on loopback",
            ).format(**p)
        if code == "not_loopback_c":
            return translate(
                "EngineMessage",
                "{op}() to {address} refused before it was made: SocketScope keeps this run on "
                "loopback (127.0.0.0/8, ::1), so no packet leaves this machine; the program got "
                "EPERM",
            ).format(**p)
        if code == "c_cannot_trace":
            return translate("EngineMessage", "cannot be traced here ({program}): {detail}").format(
                **p
            )
        if code == "c_strace_fallback":
            return translate(
                "EngineMessage",
                "the step-by-step tracer cannot run here ({detail}): traced with strace instead; "
                "calls are shown as they end, stepping is not available",
            ).format(detail=trace_cause(p, translate))
        if code == "c_ptrace_refused":
            if p.get("strace"):
                return translate(
                    "EngineMessage",
                    "cannot be traced here ({program}): {cause}; strace needs ptrace too and "
                    "cannot trace here either ({strace})",
                ).format(program=p["program"], cause=trace_cause(p, translate), strace=p["strace"])
            return translate(
                "EngineMessage",
                "cannot be traced here ({program}): {cause}; strace is not installed (it would "
                "show the calls, without stepping)",
            ).format(program=p["program"], cause=trace_cause(p, translate))
        if code == "tracer_failed":
            return translate(
                "EngineMessage", "the tracer could not follow this call: {detail}"
            ).format(**p)
    except (KeyError, IndexError, ValueError):
        pass  # a code whose parameters do not fit: the English sentence is still true
    return ev.message or ""
