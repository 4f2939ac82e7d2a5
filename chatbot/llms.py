"""The optional LLM answer writers: numbered passages in (chatbot/prompts.py), a cited answer out, checked by the
answerer before it is shown (chatbot/grounding.py). The LLM only rewrites what retrieval found.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from chatbot.config import Settings
from chatbot.errors import ConfigError, LLMError
from chatbot.followups import Turn
from chatbot.grounding import MARKER_RE
from chatbot.prompts import DEFAULT_CONTEXT_TOKENS, AnswerWriter, Passage, system_prompt, user_prompt
from chatbot.tokens import truncate_to_tokens

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

HISTORY_TURNS = 3
HISTORY_ANSWER_TOKENS = 80  # enough to say what was answered; the full text would crowd out the passages


# -- messages ---------------------------------------------------------------------------------------------------
def history_messages(history: Sequence[Turn]) -> list[BaseMessage]:
    """The last turns as context for follow-ups ("and on Android?"), with short, citation-free answers."""
    messages: list[BaseMessage] = []
    for turn in history[-HISTORY_TURNS:]:
        # Old [n] markers point at old passages; left in, they invite the model to reuse the wrong numbers.
        answer = MARKER_RE.sub("", turn.answer).strip()
        messages.append(HumanMessage(content=turn.question))
        messages.append(AIMessage(content=truncate_to_tokens(answer, HISTORY_ANSWER_TOKENS)))
    return messages


def build_messages(
    question: str, language: str, passages: Sequence[Passage], history: Sequence[Turn] = ()
) -> list[BaseMessage]:
    # Plain messages, not a ChatPromptTemplate: passage text full of "{" and "}" must not be read as variables.
    return [
        SystemMessage(content=system_prompt(language)),
        *history_messages(history),
        HumanMessage(content=user_prompt(question, passages)),
    ]


# -- writers ----------------------------------------------------------------------------------------------------
class OpenAIChatWriter:
    """Any OpenAI-compatible chat server (OpenAI, vLLM, llama.cpp, Ollama...) through langchain's ChatOpenAI."""

    name = "openai"

    def __init__(self, chat: BaseChatModel, timeout_s: float, context_tokens: int = DEFAULT_CONTEXT_TOKENS) -> None:
        self.chat = chat
        self.timeout_s = timeout_s
        self.context_tokens = context_tokens  # the passage budget; see build_passages

    def stream(
        self, question: str, language: str, passages: Sequence[Passage], history: Sequence[Turn]
    ) -> Iterator[str]:
        messages = build_messages(question, language, passages, history)
        # The client timeout bounds each read; a server that trickles tokens forever is stopped by this deadline.
        deadline = time.monotonic() + self.timeout_s
        try:
            for chunk in self.chat.stream(messages):
                if chunk.text:
                    yield chunk.text
                if time.monotonic() > deadline:
                    raise LLMError(f"the LLM took longer than {self.timeout_s:g}s")
        except LLMError:
            raise
        except Exception as exc:  # openai/httpx errors: one type for callers, the cause kept for the log
            raise LLMError(f"the LLM server failed: {type(exc).__name__}: {exc}") from exc


def _build_openai(settings: Settings) -> AnswerWriter:
    base_url, model = settings.llm_base_url, settings.llm_model
    if not base_url or not model:
        missing = [
            env for env, value in (("ANSWERDESK_LLM_BASE_URL", base_url), ("ANSWERDESK_LLM_MODEL", model)) if not value
        ]
        raise ConfigError(f"ANSWERDESK_LLM=openai needs {' and '.join(missing)}")
    try:
        from langchain_openai import ChatOpenAI  # heavy (openai, httpx, pydantic models): only when configured
    except ImportError as exc:
        raise ConfigError("ANSWERDESK_LLM=openai needs langchain-openai: pip install langchain-openai") from exc
    from pydantic import SecretStr

    chat = ChatOpenAI(
        base_url=base_url,
        # Local servers ignore the key, but the client refuses to start without one.
        api_key=SecretStr(settings.llm_api_key or "not-needed"),
        model=model,
        timeout=settings.llm_timeout,
        max_retries=1,  # one retry for a blip; more would only delay the extractive fallback
        streaming=True,
        temperature=0,
    )
    return OpenAIChatWriter(chat, timeout_s=settings.llm_timeout, context_tokens=settings.llm_context_tokens)


WRITER_BUILDERS: dict[str, Callable[[Settings], AnswerWriter]] = {"openai": _build_openai}


def build_writer(settings: Settings) -> AnswerWriter:
    builder = WRITER_BUILDERS.get(settings.llm)
    if builder is None:
        raise ConfigError(f"ANSWERDESK_LLM={settings.llm!r} is not valid: expected one of {', '.join(WRITER_BUILDERS)}")
    return builder(settings)
