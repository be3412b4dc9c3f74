"""Adapters: one module per backend. They do I/O and decide no policy."""
