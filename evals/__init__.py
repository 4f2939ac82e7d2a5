"""Quality and speed measurement on public data."""
