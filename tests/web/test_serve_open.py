"""``envbridge serve --open`` opens the /web page in the user's browser once serving."""

from __future__ import annotations

import sys
import time

import httpx

from envbridge.browser import page_url
from tests.helpers import ROOT, envbridge_cli, serving_process


def test_serve_open_hands_the_page_url_to_the_browser(tmp_path):
    opened = tmp_path / "opened.txt"
    recorder = tmp_path / "browser.py"  # stands in for the user's browser: records the URL
    recorder.write_text(f"import sys; open({str(opened)!r}, 'w').write(sys.argv[1])\n")
    argv = lambda port: envbridge_cli(  # noqa: E731
        "serve", "envs.native.counter:CounterEnv", "--port", str(port), "--open"
    )
    env = {"BROWSER": f"{sys.executable} {recorder} %s"}
    with serving_process(argv, env=env, cwd=str(ROOT)) as url:
        deadline = time.monotonic() + 30
        while not opened.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert opened.read_text() == f"{url}/web"
        page = httpx.get(opened.read_text(), trust_env=False)
        assert page.status_code == 200 and "<title>envbridge</title>" in page.text


def test_page_url_reaches_wildcard_hosts_over_loopback():
    assert page_url("0.0.0.0", 8000) == "http://127.0.0.1:8000/web"
    assert page_url("::1", 8001) == "http://[::1]:8001/web"
    assert page_url("127.0.0.1", 9) == "http://127.0.0.1:9/web"
