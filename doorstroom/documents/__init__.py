"""Documents and their booking proposals, as validated payloads."""
