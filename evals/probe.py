"""A probe: messages a helper blind to the code wrote for the bundled help centres, asked through the real answerer.

A probe file (JSON lines, in evals/graded/) holds one message per line with the help centre it is for (``lumo``:
the sample help centre, ``kestrel``, ``parcelpoint``, ``orla``: the robot vacuum's manuals) and what answers it:
the documents, best first, or ``"abstain"`` when the help centre does not say. Probes are read and tuned on (dev
data), except one kept unread to measure with (evals/graded/situational-round36b-heldout.jsonl); the data sets'
test parts stay apart. This prints, per help centre, how many answerable messages were answered citing a labelled
document first, answered citing another, not answered but with a labelled document as the first suggestion ("I'm
not sure"), or not answered otherwise, and how many abstain messages got an answer anyway:

    python -m evals.probe evals/graded/situational-round35-probe.jsonl --out var/probe.jsonl

``--out`` keeps each message's outcome and answer text, to read them as a support lead does.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import click

from chatbot.answering import build_answerer, load_calibration
from chatbot.config import load_settings
from chatbot.types import Answer
from evals.datasets import load_dataset
from evals.runner import index_dataset

# A probe's help centre -> the bundled data set holding its knowledge base.
HELP_CENTRES = {"lumo": "everyday", "kestrel": "kestrel", "parcelpoint": "parcelpoint", "orla": "orla"}
Verdict = Literal["right", "wrong", "suggested", "missed", "honest", "answered_abstain"]
VERDICTS: tuple[Verdict, ...] = ("right", "wrong", "suggested", "missed", "honest", "answered_abstain")


@dataclass(frozen=True)
class ProbeMessage:
    id: str
    help_centre: str
    message: str
    expected: tuple[str, ...]  # empty: the help centre does not answer it ("abstain")

    @classmethod
    def parse(cls, row: dict[str, Any]) -> ProbeMessage:
        expected = row["expected"]
        if row.get("help_centre") not in HELP_CENTRES:
            raise ValueError(f"{row.get('id')}: help_centre must be one of {sorted(HELP_CENTRES)}")
        if expected != "abstain" and not (isinstance(expected, list) and expected):
            raise ValueError(f'{row.get("id")}: expected must be a list of document ids or "abstain"')
        return cls(
            str(row["id"]), row["help_centre"], str(row["message"]), tuple(expected if expected != "abstain" else ())
        )


def verdict(message: ProbeMessage, answer: Answer) -> Verdict:
    """What ``answer`` did with ``message``: a confident answer is right when its first citation is labelled; an
    answerable message not answered is ``suggested`` when its first suggested article is labelled."""
    answered = not answer.is_gap and answer.intent is None
    if not message.expected:
        return "answered_abstain" if answered else "honest"
    if not answered:
        suggested = answer.is_gap and bool(answer.related) and answer.related[0].id in message.expected
        return "suggested" if suggested else "missed"
    return "right" if answer.citations and answer.citations[0].id in message.expected else "wrong"


def read_probe(path: Path) -> list[ProbeMessage]:
    with path.open(encoding="utf-8") as lines:
        return [ProbeMessage.parse(json.loads(line)) for line in lines if line.strip()]


def summary(verdicts: Iterable[tuple[str, Verdict]]) -> dict[str, dict[str, int]]:
    """Counts of each verdict per help centre (and ``all``)."""
    counts: dict[str, Counter[str]] = {}
    for help_centre, outcome in verdicts:
        for key in (help_centre, "all"):
            counts.setdefault(key, Counter())[outcome] += 1
    ordered = sorted(counts, key=lambda key: key == "all")  # each help centre as first met, then "all"
    return {key: {v: counts[key][v] for v in VERDICTS} for key in ordered}


def render(counts: dict[str, dict[str, int]]) -> str:
    lines = [
        "| help centre | answerable | right | wrong | not answered: right article suggested first / other "
        "| precision when answered | abstain: honest / answered |"
    ]
    lines.append("|---|---|---|---|---|---|---|")
    for key, c in counts.items():
        answerable = c["right"] + c["wrong"] + c["suggested"] + c["missed"]
        # An answered abstain message is a wrong answer too: precision counts it.
        answered = c["right"] + c["wrong"] + c["answered_abstain"]
        precision = f"{c['right'] / answered:.3f}" if answered else "-"
        lines.append(
            f"| {key} | {answerable} | {c['right']} | {c['wrong']} | {c['suggested']} / {c['missed']} | {precision} "
            f"| {c['honest']} / {c['answered_abstain']} |"
        )
    return "\n".join(lines)


def run_probe(messages: Sequence[ProbeMessage]) -> list[tuple[ProbeMessage, Answer, Verdict]]:
    settings = load_settings()
    results: list[tuple[ProbeMessage, Answer, Verdict]] = []
    for help_centre, dataset_name in HELP_CENTRES.items():
        asked = [m for m in messages if m.help_centre == help_centre]
        if not asked:
            continue
        answerer = build_answerer(index_dataset(load_dataset(dataset_name, settings.eval_data), settings))
        answerer.set_calibration(load_calibration(settings))
        for message in asked:
            answer = answerer.answer(message.message, audience="public")
            results.append((message, answer, verdict(message, answer)))
    return results


@click.command()
@click.argument("probe", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write each message's outcome here.")
def main(probe: Path, out: Path | None) -> None:
    try:
        messages = read_probe(probe)
    except (ValueError, KeyError, json.JSONDecodeError) as exc:
        raise click.ClickException(f"{probe}: {exc}") from exc
    results = run_probe(messages)
    click.echo(render(summary((m.help_centre, v) for m, _a, v in results)))
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8") as file:
            for message, answer, outcome in results:
                row = {
                    "id": message.id,
                    "help_centre": message.help_centre,
                    "message": message.message,
                    "verdict": outcome,
                    "reason": answer.reason,
                    "confidence": round(answer.confidence, 3),
                    "cited": [c.id for c in answer.citations],
                    "suggested": [r.id for r in answer.related] if answer.is_gap else [],
                    "answer": answer.answer,
                }
                file.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
