"""Benchmark: image size and cold start (docker run -> /health 200) of envbridge images.

    python benchmarks/docker_cold_start.py [--runs 5] [--image TAG ...] [--target T ...]

Without --image it builds the native counter sample (and any --target) into temporary
images, measures them and removes them. Results print as a table and are written to
benchmarks/results/docker_cold_start.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import uuid
from pathlib import Path

from envbridge.docker.build import build_image
from envbridge.docker.container import start_container
from envbridge.docker.engine import docker_client
from envbridge.docker.progress import no_progress

RESULTS = Path(__file__).parent / "results" / "docker_cold_start.json"


def measure(image: str, runs: int) -> dict:
    """Size and ``runs`` cold starts of ``image`` (each container removed afterwards)."""
    client = docker_client()
    starts = []
    for _ in range(runs):
        with start_container(image, client=client) as running:
            starts.append(running.startup_s)
    return {
        "image": image,
        "openenv_launcher_s": measure_openenv_launcher(image, runs),
        "size_mb": round(client.images.get(image).attrs["Size"] / 1e6, 1),
        "cold_start_s": {
            "median": round(statistics.median(starts), 3),
            "min": round(min(starts), 3),
            "max": round(max(starts), 3),
            "runs": runs,
        },
    }


def measure_openenv_launcher(image: str, runs: int) -> dict | None:
    """The same cold start through OpenEnv's LocalDockerProvider (None if not installed)."""
    try:
        from openenv.core.containers.runtime.providers import LocalDockerProvider
    except ImportError:
        return None
    starts = []
    for _ in range(runs):
        provider = LocalDockerProvider()
        started = time.monotonic()
        try:
            provider.wait_for_ready(provider.start_container(image))
            starts.append(time.monotonic() - started)
        finally:
            provider.stop_container()
    return {"median": round(statistics.median(starts), 3), "runs": runs}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--image", action="append", default=[], help="measure an existing image")
    parser.add_argument("--target", action="append", default=[], help="build and measure")
    args = parser.parse_args(argv)
    targets = args.target or ([] if args.image else ["envs.native.counter:CounterEnv"])
    client = docker_client()
    built, results = [], []
    try:
        for target in targets:
            tag = f"envbridge-bench/{uuid.uuid4().hex[:8]}:latest"
            started = time.monotonic()
            build_image(target, tag, progress=no_progress)
            build_s = round(time.monotonic() - started, 1)
            built.append(tag)
            result = measure(tag, args.runs)
            result.update(target=target, build_s=build_s)
            results.append(result)
        results += [measure(image, args.runs) for image in args.image]
    finally:
        for tag in built:
            client.images.remove(tag, force=True)
    for result in results:
        start = result["cold_start_s"]
        print(
            f"{result.get('target', result['image']):40} {result['size_mb']:7.1f} MB  "
            f"cold start median {start['median']:.2f} s (min {start['min']:.2f}, "
            f"max {start['max']:.2f}, {start['runs']} runs)"
            + (f"  build {result['build_s']} s" if "build_s" in result else "")
            + (
                f"  (OpenEnv launcher median {result['openenv_launcher_s']['median']:.2f} s)"
                if result["openenv_launcher_s"]
                else ""
            )
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
