"""Bytes to text: UTF-8 (with or without a BOM), UTF-16 with a BOM, and GB18030 when it reads as Chinese."""

from __future__ import annotations

from chatbot.errors import DocumentLoadError
from chatbot.language import detect_language


def decode(data: bytes) -> str:
    """``data`` as text with ``\n`` line ends; DocumentLoadError when it is binary, undecodable or blank."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Windows Notepad's "Unicode" is UTF-16 with a BOM; its NUL bytes are not binary content.
        text = _try_decode(data, "utf-16")
    else:
        if b"\x00" in data:
            raise DocumentLoadError("binary content, not text")
        text = _try_decode(data, "utf-8-sig")
        if text is None:
            # Older Chinese help centres export GB18030/GBK; accept it only when it really reads as Chinese,
            # because random bytes often decode as GB18030 too.
            text = _try_decode(data, "gb18030")
            if text is not None and detect_language(text) != "zh":
                text = None
    if text is None:
        raise DocumentLoadError("not UTF-8 text")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise DocumentLoadError("empty file")
    return text


def _try_decode(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None
