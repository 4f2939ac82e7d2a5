"""Which articles a Slack question may be answered from. People in the company's own workspace are employees
(audience internal, like the help page), but an answer is read by everyone in the conversation:

- a channel shared with another organisation (Slack Connect: ``is_ext_shared``, a pending invitation, or
  ``is_shared`` across organisations; a channel shared only within one Enterprise Grid org stays internal) gets
  public answers, as the widget does;
- so does a guest (``is_restricted``, ``is_ultra_restricted``), a user from another organisation (``is_stranger``,
  or an event whose ``user_team`` is not the app's team), anywhere, DMs included.

When Slack cannot tell (an API error, a missing scope), the answer is public: a missing internal answer is a
nuisance, an internal article in an external channel is a leak. Answers Slack gives are kept for five minutes so
that a busy channel costs one lookup, not one per question.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from slack_sdk import WebClient

from chatbot.types import Audience

log = logging.getLogger(__name__)

CACHE_SECONDS = 300.0


class Audiences:
    def __init__(self, client: WebClient, cache_seconds: float = CACHE_SECONDS) -> None:
        self._client = client
        self._cache_seconds = cache_seconds
        self._cache: dict[tuple[str, str], tuple[float, bool]] = {}
        self._lock = threading.Lock()

    def audience(self, *, channel: str, is_dm: bool, user: str, user_team: str | None, team: str | None) -> Audience:
        if user_team and team and user_team != team:
            return "public"
        if not is_dm and self._is_external_channel(channel):
            return "public"
        if self._is_outsider(user):
            return "public"
        return "internal"

    def _is_external_channel(self, channel: str) -> bool:
        def look_up() -> bool:
            info: dict[str, Any] = self._client.conversations_info(channel=channel)["channel"]
            shared_outside = bool(info.get("is_shared")) and not info.get("is_org_shared")
            return bool(info.get("is_ext_shared") or info.get("is_pending_ext_shared") or shared_outside)

        return self._cached(("channel", channel), look_up, "conversations.info (scopes channels:read, groups:read)")

    def _is_outsider(self, user: str) -> bool:
        def look_up() -> bool:
            info: dict[str, Any] = self._client.users_info(user=user)["user"]
            return bool(
                info.get("is_restricted")
                or info.get("is_ultra_restricted")
                or info.get("is_stranger")
                or info.get("deleted")
            )

        return self._cached(("user", user), look_up, "users.info (scope users:read)")

    def _cached(self, key: tuple[str, str], look_up: Any, what: str) -> bool:
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
        if hit is not None and now - hit[0] < self._cache_seconds:
            return hit[1]
        try:
            value = bool(look_up())
        except Exception as exc:  # SlackApiError, a network error, an odd reply: all mean "cannot tell"
            # Not cached: the next question asks again (a scope added meanwhile, a passing outage).
            log.warning("Slack %s failed (%s): answering %s %s with public articles only", what, exc, *key)
            return True
        with self._lock:
            self._cache[key] = (now, value)
        return value
