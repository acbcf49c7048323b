# SPDX-License-Identifier: GPL-2.0
"""A threaded CPython HTTP server (http.server.ThreadingHTTPServer) with an
injectable thread leak: each GET /leak starts a threading.Thread that
blocks forever in queue.get(); any other GET is served as usual. Usage:
py_http_leak.py PORT; prints "listening" once it serves."""
import queue
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

jobs = queue.Queue()


def wait_for_job():
    jobs.get()


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/leak":
            threading.Thread(target=wait_for_job, daemon=True).start()
        body = b"python\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
print("listening", flush=True)
server.serve_forever()
