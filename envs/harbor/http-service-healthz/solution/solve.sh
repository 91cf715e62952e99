#!/bin/bash
cat > /srv/app/server.py <<'PY'
import json
import os
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/healthz":
            body, kind = b"ok", "text/plain"
        elif url.path == "/sum":
            query = parse_qs(url.query)
            total = int(query["a"][0]) + int(query["b"][0])
            body, kind = json.dumps({"sum": total}).encode(), "application/json"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.end_headers()
        self.wfile.write(body)


HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
PY
