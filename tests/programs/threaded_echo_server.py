"""A threaded echo server, as the socketserver documentation writes it."""

import socketserver
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 5050
CLIENTS = int(sys.argv[2]) if len(sys.argv) > 2 else 2


class EchoHandler(socketserver.StreamRequestHandler):
    def handle(self):
        line = self.rfile.readline()
        self.wfile.write(line.upper())


with socketserver.ThreadingTCPServer(("127.0.0.1", PORT), EchoHandler) as server:
    server.daemon_threads = False
    print("serving on", server.server_address, flush=True)
    for _ in range(CLIENTS):
        server.handle_request()
