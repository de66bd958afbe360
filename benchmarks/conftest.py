"""Benchmarks run with `make bench` only (not part of `make test`)."""
