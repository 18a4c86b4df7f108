"""Predict, then reveal: a question about the call about to run, answered by running it.

Everything here is a function of the trace: which actor waits at its gate with which call, what
kind of socket the call is made on, and what the call finally did. The choices cannot depend on
the outcome (it is not known until the call has really run), so each question offers the outcomes
that are plausible for that call on that kind of socket, and ``outcome()`` classifies what the
trace then shows into one of them. A call that blocks is graded on how it finally returned, never
on the moment it blocked: "it blocks" is only half an answer.

Questions are asked only about real system calls whose answer teaches something; ``socket()``,
``listen()``, the socket options and the scenario's staging helpers (``wait_until``, ``spawn``,
``sleep``, ``signal``, ``kill``) are stepped without a question.
"""

from __future__ import annotations

from dataclasses import dataclass

from socketscope.engine.events import Event
from socketscope.model.labels import duration
from socketscope.model.state import RunState

Choice = tuple[str, str, str]  # (key, English, Korean)

# Call names whose Korean reading ends in a consonant take 은/이/을, the rest 는/가/를
# (as read aloud: 소켓, 리슨, 리시브프롬, 셧다운, 시그널, 킬, 센드올; but 억셉트, 클로즈, ...).
_CONSONANT_FINAL = frozenset(
    {"socket", "listen", "recvfrom", "shutdown", "signal", "kill", "sendall", "setsockopt"}
)


def topic(op: str) -> str:
    """``op()`` with its Korean topic particle: socket()은, accept()는."""
    return f"{op}()" + ("은" if op in _CONSONANT_FINAL else "는")


@dataclass(frozen=True)
class SocketFacts:
    """What the trace says about the socket a call is made on."""

    type: str | None = None  # "TCP" / "UDP"; None for calls on no socket (select)
    mode: str = "blocking"  # "blocking" / "timeout" / "nonblocking"
    listening: bool = False
    connected: bool = False  # a TCP connection was made on it (connect or accept)


def socket_facts(state: RunState, sock: int | None) -> SocketFacts:
    info = state.sockets.get(sock) if sock is not None else None
    if info is None:
        return SocketFacts()
    if not info.blocking:
        mode = "nonblocking"
    elif info.timeout:
        mode = "timeout"
    else:
        mode = "blocking"
    return SocketFacts(
        info.type, mode, info.listening, info.type == "TCP" and info.conn is not None
    )


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

    def choice_keys(self) -> set[str]:
        return {k for k, _, _ in self.choices}


ERROR = ("error", "Another error", "다른 오류")
EAGAIN = (
    "EAGAIN",
    "Fails at once with EAGAIN: it would have to wait",
    "EAGAIN으로 곧바로 실패한다: 기다려야 하므로",
)


def _recv_choices(facts: SocketFacts) -> tuple[Choice, ...]:
    udp = facts.type == "UDP"
    now: Choice = (
        (
            "data",
            "Returns a datagram already queued, at once",
            "이미 와 있는 데이터그램을 곧바로 돌려준다",
        )
        if udp
        else (
            "data",
            "Returns bytes already queued, at once",
            "이미 와 있는 바이트를 곧바로 돌려준다",
        )
    )
    later: Choice = (
        (
            "blocks_data",
            "Blocks until a datagram arrives, then returns it",
            "데이터그램이 올 때까지 블로킹된 뒤 그것을 돌려준다",
        )
        if udp
        else (
            "blocks_data",
            "Blocks until bytes arrive, then returns them",
            "바이트가 올 때까지 블로킹된 뒤 그것을 돌려준다",
        )
    )
    out: list[Choice] = [now]
    if facts.mode == "nonblocking":
        out.append(EAGAIN)
    else:
        out.append(later)
    if facts.mode == "timeout":
        out.append(("timeout", "Waits, then times out", "기다리다가 시간 초과로 끝난다"))
    if not udp:
        out.append(
            (
                "eof",
                'Returns b"": the peer has closed (end of stream)',
                'b""를 돌려준다: 상대가 닫았다 (스트림 끝)',
            )
        )
    out.append(
        ("error", "Fails with an error (e.g. ECONNRESET)", "오류로 실패한다 (예: ECONNRESET)")
    )
    return tuple(out)


def question_for(op: str, facts: SocketFacts | None = None) -> Question | None:
    """The question that fits a call of ``op`` on that kind of socket, or None if the call is
    not one whose result is worth predicting."""
    f = facts or SocketFacts()
    t = topic(op)
    if op in ("recv", "recv_into", "recvfrom", "read"):
        return Question(
            "recv",
            op,
            {"en": f"What will {op}() return?", "ko": f"{t} 무엇을 돌려줄까요?"},
            _recv_choices(f),
        )
    if op == "accept":
        second: Choice = (
            EAGAIN
            if f.mode == "nonblocking"
            else (
                "blocks",
                "Blocks until a client connects, then returns a new socket",
                "클라이언트가 연결할 때까지 블로킹된 뒤 새 소켓을 돌려준다",
            )
        )
        return Question(
            "accept",
            op,
            {"en": "What will accept() do?", "ko": f"{t} 어떻게 될까요?"},
            (
                (
                    "at_once",
                    "Returns a connection already in the accept queue, at once",
                    "accept 큐에 이미 있는 연결을 곧바로 돌려준다",
                ),
                second,
                ERROR,
            ),
        )
    if op in ("connect", "connect_ex"):
        if f.type == "UDP":
            return Question(
                "connect_udp",
                op,
                {
                    "en": f"What will {op}() on a UDP socket do?",
                    "ko": f"UDP 소켓에서 {t} 어떻게 될까요?",
                },
                (
                    (
                        "at_once",
                        "Returns at once: nothing is sent, it only records the peer",
                        "곧바로 돌아온다: 아무것도 보내지 않고 상대 주소만 정해 둔다",
                    ),
                    (
                        "waits",
                        "Waits until the peer answers (a handshake)",
                        "상대가 응답할 때까지 기다린다 (3-way 핸드셰이크)",
                    ),
                    ERROR,
                ),
            )
        second = (
            (
                "EINPROGRESS",
                "Returns EINPROGRESS: the handshake goes on without it",
                "EINPROGRESS를 돌려준다: 3-way 핸드셰이크는 그와 상관없이 계속된다",
            )
            if f.mode == "nonblocking"
            else (
                "waits",
                "Blocks in SYN_SENT until the server's kernel answers",
                "서버의 커널이 응답할 때까지 SYN_SENT에서 블로킹된다",
            )
        )
        return Question(
            "connect",
            op,
            {"en": f"What will {op}() do?", "ko": f"{t} 어떻게 될까요?"},
            (
                (
                    "at_once",
                    "Connects at once: the kernels do the 3-way handshake",
                    "곧바로 연결된다: 커널끼리 3-way 핸드셰이크를 한다",
                ),
                second,
                ("ECONNREFUSED", "ECONNREFUSED", "ECONNREFUSED"),
                ERROR,
            ),
        )
    if op == "sendto" or (op in ("send", "write") and f.type == "UDP"):
        return Question(
            "sendto",
            op,
            {"en": f"What will {op}() do?", "ko": f"{t} 어떻게 될까요?"},
            (
                (
                    "at_once",
                    "Returns at once: the kernel has taken the datagram",
                    "곧바로 돌아온다: 커널이 데이터그램을 받아 갔다",
                ),
                (
                    "waits",
                    "Waits until the receiver has the datagram",
                    "수신자가 데이터그램을 받을 때까지 기다린다",
                ),
                ERROR,
            ),
        )
    if op in ("send", "sendall", "write"):
        second = (
            EAGAIN
            if f.mode == "nonblocking"
            else (
                "blocks",
                "Blocks until the receiver frees buffer space, then succeeds",
                "수신자가 버퍼 공간을 비울 때까지 블로킹된 뒤 성공한다",
            )
        )
        return Question(
            "send",
            op,
            {"en": f"What will {op}() do?", "ko": f"{t} 어떻게 될까요?"},
            (
                (
                    "at_once",
                    "Returns at once: the bytes go into the send buffer",
                    "곧바로 돌아온다: 바이트는 송신 버퍼에 들어간다",
                ),
                second,
                ("EPIPE", "EPIPE (broken pipe)", "EPIPE (끊어진 파이프)"),
                ERROR,
            ),
        )
    if op == "bind":
        return Question(
            "bind",
            op,
            {"en": "Will bind() succeed?", "ko": f"{t} 성공할까요?"},
            (
                ("ok", "It succeeds", "성공한다"),
                ("EADDRINUSE", "EADDRINUSE", "EADDRINUSE"),
                ERROR,
            ),
        )
    if op == "close" and f.type == "TCP" and f.connected and not f.listening:
        return Question(
            "close",
            op,
            {
                "en": "In what state will this connection be right after close()?",
                "ko": "close() 직후 이 연결은 어떤 상태일까요?",
            },
            (
                ("CLOSED", "CLOSED: nothing is left", "CLOSED: 아무것도 남지 않는다"),
                ("TIME_WAIT", "TIME_WAIT", "TIME_WAIT"),
                ("closing", "FIN_WAIT / LAST_ACK: still closing", "FIN_WAIT / LAST_ACK: 닫는 중"),
            ),
        )
    if op == "select":
        return Question(
            "select",
            op,
            {"en": "What will select() do?", "ko": f"{t} 어떻게 될까요?"},
            (
                (
                    "ready",
                    "Returns at once: a socket is already ready",
                    "곧바로 돌아온다: 이미 준비된 소켓이 있다",
                ),
                ("blocks", "Blocks until a socket is ready", "소켓이 준비될 때까지 블로킹된다"),
                ("timeout", "Times out: nothing becomes ready", "시간 초과: 준비되는 소켓이 없다"),
                ERROR,
            ),
        )
    return None


# --- who waits at the gate, from the trace ----------------------------------------------------
@dataclass(frozen=True)
class Waiting:
    """An actor stopped at its gate before a call: its "waiting" event."""

    actor: str
    op: str
    sock: int | None
    seq: int


def gate_view(events: list[Event], released: set[int]) -> tuple[list[Waiting], bool]:
    """Who waits at the gate with which call (oldest first), and whether the run is settled
    (no actor is on its way: every one waits at its gate, is blocked, or has ended).

    ``released``: the seqs of "waiting" events a step has already let through, whose "call"
    event may not have arrived yet."""
    last: dict[str, Event] = {}
    for ev in events:
        if ev.kind in ("start", "waiting", "call", "blocked", "return", "end"):
            last[ev.actor] = ev
    waiting: list[Waiting] = []
    settled = True
    for ev in last.values():
        if ev.kind == "waiting" and ev.seq not in released:
            waiting.append(Waiting(ev.actor, ev.op or "?", ev.sock, ev.seq))
        elif ev.kind not in ("blocked", "end"):
            settled = False  # running: towards its next gate, or inside its call
    waiting.sort(key=lambda w: w.seq)
    return waiting, settled


# --- what the call finally did -----------------------------------------------------------------
@dataclass(frozen=True)
class CallRun:
    """A released call as the trace shows it so far."""

    call: Event | None = None
    blocked: Event | None = None
    ret: Event | None = None
    after: tuple[Event, ...] = ()  # kernel snapshots of the call's socket after the return


def find_call(events: list[Event], actor: str, op: str, after_seq: int) -> CallRun:
    """The call ``actor`` was released into after its "waiting" event ``after_seq``, its blocked
    event and its return (a handler's calls nested inside it are skipped)."""
    call = blocked = ret = None
    depth = 0
    after: list[Event] = []
    for ev in events:
        if ev.seq <= after_seq:
            continue
        if ret is not None:
            if ev.kind == "kernel" and ev.sock == ret.sock and ev.actor == actor:
                after.append(ev)
            continue
        if ev.actor != actor:
            continue
        if call is None:
            if ev.kind == "call" and ev.op == op:
                call = ev
            continue
        if ev.kind == "call":
            depth += 1
        elif ev.kind == "blocked" and depth == 0:
            blocked = ev
        elif ev.kind == "return":
            if depth == 0:
                ret = ev
            else:
                depth -= 1
    return CallRun(call, blocked, ret, tuple(after))


def never_returned(ret: Event) -> bool:
    """A call cut short by Stop, or by the death of its process: it has no result to grade."""
    return ret.error == "STOPPED" or (ret.error or "").startswith("SIG")


def outcome(q: Question, run: CallRun) -> str | None:
    """Which choice the real run turned out to be; None if the call has no result to grade."""
    ret = run.ret
    if ret is None or never_returned(ret):
        return None
    key = _classify(q, run, ret)
    if key not in q.choice_keys():
        key = "error" if ret.ok is False else key
    return key


def _slept(run: CallRun, ret: Event) -> bool:
    """Whether the thread really waited. With the kernel's word (evidence "kernel") the return's
    ``blocked`` is the fact; measured by time only, a few µs of bookkeeping are not a wait."""
    if not ret.blocked:
        return False
    if run.blocked is not None and run.blocked.evidence == "kernel":
        return True
    return (ret.duration or 0.0) > 0.05


def _classify(q: Question, run: CallRun, ret: Event) -> str:
    err = ret.error if ret.ok is False else None
    if q.kind == "recv":
        if err in ("timeout", "EAGAIN", "EWOULDBLOCK"):
            return "timeout" if "timeout" in q.choice_keys() else "EAGAIN"
        if err:
            return "error"
        if ret.nbytes == 0 and "eof" in q.choice_keys():
            return "eof"
        return "blocks_data" if ret.blocked else "data"
    if q.kind == "accept":
        if err in ("EAGAIN", "EWOULDBLOCK"):
            return "EAGAIN"
        if err:
            return "error"
        return "blocks" if ret.blocked else "at_once"
    if q.kind in ("connect", "connect_udp"):
        if err in ("ECONNREFUSED", "EINPROGRESS"):
            return err
        if err:
            return "error"
        return "waits" if _slept(run, ret) else "at_once"
    if q.kind == "send":
        if err in ("EPIPE", "EAGAIN"):
            return err
        if err:
            return "error"
        return "blocks" if ret.blocked else "at_once"
    if q.kind == "sendto":
        if err:
            return "error"
        return "waits" if _slept(run, ret) else "at_once"
    if q.kind == "bind":
        if err:
            return "EADDRINUSE" if err == "EADDRINUSE" else "error"
        return "ok"
    if q.kind == "close":
        states = [e.kernel.state for e in run.after if e.kernel]
        state = states[0] if states else "CLOSED"
        if state == "TIME_WAIT":
            return "TIME_WAIT"
        return "CLOSED" if state in ("CLOSED", None) else "closing"
    if q.kind == "select":
        if err:
            return "error"
        res = ret.result if isinstance(ret.result, dict) else {}
        if not any(res.get(k) for k in ("r", "w", "x")):
            return "timeout"
        return "blocks" if ret.blocked else "ready"
    return "error" if err else "at_once"


def why(q: Question, key: str, run: CallRun) -> dict[str, str]:
    """One line on what the trace shows, so a right or wrong guess teaches something."""
    ret = run.ret
    assert ret is not None
    took = duration(ret.duration or 0.0)
    took_ko = took.replace(" s", "초")
    n = ret.nbytes or 0
    wchan = (
        run.blocked.kernel_wait
        if run.blocked is not None and run.blocked.evidence == "kernel"
        else None
    )
    en: str
    ko: str
    if key == "error" or key in ("ECONNREFUSED", "EPIPE", "EAGAIN", "EINPROGRESS", "EADDRINUSE"):
        err = ret.error or "?"
        if ret.blocked:
            en, ko = (
                f"It blocked {took}, then failed with {err}.",
                f"{took_ko} 동안 블로킹된 뒤 {err}로 실패했습니다.",
            )
        else:
            en, ko = f"It failed at once with {err}.", f"곧바로 {err}로 실패했습니다."
    elif key == "timeout":
        en, ko = (
            f"Nothing came within its timeout: it gave up after {took}.",
            f"제한 시간 안에 아무것도 오지 않아 {took_ko} 뒤에 포기했습니다.",
        )
    elif q.kind == "recv":
        if key == "eof":
            en, ko = (
                'The peer had closed its side and every byte was read: b"" is the end of stream.',
                '상대가 자기 쪽을 닫았고 모든 바이트를 읽었습니다: b""는 스트림의 끝입니다.',
            )
        elif key == "blocks_data":
            en, ko = (
                f"Nothing was queued yet: it blocked {took}, then returned {n} bytes.",
                f"아직 온 것이 없어 {took_ko} 동안 블로킹된 뒤 {n}바이트를 돌려줬습니다.",
            )
        else:
            en, ko = (
                f"{n} bytes were already in the receive queue, so it returned at once.",
                f"수신 큐에 이미 {n}바이트가 있어 곧바로 돌아왔습니다.",
            )
    elif q.kind == "accept":
        if key == "blocks":
            en, ko = (
                f"No client had connected yet: it blocked {took} until one did.",
                f"아직 연결한 클라이언트가 없어 하나가 연결할 때까지 {took_ko} 동안 블로킹됐습니다.",
            )
        else:
            en, ko = (
                "A finished connection was already in the accept queue.",
                "완료된 연결이 이미 accept 큐에 있었습니다.",
            )
    elif q.kind == "connect":
        if key == "waits":
            en, ko = (
                f"It blocked {took} in SYN_SENT before the server's kernel completed the handshake.",
                f"서버의 커널이 핸드셰이크를 마칠 때까지 SYN_SENT에서 {took_ko} 동안 블로킹됐습니다.",
            )
        else:
            en, ko = (
                "The kernels completed the 3-way handshake without the thread sleeping.",
                "스레드가 잠들지 않은 채 커널끼리 3-way 핸드셰이크를 마쳤습니다.",
            )
    elif q.kind == "connect_udp":
        en, ko = (
            "Nothing was sent: connect() on UDP only sets the default peer.",
            "아무것도 보내지 않았습니다: UDP에서 connect()는 기본 상대 주소만 정합니다.",
        )
    elif q.kind == "send":
        if key == "blocks":
            en, ko = (
                f"The send buffer was full: it blocked {took} until the receiver freed buffer space.",
                f"송신 버퍼가 가득 차서 수신자가 버퍼 공간을 비울 때까지 {took_ko} 동안 블로킹됐습니다.",
            )
        else:
            en, ko = (
                f"The kernel copied {n} bytes into the send buffer; sending does not wait for the peer.",
                f"커널이 {n}바이트를 송신 버퍼에 복사했습니다. 보내기는 상대를 기다리지 않습니다.",
            )
    elif q.kind == "sendto":
        en, ko = (
            "The kernel accepted the datagram at once; that says nothing about delivery.",
            "커널이 데이터그램을 곧바로 받아 갔습니다. 전달되었다는 뜻은 아닙니다.",
        )
    elif q.kind == "bind":
        en, ko = "No other socket held that address.", "그 주소를 가진 다른 소켓이 없었습니다."
    elif q.kind == "close":
        if key == "TIME_WAIT":
            en, ko = (
                "The side that closes first waits in TIME_WAIT (60 s on Linux).",
                "먼저 닫은 쪽은 TIME_WAIT에서 기다립니다 (리눅스에서 60초).",
            )
        elif key == "closing":
            en, ko = (
                "The kernel is still finishing the close with the peer.",
                "커널이 아직 상대와 종료 절차를 마무리하는 중입니다.",
            )
        else:
            en, ko = (
                "The kernel keeps nothing of this connection (the peer closed first, or an RST).",
                "커널에 이 연결은 아무것도 남지 않습니다 (상대가 먼저 닫았거나 RST).",
            )
    elif q.kind == "select":
        if key == "blocks":
            en, ko = (
                f"Nothing was ready: it blocked {took} until a socket was.",
                f"준비된 소켓이 없어 하나가 준비될 때까지 {took_ko} 동안 블로킹됐습니다.",
            )
        else:
            en, ko = "A socket was already ready.", "이미 준비된 소켓이 있었습니다."
    else:
        en, ko = "", ""
    if wchan and ret.blocked:
        en += f" (asleep in the kernel: {wchan})"
        ko += f" (커널에서 잠듦: {wchan})"
    return {"en": en, "ko": ko}


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
