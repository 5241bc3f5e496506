"""Benchmarks that print figures; they never assert on time (tests must not depend on the clock)."""
