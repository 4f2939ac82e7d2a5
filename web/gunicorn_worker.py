"""gunicorn's gthread worker with a deadline on each client's request (``worker_class`` in web/gunicorn_conf.py).

Why: once a connection's first bytes arrive, a gthread worker reads the rest of the request on one of its threads,
blocking. A client that sends its headers or body a few bytes at a time holds that thread for as long as it keeps
the connection open, and there are only workers x threads of them (2 x 4): twelve such connections made
``GET /healthz`` time out after 40 s for everyone else. Here every connection has ``ANSWERDESK_CLIENT_TIMEOUT``
seconds (default 30) to send its request: past that, the next read sees the end of the stream and gunicorn closes the
connection as one whose client went away (a debug line, no traceback). Each write waits at most as long, so a
client that stops reading its answer lets the thread go too.

A reverse proxy that buffers requests (nginx does by default) stays the first defence; this one keeps a single slow
or hostile client from stalling the service where there is none, or where it forwards slowly. TLS terminated by
gunicorn itself is not covered (its sockets are wrapped after this point); terminate TLS at the proxy.
"""

from __future__ import annotations

import errno
import os
import socket
import time
import weakref
from typing import Any

from gunicorn.workers import gthread  # type: ignore[import-untyped]

CLIENT_TIMEOUT_S = float(os.environ.get("ANSWERDESK_CLIENT_TIMEOUT", "30"))

# When each connection's request must have arrived by (monotonic seconds), per client socket.
_read_deadlines: weakref.WeakKeyDictionary[socket.socket, float] = weakref.WeakKeyDictionary()


class _ClientSocket(socket.socket):
    """A client connection whose blocking reads end at its deadline and whose writes time out."""

    __slots__ = ()  # the same layout as socket.socket, so an accepted socket can become one

    def setblocking(self, flag: bool) -> None:
        # gunicorn switches the socket to blocking mode for every read and write: blocking, but never for ever.
        if flag:
            self.settimeout(CLIENT_TIMEOUT_S)
        else:
            super().setblocking(False)

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        if self.gettimeout() == 0.0:  # non-blocking (gunicorn's own polling): as it was
            return super().recv(bufsize, flags)
        left = _read_deadlines.get(self, time.monotonic() + CLIENT_TIMEOUT_S) - time.monotonic()
        if left <= 0:
            return b""  # the end of the stream to gunicorn's parser: it drops the connection quietly
        self.settimeout(min(left, CLIENT_TIMEOUT_S))
        try:
            return super().recv(bufsize, flags)
        except TimeoutError:
            return b""

    def sendall(self, data: Any, flags: int = 0) -> None:
        try:
            super().sendall(data, flags)
        except TimeoutError:
            # As a client that hung up: gunicorn logs a broken pipe at debug level, not a traceback.
            raise BrokenPipeError(errno.EPIPE, "the client stopped reading the response") from None


def with_deadline(client: socket.socket, seconds: float = CLIENT_TIMEOUT_S) -> socket.socket:
    """``client`` (an accepted plain socket) as a :class:`_ClientSocket` whose request must arrive in ``seconds``."""
    if type(client) is socket.socket:
        client.__class__ = _ClientSocket
        _read_deadlines[client] = time.monotonic() + seconds
    return client


class ThreadWorker(gthread.ThreadWorker):  # type: ignore[misc]
    def enqueue_req(self, conn: Any) -> None:
        if not conn.initialized:  # a new connection, not a kept-alive one coming back with its next request
            conn.sock = with_deadline(conn.sock)
        super().enqueue_req(conn)
