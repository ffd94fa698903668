"""Stage shells: the thin I/O wrapper around each pure core (matching, review, recorder)."""
