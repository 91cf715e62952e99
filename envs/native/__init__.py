"""Environments written directly on envbridge's spec."""
