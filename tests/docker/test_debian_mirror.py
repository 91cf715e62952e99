"""The base image bootstraps from the Debian mirror apt is configured with."""

from pathlib import Path

import pytest

from envbridge.docker.debian import (
    DEFAULT_MIRROR,
    MIRROR_ENV_VAR,
    debian_mirror,
    parse_deb822_sources,
    parse_one_line_sources,
    pick_mirror,
)

DEB822 = """\
Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main

Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main

Types: deb-src
URIs: http://src.example/debian
Suites: trixie
"""


def test_deb822_stanzas_give_uris_and_suites_and_skip_comments_and_sources():
    sources = parse_deb822_sources(DEB822)
    assert [s.uri for s in sources] == [
        "http://mirror.example/debian",
        "http://mirror.example/debian-security",
    ]
    assert sources[0].suites == ("bookworm", "bookworm-updates")


def test_one_line_format_handles_options_and_comments():
    text = (
        "# deb http://commented.example/debian bookworm main\n"
        "deb [arch=amd64 signed-by=/k.gpg] http://one.example/debian bookworm main\n"
        "deb-src http://src.example/debian bookworm main\n"
        "deb https://packages.cloud.google.com/apt cloud-sdk-bookworm main\n"
    )
    sources = parse_one_line_sources(text)
    assert [(s.uri, s.suites) for s in sources] == [
        ("http://one.example/debian", ("bookworm",)),
        ("https://packages.cloud.google.com/apt", ("cloud-sdk-bookworm",)),
    ]


def test_pick_mirror_wants_the_exact_suite_and_not_the_security_archive():
    sources = parse_deb822_sources(DEB822)
    assert pick_mirror(sources, "bookworm") == "http://mirror.example/debian"
    assert pick_mirror(reversed(sources), "bookworm") == "http://mirror.example/debian"
    assert pick_mirror(sources, "trixie") is None


def test_mirror_comes_from_apt_config_then_env_then_default(tmp_path: Path, monkeypatch):
    monkeypatch.delenv(MIRROR_ENV_VAR, raising=False)
    (tmp_path / "sources.list.d").mkdir()
    assert debian_mirror("bookworm", tmp_path) == DEFAULT_MIRROR
    (tmp_path / "sources.list.d" / "debian.sources").write_text(DEB822)
    assert debian_mirror("bookworm", tmp_path) == "http://mirror.example/debian"
    monkeypatch.setenv(MIRROR_ENV_VAR, "http://override.example/debian/")
    assert debian_mirror("bookworm", tmp_path) == "http://override.example/debian"


@pytest.mark.skipif(not Path("/etc/apt").is_dir(), reason="not a Debian-family host")
def test_this_machine_has_a_mirror_for_bookworm(monkeypatch):
    monkeypatch.delenv(MIRROR_ENV_VAR, raising=False)
    assert debian_mirror("bookworm").startswith("http")
