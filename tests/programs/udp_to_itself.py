"""A UDP socket that sends to itself and reads with recv(), which does not say where a datagram
came from."""

import socket

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
for i in range(3):
    s.sendto(b"tick %d" % i, s.getsockname())
    print("got", s.recv(100))
s.close()
