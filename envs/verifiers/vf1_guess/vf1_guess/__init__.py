"""vf1-guess: a number-guessing game as a verifiers v1 taskset plus an ``Env`` that plays
the user ("higher" / "lower") against one agent seat, ``player`` (offline, in memory).

``solved`` (weight 1.0) and ``efficiency`` (weight 0.5, 1/number of guesses) score the
player's trace.
"""

from vf1_guess.game import GuessEnv, GuessTaskset

__all__ = ["GuessEnv", "GuessTaskset"]
