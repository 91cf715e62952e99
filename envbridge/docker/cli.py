"""The Docker commands of the ``envbridge`` CLI; each is ``*_main(argv) -> exit code``.

``add_docker_commands(subparsers)`` mounts ``base-image``, ``build`` and ``run`` on the
``envbridge`` parser; ``check_image_main`` serves ``envbridge check --image``. Importing
this module does not need docker-py (commands report its absence when run).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from collections.abc import Callable, Sequence

from envbridge.docker.base_image import BASE_PACKAGES, DEFAULT_BASE_TAG, DEFAULT_SUITE
from envbridge.docker.errors import DockerPackagingError
from envbridge.docker.progress import no_progress, print_progress


def base_image_main(argv: Sequence[str] | None = None) -> int:
    """``envbridge base-image``: build the offline Debian+Python base image if missing."""
    parser = argparse.ArgumentParser(
        prog="envbridge base-image",
        description="Build a minimal Debian base image with Python from Debian's packages "
        "(debootstrap + docker import; no registry needed). Cached: skipped when the tag exists.",
    )
    parser.add_argument("--tag", default=DEFAULT_BASE_TAG, help="image tag (%(default)s)")
    parser.add_argument("--suite", default=DEFAULT_SUITE, help="Debian suite (%(default)s)")
    parser.add_argument("--mirror", help="Debian mirror URL (default: the one apt uses)")
    parser.add_argument(
        "--include",
        action="append",
        default=[],
        metavar="PACKAGE",
        help=f"extra Debian package (repeatable); always: {', '.join(BASE_PACKAGES)}",
    )
    parser.add_argument("--force", action="store_true", help="rebuild even if the tag exists")
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    parser.add_argument(
        "--stand-ins",
        action="store_true",
        help="also build local stand-ins for python:3.11/3.12/3.13-slim (the host's own "
        "CPython), debian:bookworm-slim and ubuntu:22.04/24.04 (Debian, labelled so)",
    )
    parser.add_argument(
        "--stand-in",
        action="append",
        default=[],
        metavar="IMAGE",
        help="build the stand-in for IMAGE only (repeatable), e.g. python:3.12-slim",
    )
    args = parser.parse_args(argv)
    from envbridge.docker.base_image import ensure_base_image

    try:
        tag = ensure_base_image(
            args.tag,
            suite=args.suite,
            mirror=args.mirror,
            packages=(*BASE_PACKAGES, *args.include),
            force=args.force,
            progress=no_progress if args.quiet else print_progress,
        )
        for stand_in_tag in _stand_ins(args, tag):
            print(stand_in_tag)
    except DockerPackagingError as exc:
        print(f"envbridge base-image: error: {exc}", file=sys.stderr)
        return 1
    print(tag)
    return 0


def _stand_ins(args: argparse.Namespace, base: str) -> list[str]:
    from envbridge.docker.stand_ins import default_stand_ins, ensure_stand_in, stand_in_for

    wanted = default_stand_ins() if args.stand_ins else []
    for image in args.stand_in:
        stand_in = stand_in_for(image)
        if stand_in is None:
            raise DockerPackagingError(
                f"no stand-in is known for {image}; known: python:3.X[-slim], "
                "debian:bookworm[-slim], ubuntu:22.04, ubuntu:24.04"
            )
        wanted.append(stand_in)
    progress = no_progress if args.quiet else print_progress
    return [ensure_stand_in(s, base=base, force=args.force, progress=progress) for s in wanted]


def _json_object(text: str) -> dict:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("must be a JSON object, e.g. '{\"size\": 4}'")
    return value


def build_main(argv: Sequence[str] | None = None) -> int:
    """``envbridge build TARGET -t IMAGE``: an image serving TARGET on port 8000, offline."""
    parser = argparse.ArgumentParser(
        prog="envbridge build",
        description="Build a Docker image that serves TARGET (module:factory, gym:ID, "
        "verifiers:NAME, harbor:PATH) on port 8000. Python packages come from a wheelhouse "
        "built on this host; the image never reaches a package index.",
    )
    parser.add_argument("target", help="what the image serves (as for 'envbridge serve')")
    parser.add_argument("-t", "--tag", required=True, help="image name, e.g. my-env:latest")
    parser.add_argument(
        "--base",
        default=DEFAULT_BASE_TAG,
        help="base image with python3 (default: the offline %(default)s, built if missing; "
        "where a registry is reachable e.g. python:3.11-slim)",
    )
    parser.add_argument("--mode", default="simulation", choices=["simulation", "production"])
    parser.add_argument("--options", type=_json_object, help="JSON keyword arguments for the env")
    parser.add_argument(
        "--extra", action="append", default=[], help="envbridge extra to add (repeatable)"
    )
    parser.add_argument(
        "--requirement",
        action="append",
        default=[],
        help="pip requirement or local project folder to add to the wheelhouse (repeatable)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    args = parser.parse_args(argv)
    from envbridge.docker.build import build_image

    try:
        build_image(
            args.target,
            args.tag,
            base=args.base,
            mode=args.mode,
            options=args.options,
            extras=args.extra,
            requirements=args.requirement,
            progress=no_progress if args.quiet else print_progress,
        )
    except DockerPackagingError as exc:
        print(f"envbridge build: error: {exc}", file=sys.stderr)
        return 1
    print(args.tag)
    return 0


def run_main(argv: Sequence[str] | None = None) -> int:
    """``envbridge run IMAGE``: start it on 127.0.0.1, wait for /health, print the URL."""
    parser = argparse.ArgumentParser(
        prog="envbridge run",
        description="Run an envbridge (or any OpenEnv) image with port 8000 published on "
        "127.0.0.1, wait for /health and print the URL. Ctrl-C stops and removes it.",
    )
    parser.add_argument("image")
    parser.add_argument("--port", type=int, help="host port (default: a free one)")
    parser.add_argument(
        "--env", action="append", default=[], metavar="KEY=VALUE", help="container variable"
    )
    parser.add_argument("--health-timeout", type=float, default=60.0, metavar="SECONDS")
    _add_grant_option(parser)
    parser.add_argument(
        "--memory-mb", type=int, help="memory limit (default: envbridge.docker.run_options)"
    )
    parser.add_argument("--cpus", type=float, help="CPU limit (default: 2)")
    args = parser.parse_args(argv)
    environment = dict(item.partition("=")[::2] for item in args.env)
    from envbridge.docker.container import start_container

    try:
        running = start_container(
            args.image,
            port=args.port,
            environment=environment,
            health_timeout_s=args.health_timeout,
            grants=args.grant,
            memory_mb=args.memory_mb,
            cpus=args.cpus,
        )
    except DockerPackagingError as exc:
        print(f"envbridge run: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        print(running.url, flush=True)
        print_progress(
            f"run: {args.image} healthy at {running.url} after {running.startup_s:.1f} s; "
            "Ctrl-C stops and removes it"
        )
        status = running.container.wait()
        print_progress(f"run: the server exited ({status['StatusCode']}):\n{running.logs()}")
        return 1
    except KeyboardInterrupt:
        print_progress(f"run: stopping {args.image}")
        return 0
    finally:
        running.close()
        signal.signal(signal.SIGTERM, previous)


def _add_grant_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--grant",
        action="append",
        default=[],
        metavar="NEED",
        help="accept a privilege the image needs (repeatable): nested-sandbox for harbor "
        "images (docs/security.md says what it adds). An image cannot choose its own "
        "docker run options; every container drops all capabilities otherwise",
    )


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def check_image_main(argv: Sequence[str] | None = None) -> int:
    """``envbridge check --image IMAGE [check options]``: the kit against a fresh container.

    Every option other than ``--image``/``--health-timeout`` goes to ``envbridge check``
    with the container's URL; the container is removed afterwards whatever happens.
    """
    parser = argparse.ArgumentParser(
        prog="envbridge check --image",
        description="Start IMAGE, run the conformance kit against it, remove it.",
    )
    parser.add_argument("--image", required=True, help="the image to start and check")
    parser.add_argument("--health-timeout", type=float, default=60.0, metavar="SECONDS")
    _add_grant_option(parser)
    args, check_argv = parser.parse_known_args(argv)
    try:
        from envbridge.conformance.cli import main as check_url_main
    except ImportError as exc:
        print(f"envbridge check: the conformance kit is not installed ({exc})", file=sys.stderr)
        return 2
    from envbridge.docker.container import run_against_image

    try:
        return run_against_image(
            args.image,
            lambda url: check_url_main([url, *check_argv]),
            health_timeout_s=args.health_timeout,
            grants=args.grant,
        )
    except DockerPackagingError as exc:
        print(f"envbridge check: error: {exc}", file=sys.stderr)
        return 2


DOCKER_COMMANDS: dict[str, tuple[str, Callable[[Sequence[str]], int]]] = {
    "base-image": ("build the offline Debian+Python base image", base_image_main),
    "build": ("build a Docker image serving a target", build_main),
    "run": ("run an image on 127.0.0.1 and wait until healthy", run_main),
}


def add_docker_commands(subparsers: argparse._SubParsersAction) -> None:
    """Mount the Docker commands; each parses its own arguments (``--help`` included)."""
    for name, (summary, main) in DOCKER_COMMANDS.items():
        # no option prefix: every word, --help included, reaches the command's own parser
        parser = subparsers.add_parser(name, help=summary, add_help=False, prefix_chars="\0")
        parser.add_argument("args", nargs="*")
        parser.set_defaults(func=lambda parsed, main=main: main(parsed.args))
