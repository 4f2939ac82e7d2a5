"""`answerdesk ask` and `answerdesk chat` as a script or a person runs them: the installed console script in a
subprocess, against a data dir filled once by `answerdesk ingest examples/helpcenter --json`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.contract import ANSWER_KEYS, CITATION_KEYS, SOURCE_KEYS
from tests.helpcenter_kb import SAMPLE_KB

pytestmark = pytest.mark.slow

ANSWERDESK = Path(sys.executable).with_name("answerdesk")
TIMEOUT = 600  # seconds; loading the model on a busy 2-core machine can take a while


@dataclass(frozen=True)
class Cli:
    env: dict[str, str]
    cwd: Path

    def run(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(ANSWERDESK), *args],
            env=self.env,
            cwd=self.cwd,
            input=stdin,
            stdin=None if stdin is not None else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    assert ANSWERDESK.exists(), f"the answerdesk console script is not installed next to {sys.executable}"
    root = tmp_path_factory.mktemp("cli")
    # Only our data dir: no ANSWERDESK_* setting of the calling shell (an LLM, another database) may leak in.
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSWERDESK_")}
    env.update(
        ANSWERDESK_DATA_DIR=str(root / "var"),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        ANONYMIZED_TELEMETRY="False",
        PYTHONIOENCODING="utf-8",
    )
    cli = Cli(env, root)
    result = cli.run("ingest", str(SAMPLE_KB), "--json")
    assert result.returncode == 0, result.stderr
    lines = json_lines(result.stdout)
    assert len(lines) == 1, result.stdout
    assert lines[0]["added"] > 50 and lines[0]["failed"] == []
    return cli


def json_lines(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def assert_contract(data: dict[str, Any]) -> None:
    assert set(data) == ANSWER_KEYS
    assert isinstance(data["is_gap"], bool)
    assert 0.0 <= data["confidence"] <= 1.0
    assert len(data["sources"]) <= 10
    assert all(set(c) == CITATION_KEYS for c in data["citations"])
    assert all(set(s) == SOURCE_KEYS for s in data["sources"])
    # A suggestion of "I'm not sure" may carry its line closest to the question.
    assert all(set(s) - {"excerpt"} == SOURCE_KEYS for s in data["related"])


def mentioned_ids(data: dict[str, Any]) -> set[str]:
    return {item["id"] for key in ("citations", "sources", "related") for item in data[key]}


def test_ask_prints_one_json_object(cli: Cli) -> None:
    result = cli.run("ask", "How do I request a refund?", "--json")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, result.stdout  # nothing but the JSON object on stdout
    data = json.loads(lines[0])
    assert_contract(data)
    assert data["question"] == "How do I request a refund?"
    assert data["is_gap"] is False and data["reason"] is None
    assert data["citations"][0]["id"] == "faq/faq.csv#request-refund"
    assert data["answer"].endswith("[1]")


def test_ask_file_prints_one_json_line_per_question_in_order(cli: Cli, tmp_path: Path) -> None:
    questions = [
        "How do I create an API key?",
        "Who won the 1998 World Cup?",
        "What is the escalation phone extension?",  # the CLI's default audience is internal: an employee
    ]
    path = tmp_path / "questions.txt"
    path.write_text("\n".join([questions[0], "", *questions[1:]]) + "\n", encoding="utf-8")  # blank lines skipped
    result = cli.run("ask", "--file", str(path), "--json")
    assert result.returncode == 0, result.stderr
    answers = json_lines(result.stdout)
    assert [a["question"] for a in answers] == questions
    for data in answers:
        assert_contract(data)
    api, off_topic, internal = answers
    assert api["citations"][0]["id"] == "integrations/api-keys.md" and not api["is_gap"]
    assert off_topic["is_gap"] is True and off_topic["citations"] == []
    assert internal["citations"][0]["id"] == "internal/escalation-contacts.md"
    assert "4411" in internal["answer"]


def test_public_audience_gets_no_internal_document(cli: Cli) -> None:
    result = cli.run("ask", "What is the escalation phone extension?", "--audience", "public", "--json")
    assert result.returncode == 0, result.stderr
    (data,) = json_lines(result.stdout)
    assert_contract(data)
    assert data["is_gap"] is True or not any(c["id"].startswith("internal/") for c in data["citations"])
    assert not any(doc_id.startswith("internal/") or "#internal-" in doc_id for doc_id in mentioned_ids(data))
    assert "4411" not in result.stdout and "Escalation contacts" not in result.stdout


@pytest.mark.parametrize("args", [["ask"], ["ask", "--json"], ["ask", "How do I request a refund?", "--file", "x"]])
def test_ask_needs_exactly_one_of_question_or_file(cli: Cli, args: list[str]) -> None:
    if "x" in args:
        (cli.cwd / "x").write_text("How do I request a refund?\n", encoding="utf-8")
    result = cli.run(*args)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Usage:" in result.stderr
    assert result.stdout == ""


def test_chat_answers_each_line_with_history(cli: Cli) -> None:
    stdin = "How do I enable two-factor authentication?\nand on Android?\nexit\n"
    result = cli.run("chat", stdin=stdin)
    assert result.returncode == 0, result.stderr
    answers = [block for block in result.stdout.split("you> ")[1:] if "(confidence " in block]
    assert len(answers) == 2, result.stdout
    assert result.stdout.count("(confidence ") == 2
    first, follow_up = answers
    assert "Settings > Security > Two-factor authentication" in first
    # The follow-up was read against the first question: it is still about 2FA, not about the Android app alone.
    assert "two-factor" in follow_up.lower() or "2fa" in follow_up.lower(), follow_up


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"How do I request a refund?\n\xff\xfe broken\n", "is not UTF-8 text"),  # was a UnicodeDecodeError traceback
        ("\u200b\n\n\ufeff\n".encode(), "the question is empty"),
    ],
)
def test_a_questions_file_it_cannot_read_is_a_usage_error(cli: Cli, content: bytes, message: str) -> None:
    (cli.cwd / "questions.txt").write_bytes(content)
    result = cli.run("ask", "--file", "questions.txt")
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert message in result.stderr and "Traceback" not in result.stderr


def test_ctrl_c_during_an_answer_stops_that_answer_not_the_chat(monkeypatch: pytest.MonkeyPatch) -> None:
    """Was: Ctrl-C while an answer was being made ended the whole session ("Aborted!")."""
    from click.testing import CliRunner

    from chatbot import commands
    from chatbot.types import Answer

    class Interrupted:
        def answer(self, question: str, history: object = (), audience: str = "internal") -> Answer:
            if question == "slow question":
                raise KeyboardInterrupt
            return Answer(question, f"answer to {question}", False, None, 1.0, "en")

    monkeypatch.setattr(commands, "_answerer", Interrupted)
    result = CliRunner().invoke(commands.chat_command, input="slow question\nnext question\nquit\n")
    assert result.exit_code == 0, result.output
    assert "(stopped)" in result.output and "answer to next question" in result.output


def test_new_says_that_a_new_conversation_began(monkeypatch: pytest.MonkeyPatch) -> None:
    """Was: "new" printed nothing ("you> you>"), so nobody could tell the history was gone."""
    from click.testing import CliRunner

    from chatbot import commands
    from chatbot.types import Answer

    asked: list[int] = []

    class Remembering:
        def answer(
            self, question: str, history: list[object] | tuple[object, ...] = (), audience: str = "internal"
        ) -> Answer:
            asked.append(len(history))
            return Answer(question, f"answer to {question}", False, None, 1.0, "en")

    monkeypatch.setattr(commands, "_answerer", Remembering)
    result = CliRunner().invoke(commands.chat_command, input="first\nsecond\nnew\nthird\nquit\n")
    assert result.exit_code == 0, result.output
    assert "(new conversation: earlier questions are forgotten)" in result.output
    assert asked == [0, 1, 0]  # the question after "new" has no history


def test_a_suggestions_line_is_printed_under_its_title(monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from chatbot import commands
    from chatbot.types import Answer, SourceRef

    related = [
        SourceRef("faq.csv#apps", "Which phones?", 0.9, None, "The app needs iOS 16 or later."),
        SourceRef("a.md", "A", 0.5),
    ]

    class Unsure:
        def answer(self, question: str, history: object = (), audience: str = "internal") -> Answer:
            return Answer(question, "I'm not sure.", True, "low_confidence", 0.2, "en", related=related)

    monkeypatch.setattr(commands, "_answerer", Unsure)
    result = CliRunner().invoke(commands.ask_command, ["will it run on ios 15"])
    assert result.exit_code == 0, result.output
    assert "  - Which phones? (faq.csv#apps)\n    The app needs iOS 16 or later.\n  - A (a.md)\n" in result.output
