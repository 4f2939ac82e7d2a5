"""The forms of a gap's page, and what a refused one posted: shown again in that form, or beside the page when the
form is no longer on it.

A refused action answers with the gap page itself (web/editor/gaps.py). That page is built anew, so every form on it
shows what the server knows: the form that was posted shows what it posted (its text, its choices, its ticks), and
the others show the gap as stored (its assignee, its community, its saved FAQ). Text typed into another form and
not submitted never reached the server; no server-rendered page can give it back.

Forms are told apart by their view's name (the endpoint), not by their field names: the two resolve forms both
post ``accept_unverified``, and a tick in one must not tick the other.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from chatbot.types import Audience
from web.gaps.resolve import FaqDraft

TRIAGE_FORMS = ("assign", "refile", "merge", "move", "dismiss")  # shown while the gap is open or assigned
RESOLVE_FORMS = ("resolve_faq", "resolve_article")  # shown while it can be resolved (resolved ones too)


@dataclass(frozen=True)
class GapForm:
    """One form of the gap page: what it does (for "Your … (not saved)") and the fields it posts, with labels."""

    title: str
    fields: tuple[tuple[str, str], ...]


GAP_FORMS: dict[str, GapForm] = {
    "assign": GapForm("assignment", (("user", "Assign to"),)),
    "refile": GapForm("filing", (("community", "File under"),)),
    "merge": GapForm("merge", (("into", "Merge this gap into gap #"),)),
    "move": GapForm("move", (("to", "Move the question to gap #"), ("message_id", "Question (message number)"))),
    "dismiss": GapForm("dismiss reason", (("reason", "Dismiss, because"),)),
    "comment": GapForm("comment", (("text", "Comment"),)),
    "resolve_faq": GapForm(
        "FAQ entry",
        (("question", "Question"), ("answer", "Answer"), ("audience", "Audience"), ("accept_unverified", "")),
    ),
    "resolve_article": GapForm("article choice", (("article_id", "Article"), ("accept_unverified", ""))),
}
TICKED = ("1", "on", "true", "yes")  # web.editor.fields.form_flag's values


@dataclass(frozen=True)
class TypedForm:
    """What one refused form posted (``form``: its view's name), or nothing (a page not answering a refusal)."""

    form: str | None = None
    values: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def posted(cls, form: str, posted: Mapping[str, str]) -> TypedForm:
        """Keep only the fields ``form`` has: a hand-made POST's extra fields fill in no other form."""
        names = [name for name, _ in GAP_FORMS[form].fields] if form in GAP_FORMS else []
        return cls(form, {name: posted[name] for name in names if name in posted})

    def value(self, form: str, name: str, default: str = "") -> str:
        """What ``form`` posted as ``name`` if it is the refused form (an empty field stays empty); ``default``, the
        stored value, for any other form."""
        return self.values.get(name, "") if form == self.form else default

    def ticked(self, form: str, name: str) -> bool:
        return self.value(form, name) in TICKED

    def faq(self) -> FaqDraft | None:
        """The FAQ a refused "Save FAQ and verify" posted, to offer it again as typed."""
        if self.form != "resolve_faq":
            return None
        audience: Audience = "internal" if self.values.get("audience") == "internal" else "public"
        return FaqDraft(
            question=self.values.get("question", ""), answer=self.values.get("answer", ""), audience=audience
        )

    def unsent(self, shown: Collection[str], question_ids: Collection[int]) -> Unsent | None:
        """The refused form's text when the page no longer has that form (the gap was closed meanwhile, the
        question was moved away): kept beside the page, since it has nowhere else to go."""
        if self.form is None or self.form not in GAP_FORMS:
            return None
        if self.form in shown and (self.form != "move" or self._message_id() in question_ids):
            return None
        spec = GAP_FORMS[self.form]
        values = [(label, self.values[name]) for name, label in spec.fields if label and self.values.get(name, "")]
        return Unsent(self.form, spec.title, values) if values else None

    def _message_id(self) -> int | None:
        raw = self.values.get("message_id", "")
        return int(raw) if raw.isascii() and raw.isdigit() else None


@dataclass(frozen=True)
class Unsent:
    """A refused form's text with no form left to hold it: ``values`` as (label, text), the empty ones left out."""

    form: str
    title: str
    values: list[tuple[str, str]]


def shown_forms(can_act: bool, is_open: bool, can_resolve: bool, has_communities: bool) -> set[str]:
    """The forms the gap page shows (the template asks this set, so the page and ``unsent`` agree)."""
    shown = {"comment"} if can_act else set()  # closed gaps take comments too
    if can_act and is_open:
        shown.update(form for form in TRIAGE_FORMS if form != "refile" or has_communities)
    if can_resolve:
        shown.update(RESOLVE_FORMS)
    return shown
