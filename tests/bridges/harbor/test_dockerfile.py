"""The Dockerfile reader: instructions, FROM images and their mapping, substitution."""

from __future__ import annotations

from envbridge.bridges.harbor.dockerfile import (
    copy_sources,
    from_images,
    key_values,
    parse_dockerfile,
    rewrite_from,
    substitute,
)

DOCKERFILE = """\
# syntax=docker/dockerfile:1
FROM --platform=linux/amd64 python:3.12-slim AS build
RUN apt-get update \\
    # a comment inside a continuation
    && apt-get install -y curl
FROM build
COPY --chown=agent:agent ["a b.txt", "/app/"]
ENV A=1 B="two words"
"""


def test_instructions_join_continuations_and_parse_flags():
    instructions = parse_dockerfile(DOCKERFILE)
    assert [i.keyword for i in instructions] == ["FROM", "RUN", "FROM", "COPY", "ENV"]
    assert instructions[0].flags == {"platform": "linux/amd64"}
    assert instructions[1].arguments == "apt-get update && apt-get install -y curl"
    assert instructions[1].line == 3
    assert copy_sources(instructions[3]) == (["a b.txt"], "/app/")
    assert instructions[3].flags == {"chown": "agent:agent"}


def test_from_images_skip_stage_names_and_rewrite_maps_them():
    instructions = parse_dockerfile(DOCKERFILE)
    assert from_images(instructions) == ["python:3.12-slim"]
    rewritten = rewrite_from(DOCKERFILE, {"python:3.12-slim": "envbridge/base:py3"})
    assert "FROM --platform=linux/amd64 envbridge/base:py3 AS build" in rewritten
    assert "FROM build\n" in rewritten


def test_key_values_and_substitution():
    assert key_values('A=1 B="two words"') == {"A": "1", "B": "two words"}
    assert key_values("LEGACY some value") == {"LEGACY": "some value"}
    variables = {"HOME": "/root", "EMPTY": ""}
    assert substitute("$HOME/${HOME}/${MISSING:-dflt}/${EMPTY:-x}", variables) == (
        "/root//root/dflt/x"
    )
