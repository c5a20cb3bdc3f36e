# SPDX-License-Identifier: GPL-2.0-only
"""A loopback HTTP receiver for the alert tests.

Usage: http_sink.py PORTFILE LOGFILE [hang | tls CERT KEY]
Listens on 127.0.0.1 (a free port, written to PORTFILE once listening) and appends one JSON line
per request to LOGFILE: {"method", "path", "headers", "body"}; answers 200. With "hang" it takes
connections and never answers (a target that is up but stuck); with "tls" it speaks HTTPS with
CERT and KEY.
"""
import http.server
import json
import socket
import ssl
import sys
import time


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with open(sys.argv[2], "a") as f:
            f.write(json.dumps({"method": "POST", "path": self.path,
                                "headers": dict(self.headers.items()),
                                "body": body.decode("utf-8", "replace")}) + "\n")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def main():
    if len(sys.argv) > 3 and sys.argv[3] == "hang":
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(64)
        open(sys.argv[1], "w").write(str(s.getsockname()[1]))
        held = []
        while True:
            c, _ = s.accept()
            held.append(c)  # read nothing, answer nothing
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if len(sys.argv) > 5 and sys.argv[3] == "tls":
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(sys.argv[4], sys.argv[5])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    open(sys.argv[1], "w").write(str(srv.server_address[1]))
    srv.serve_forever()


main()
