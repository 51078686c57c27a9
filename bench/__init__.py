"""Benchmarks: each script prints its own figures and the baselines it runs itself."""
