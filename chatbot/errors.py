"""Error classes with a stable machine-readable code and the HTTP status the web edge maps them to."""

from __future__ import annotations


class AnswerdeskError(Exception):
    """Base class: every error answerdesk raises on purpose carries a code, a status and a safe message."""

    code = "internal_error"
    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(AnswerdeskError):
    code = "bad_configuration"
    status = 500


class BadRequestError(AnswerdeskError):
    code = "bad_request"
    status = 400


class NotFoundError(AnswerdeskError):
    code = "not_found"
    status = 404


class DocumentLoadError(AnswerdeskError):
    """A source file could not be turned into documents (empty, corrupt, binary, too large...)."""

    code = "document_load_failed"
    status = 422


class EmbedderMismatchError(AnswerdeskError):
    """The collection was built by another embedder; mixing vectors of two models gives nonsense results."""

    code = "embedder_mismatch"
    status = 500


class ServiceUnavailableError(AnswerdeskError):
    code = "service_unavailable"
    status = 503


class LLMError(AnswerdeskError):
    code = "llm_failed"
    status = 503
