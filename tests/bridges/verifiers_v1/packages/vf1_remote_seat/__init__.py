"""vf1-remote-seat: the guessing game with a seat left on verifiers' default runtime
(the remote ``prime`` sandbox), as a package author easily ships it. The bridge must
refuse it at start-up and name the ``--env-args`` that make it run locally."""

import verifiers.v1 as vf
from vf1_guess.game import GuessEnv, GuessTaskset


class RemoteSeatConfig(vf.EnvConfig):
    player: vf.AgentConfig = vf.AgentConfig(harness={"id": "null"}, max_turns=5)


class RemoteSeatEnv(vf.Env[RemoteSeatConfig]):
    run = GuessEnv.run


__all__ = ["GuessTaskset", "RemoteSeatEnv"]
