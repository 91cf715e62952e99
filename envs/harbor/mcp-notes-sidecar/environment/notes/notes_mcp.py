"""A tiny MCP server with a notes store (stdlib only, the task's sidecar).

``python3 notes_mcp.py`` serves MCP's streamable HTTP transport (JSON responses, no
server-sent stream) on ``0.0.0.0:$NOTES_PORT/mcp``; ``--stdio`` speaks newline-delimited
JSON-RPC on stdin/stdout instead. Tools: list_notes, read_note, add_note.
"""

import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NOTES = {
    "readme": "Notes of the release team. Ask for a note by its title.",
    "deploy-key": os.environ.get("NOTES_SECRET", "unset"),
}
LOCK = threading.Lock()
TITLE = {"type": "string", "description": "the note's title"}
TOOLS = [
    {"name": "list_notes", "description": "The titles of every note.",
     "inputSchema": {"type": "object", "properties": {}}},
    {"name": "read_note", "description": "The text of the note with this title.",
     "inputSchema": {"type": "object", "properties": {"title": TITLE}, "required": ["title"]}},
    {"name": "add_note", "description": "Store a note (replaces one with the same title).",
     "inputSchema": {"type": "object", "required": ["title", "text"],
                     "properties": {"title": TITLE, "text": {"type": "string"}}}},
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
        if self.path.split("?")[0] != "/mcp":
            return self.send_error(404)
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        replies = [r for r in map(answer, body if isinstance(body, list) else [body]) if r]
        if not replies:
            self.send_response(202)
            self.send_header("Content-Length", "0")
            return self.end_headers()
        data = json.dumps(replies if isinstance(body, list) else replies[0]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # no server-initiated stream
        self.send_error(405)

    do_DELETE = do_GET

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
