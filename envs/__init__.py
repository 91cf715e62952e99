"""Sample environments of each ecosystem (repo data for the demo, docs and tests; not shipped)."""
