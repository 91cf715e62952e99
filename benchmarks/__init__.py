"""envbridge benchmarks, side by side with the official OpenEnv stack (``make bench``).

Not shipped with envbridge. Modules here import only the standard library at the top
level: the same files run under envbridge's ``.venv`` and under the official stack's
``.venv-bench-openenv``, and each imports its client library only when used.
"""
