"""Settings: every one documented, defaults valid, bad values named in the error."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatbot.config import SETTING_SPECS, load_settings
from chatbot.errors import ConfigError

README = Path(__file__).resolve().parent.parent / "README.md"


def test_every_setting_is_documented_in_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    missing = [spec.env for spec in SETTING_SPECS if f"`{spec.env}`" not in text]
    assert missing == []


def test_defaults_load_without_any_variable() -> None:
    settings = load_settings({})
    assert settings.data_dir == Path("./var")
    assert settings.embedder == "minilm" and settings.llm == "none" and settings.abstain_threshold is None
    assert settings.resolved_database_url.endswith("answerdesk.db")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("ANSWERDESK_EMBEDDER", "bert"),
        ("ANSWERDESK_CHUNK_TOKENS", "-3"),
        ("ANSWERDESK_CHUNK_TOKENS", "many"),
        ("ANSWERDESK_ABSTAIN_THRESHOLD", "1.5"),
        ("ANSWERDESK_LLM", "gpt"),
        ("ANSWERDESK_CHROMA_URL", "localhost:8000"),
        ("ANSWERDESK_LOG_LEVEL", "loud"),
        ("ANSWERDESK_DB_BUSY_TIMEOUT", "0"),
        ("ANSWERDESK_DB_BUSY_TIMEOUT", "nan"),
        ("ANSWERDESK_DB_BUSY_TIMEOUT", "soon"),
    ],
)
def test_a_bad_value_names_the_variable(variable: str, value: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings({variable: value})
    assert variable in str(raised.value)


def test_values_are_parsed() -> None:
    settings = load_settings(
        {"ANSWERDESK_ABSTAIN_THRESHOLD": "0.4", "ANSWERDESK_CHUNK_TOKENS": "180", "ANSWERDESK_EMBEDDER": "Multilingual"}
    )
    assert settings.abstain_threshold == 0.4 and settings.chunk_tokens == 180 and settings.embedder == "multilingual"
    assert load_settings({}).db_busy_timeout == 4.0
    assert load_settings({"ANSWERDESK_DB_BUSY_TIMEOUT": "2.5"}).db_busy_timeout == 2.5


def test_a_data_folder_that_cannot_be_made_names_the_variable(tmp_path: Path) -> None:
    # Was "[Errno 2] No such file or directory: '/proc/foo'", naming nothing (a terminal check, round 37).
    from web import create_app

    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        create_app(load_settings({"ANSWERDESK_DATA_DIR": str(blocked / "var")}))
    assert "ANSWERDESK_DATA_DIR" in str(raised.value)
