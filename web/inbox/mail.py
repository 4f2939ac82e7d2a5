"""Sending one e-mail through the configured mail server (ANSWERDESK_SMTP_URL), with the standard library only.

``smtp://HOST:PORT`` talks plain SMTP (a relay on the same host or network), ``smtp+starttls://`` upgrades the
connection with STARTTLS (port 587 by default) and ``smtps://`` speaks TLS from the start (465); ``USER:PASSWORD@``
in the URL (URL-encoded) signs in. Errors come back as :class:`MailError` with a sentence an agent can act on; the
URL, and so the password, never appears in one.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Literal
from urllib.parse import unquote, urlsplit

# Long enough for a slow relay, short enough that the agent's page does not hang on a dead one.
MAIL_TIMEOUT_S = 10.0
_DEFAULT_PORTS = {"plain": 25, "starttls": 587, "tls": 465}
_SECURITY: dict[str, Literal["plain", "starttls", "tls"]] = {
    "smtp": "plain",
    "smtp+starttls": "starttls",
    "smtps": "tls",
}


class MailError(Exception):
    """The e-mail was not accepted by the mail server; the message says why."""


@dataclass(frozen=True)
class MailServer:
    host: str
    port: int
    security: Literal["plain", "starttls", "tls"]
    username: str | None = None
    password: str | None = None

    @classmethod
    def from_url(cls, url: str) -> MailServer:
        """The server of a URL that chatbot/config.py has already checked."""
        parts = urlsplit(url)
        security = _SECURITY[parts.scheme.lower()]
        return cls(
            host=parts.hostname or "",
            port=parts.port or _DEFAULT_PORTS[security],
            security=security,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )


@dataclass(frozen=True)
class Mail:
    sender: str
    to: str
    subject: str
    body: str

    def message(self) -> EmailMessage:
        message = EmailMessage()  # refuses a header with a line break: no header injection from user input
        message["From"] = self.sender
        message["To"] = self.to
        message["Subject"] = self.subject
        message["Date"] = formatdate(localtime=False, usegmt=True)
        message["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2].strip(" >") or None)
        message.set_content(self.body)  # UTF-8, so a Chinese reply arrives as written
        return message


def send_mail(server: MailServer, mail: Mail, timeout: float = MAIL_TIMEOUT_S) -> None:
    """Hand ``mail`` to ``server``; raises :class:`MailError` unless the server accepted it."""
    try:
        message = mail.message()
    except ValueError as exc:
        raise MailError(f"The e-mail could not be written: {exc}") from None
    try:
        if server.security == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                server.host, server.port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(server.host, server.port, timeout=timeout)
        with client:
            if server.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if server.username is not None:
                client.login(server.username, server.password or "")
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:  # SMTPException is an OSError; both named for the reader
        raise MailError(describe_failure(exc, server)) from None


def describe_failure(exc: OSError, server: MailServer) -> str:
    where = f"the mail server {server.host}:{server.port}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return f"{where} refused the address."
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"{where} refused the sign-in (check the user and password in ANSWERDESK_SMTP_URL)."
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{where} answered {exc.smtp_code}: {text}"
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return f"{where} did not answer within {MAIL_TIMEOUT_S:g} s."
    if isinstance(exc, ConnectionRefusedError):
        return f"{where} refused the connection (is it running?)."
    if isinstance(exc, socket.gaierror):
        return f"{where} is unknown (no such host)."
    if isinstance(exc, ssl.SSLError):
        return f"TLS with {where} failed: {exc.reason or exc}."
    if isinstance(exc, smtplib.SMTPException):
        return f"{where} failed: {exc}"
    return f"{where} could not be reached: {exc.strerror or exc}."
