"""Environments written with the official OpenEnv library (for interop tests and the demo)."""
