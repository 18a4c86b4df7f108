"""The benchmark's transfer as a scenario file, so a run host can load it too (bench/engine.py).

Size and chunk come from the environment, which a run host inherits from the benchmark.
"""

import os

from socketscope.api import AF_INET, SOCK_STREAM, actor, socket

ID = "bench-transfer"
TITLE = {"en": "bench transfer", "ko": "벤치마크 전송"}
SUMMARY = {"en": "benchmark", "ko": "벤치마크"}
TOTAL = int(os.environ.get("SOCKETSCOPE_BENCH_BYTES", 200 * 1024 * 1024))
CHUNK = int(os.environ.get("SOCKETSCOPE_BENCH_CHUNK", 65536))


@actor("Receiver")
def receiver(port):
    lst = socket(AF_INET, SOCK_STREAM)
    lst.bind(("127.0.0.1", port))
    lst.listen(1)
    conn, _ = lst.accept()
    while conn.recv(CHUNK):
        pass
    conn.close()
    lst.close()


@actor("Sender", starts_when=("Receiver", "accept"))
def sender(port):
    payload = b"x" * CHUNK
    s = socket(AF_INET, SOCK_STREAM)
    s.connect(("127.0.0.1", port))
    for _ in range(TOTAL // CHUNK):
        s.send(payload)
    s.close()
