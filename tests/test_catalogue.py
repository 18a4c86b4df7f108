"""The call catalogue: one home per call, and words that match what ran.

Each corrected statement of issue 10 §4 is pinned by its key fact, for the case it applies to
(socket type, mode, outcome). Events here are hand-made trace data (the trace is data, not a mock
of a socket) where a case needs kernel evidence the engine may not record yet; the rest come from
real runs.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from socketscope.cform import c_line, c_result, signature
from socketscope.engine import Mode, Runner, RunOptions
from socketscope.engine.events import Event
from socketscope.engine.scenario import builtin_scenarios
from socketscope.engine.trace import Trace
from socketscope.model import catalogue as cat
from socketscope.model.context import CallContext
from socketscope.model.diagram import DiagramLayout
from socketscope.model.explain import explain
from socketscope.model.labels import call_label, result_label
from socketscope.model.textexport import to_mermaid

ROOT = Path(__file__).resolve().parent.parent
TCP = CallContext("TCP", "blocking")
UDP = CallContext("UDP", "blocking")
NONBLOCKING = CallContext("TCP", "nonblocking")
TIMEOUT = CallContext("TCP", "timeout", 2.0)

CALLS = [
    "socket",
    "bind",
    "listen",
    "accept",
    "connect",
    "connect_ex",
    "send",
    "sendall",
    "sendto",
    "recv",
    "recv_into",
    "recvfrom",
    "read",
    "write",
    "shutdown",
    "close",
    "setsockopt",
    "getsockopt",
    "settimeout",
    "setblocking",
    "select",
    "wait_until",
    "spawn",
    "signal",
    "kill",
]


def call(op: str, seq: int = 1, **kw: Any) -> Event:
    return Event(seq, 0.0, "A", "call", op=op, sock=1, fd=3, **kw)


def ret(op: str, seq: int = 2, **kw: Any) -> Event:
    return Event(seq, 0.001, "A", "return", op=op, sock=1, fd=3, **kw)


def both(op: str, ev: Event, ctx: CallContext, c: Event | None = None) -> tuple[str, str]:
    c = c or call(op)
    return explain(c, ev, "en", ctx=ctx), explain(c, ev, "ko", ctx=ctx)


# --- one home per call ---------------------------------------------------------------------------
@pytest.mark.parametrize("op", CALLS)
def test_every_call_has_its_entry_in_both_languages(op: str) -> None:
    e = cat.entry(op)
    assert e is not None, op
    for table in (e.what, e.blocks, *e.outcomes.values()):
        for words in table.values():
            assert words.en and words.ko, op
            assert re.search(r"[가-힣]", words.ko), op
    assert e.prototype
    # the box, the C form and the explanation all come from the entry
    c = call(op, args={})
    assert call_label(c).startswith(op if op != "wait_until" else "waits")
    assert explain(c, None, "en").startswith(cat.what(op, None, None, "en"))


def test_helpers_are_not_system_calls_and_real_calls_are() -> None:
    assert not cat.is_syscall("wait_until") and not cat.is_syscall("spawn")
    assert not cat.is_syscall("settimeout")  # Python only: O_NONBLOCK plus poll()
    for op in ("socket", "accept", "read", "write", "recvfrom", "setblocking", "kill"):
        assert cat.is_syscall(op), op
    assert cat.entry("setblocking").c_name == "fcntl"  # type: ignore[union-attr]
    assert cat.entry("recv_into").c_name == "recv"  # type: ignore[union-attr]


def test_prototypes_follow_posix_and_say_where_the_notes_simplify() -> None:
    assert signature("read").startswith("ssize_t read(int fd, void *buf, size_t count);")
    assert "ssize_t write(int fd, const void *buf, size_t count);" in signature("write")
    bind = signature("bind")
    assert "const struct sockaddr *addr, socklen_t addrlen" in bind
    assert "course notes" in bind and "socklen_t" in bind.split("/*")[1]
    assert "socklen_t *restrict addrlen" in signature("accept")
    assert "accept4" in signature("accept")
    assert "강의 노트" in signature("connect", "ko")
    for op in CALLS:
        assert "int addrlen" not in signature(op), op


def test_read_and_write_are_explained_as_recv_and_send_with_flags_0() -> None:
    r = ret("read", ok=True, nbytes=5, data="68656c6c6f", result=5)
    c = call("read", args={"count": 1024})
    assert c_line(c, r) == 'read(3, "hello", 1024) = 5'
    assert "recv() with flags 0" in explain(c, r, "en", ctx=TCP)
    w = call("write", args={"len": 5})
    assert c_line(w, ret("write", ok=True, nbytes=5, data="68656c6c6f")) == (
        'write(3, "hello", 5) = 5'
    )
    assert result_label(ret("write", ok=True, nbytes=5)) == "5 B sent"
    assert result_label(ret("read", ok=True, nbytes=0, data="")) == "0 B: end of stream (EOF)"


# --- the corrected statements, each for the case it applies to -----------------------------------
def test_connect_on_udp_sends_nothing_and_sets_the_default_peer() -> None:
    en, ko = both("connect", ret("connect", ok=True), UDP)
    assert "sends nothing" in en and "default peer" in en
    assert "SYN" not in en and "three-way" not in en
    assert "아무것도 보내지 않습니다" in ko and "기본 상대" in ko and "SYN" not in ko
    tcp, _ = both("connect", ret("connect", ok=True), TCP)
    assert "three-way handshake" in tcp


def test_econnrefused_on_udp_is_an_icmp_port_unreachable_from_an_earlier_send() -> None:
    for op in ("recv", "send", "recvfrom"):
        en, ko = both(op, ret(op, ok=False, error="ECONNREFUSED"), UDP)
        assert "ICMP port unreachable" in en and "earlier" in en and "SYN" not in en, op
        assert "ICMP port unreachable" in ko and "RST" not in ko, op
    tcp, _ = both("connect", ret("connect", ok=False, error="ECONNREFUSED"), TCP)
    assert "RST" in tcp


def test_sendto_success_means_accepted_not_delivered() -> None:
    en, ko = both("sendto", ret("sendto", ok=True, nbytes=3), UDP)
    assert "accepted the datagram, not that it was delivered" in en
    assert "받아들였다는 뜻이지, 전달되었다는 뜻이 아닙니다" in ko


def test_udp_loss_says_loopback_rarely_reorders_and_why_only_3_fit() -> None:
    from socketscope.scenarios import udp_loss

    text = udp_loss.SUMMARY["en"] + " ".join(udp_loss.NOTICE["en"])
    assert "never reorders" not in text and "does not reorder" not in text
    assert "rarely reorders" in text and "UDP never guarantees order" in text
    assert "8192" in text and "only 3 fit" in text
    ko = udp_loss.SUMMARY["ko"] + " ".join(udp_loss.NOTICE["ko"])
    assert "순서를 보장하지 않습니다" in ko and "8192" in ko
    opt = cat.what("setsockopt", "UDP", "blocking", "en")
    assert "4096 reads back as 8192" in opt and "whole buffer" in opt and "only 3" in opt


def test_shutdown_wr_stays_in_fin_wait1_until_the_delayed_ack_and_rdwr_closes_both() -> None:
    en, ko = both(
        "shutdown", ret("shutdown", ok=True), TCP, call("shutdown", args={"how": "SHUT_WR"})
    )
    assert "FIN_WAIT1 until the peer's kernel ACKs the FIN" in en and "delays that ACK" in en
    assert "then FIN_WAIT2" in en
    assert "SHUT_RDWR closes both directions" in en
    assert "FIN_WAIT1" in ko and "FIN_WAIT2" in ko and "두 방향을 모두 닫고" in ko


def test_close_sends_rst_with_unread_data_or_linger_0_and_nothing_while_shared() -> None:
    en, ko = both("close", ret("close", ok=True), TCP)
    assert "RST instead of FIN when unread data is still queued or SO_LINGER is 0" in en
    assert "another descriptor still refers to the socket, nothing is sent" in en
    assert "60 s on Linux (2×MSL in RFC 9293)" in en
    assert "프로그램과 상관없이 커널이 종료 절차를 마무리합니다" in ko and "2×MSL" in ko
    udp, _ = both("close", ret("close", ok=True), UDP)
    assert "FIN" not in udp and "TIME_WAIT" not in udp


def test_recv_returns_eof_only_after_every_byte_sent_before_the_fin() -> None:
    for op in ("recv", "read"):
        en, ko = both(op, ret(op, ok=True, nbytes=0, data=""), TCP)
        assert "every byte" in en and "FIN" in en, op
        assert "모두" in ko, op


def test_epipe_and_econnreset_after_an_rst_and_sigpipe_in_c() -> None:
    en, ko = both("send", ret("send", ok=False, error="EPIPE"), TCP)
    assert "CLOSE_WAIT" in en and "ECONNRESET once" in en
    assert "SIGPIPE" in en and "MSG_NOSIGNAL" in en and "SHUT_WR" in en
    assert "MSG_NOSIGNAL" in ko and "SHUT_WR" in ko  # the own-SHUT_WR cause, in Korean too
    reset, _ = both("recv", ret("recv", ok=False, error="ECONNRESET"), TCP)
    assert "EPIPE" in reset


def test_eagain_also_from_so_rcvtimeo_in_both_languages() -> None:
    en, ko = both("recv", ret("recv", ok=False, error="EAGAIN"), NONBLOCKING)
    assert "SO_RCVTIMEO / SO_SNDTIMEO" in en and "SO_RCVTIMEO / SO_SNDTIMEO" in ko


def test_enotconn_is_never_connected_or_gone() -> None:
    en, ko = both("recv", ret("recv", ok=False, error="ENOTCONN"), TCP)
    assert "never was, or the connection is gone" in en and "shut down" not in en
    assert "shutdown" not in ko and "사라졌습니다" in ko


def test_so_reuseaddr_on_both_sockets_is_linux_behaviour() -> None:
    en, ko = both("bind", ret("bind", ok=False, error="EADDRINUSE"), TCP)
    assert "Linux" in en and "FreeBSD" in en and "old one" in en
    assert "리눅스" in ko and "FreeBSD" in ko


def test_a_c_signal_handler_may_only_call_async_signal_safe_functions() -> None:
    en, ko = both("signal", ret("signal", ok=True), CallContext())
    assert "async-signal-safe" in en and "close()" in en and "_exit()" in en
    assert "비동기 시그널 안전 함수" in ko and "_exit()" in ko


def test_setblocking_false_fails_only_calls_that_would_wait() -> None:
    en, ko = both("setblocking", ret("setblocking", ok=True), TCP)
    assert "only the calls that would have to wait fail" in en
    assert "바로 끝날 수 있는 호출은 그대로" in ko


def test_eaddrnotavail_also_means_no_free_ephemeral_port() -> None:
    en, ko = both("connect", ret("connect", ok=False, error="EADDRNOTAVAIL"), TCP)
    assert "no ephemeral port" in en and "임시 포트" in ko


def test_a_timed_out_recv_in_c_is_poll_returning_0_not_a_recv_never_made() -> None:
    c = call("recv", args={"bufsize": 1024})
    r = ret("recv", ok=False, error="timeout", blocked=True, duration=2.0)
    line = c_line(c, r, TIMEOUT)
    assert line.startswith("poll([{fd=3, events=POLLIN}], 1, 2000) = 0")
    assert "recv() was never called" in line and "EAGAIN" not in line
    assert "EAGAIN" not in c_result(r)
    en, _ = both("recv", r, TIMEOUT, c)
    assert "poll()" in en and "without making the call" in en and "SO_RCVTIMEO" in en


def test_settimeout_waits_in_poll_before_the_call() -> None:
    en, _ = both("settimeout", ret("settimeout", ok=True), TCP)
    assert "poll()" in en and "before each later call" in en
    accept, _ = both("accept", ret("accept", ok=True, blocked=True), TIMEOUT)
    assert "poll()" in accept and "only then calls accept()" in accept


def test_a_sigkilled_call_never_returns() -> None:
    r = ret("accept", ok=False, error="SIGKILL", blocked=True, duration=0.01)
    assert c_result(r).startswith("= ?")
    label = result_label(r)  # a sentence on the diagram, not strace's "= ?" of the C line
    assert label == "never returned: the process was killed by SIGKILL"
    en, ko = both("accept", r, TCP)
    assert "never returned" in en and "돌아오지 않았습니다" in ko


def test_nonblocking_accept_with_eagain_is_not_told_it_blocks() -> None:
    r = ret("accept", ok=False, error="EAGAIN")
    en, ko = both("accept", r, NONBLOCKING)
    assert "accept() blocks" not in en and "never waits" in en and "EAGAIN" in en
    assert "블로킹됩니다" not in ko
    assert "If the queue is empty, accept() blocks" in both("accept", r, TCP)[0]


def test_korean_uses_one_term_per_concept_and_the_reviewed_phrasing() -> None:
    texts = []
    for e in cat.CATALOGUE.values():
        for table in (e.what, e.blocks, e.blocking_now, *e.outcomes.values()):
            texts += [w.ko for w in table.values()]
    texts += [w.ko for t in cat.ERRORS.values() for w in t.values()]
    for scenario in builtin_scenarios():
        texts += [scenario.title["ko"], scenario.summary["ko"], *scenario.notice["ko"]]
    ko = "\n".join(texts)
    for wrong in (
        "듣기 소켓",
        "듣기(listen)",
        "listen 소켓",
        "handshake",
        "처리기",
        "머리말",
        "대기(blocking)",
        "행위자",
        "작별 인사",
        "받아 줍니다",
        "를 정하지 않으므로",
        "모르고",
        "붙입니다",
        "돌려받습니다",
        "SO_ERROR는",
    ):
        assert wrong not in ko, wrong
    assert "리스닝 소켓" in ko and "3-way 핸드셰이크" in ko and "블로킹" in ko
    # 대기 only in plain prose after 블로킹, never for the bar itself
    assert "대기합니다" not in ko and "대기 중" not in ko


# --- kernel evidence -----------------------------------------------------------------------------
def _blocked_accept(evidence: str, wait: str | None, syscall: str | None) -> list[Event]:
    return [
        Event(1, 0.0, "Server", "call", op="socket", args={"type": "SOCK_STREAM"}),
        Event(2, 0.0, "Server", "return", op="socket", sock=1, fd=3, ok=True),
        Event(3, 0.0, "Server", "call", op="accept", sock=1, fd=3),
        Event(
            4, 0.001, "Server", "blocked", op="accept", sock=1, fd=3,
            kernel_wait=wait, syscall=syscall, evidence=evidence,
        ),
        Event(5, 0.4, "Server", "return", op="accept", sock=1, fd=3, ok=True, blocked=True,
              duration=0.4, new_sock=2, result={"fd": 4}, peer=("127.0.0.1", 5000)),
    ]  # fmt: skip


def test_the_blocked_bar_and_the_explanation_say_where_the_kernel_holds_the_thread() -> None:
    events = _blocked_accept("kernel", "inet_csk_accept", "accept4")
    lay = DiagramLayout(["Server"])
    lay.extend(events)
    (span,) = lay.spans
    assert span.evidence == "asleep in the kernel: inet_csk_accept, in accept4()"
    box = span.box
    assert box.ctx == CallContext("TCP", "blocking") and box.blocked_ev is events[3]
    en = explain(box.call, None, "en", blocked=True, ctx=box.ctx, blocked_ev=box.blocked_ev)
    assert "Asleep in the kernel: inet_csk_accept, in accept4()." in en
    assert "accept queue" in cat.wait_channel("inet_csk_accept", "en")
    ko = explain(box.call, box.ret, "ko", ctx=box.ctx, blocked_ev=box.blocked_ev)
    assert "커널 안에서 잠듦: accept4() 안의 inet_csk_accept" in ko
    assert "blocked 0.40 s in accept() · asleep in the kernel: inet_csk_accept" in to_mermaid(
        Trace({"actors": ["Server"]}, events)
    )


def test_blocking_known_only_by_time_says_so() -> None:
    events = _blocked_accept("time", None, None)
    lay = DiagramLayout(["Server"])
    lay.extend(events)
    assert lay.spans[0].evidence == "measured by time only on this system"
    assert cat.evidence(None, None, "time", "ko") == "이 시스템에서는 시간으로만 측정함"
    # a trace that does not say how blocking was known claims nothing
    assert cat.evidence(None, None, None, "en") == ""


@pytest.mark.parametrize(
    "wait", ["inet_csk_accept", "wait_woken", "__skb_wait_for_more_packets", "do_select",
             "poll_schedule_timeout", "do_sys_poll"],
)  # fmt: skip
def test_every_wait_channel_of_the_lessons_has_a_line(wait: str) -> None:
    assert cat.wait_channel(wait, "en").startswith(wait + ":")
    assert cat.wait_channel(wait, "ko").startswith(wait + ":")


# --- type and mode from a real trace -------------------------------------------------------------
def _trace(sid: str) -> list[Event]:
    scenario = next(s for s in builtin_scenarios() if s.id == sid)
    return Runner(scenario, RunOptions(mode=Mode.RUN)).run_to_end(timeout=20)


def test_socket_type_and_mode_come_from_the_trace() -> None:
    lay = DiagramLayout()
    lay.extend(_trace("tcp-nonblocking-select"))
    accepts = [b for b in lay.boxes if b.op == "accept"]
    assert accepts and all(b.ctx == CallContext("TCP", "nonblocking") for b in accepts)
    again = [b for b in accepts if b.error == "EAGAIN"]
    for b in again:
        text = explain(b.call, b.ret, "en", ctx=b.ctx)
        assert "accept() blocks" not in text
    lay = DiagramLayout()
    lay.extend(_trace("udp-echo"))
    assert {b.ctx.sock_type for b in lay.boxes if b.op in ("sendto", "recvfrom")} == {"UDP"}
    lay = DiagramLayout()
    lay.extend(_trace("tcp-timeout"))
    timed = [b for b in lay.boxes if b.error == "timeout"]
    assert timed and timed[0].ctx.mode == "timeout" and timed[0].ctx.timeout
    assert c_line(timed[0].call, timed[0].ret, timed[0].ctx).startswith("poll(")  # type: ignore[arg-type]


def test_korean_particle_follows_the_call_name_as_read_aloud() -> None:
    """KOREAN-TERMS.md: socket()은, listen()은, recvfrom()은, shutdown()은, signal()은, kill()은,
    but accept()는, close()는, recv()는, send()는, connect()는, bind()는."""
    for op in ("socket", "listen", "recvfrom", "shutdown", "signal", "kill"):
        assert cat.entry(op).ko("는") == f"{op}()은", op  # type: ignore[union-attr]
    for op in ("accept", "close", "recv", "send", "connect", "bind"):
        assert cat.entry(op).ko("은") == f"{op}()는", op  # type: ignore[union-attr]
    assert cat.entry("socket").ko("를") == "socket()을"  # type: ignore[union-attr]
    assert cat.entry("accept").ko("이") == "accept()가"  # type: ignore[union-attr]
    # the explanations start with the same particle
    for op in ("socket", "listen", "accept", "close", "recvfrom", "bind", "connect"):
        assert cat.what(op, "TCP", "blocking", "ko").startswith(cat.entry(op).ko()), op  # type: ignore[union-attr]


def test_a_wait_channel_with_a_compiler_suffix_has_its_functions_meaning() -> None:
    from socketscope.model import catalogue as cat

    plain = cat.wait_channel("poll_schedule_timeout", "en")
    assert plain and cat.wait_channel("poll_schedule_timeout.constprop.0", "en") == plain
