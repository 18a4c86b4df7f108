"""Predict, then reveal: a question about the call about to run, answered by running it.

The choices cannot depend on the outcome (it is not known until the call has really run), so each
question offers the outcomes that are plausible for that call, and ``outcome()`` classifies what
the trace then shows into one of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from socketscope.engine.events import Event

Choice = tuple[str, str, str]  # (key, English, Korean)


@dataclass(frozen=True)
class Question:
    kind: str
    op: str
    text: dict[str, str]
    choices: tuple[Choice, ...]

    def label(self, key: str, lang: str) -> str:
        for k, en, ko in self.choices:
            if k == key:
                return ko if lang == "ko" else en
        return key


BLOCK: tuple[Choice, ...] = (
    ("at_once", "It returns at once", "곧바로 돌아온다"),
    ("blocks", "It blocks (waits)", "대기한다 (블로킹)"),
    ("error", "It fails with an error", "오류로 실패한다"),
)
RECV: tuple[Choice, ...] = (
    ("data", "Bytes that are already waiting", "이미 와 있는 바이트"),
    ("blocks", "Nothing yet: it waits for data", "아직 없음: 데이터를 기다린다"),
    ("eof", 'b"": end of stream', 'b"": 스트림 끝'),
    ("error", "An error", "오류"),
)
CONNECT: tuple[Choice, ...] = (
    ("at_once", "It connects (after a short handshake)", "연결된다 (짧은 handshake 뒤)"),
    ("waits", "It waits a long time (SYN_SENT)", "오래 기다린다 (SYN_SENT)"),
    ("ECONNREFUSED", "ECONNREFUSED", "ECONNREFUSED"),
    ("error", "Another error", "다른 오류"),
)
SEND: tuple[Choice, ...] = (
    ("at_once", "It succeeds at once", "곧바로 성공한다"),
    ("blocks", "It blocks: the buffers are full", "대기한다: 버퍼가 가득 찼다"),
    ("EPIPE", "EPIPE (broken pipe)", "EPIPE (끊어진 파이프)"),
    ("error", "Another error", "다른 오류"),
)
BIND: tuple[Choice, ...] = (
    ("ok", "It succeeds", "성공한다"),
    ("EADDRINUSE", "EADDRINUSE", "EADDRINUSE"),
    ("error", "Another error", "다른 오류"),
)
CLOSE: tuple[Choice, ...] = (
    ("CLOSED", "CLOSED: nothing is left", "CLOSED: 아무것도 남지 않는다"),
    ("TIME_WAIT", "TIME_WAIT", "TIME_WAIT"),
    ("closing", "FIN_WAIT / LAST_ACK: still closing", "FIN_WAIT / LAST_ACK: 닫는 중"),
)


def question_for(op: str) -> Question:
    """The question that fits a call of ``op``."""
    if op in ("recv", "recv_into", "recvfrom"):
        return Question(
            "recv", op, {"en": f"What will {op}() get?", "ko": f"{op}()는 무엇을 받을까요?"}, RECV
        )
    if op in ("connect", "connect_ex"):
        return Question(
            "connect",
            op,
            {"en": "What will connect() do?", "ko": "connect()는 어떻게 될까요?"},
            CONNECT,
        )
    if op in ("send", "sendall", "sendto"):
        return Question(
            "send", op, {"en": f"What will {op}() do?", "ko": f"{op}()는 어떻게 될까요?"}, SEND
        )
    if op == "bind":
        return Question(
            "bind", op, {"en": "Will bind() succeed?", "ko": "bind()는 성공할까요?"}, BIND
        )
    if op == "close":
        return Question(
            "close",
            op,
            {
                "en": "In what state will this connection be right after close()?",
                "ko": "close() 직후 이 연결은 어떤 상태일까요?",
            },
            CLOSE,
        )
    return Question(
        "block", op, {"en": f"Will {op}() block?", "ko": f"{op}()는 대기할까요?"}, BLOCK
    )


def outcome(q: Question, ret: Event, after: list[Event]) -> str:
    """Which choice the real run turned out to be. ``after``: the events that followed the
    return (its kernel snapshots)."""
    if q.kind == "recv":
        if ret.ok is False:
            return "error"
        if ret.blocked:
            return "blocks"
        return "eof" if ret.nbytes == 0 and q.op != "recvfrom" else "data"
    if q.kind == "connect":
        if ret.ok is False and ret.error == "ECONNREFUSED":
            return "ECONNREFUSED"
        if ret.ok is False:
            return "error"
        return "waits" if (ret.duration or 0) > 0.5 else "at_once"
    if q.kind == "send":
        if ret.ok is False:
            return "EPIPE" if ret.error == "EPIPE" else "error"
        return "blocks" if ret.blocked else "at_once"
    if q.kind == "bind":
        if ret.ok:
            return "ok"
        return "EADDRINUSE" if ret.error == "EADDRINUSE" else "error"
    if q.kind == "close":
        states = [
            e.kernel.state for e in after if e.kind == "kernel" and e.sock == ret.sock and e.kernel
        ]
        state = states[0] if states else "CLOSED"
        if state in ("TIME_WAIT",):
            return "TIME_WAIT"
        return "CLOSED" if state in ("CLOSED", None) else "closing"
    if ret.ok is False:
        return "error"
    return "blocks" if ret.blocked else "at_once"


@dataclass
class Score:
    right: int = 0
    asked: int = 0

    def text(self, lang: str) -> str:
        return (
            f"{self.right}/{self.asked} 정답"
            if lang == "ko"
            else f"{self.right} of {self.asked} right"
        )
