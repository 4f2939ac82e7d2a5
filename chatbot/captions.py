"""Figure captions: the line naming a drawing that the text does not carry ("Figure 2-1 Free space around the
station", "Fig. 3 Rear panel").

A manual's PDF puts the caption on a line of its own under the drawing. Run into the sentence after it, it opened a
robot vacuum manual's answer ("Figure 2-1 Free space around the station Do not place the station in a bathroom
...", round 43), and alone it says nothing a customer can act on. So ingest gives it a paragraph of its own
(ingest/sources/pdf.py) and the composer never quotes it (chatbot/composer/units.py); it stays in the text that is
searched, where it says what the section around it is about. A sentence about a figure ("Figure 3 shows the
ports.") ends like a sentence and is no caption.
"""

from __future__ import annotations

import re

_CAPTION = re.compile(r"^(?:Figure|Fig\.)\s*\d+(?:[-.\u2013]\d+)*[:.]?\s+[^.!?。！？]*$")


def is_figure_caption(line: str) -> bool:
    """Whether ``line`` (one line of text, stripped) is a figure's caption."""
    return bool(_CAPTION.match(line.strip()))
