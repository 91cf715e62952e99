"""vf1-math: single-turn arithmetic as a verifiers v1 taskset (offline, in memory).

The model answers inside ``<answer></answer>``; ``correct`` (weight 1.0) checks the
answer and ``formatted`` (weight 0.2) the tags.
"""

from vf1_math.taskset import MathTaskset

__all__ = ["MathTaskset"]
