"""The answer JSON contract of the CLI and the API (issue "Answering core", item 9), spelled out once for tests."""

ANSWER_KEYS = {
    "question",
    "answer",
    "is_gap",
    "reason",
    "confidence",
    "language",
    "citations",
    "sources",
    "related",
    "latency_ms",
    "intent",  # null for an answer to a question; "greeting" | "thanks" | "goodbye" | "handoff" for conversation
}
CITATION_KEYS = {"n", "id", "title", "url", "version", "chunk_id", "score"}
SOURCE_KEYS = {"id", "title", "score", "url"}
