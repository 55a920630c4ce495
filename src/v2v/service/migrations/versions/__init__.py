"""Migration scripts, oldest first (``0001_…``); each names its ``down_revision``."""
