"""Terminal-Bench style outputs test, run by uvx on Python 3.13."""

import sys
from pathlib import Path

EXPECTED = [
    2,
    3,
    5,
    7,
    11,
    13,
    17,
    19,
    23,
    29,
    31,
    37,
    41,
    43,
    47,
    53,
    59,
    61,
    67,
    71,
    73,
    79,
    83,
    89,
    97,
]


def test_runs_on_the_python_uvx_asked_for():
    assert sys.version_info[:2] == (3, 13)


def test_primes_file_exists():
    assert Path("/app/primes.txt").is_file()


def test_primes_are_the_first_25():
    lines = Path("/app/primes.txt").read_text().split()
    assert [int(line) for line in lines] == EXPECTED
