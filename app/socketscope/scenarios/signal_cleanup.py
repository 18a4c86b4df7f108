"""The notes' tip: close sockets in SIGINT/SIGTERM handlers. And what the kernel does anyway."""

import sys

from socketscope.api import (
    AF_INET,
    SIGINT,
    SIGKILL,
    SIGTERM,
    SOCK_STREAM,
    actor,
    kill,
    signal,
    socket,
    wait_until,
)

ID = "signal-cleanup"
GROUP = "advanced"
ORDER = 6
TITLE = {
    "en": "Signals: cleaning up on SIGTERM, and what the kernel does anyway",
    "ko": "시그널: SIGTERM에서 정리하기, 그리고 커널이 어차피 하는 일",
}
SUMMARY = {
    "en": (
        "Each server runs in a process of its own. Server 1 installs a SIGTERM/SIGINT handler "
        "that closes its listening socket and exits, as the course notes advise; the operator "
        "sends it a real SIGTERM while it waits in accept(), and the port can be bound again. "
        "Server 2 has no handler and is killed with SIGKILL, which no program can catch: its "
        "port is free all the same, because the kernel closes every socket of a process that "
        "exits. What a forced exit can leave behind is TIME_WAIT of closed connections, which is "
        "why servers set SO_REUSEADDR. (Python runs the handler later, between bytecodes; a C "
        "handler runs at once and may call only async-signal-safe functions, such as close() and "
        "_exit().)"
    ),
    "ko": (
        "서버마다 별도의 프로세스에서 실행됩니다. 서버 1은 강의 노트의 팁대로 SIGTERM/SIGINT "
        "핸들러를 설치해 리스닝 소켓을 닫고 종료합니다. 운영자가 accept()에서 블로킹된 서버 1에 실제 "
        "SIGTERM을 보내면, 포트를 다시 bind할 수 있습니다. 서버 2는 핸들러 없이 SIGKILL로 죽는데, "
        "SIGKILL은 어떤 프로그램도 잡을 수 없습니다. 그래도 포트는 풀립니다: 프로세스가 끝나면 커널이 "
        "그 소켓을 모두 닫기 때문입니다. 강제 종료 뒤에 남을 수 있는 것은 닫힌 연결의 TIME_WAIT이고, "
        "그래서 서버는 SO_REUSEADDR를 설정합니다. (파이썬은 핸들러를 나중에 바이트코드 사이에서 "
        "실행하지만, C의 핸들러는 곧바로 실행되므로 close()나 _exit() 같은 비동기 시그널 안전 함수만 "
        "부를 수 있습니다.)"
    ),
}
NOTICE = {
    "en": [
        "The signal arrives while Server 1 is blocked in accept(): its handler runs, then close().",
        "SIGKILL cannot be handled, yet the kernel closes Server 2's socket: the port is bindable.",
        "A handler is still good practice (flush data, say goodbye), but the kernel frees sockets.",
    ],
    "ko": [
        "서버 1이 accept()에서 블로킹되어 있을 때 시그널이 옵니다: 핸들러가 실행되고 close()합니다.",
        "SIGKILL은 잡을 수 없지만 커널이 서버 2의 소켓을 닫습니다: 포트를 bind할 수 있습니다.",
        "그래도 핸들러는 좋은 습관입니다 (데이터 정리, 상대에게 종료 알림). 소켓은 커널이 풉니다.",
    ],
}

HOST = "127.0.0.1"


@actor("Server 1", process=True)
def server1(port):
    listener = socket(AF_INET, SOCK_STREAM)
    listener.bind((HOST, port))
    listener.listen(5)

    def clean_exit(signum, frame):
        listener.close()
        sys.exit(0)

    signal(SIGTERM, clean_exit)
    signal(SIGINT, clean_exit)
    conn, addr = listener.accept()  # waiting here when SIGTERM arrives


@actor("Server 2", process=True, starts_when=("Server 1", None))
def server2(port2):
    listener = socket(AF_INET, SOCK_STREAM)
    listener.bind((HOST, port2))
    listener.listen(5)
    conn, addr = listener.accept()  # no handler: SIGKILL ends the process here


@actor("Operator", starts_when=("Server 1", "accept"))
def operator(port, port2):
    kill("Server 1", SIGTERM)  # like: kill -TERM <pid>
    wait_until("Server 1")
    probe = socket(AF_INET, SOCK_STREAM)
    probe.bind((HOST, port))  # free again
    probe.close()
    wait_until("Server 2", "accept")
    kill("Server 2", SIGKILL)  # like: kill -9 <pid>
    wait_until("Server 2")
    probe = socket(AF_INET, SOCK_STREAM)
    probe.bind((HOST, port2))  # free as well: the kernel closed it
    probe.close()
