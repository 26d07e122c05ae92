"""Use cases: each runs in one transaction (load, apply a domain rule, save, append events)."""
