"""Files a folder may hold that must not be read as written, each found by a robustness check (round 38): links out
of the folder, front matter behind an invisible character, YAML alias bombs, file names that are not UTF-8."""

from __future__ import annotations

import os
import time
from pathlib import Path

from ingest.sources import load_path
from ingest.sources.ids import shown
from tests.test_sources import by_id, write

INTERNAL = "---\naudience: internal\n---\n# Escalations\n\nCall the duty manager on 0700 123.\n"


def test_a_link_out_of_the_folder_is_reported_and_not_read(tmp_path: Path) -> None:
    # "users.md -> /etc/passwd" was ingested as a public article, and a link to the data folder's secret key too.
    secret = write(tmp_path / "data" / "secret_key", "s3cr3t-signing-key")
    kb = tmp_path / "kb"
    write(kb / "guide.md", "# Guide\n\nHow to start.\n")
    (kb / "passwd.md").symlink_to("/etc/passwd")
    (kb / "key.md").symlink_to(secret)
    (kb / "alias.md").symlink_to(kb / "guide.md")  # inside the folder: read
    (kb / "gone.md").symlink_to(kb / "nowhere.md")
    os.mkfifo(kb / "pipe.md")  # reading it would block the ingest for ever
    result = load_path(kb)
    assert set(by_id(result)) == {"guide.md", "alias.md"}
    failed = {f.path: f.error for f in result.failed}
    assert "outside the folder" in failed["passwd.md"] and "outside the folder" in failed["key.md"]
    assert failed["gone.md"] == "a link to a file that does not exist"
    assert failed["pipe.md"] == "not a regular file"
    assert not any("s3cr3t" in d.text or "root:" in d.text for d in result.documents)


def test_front_matter_behind_invisible_characters_still_sets_the_audience(tmp_path: Path) -> None:
    # A blank line, a space, a byte-order mark or a zero-width space before "---" made the block body text: the
    # internal document was public.
    leads = {"blank": "\n", "space": " \n", "crlf": "\r\n", "bom": "\ufeff\n", "zero-width": "\u200b"}
    for name, lead in leads.items():
        write(tmp_path / f"{name}.md", lead + INTERNAL)
    documents = by_id(load_path(tmp_path))
    assert len(documents) == 5
    for document in documents.values():
        assert document.audience == "internal" and "audience:" not in document.text, document.id


def test_yaml_aliases_are_refused_quickly_and_the_message_stays_short(tmp_path: Path) -> None:
    # 391 bytes of nested aliases expanded to 312 MB of error message and 2 GB of memory.
    levels = ["a: &a [x, x, x, x, x, x, x, x, x]"] + [
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]" for i in range(8)
    ]
    bomb = "\n".join(levels)
    write(tmp_path / "bomb.md", f"---\n{bomb}\naudience: [*i]\n---\nBody\n")
    write(tmp_path / "faq.yaml", f"{bomb}\nfaqs: []\n")
    write(tmp_path / "sub" / "_defaults.yaml", f"{bomb}\naudience: internal\n")
    write(tmp_path / "sub" / "page.md", "# Page\n\nText.\n")
    write(tmp_path / "fine.md", "---\ntitle: &t Fine\n---\nAn anchor alone is harmless.\n")
    started = time.perf_counter()
    result = load_path(tmp_path)
    assert time.perf_counter() - started < 10
    assert set(by_id(result)) == {"fine.md"}
    failed = {f.path: f.error for f in result.failed}
    assert set(failed) == {"bomb.md", "faq.yaml", "sub/page.md"}
    assert all("aliases" in error and len(error) < 500 for error in failed.values()), failed


def test_a_file_name_that_is_not_utf8_fails_alone(tmp_path: Path) -> None:
    # It aborted the whole ingest with a traceback: no report, and no other file ingested.
    write(tmp_path / "good.md", "# Good\n\nFine.\n")
    (tmp_path / os.fsdecode(b"caf\xe9.md")).write_text("# Caf\n\nLatin-1 name.\n", encoding="utf-8")
    result = load_path(tmp_path)
    assert set(by_id(result)) == {"good.md"}
    [failed] = result.failed
    assert failed.path == "caf\\xe9.md" and "not valid UTF-8" in failed.error


def test_a_field_longer_than_its_column_fails_its_file_alone(tmp_path: Path) -> None:
    # PostgreSQL refused the value and the refusal aborted the whole ingest (SQLite stored it).
    write(tmp_path / "long-id.md", f"---\nid: {'x' * 600}\n---\nBody.\n")
    write(tmp_path / "long-community.md", f"---\ncommunity: {'c' * 200}\n---\nBody.\n")
    write(tmp_path / "fine.md", "# Fine\n\nBody.\n")
    result = load_path(tmp_path)
    assert set(by_id(result)) == {"fine.md"}
    failed = {f.path: f.error for f in result.failed}
    assert failed == {
        "long-id.md": "id longer than 512 characters (600)",
        "long-community.md": "community longer than 128 characters (200)",
    }


# Deep enough that a pass per element over everything below it (quadratic) would take many minutes, where the
# walk should take about a second; and far past Python's recursion limit.
HOSTILE_DEPTH = 50_000


def _nested(tag: str, depth: int, inner: str = "deep text") -> str:
    return f"<{tag}>" * depth + inner + f"</{tag}>" * depth


def test_html_nested_thousands_deep_fails_alone_and_the_rest_is_ingested(tmp_path: Path) -> None:
    # 20,000 nested <div>s took 35 s of quadratic work and then failed with "RecursionError" (a robustness check,
    # round 39); 50,000 would have held the ingest for minutes.
    page = "<html><head><title>{}</title></head><body><main><h1>{}</h1>{}</main></body></html>"
    write(tmp_path / "deep-div.html", page.format("Deep", "Deep", _nested("div", HOSTILE_DEPTH)))
    write(tmp_path / "deep-bold.html", page.format("Bold", "Bold", _nested("b", HOSTILE_DEPTH)))
    write(tmp_path / "fine.html", page.format("Fine", "Fine", "<p>Refunds take five days.</p>"))
    result = load_path(tmp_path)
    assert set(by_id(result)) == {"fine.html"}
    failed = {f.path: f.error for f in result.failed}
    assert set(failed) == {"deep-div.html", "deep-bold.html"}
    assert all("nested more than" in error for error in failed.values()), failed


def test_html_nested_as_deep_as_real_pages_go_is_still_read(tmp_path: Path) -> None:
    # The limit is far above any real page's nesting (a few dozen levels): such a page loses nothing.
    inner = _nested("span", 20, "<b>Click Export</b> to download your books.")
    list_item = _nested("ul", 20, f"<li>{inner}</li>")
    write(
        tmp_path / "nested.html",
        f"<html><body><main><h1>Export</h1>{_nested('div', 180, list_item)}</main></body></html>",
    )
    result = load_path(tmp_path)
    assert result.failed == []
    assert "**Click Export** to download your books." in by_id(result)["nested.html"].text


def test_ids_that_are_paths_out_invisible_or_huge_fail_their_file_alone(tmp_path: Path) -> None:
    # "../../x", an id that rewrites the terminal or reads backwards, and an id of 100,000 characters were stored
    # as given (a robustness check, round 39); only the length was checked, and only on some paths.
    huge = "x" * 100_000
    ids = {
        "up.md": "../../x",
        "absolute.md": "/etc/passwd",
        "dot.md": "billing/./refunds",
        "escape.md": '"red\\e[31m"',  # YAML's \e: an ESC character
        "delete.md": '"del\\x7f"',
        "next-line.md": '"ne\\x85l"',
        "reversed.md": '"txt.\\u202eexe"',
        "huge.md": huge,
    }
    for name, doc_id in ids.items():
        write(tmp_path / name, f"---\nid: {doc_id}\n---\n# Title\n\nBody.\n")
    write(tmp_path / f"name{chr(27)}[2J.md", "# Escape in the file name\n\nBody.\n")  # the file name is the id
    faq = "- question: Can I pay later?\n  answer: Yes.\n  id: %s\n"
    write(tmp_path / "faq.yaml", "".join(faq % i for i in ("later", "../../etc/passwd", huge)))
    # An FAQ page's entries get "#question" after its id: the file's id fits, its entries' ids do not.
    questions = "".join(f"## Question {n}?\n\nAnswer {n}.\n\n" for n in range(3))
    long_rel = Path("a" * 200, "b" * 200, "c" * 100 + ".md")
    write(tmp_path / long_rel, questions)
    write(tmp_path / "fine.md", "# Fine\n\nBody.\n")

    result = load_path(tmp_path)
    assert set(by_id(result)) == {"fine.md", "faq.yaml#later"}
    failed = {f.path: f.error for f in result.failed}
    assert set(failed) == {
        *ids,
        "name\\x1b[2J.md",  # shown escaped: a failure report must not clear the terminal either
        "faq.yaml#row 2",
        "faq.yaml#row 3",
        long_rel.as_posix(),
    }
    for path in ("up.md", "absolute.md", "dot.md", "faq.yaml#row 2"):
        assert "'.' or '..' part" in failed[path] or "starts with" in failed[path], failed[path]
    for path in ("escape.md", "delete.md", "next-line.md", "reversed.md", "name\\x1b[2J.md"):
        assert "control or invisible character" in failed[path], failed[path]
    assert failed["huge.md"] == "id longer than 512 characters (100000)"
    assert "id longer than 512 characters" in failed[long_rel.as_posix()]
    assert all(len(error) < 200 and "\x1b" not in error for error in failed.values()), failed


def test_emoji_joined_by_zero_width_joiners_make_a_sane_id(tmp_path: Path) -> None:
    # "👩‍💻" is 👩 U+200D 💻: the joiner is part of the emoji, and such a file name failed its file as "invisible
    # character U+200D" (a review after round 39). A joiner anywhere else still hides what an id is.
    joined = {
        "\U0001f469\u200d\U0001f4bb developer setup.md": "Developer setup",
        "\U0001f3f3\ufe0f\u200d\U0001f308 pride.md": "Pride",  # a variation selector before the joiner
        "\U0001f468\U0001f3fd\u200d\U0001f527 repairs.md": "Repairs",  # a skin tone before the joiner
        "\U0001f642\u200d\u2194\ufe0f no.md": "No",  # the arrow is a math symbol (Sm)
    }
    for name, title in joined.items():
        write(tmp_path / name, f"# {title}\n\nBody.\n")
    hidden = {
        "pay\u200dpal.md": "pay\\u200dpal.md",  # between letters: "paypal" to the eye
        "\U0001f469\u200d.md": "\U0001f469\\u200d.md",  # joins the emoji to nothing
        "\u200d\U0001f4bb.md": "\\u200d\U0001f4bb.md",
        "\U0001f469\u200d\u202e\U0001f4bb.md": "\U0001f469\\u200d\\u202e\U0001f4bb.md",  # a right-to-left override
    }
    for name in hidden:
        write(tmp_path / name, "# Hidden\n\nBody.\n")
    write(tmp_path / "front-matter.md", '---\nid: "a\\u200db"\n---\n# Title\n\nBody.\n')

    result = load_path(tmp_path)
    assert {doc_id: doc.title for doc_id, doc in by_id(result).items()} == joined
    failed = {f.path: f.error for f in result.failed}
    assert set(failed) == {*hidden.values(), "front-matter.md"}
    for error in failed.values():
        assert "control or invisible character U+200D" in error or "U+202E" in error, error
    assert shown("\U0001f469\u200d\U0001f4bb and a\u200db") == "\U0001f469\u200d\U0001f4bb and a\\u200db"


def test_flag_keycap_and_presentation_emoji_make_a_sane_id(tmp_path: Path) -> None:
    # England's flag is 🏴 and the tag characters "gbeng" (U+E0067 ...) closed by CANCEL TAG U+E007F: invisible
    # formatting characters (Cf), and such a file name failed its file as "invisible character U+E0067" (a review
    # after round 40). Tag characters anywhere else are ASCII no one sees: they still fail their file.
    england = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
    scotland = "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
    read = {
        f"{england} shipping.md": "Shipping",
        f"{scotland} {england} offices.md": "Offices",
        "\U0001f1f3\U0001f1f1 returns.md": "Returns",  # a regional-indicator flag
        "1\ufe0f\u20e3 first steps.md": "First steps",  # a keycap: the digit, the variation selector, U+20E3
        "\u2764\ufe0f favourites.md": "Favourites",  # emoji presentation
        "\u2764\ufe0e text heart.md": "Text heart",  # text presentation
    }
    for name, title in read.items():
        write(tmp_path / name, f"# {title}\n\nBody.\n")
    hidden = {
        "a\U000e0067\U000e0062.md": "a\\U000e0067\\U000e0062.md",  # after a letter: "a" to the eye
        "\U0001f3f4\U000e0067\U000e0062.md": "\U0001f3f4\\U000e0067\\U000e0062.md",  # no cancel tag
        # after an emoji other than 🏴: no flag, "🙂" to the eye
        "\U0001f642\U000e0067\U000e0062\U000e0065\U000e007f.md": (
            "\U0001f642\\U000e0067\\U000e0062\\U000e0065\\U000e007f.md"
        ),
        "\U000e007f.md": "\\U000e007f.md",  # a cancel tag alone
        f"{england}\u202e.md": f"{england}\\u202e.md",  # a right-to-left override after a flag
    }
    for name in hidden:
        write(tmp_path / name, "# Hidden\n\nBody.\n")
    wales = "\\U0001F3F4\\U000E0067\\U000E0062\\U000E0077\\U000E006C\\U000E0073\\U000E007F"  # YAML escapes
    write(tmp_path / "sub" / "wales.md", f'---\nid: "{wales} wales"\n---\n# Wales\n\nBody.\n')
    write(tmp_path / "sub" / "tagged.md", '---\nid: "ok\\U000E0041"\n---\n# Tagged\n\nBody.\n')

    result = load_path(tmp_path)
    documents = {doc_id: doc.title for doc_id, doc in by_id(result).items()}
    wales_id = "\U0001f3f4\U000e0067\U000e0062\U000e0077\U000e006c\U000e0073\U000e007f wales"
    assert documents == {**read, wales_id: "Wales"}  # a file's id is its name, unchanged
    assert {doc.id for doc in load_path(tmp_path).documents} == set(documents)  # and the same on every ingest
    failed = {f.path: f.error for f in result.failed}
    assert set(failed) == {*hidden.values(), "sub/tagged.md"}
    for error in failed.values():
        assert "control or invisible character U+E00" in error or "U+202E" in error, error
    assert shown(f"{england} and a\U000e0067") == f"{england} and a\\U000e0067"
