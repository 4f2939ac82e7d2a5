"""The OpenAPI 3.1 description of /api/v1, written by hand (document.py) from one part per domain."""
