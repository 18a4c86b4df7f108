"""Test scenario: an actor ends its whole process with os._exit(3) while another is blocked in
accept(), as a C program's exit(3) would."""

import os

from socketscope.api import AF_INET, SOCK_STREAM, actor, socket


@actor("Server")
def server(port):
    s = socket(AF_INET, SOCK_STREAM)
    s.bind(("127.0.0.1", port))
    s.listen(1)
    s.accept()


@actor("Quitter", starts_when=("Server", "accept"))
def quitter():
    s = socket(AF_INET, SOCK_STREAM)
    s.close()
    os._exit(3)


ID = "test-exits-midway"
TITLE = {"en": "exits midway", "ko": "도중에 종료"}
SUMMARY = {"en": "test", "ko": "테스트"}
