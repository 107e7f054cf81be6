"""Benchmarks: run with `make bench` (python -m bench). Each prints one JSON object last."""
