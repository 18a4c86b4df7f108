"""A UDP client written the old way: from socket import *."""

from socket import *
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 5051

s = socket(AF_INET, SOCK_DGRAM)
s.sendto(b"ping", ("127.0.0.1", PORT))
data, addr = s.recvfrom(1024)
print("reply", data, "from", addr)
s.close()
