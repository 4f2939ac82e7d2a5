"""Small SQL helpers shared by the query modules."""

from __future__ import annotations

# The escape character given to LIKE/ILIKE with every pattern built by escape_like.
LIKE_ESCAPE = "\\"


def escape_like(text: str) -> str:
    """``text`` as a literal inside a LIKE pattern: ``%`` and ``_`` typed by an editor are searched for, not
    wildcards. Use with ``escape=LIKE_ESCAPE``."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
