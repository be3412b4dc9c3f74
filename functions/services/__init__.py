"""Use cases, one module each. Every function takes its collaborators as arguments."""
