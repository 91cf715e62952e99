"""Server processes the benchmark starts (each listens on 127.0.0.1 only)."""
