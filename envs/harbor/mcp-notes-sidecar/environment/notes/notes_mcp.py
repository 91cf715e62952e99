"""A tiny MCP server with a notes store (stdlib only, the task's sidecar).

``python3 notes_mcp.py`` serves MCP's streamable HTTP transport (JSON responses, no
server-sent stream) on ``0.0.0.0:$NOTES_PORT/mcp``, and the older SSE transport on
``/sse`` (an event stream; messages are POSTed to ``/messages?session=ID``); ``--stdio``
speaks newline-delimited JSON-RPC on stdin/stdout instead. Tools: list_notes, read_note,
add_note.
"""

import json
import os
import queue
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NOTES = {
    "readme": "Notes of the release team. Ask for a note by its title.",
    "deploy-key": os.environ.get("NOTES_SECRET", "unset"),
}
LOCK = threading.Lock()
STREAMS = {}  # SSE session id -> queue of replies
TITLE = {"type": "string", "description": "the note's title"}
TOOLS = [
    {
        "name": "list_notes",
        "description": "The titles of every note.",
        "inputSchema": {"type": "object", "properties": {}},
    },
    {
        "name": "read_note",
        "description": "The text of the note with this title.",
        "inputSchema": {"type": "object", "properties": {"title": TITLE}, "required": ["title"]},
    },
    {
        "name": "add_note",
        "description": "Store a note (replaces one with the same title).",
        "inputSchema": {
            "type": "object",
            "required": ["title", "text"],
            "properties": {"title": TITLE, "text": {"type": "string"}},
        },
    },
]


def result(text, error=False, structured=None):
    answer = {"content": [{"type": "text", "text": text}], "isError": error}
    if structured is not None:
        answer["structuredContent"] = structured
    return answer


def call_tool(name, args):
    with LOCK:
        if name == "list_notes":
            titles = sorted(NOTES)
            return result("\n".join(titles), structured={"titles": titles})
        if name == "read_note":
            if args["title"] not in NOTES:
                return result(f"no note titled {args['title']!r}", error=True)
            return result(NOTES[args["title"]])
        NOTES[args["title"]] = args["text"]
        return result(f"stored {args['title']!r}")


def answer(message):
    """The JSON-RPC response to one message (None for a notification)."""
    if "id" not in message:
        return None
    method, params = message.get("method"), message.get("params") or {}
    reply = {"jsonrpc": "2.0", "id": message["id"]}
    if method == "initialize":
        reply["result"] = {
            "protocolVersion": params.get("protocolVersion", "2025-06-18"),
            "capabilities": {"tools": {}},
            "serverInfo": {"name": "notes", "version": "1.0"},
        }
    elif method == "ping":
        reply["result"] = {}
    elif method == "tools/list":
        reply["result"] = {"tools": TOOLS}
    elif method == "tools/call":
        tool = next((t for t in TOOLS if t["name"] == params.get("name")), None)
        args = params.get("arguments") or {}
        if tool is None:
            reply["error"] = {"code": -32602, "message": f"unknown tool {params.get('name')!r}"}
        elif not all(isinstance(args.get(k), str) for k in tool["inputSchema"].get("required", [])):
            reply["error"] = {"code": -32602, "message": f"{tool['name']}: missing arguments"}
        else:
            reply["result"] = call_tool(tool["name"], args)
    else:
        reply["error"] = {"code": -32601, "message": f"method not found: {method}"}
    return reply


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        path, _, query = self.path.partition("?")
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        replies = [r for r in map(answer, body if isinstance(body, list) else [body]) if r]
        if path == "/messages":
            stream = STREAMS.get(query.partition("session=")[2])
            if stream is None:
                return self.send_error(404)
            for reply in replies:
                stream.put(reply)
            return self.reply(202, b"")
        if path != "/mcp":
            return self.send_error(404)
        if not replies:
            return self.reply(202, b"")
        self.reply(200, json.dumps(replies if isinstance(body, list) else replies[0]).encode())

    def reply(self, status, data):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path != "/sse":  # streamable HTTP: no server-initiated stream
            return self.send_error(405)
        session = uuid.uuid4().hex
        STREAMS[session] = stream = queue.Queue()
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        try:
            self.event("endpoint", f"/messages?session={session}")
            while True:
                try:
                    self.event("message", json.dumps(stream.get(timeout=15)))
                except queue.Empty:
                    self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
        except OSError:
            pass
        finally:
            STREAMS.pop(session, None)

    def event(self, name, data):
        self.wfile.write(f"event: {name}\ndata: {data}\n\n".encode())
        self.wfile.flush()

    def do_DELETE(self):
        self.send_error(405)

    def log_message(self, *args):
        pass


def serve_stdio():
    for line in sys.stdin:
        if line.strip():
            reply = answer(json.loads(line))
            if reply is not None:
                sys.stdout.write(json.dumps(reply) + "\n")
                sys.stdout.flush()


if __name__ == "__main__":
    if "--stdio" in sys.argv:
        serve_stdio()
    else:
        port = int(os.environ.get("NOTES_PORT", "8000"))
        ThreadingHTTPServer(("0.0.0.0", port), Handler).serve_forever()
