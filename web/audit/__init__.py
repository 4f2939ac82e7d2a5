"""The audit log: who did what, when and from where; written by log.py, read (pages, exports) by queries.py."""
