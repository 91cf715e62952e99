"""Small probe images for the Docker attack tests, built from the offline base image.

The probe is a server an attacker wrote: it answers ``/health`` and reports, on every
other path, the privileges its process holds (capabilities, no_new_privs, its env).
"""

from __future__ import annotations

import io
import json
import tarfile
import uuid

import docker

TEST_LABEL = "org.envbridge.security-test"
PROBE = """\
import http.server, json, os

def status():
    fields = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
    return {key: fields[key].strip() for key in ("CapEff", "CapBnd", "NoNewPrivs")}

class Probe(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({**status(), "uid": os.getuid(), "env": dict(os.environ)}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

http.server.ThreadingHTTPServer(("0.0.0.0", 8000), Probe).serve_forever()
"""


def build_probe(client: docker.DockerClient, base: str, run_options: dict | None) -> str:
    """A probe image whose run-options label is ``run_options`` (none when None)."""
    dockerfile = f'FROM {base}\nCOPY probe.py /probe.py\nCMD ["python3", "/probe.py"]\n'
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, text in (("Dockerfile", dockerfile), ("probe.py", PROBE)):
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    labels = {TEST_LABEL: "1"}
    if run_options is not None:
        labels["org.envbridge.run-options"] = json.dumps(run_options)
    tag = f"envbridge-security-probe:{uuid.uuid4().hex[:10]}"
    buffer.seek(0)
    client.images.build(
        fileobj=buffer, custom_context=True, tag=tag, labels=labels, rm=True, network_mode="none"
    )
    return tag


def containers_of(client: docker.DockerClient, image: str) -> list[str]:
    return [c.id for c in client.containers.list(all=True, filters={"ancestor": image})]
