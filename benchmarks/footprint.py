"""Install footprint and import time of a distribution, measured in its own venv.

    python -m benchmarks.footprint DIST --import MODULE [--import MODULE] [--self-dir DIR]

Packages: the distribution and its runtime requirements, transitively (no extras,
markers evaluated for this interpreter). Size: the files their RECORDs list, plus
``--self-dir`` source folders for an editable install (whose RECORD lists no sources).
Import time: a fresh interpreter per sample, the module's import alone, median (pip
compiled the .pyc files at install time, so no sample pays for compilation).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
from importlib import metadata
from pathlib import Path

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirements(dist: metadata.Distribution, extras: set[str]) -> list[tuple[str, set[str]]]:
    """(name, requested extras) of what ``dist`` needs with ``extras`` selected."""
    from packaging.requirements import Requirement

    needed = []
    for text in dist.requires or []:
        requirement = Requirement(text)
        marker = requirement.marker
        if marker is None or any(marker.evaluate({"extra": e}) for e in {"", *extras}):
            needed.append((requirement.name, set(requirement.extras)))
    return needed


def closure(root: str) -> list[metadata.Distribution]:
    """``root`` and every distribution it needs at run time, following requested extras."""
    seen: dict[str, metadata.Distribution] = {}
    expanded: set[tuple[str, str]] = set()
    todo: list[tuple[str, set[str]]] = [(root, set())]
    while todo:
        raw_name, extras = todo.pop()
        name = _normalise(raw_name)
        keys = {(name, e) for e in {"", *extras}}
        if keys <= expanded:
            continue
        expanded |= keys
        try:
            dist = seen.get(name) or metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        seen[name] = dist
        todo.extend(_requirements(dist, extras))
    return sorted(seen.values(), key=lambda d: _normalise(d.metadata["Name"]))


def _dist_bytes(dist: metadata.Distribution) -> int:
    total = 0
    for file in dist.files or []:
        path = Path(str(file.locate()))
        if path.is_file():
            total += path.stat().st_size
    return total


def _dir_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*.py") if p.is_file())


def import_seconds(module: str, reps: int) -> float:
    """Median wall time of ``import module`` in a fresh interpreter each time."""
    code = (
        "import time; t = time.perf_counter(); import "
        + module
        + "; print(time.perf_counter() - t)"
    )
    samples = []
    for _ in range(reps):
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
        )
        samples.append(float(out.stdout.strip()))
    return round(statistics.median(samples), 3)


def main() -> None:
    """Print the footprint JSON."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.footprint")
    parser.add_argument("dist")
    parser.add_argument("--import", dest="imports", action="append", default=[])
    parser.add_argument("--self-dir", action="append", default=[])
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    dists = closure(args.dist)
    size = sum(_dist_bytes(d) for d in dists) + sum(_dir_bytes(Path(d)) for d in args.self_dir)
    print(
        json.dumps(
            {
                "dist": args.dist,
                "version": metadata.version(args.dist),
                "packages": len(dists),
                "package_names": [d.metadata["Name"] for d in dists],
                "installed_mib": round(size / 2**20, 1),
                "import_s": {m: import_seconds(m, args.reps) for m in args.imports},
            }
        )
    )


if __name__ == "__main__":
    main()
