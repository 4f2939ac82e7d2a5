"""`answerdesk ask` and `answerdesk chat`: the answerer from a terminal (default audience: internal)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import cast

import click

from chatbot.answering import Answerer, build_answerer
from chatbot.config import AUDIENCES, load_settings
from chatbot.followups import Turn
from chatbot.language import has_visible_text
from chatbot.runtime import build_runtime
from chatbot.types import Answer, Audience


def _answerer() -> Answerer:
    return build_answerer(build_runtime(load_settings()))


@click.command("ask")
@click.argument("question", required=False)
@click.option(
    "--file",
    "questions_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Ask every line of this file (one question per line; the model is loaded once).",
)
@click.option(
    "--audience",
    type=click.Choice(AUDIENCES),
    default="internal",
    show_default=True,
    help="internal: an employee (all documents); public: a customer on the widget (public documents only).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per question.")
def ask_command(question: str | None, questions_file: Path | None, audience: str, as_json: bool) -> None:
    """Answer QUESTION (or each line of --file) from the knowledge base."""
    if (question is None) == (questions_file is None):
        raise click.UsageError("give a QUESTION or --file (exactly one of them)")
    if questions_file is not None:
        try:
            lines = questions_file.read_text(encoding="utf-8-sig").splitlines()  # -sig: a leading BOM is no word
        except UnicodeDecodeError as exc:
            raise click.UsageError(f"{questions_file} is not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
        questions = [q.strip() for q in lines if has_visible_text(q)]
    else:
        questions = [cast(str, question)]
    if not questions or not all(has_visible_text(q) for q in questions):
        raise click.UsageError("the question is empty")
    answerer = _answerer()
    for text in questions:
        answer = answerer.answer(text, audience=cast(Audience, audience))
        if as_json:
            click.echo(json.dumps(answer.to_dict(), ensure_ascii=False))
            sys.stdout.flush()
        else:
            click.echo(render_answer(answer))


# What people type to leave a prompt: never sent as a question.
LEAVE_WORDS = frozenset({"quit", "exit", ":q"})


@click.command("chat")
@click.option("--audience", type=click.Choice(AUDIENCES), default="internal", show_default=True)
def chat_command(audience: str) -> None:
    """An interactive conversation with history (follow-up questions work). 'quit', 'exit', ':q' or Ctrl-D to
    leave."""
    answerer = _answerer()
    history: list[Turn] = []
    click.echo("Ask a question ('quit', 'exit' or Ctrl-D to leave, 'new' to start over).")
    while True:
        try:
            question = input("you> ").strip()
        except (EOFError, KeyboardInterrupt):
            # Ctrl-D (or Ctrl-C) at the prompt: end the prompt's line so that the shell's prompt starts on its own.
            click.echo()
            return
        if question.lower() in LEAVE_WORDS:
            return
        if question.lower() == "new":
            history.clear()
            click.echo("(new conversation: earlier questions are forgotten)")
            continue
        if not question:
            continue
        try:
            answer = answerer.answer(question, history, audience=cast(Audience, audience))
        except KeyboardInterrupt:
            # Ctrl-C while an answer is being made (an LLM can take seconds) stops that answer, not the whole
            # conversation: Ctrl-D or 'quit' at the prompt leaves.
            click.echo("\n(stopped)")
            continue
        click.echo(render_answer(answer))
        history.append(Turn(question, answer.answer))


def render_answer(answer: Answer) -> str:
    lines = [answer.answer, ""]
    if answer.citations:
        lines += [f"[{c.n}] {c.title} ({c.id}{', ' + c.url if c.url else ''})" for c in answer.citations]
    if answer.related:
        lines += ["Related:" if answer.language == "en" else "相关文章："]
        for ref in answer.related:
            lines.append(f"  - {ref.title} ({ref.id})")
            if ref.excerpt:
                lines.append(f"    {ref.excerpt}")
    gap = f", gap: {answer.reason}" if answer.is_gap else ""
    lines.append(f"(confidence {answer.confidence:.2f}{gap}, {answer.latency_ms:.0f} ms)")
    return "\n".join(lines)
