"""Benchmarks of keten, run with ``make bench``; results go to bench/results.md and the README."""
