"""The Docker commands of the ``envbridge`` CLI; each is ``*_main(argv) -> exit code``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

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
    except DockerPackagingError as exc:
        print(f"envbridge base-image: error: {exc}", file=sys.stderr)
        return 1
    print(tag)
    return 0
