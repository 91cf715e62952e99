"""Adapters that hand envbridge environments to trainers, in each trainer's own shape.

This room sits above the client, the pool and the bridges; nothing in the core imports
it. Each trainer library is an optional extra:

* :mod:`envbridge.integrations.trl`: TRL's ``environment_factory`` (GRPO, AsyncGRPO);
* :mod:`envbridge.integrations.gymnasium`: ``make_vec`` from a serve target (a remote
  ``gymnasium.vector.VectorEnv``; ``client.as_gymnasium_vector(n)`` for a running server).
"""
