"""Two senders send the same bytes to one socket read with recv(), which does not say whose a
datagram is: the first sends more than the 4 KiB buffer holds, the second one more."""

import socket
import threading

r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
r.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
r.bind(("127.0.0.1", 0))
dst = r.getsockname()


def send(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for _ in range(n):
        s.sendto(b"P" * 1000, dst)
    s.close()


a = threading.Thread(target=send, args=(10,), name="A")
a.start()
a.join()
got = 0
r.setblocking(False)
while True:
    try:
        r.recv(2048)
        got += 1
    except BlockingIOError:
        break
b = threading.Thread(target=send, args=(1,), name="B")
b.start()
b.join()
r.recv(2048)
got += 1
print("received", got)
r.close()
