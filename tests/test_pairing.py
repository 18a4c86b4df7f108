"""The datagram pairing's bookkeeping (engine/pairing.py), in memory: what a receive that does
not say its source may have read is never reported surely dropped."""

from __future__ import annotations

from socketscope.engine.pairing import Pairing

DST = ("127.0.0.1", 5000)


def test_a_longer_datagram_a_short_read_may_have_cut_is_not_reported_dropped() -> None:
    """Three senders: "PING", "PING" and "PINGPONG". recv() with a 4-byte buffer reads "PING"
    and does not say whose: it may be the third, cut short. At the close none of the three is
    called dropped for sure."""
    p = Pairing()
    for sock, payload in ((1, b"PING"), (2, b"PING"), (3, b"PINGPONG")):
        d = p.datagram_sending(sock, None, DST, payload)
        p.datagram_sent(d, ("127.0.0.1", 40000 + sock))
    assert p.datagram_received(DST, None, b"PING").dgram is None
    gone = p.datagrams_never_received(DST)
    assert (gone.lost, gone.unsure) == ([], [1, 2, 3])


def test_a_candidate_named_later_is_no_longer_unsure() -> None:
    """An unnamed read could be either sender's; a later receive that names its source takes
    the second sender's: that one was read, so only the first's is unsure at the close."""
    p = Pairing()
    for sock in (1, 2):
        d = p.datagram_sending(sock, None, DST, b"PING")
        p.datagram_sent(d, ("127.0.0.1", 40000 + sock))
    assert p.datagram_received(DST, None, b"PING").dgram is None
    assert p.datagram_received(DST, ("127.0.0.1", 40002), b"PING").dgram == 2
    gone = p.datagrams_never_received(DST)
    assert (gone.lost, gone.unsure) == ([], [1])
