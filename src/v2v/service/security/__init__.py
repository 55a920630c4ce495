"""API keys, rate limits, CSRF and upload validation."""
