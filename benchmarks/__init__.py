"""Speed and memory targets, measured by `make bench` (not part of the tests)."""
