"""A tiny in-memory key-value service (the task's sidecar)."""

import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

STORE = {"seed": os.environ.get("KV_SEED", "")}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        url = urlparse(self.path)
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        if url.path == "/set" and "key" in query and "value" in query:
            STORE[query["key"]] = query["value"]
            body = b"stored"
        elif url.path == "/get" and query.get("key") in STORE:
            body = STORE[query["key"]].encode()
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("0.0.0.0", 7000), Handler).serve_forever()
