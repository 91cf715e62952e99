"""The main demo (``make demo``): one trainer over Gymnasium, verifiers, harbor and
official-OpenEnv environments at once, through one :class:`envbridge.Pool`."""

from envbridge.demo.run import main

__all__ = ["main"]
