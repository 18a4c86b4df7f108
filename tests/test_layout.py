"""The diagram layout, a pure function of events: rows, spans, arrows, tags, ghosts."""

from __future__ import annotations

import dataclasses
from typing import Any

from conftest import load_test_scenario
from socketscope.engine import Event, Mode, Runner, RunOptions
from socketscope.model.diagram import DiagramLayout


class Script:
    """Hand-written events, numbered as the engine would number them."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def __call__(self, actor: str, kind: str, op: str | None = None, **kw: Any) -> Event:
        ev = Event(len(self.events) + 1, len(self.events) * 0.01, actor, kind, op, **kw)  # type: ignore[arg-type]
        self.events.append(ev)
        return ev

    def ret(self, actor: str, op: str, sock: int, **kw: Any) -> None:
        """The return of a call made earlier, not seen blocked."""
        self(actor, "return", op, sock=sock, fd=sock + 2, ok=True, blocked=False, **kw)

    def call(self, actor: str, op: str, sock: int, **ret: Any) -> None:
        self(actor, "call", op, sock=sock, fd=sock + 2, args=ret.pop("args", None))
        self(
            actor,
            "return",
            op,
            sock=sock,
            fd=sock + 2,
            ok=ret.pop("ok", True),
            blocked=False,
            **ret,
        )


def stream_script() -> Script:
    s = Script()
    s("S", "start")
    s("C", "start")
    s.call("S", "socket", 1, result=3, args={"type": "SOCK_STREAM"})
    s.call("C", "socket", 2, result=4, args={"type": "SOCK_STREAM"})
    s.call("S", "listen", 1, local=("127.0.0.1", 5000))
    s("S", "call", "accept", sock=1, fd=3)
    s("S", "blocked", "accept", sock=1, fd=3)
    s.call("C", "connect", 2, conn=1, peer=("127.0.0.1", 5000), local=("127.0.0.1", 40000))
    s(
        "S",
        "return",
        "accept",
        sock=1,
        fd=3,
        ok=True,
        blocked=True,
        new_sock=3,
        conn=1,
        result={"fd": 5, "address": ["127.0.0.1", 40000]},
        peer=("127.0.0.1", 40000),
    )
    s.call("C", "send", 2, nbytes=5, data=b"hello".hex(), conn=1, dir="c>s", range=(0, 5))
    s.call("C", "send", 2, nbytes=5, data=b"world".hex(), conn=1, dir="c>s", range=(5, 10))
    s.call("S", "recv", 3, nbytes=10, data=b"helloworld".hex(), conn=1, dir="c>s", range=(0, 10))
    return s


def test_two_sends_into_one_recv_are_two_converging_arrows() -> None:
    lay = DiagramLayout(["S", "C"])
    lay.extend(stream_script().events)
    data = [a for a in lay.arrows if a.kind == "data"]
    assert len(data) == 2
    assert data[0].row1 == data[1].row1, "both arrows end at the one recv"
    assert data[0].row0 != data[1].row0, "they start at two different sends"
    assert [a.label for a in data] == ['5 B "hello"', '5 B "world"']


def test_recv_recorded_before_the_send_return_still_pairs() -> None:
    # the engine can record the receiver's return before the sender's (they are two threads)
    s = stream_script()
    evs = s.events
    recv_call, recv_ret = evs[-2], evs[-1]
    reordered = [*evs[:-6], recv_call, recv_ret, *evs[-6:-2]]
    renumbered = [dataclasses.replace(e, seq=i + 1) for i, e in enumerate(reordered)]
    lay = DiagramLayout(["S", "C"])
    lay.extend(renumbered)
    assert len([a for a in lay.arrows if a.kind == "data"]) == 2


def test_accept_span_ends_where_the_handshake_lands() -> None:
    lay = DiagramLayout(["S", "C"])
    lay.extend(stream_script().events)
    span = lay.spans[0]
    hs = next(a for a in lay.arrows if a.kind == "handshake")
    assert span.op == "accept" and span.row1 is not None
    assert hs.lane1 == span.lane and hs.row1 == span.row1, (
        "the connect's arrow ends the accept's bar"
    )


def test_ghosts_follow_the_cursor() -> None:
    s = Script()
    s("S", "start")
    w = s("S", "waiting", "socket")
    c = s("S", "call", "socket", sock=None)
    lay = DiagramLayout(["S"])
    lay.extend(s.events)
    assert lay.ghost_at(0, w.seq - 1) is None
    assert lay.ghost_at(0, w.seq) == "socket"
    assert lay.ghost_at(0, c.seq) is None


def test_linger_zero_close_is_an_rst() -> None:
    s = stream_script()
    s.call("C", "setsockopt", 2, args={"option": "SO_LINGER", "value": "0100000000000000"})
    s.call("C", "close", 2)
    lay = DiagramLayout(["S", "C"])
    lay.extend(s.events)
    assert [a.kind for a in lay.arrows if a.kind in ("fin", "rst")] == ["rst"]


def test_blocked_send_is_joined_to_the_recv_that_made_room() -> None:
    runner = Runner(load_test_scenario("flow"), RunOptions(mode=Mode.RUN, delay=0.002))
    events = runner.run_to_end(timeout=20)
    lay = DiagramLayout(["Reader", "Writer"])
    lay.extend(events)
    send_spans = [sp for sp in lay.spans if sp.op == "send" and sp.row1 is not None]
    assert send_spans, "with 4 KiB buffers a 200 KB send blocks"
    wakes = [a for a in lay.arrows if a.kind == "wake"]
    assert wakes
    for sp in send_spans:
        assert any(a.lane1 == sp.lane and a.row1 == sp.row1 and a.lane0 != sp.lane for a in wakes)
    total = sum(e.nbytes or 0 for e in events if e.kind == "return" and e.op == "recv")
    assert total == 600000


def test_a_box_is_blocked_only_from_its_blocked_event_on() -> None:
    lay = DiagramLayout(["S", "C"])
    lay.extend(stream_script().events)
    accept = next(b for b in lay.boxes if b.op == "accept")
    assert accept.blocked_seq is not None
    assert not accept.blocked_at(accept.seq), "at its call the accept has not blocked yet"
    assert accept.blocked_at(accept.blocked_seq)
    assert not accept.returned_at(accept.blocked_seq)


def test_a_call_made_by_a_signal_handler_inside_a_blocked_call_nests() -> None:
    """Regression: a handler's close() during a blocked accept() took the accept's place, so the
    accept never got its result."""
    s = Script()
    s("S", "start")
    s.call("S", "socket", 1, result=3, args={"type": "SOCK_STREAM"})
    s("S", "call", "accept", sock=1, fd=3)
    s("S", "blocked", "accept", sock=1, fd=3)
    s("S", "signal", "signal", message="SIGTERM received: clean_exit() runs")
    s.call("S", "close", 1)
    s("S", "return", "accept", sock=1, fd=3, ok=False, error="EXITED", blocked=True, duration=0.5)
    lay = DiagramLayout(["S"])
    lay.extend(s.events)
    accept = next(b for b in lay.boxes if b.op == "accept")
    close = next(b for b in lay.boxes if b.op == "close")
    assert accept.ret is not None and accept.ret.error == "EXITED"
    assert close.ret is not None and close.ok
    assert lay.spans[0].row1 is not None, "the accept's bar ends where the accept returned"
    assert [m.kind for m in lay.marks] == ["signal"]


def _start(seq: int, actor: str, code: str | None = None, **params: object) -> Event:
    return Event(seq, seq / 100, actor, "start", code=code, params=dict(params) or None)


def test_threads_and_forked_children_are_drawn_right_after_their_program() -> None:
    """A program's threads, then its forked children (each followed by its own), right after
    it, whatever order they started in; the other programs keep theirs."""
    evs = [
        _start(1, "server.py"),
        _start(2, "client.py"),
        _start(3, "server.py/child 1", "program_forked", parent="server.py", pid=5, ppid=4),
        _start(4, "server.py/Thread-1", "thread_started", thread="Thread-1", program="server.py"),
        _start(5, "other.py"),
        _start(
            6,
            "server.py/child 1/Thread-2",
            "thread_started",
            thread="Thread-2",
            program="server.py",
            parent="server.py/child 1",
        ),
        _start(7, "./cserver/thread 1", "program_thread", parent="./cserver", tid=9, pid=8),
        _start(8, "./cserver"),  # its start came after its thread's: nothing to nest under
    ]
    lay = DiagramLayout(["server.py", "client.py"])
    lay.extend(evs)
    assert [lay.lanes[c] for c in lay.columns()] == [
        "server.py",
        "server.py/Thread-1",
        "server.py/child 1",
        "server.py/child 1/Thread-2",
        "client.py",
        "other.py",
        "./cserver/thread 1",
        "./cserver",
    ]
    child = lay.lanes.index("server.py/child 1")
    assert lay.parent_name(child) == ("server.py", "child") and lay.lane_depth(child) == 1
    grandchild = lay.lanes.index("server.py/child 1/Thread-2")
    assert lay.parent_name(grandchild) == ("server.py/child 1", "thread")
    assert lay.lane_depth(grandchild) == 2
    assert lay.column_of(lay.lanes.index("client.py")) == 4
    assert lay.parent_name(lay.lanes.index("client.py")) is None


def test_one_sockets_changes_on_one_row_read_as_one_tag_in_their_order() -> None:
    """Two snapshots of one socket with no row between them (its close saw FIN_WAIT1, the
    peer's FIN then made it TIME_WAIT): one tag, "fd 5 FIN_WAIT1 → TIME_WAIT", never two
    placed apart that could read backwards; another socket's change stays a tag of its own."""
    from socketscope.engine.events import KernelSnapshot
    from socketscope.model.diagram import chain_tags

    s = stream_script()

    def seen(op: str, *changes: tuple[int, int, str]) -> None:
        for sock, fd, state in changes:
            actor = "S" if sock == 3 else "C"
            s(actor, "kernel", op, sock=sock, fd=fd, kernel=KernelSnapshot(state))

    seen("recv", (3, 5, "ESTABLISHED"), (2, 4, "ESTABLISHED"))
    s.call("S", "close", 3)
    seen("close", (3, 5, "FIN_WAIT1"), (2, 4, "CLOSE_WAIT"), (3, 5, "TIME_WAIT"))
    lay = DiagramLayout()
    lay.extend(s.events)
    last = lay.row_count - 1
    row = [t for t in lay.tags if t.row == last]
    assert [t.text for t in row] == ["fd 5 FIN_WAIT1", "fd 4 CLOSE_WAIT", "fd 5 TIME_WAIT"]
    chained = chain_tags(row)
    assert [t.text for t in chained] == ["fd 5 FIN_WAIT1 → TIME_WAIT", "fd 4 CLOSE_WAIT"]
    assert chained[0].seq == row[2].seq  # shown from the last change on


def test_a_packet_is_never_drawn_above_one_that_left_before_it() -> None:
    """Rows are where calls began. The client began close() first (its row is above), but its
    thread waited for the interpreter and the server's close() sent its FIN first: the
    client's FIN (later, by the capture) goes in the band under the server's row, not above
    the server's FIN under its own."""
    from socketscope.engine.events import WirePacket

    s = stream_script()
    s("C", "call", "close", sock=2, fd=4)
    s("S", "call", "close", sock=3, fd=5)
    s("S", "return", "close", sock=3, fd=5, ok=True, blocked=False)
    s("C", "return", "close", sock=2, fd=4, ok=True, blocked=False)
    calls = {e.actor: e.seq for e in s.events if e.kind == "call" and e.op == "close"}

    def fin(actor: str, src: int, dst: int, t: float) -> None:
        pkt = WirePacket(
            "lo",
            "TCP",
            ("127.0.0.1", src),
            ("127.0.0.1", dst),
            0,
            66,
            flags=("FIN", "ACK"),
            to_actor="C" if actor == "S" else "S",
        )
        ev = s(actor, "packet", packet=pkt, cause=calls[actor])
        s.events[-1] = dataclasses.replace(ev, t=t)

    last_t = s.events[-1].t
    fin("S", 5000, 40000, last_t + 0.001)  # captured first
    fin("C", 40000, 5000, last_t + 0.002)
    lay = DiagramLayout()
    lay.extend(s.events)
    rows = {lay.lanes[b.lane]: b.row for b in lay.boxes if b.op == "close"}
    assert rows["C"] < rows["S"]
    server_fin, client_fin = lay.wire.arrows[-2:]
    assert server_fin.row == rows["S"]
    assert (client_fin.row, client_fin.slot) > (server_fin.row, server_fin.slot)


def test_a_receive_not_seen_blocked_returns_below_the_send_it_read() -> None:
    """The order of a real udp-echo run: the Client calls recvfrom(), the Server's sendto()
    comes, then the Client's recvfrom() returns with that datagram, not seen blocked (the sleep
    was shorter than the watcher's look). Its result was drawn on its call's row, above the
    sendto() that sent it; now it has a row where it returned, joined by no blocked bar."""
    s = Script()
    s("S", "start")
    s("C", "start")
    s.call("S", "socket", 1, result=3, args={"type": "SOCK_DGRAM"})
    s.call("C", "socket", 2, result=4, args={"type": "SOCK_DGRAM"})
    s("C", "call", "recvfrom", sock=2, fd=4)
    s.call("S", "sendto", 1, nbytes=13, data=b"hello, server".hex(), dgram=7)
    s.ret("C", "recvfrom", 2, nbytes=13, dgram=7)
    lay = DiagramLayout(["S", "C"])
    lay.extend(s.events)
    recv = next(b for b in lay.boxes if b.op == "recvfrom")
    send = next(b for b in lay.boxes if b.op == "sendto")
    assert recv.returns_later and recv.row < send.row
    (span,) = lay.spans
    assert not span.asleep and span.box is recv and span.row1 is not None
    assert span.row1 > send.row, "its result comes after the send"
    (arrow,) = [a for a in lay.arrows if a.kind == "dgram"]
    assert (arrow.row0, arrow.row1) == (send.row, span.row1)
    # TCP, as a real tcp-echo run had it: on loopback the reader wakes inside the writer's
    # send(), so its recv() returns before that send() does
    s = stream_script()
    s("C", "call", "recv", sock=2, fd=4)
    s("S", "call", "send", sock=3, fd=5)
    s.ret("C", "recv", 2, nbytes=2, data=b"ok".hex(), conn=1, dir="s>c", range=(0, 2))
    s.ret("S", "send", 3, nbytes=2, data=b"ok".hex(), conn=1, dir="s>c", range=(0, 2))
    lay = DiagramLayout(["S", "C"])
    lay.extend(s.events)
    recv = [b for b in lay.boxes if b.op == "recv"][-1]
    send = next(b for b in lay.boxes if b.op == "send" and b.lane == 0)
    assert recv.returns_later and recv.row < send.row
    span = next(sp for sp in lay.spans if sp.box is recv)
    assert not span.asleep and span.row1 is not None and span.row1 > send.row
    back = [a for a in lay.arrows if a.kind == "data" and a.lane0 == 0]
    assert [(a.row0, a.row1) for a in back] == [(send.row, span.row1)]
    # a receive that read what was sent before its call keeps its result on its own row
    s = Script()
    s("S", "start")
    s("C", "start")
    s.call("S", "sendto", 1, nbytes=2, data=b"hi".hex(), dgram=8)
    s.call("C", "recvfrom", 2, nbytes=2, dgram=8)
    lay = DiagramLayout(["S", "C"])
    lay.extend(s.events)
    assert not lay.spans and not any(b.returns_later for b in lay.boxes)


def test_no_receive_shows_its_bytes_above_the_send_that_sent_them_in_real_runs() -> None:
    """Real free-running runs of udp-echo and tcp-echo, where a receive's call often comes
    before the send it reads (2 of 3 udp-echo runs): wherever a result is drawn, it is below
    the row of every send whose bytes it carries."""
    from socketscope.engine.scenario import get

    for sid in ("udp-echo", "udp-echo", "udp-echo", "udp-echo", "tcp-echo", "tcp-echo"):
        sc = get(sid)
        lay = DiagramLayout([a.name for a in sc.actors])
        lay.extend(Runner(sc).run_to_end(timeout=20))
        shown = {s.box.seq: s.row1 for s in lay.spans if s.row1 is not None}
        for a in lay.arrows:
            if a.kind not in ("data", "dgram"):
                continue
            recv = next(b for b in lay.boxes if b.ret is not None and b.ret.seq == a.recv_seq)
            row = shown.get(recv.seq, recv.row)
            assert row > a.row0, f"{sid}: {recv.label} → {recv.result} shown above its send"


def test_a_receive_that_returns_later_never_joins_a_folded_streak() -> None:
    """Ten identical recv()s fold into one row; an eleventh, called before the sendto() it
    reads, returns below it: folded with the others, its result was drawn above that send."""
    s = Script()
    s("S", "start")
    s("C", "start")
    for d in range(1, 11):
        s.call("S", "sendto", 1, nbytes=2, data=b"hi".hex(), dgram=d)
    for d in range(1, 11):
        s.call("C", "recv", 2, nbytes=2, data=b"hi".hex(), dgram=d)
    s("C", "call", "recv", sock=2, fd=4)
    s.call("S", "sendto", 1, nbytes=2, data=b"hi".hex(), dgram=11)
    s.ret("C", "recv", 2, nbytes=2, data=b"hi".hex(), dgram=11)
    lay = DiagramLayout(["S", "C"])
    lay.extend(s.events)
    late = next(b for b in lay.boxes if b.returns_later)
    assert all(not r0 <= late.row <= r1 for r0, r1 in lay.streaks(s.events[-1].seq))


def test_one_close_reports_its_lost_datagrams_on_one_row_across_another_actors_row() -> None:
    """A close() reports six lost datagrams; another actor's call lands among the reports.
    They are counted on two rows (before and after that call), not three."""
    s = Script()
    s("S", "start")
    s("C", "start")
    s("X", "start")
    for d in range(1, 7):
        s.call("S", "sendto", 1, nbytes=2, data=b"hi".hex(), dgram=d)
    s("C", "call", "close", sock=2, fd=4)
    for d in (1, 2):
        s("C", "dgram_lost", "close", sock=2, fd=4, dgram=d)
    s("X", "call", "socket")
    for d in (3, 4, 5, 6):
        s("C", "dgram_lost", "close", sock=2, fd=4, dgram=d)
    s("C", "return", "close", sock=2, fd=4, ok=True)
    lay = DiagramLayout(["S", "C", "X"])
    lay.extend(s.events)
    assert [len(m.seqs) for m in lay.marks if m.kind == "lost"] == [2, 4]


def test_a_kill_arrow_ends_where_the_killed_call_ended() -> None:
    """signal-cleanup: the Operator SIGKILLs Server 2 blocked in accept(). The signal's arrow
    ended on the row below "accept() never returned: killed by SIGKILL", at the process's
    own mark; it ends on that row now, where the call it ended is."""
    from conftest import lesson_trace
    from socketscope.engine.scenario import get

    t = lesson_trace(get("signal-cleanup"))
    lay = DiagramLayout(list(t.header["actors"]))
    lay.extend(t.events)
    killed = [
        s for s in lay.spans if s.box.error == "SIGKILL" and s.row1 is not None
    ]  # fmt: skip
    kills = [a for a in lay.arrows if a.kind == "kill" and a.label == "SIGKILL"]
    assert killed and kills
    for span in killed:
        assert any((a.lane1, a.row1) == (span.lane, span.row1) for a in kills), (killed, kills)
