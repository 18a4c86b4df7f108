"""Test scenario: every way out of loopback a scenario might try, through the traced API and
around it (the plain socket module, its private real socket, name lookups, raw sockets). Each
attempt prints REFUSED or ALLOWED; only documentation addresses (RFC 5737, RFC 3849) are used."""

import os
import socket
import socket as s2

from socketscope.api import AF_INET, SOCK_STREAM, actor
from socketscope.api import socket as traced_socket

OUT = ("192.0.2.1", 80)  # TEST-NET-1: never a real host


def say(*words):
    # one write per line: the run's output shares the pipe with the log the CLI prints
    os.write(1, (" ".join(str(w) for w in words) + "\n").encode())


def attempt(name, fn):
    try:
        fn()
    except (OSError, ValueError) as e:
        say("REFUSED", name, type(e).__name__)
    else:
        say("ALLOWED", name)


def udp():
    return s2.socket(s2.AF_INET, s2.SOCK_DGRAM)


@actor("Escaper")
def escaper():
    t = traced_socket(AF_INET, SOCK_STREAM)
    attempt("module connect", lambda: s2.socket().connect(OUT))
    attempt("module connect_ex", lambda: s2.socket().connect_ex(OUT))
    attempt("SocketType", lambda: s2.SocketType().connect(OUT))
    attempt("create_connection", lambda: socket.create_connection(OUT, timeout=0.5))
    attempt("create_connection name", lambda: socket.create_connection(("example.invalid", 80)))
    attempt("private real socket", lambda: t._s.connect(OUT))
    attempt("traced connect", lambda: t.connect(OUT))
    attempt("sendto", lambda: udp().sendto(b"x", ("192.0.2.1", 9)))
    attempt("sendto flags", lambda: udp().sendto(b"x", 0, ("192.0.2.1", 9)))
    attempt("sendmsg", lambda: udp().sendmsg([b"x"], [], 0, ("192.0.2.1", 9)))
    attempt("broadcast", lambda: udp().sendto(b"x", ("255.255.255.255", 9)))
    attempt("v6", lambda: s2.socket(s2.AF_INET6).connect(("2001:db8::1", 80)))
    attempt("v4-mapped", lambda: s2.socket(s2.AF_INET6).connect(("::ffff:192.0.2.1", 80)))
    attempt("bind any", lambda: s2.socket().bind(("", 0)))
    attempt("bind 0.0.0.0", lambda: s2.socket().bind(("0.0.0.0", 0)))
    attempt("bind ::", lambda: s2.socket(s2.AF_INET6).bind(("::", 0)))
    attempt("raw", lambda: s2.socket(s2.AF_INET, s2.SOCK_RAW, 1))
    attempt("packet", lambda: s2.socket(s2.AF_PACKET, s2.SOCK_RAW))
    attempt("traced raw", lambda: traced_socket(AF_INET, s2.SOCK_RAW))
    attempt("gethostbyname", lambda: s2.gethostbyname("example.invalid"))
    attempt("getaddrinfo", lambda: s2.getaddrinfo("example.invalid", 80))
    t.close()


ID = "test-escapes"
TITLE = {"en": "escapes", "ko": "탈출 시도"}
SUMMARY = {"en": "test", "ko": "테스트"}
