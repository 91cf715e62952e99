"""The v1 API (verifiers 0.4.x tasksets): one null-harness agent run per episode.

Needs verifiers>=0.4 (or the ``verifiers.v1`` package of 0.3.1); kept apart from the
classic modules, which need ``verifiers<0.4``.
"""
