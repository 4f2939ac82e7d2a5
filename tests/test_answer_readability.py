"""Answers that read well, with the real retrieval and composer over the sample help centre (issue "Right when
it answers").

What a support lead marks down first (docs in /work/shared/ANSWER-QUALITY.md): debris from the source (NOTE/TIP
labels, non-breaking spaces, mojibake, tables flattened into pipes), a second passage glued on that answers
something else, a repeated sentence, and a follow-up that repeats the previous answer.

Whether to answer at all is the confidence model's call, tested elsewhere: these tests look at the text the
extractive composer writes from what retrieval found (``compose``), and at the answerer's answer when it answers.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from chatbot.answering import BARE_VERDICT, qualifies_verdict
from chatbot.composer import Composition
from chatbot.followups import Turn, retrieval_query
from chatbot.types import Answer, Audience
from tests.helpcenter_kb import SampleKB, sample_kb

pytestmark = pytest.mark.slow

MARKER = re.compile(r"\[(\d+)\]")
DEBRIS = ("NOTE:", "Note:", "Tip:", "TIP:", "\u00a0", "\u200b", "\ufeff", "Â", "â€", "Ã")
SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> SampleKB:
    return sample_kb(tmp_path_factory)


def ask(kb: SampleKB, question: str, history: list[Turn] | None = None, audience: Audience = "public") -> Answer:
    return kb.answerer.answer(question, history or [], audience=audience)


def compose(kb: SampleKB, question: str, history: list[Turn] | None = None, audience: Audience = "public") -> Answer:
    """The extractive answer the answerer writes when it answers: the question searched as the answerer searches
    it (a follow-up with its previous turn), composed without repeating the previous answer."""
    history = history or []
    query = retrieval_query(question, history)
    result = kb.answerer.retriever.retrieve(query, audience, k=10)
    avoid = history[-1].answer if query != question else ""
    keyword_index = kb.runtime.keyword_index
    composition: Composition = kb.answerer.composer.compose(
        result.query, result.documents, lambda term: keyword_index.idf(term, audience), avoid=avoid
    )
    answer = Answer(
        question=question,
        answer=composition.text,
        is_gap=not composition.text,
        reason=None,
        confidence=1.0,
        language="en",
    )
    answer.citations = composition.citations
    return answer


def prose_lines(text: str) -> list[str]:
    """The lines of an answer that are not Markdown table rows."""
    return [line for line in text.splitlines() if not line.lstrip().startswith("|")]


def assert_reads_well(answer: Answer) -> None:
    text = answer.answer
    for debris in DEBRIS:
        assert debris not in text, (answer.question, debris, text)
    # A table is a Markdown table (header, |---| rule, rows) or absent: never pipes inside prose.
    assert not any(" | " in line for line in prose_lines(text)), (answer.question, text)
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("|") and (i == 0 or not lines[i - 1].startswith("|")):
            assert i + 1 < len(lines) and re.fullmatch(r"\|(-{3}\|)+", lines[i + 1]), (answer.question, text)
    # No sentence twice.
    sentences = [s.strip() for line in prose_lines(MARKER.sub("", text)) for s in SENTENCE.split(line) if s.strip()]
    assert len(sentences) == len(set(sentences)), (answer.question, text)
    # [n] markers and citations agree.
    if not answer.is_gap:
        assert {int(n) for n in MARKER.findall(text)} == {c.n for c in answer.citations}, (answer.question, text)


def test_the_sample_help_centre_is_stored_clean(kb: SampleKB) -> None:
    for chunks in kb.chunks.values():
        for chunk in chunks:
            for text in (chunk.text, chunk.title, *chunk.heading_path):
                assert not any(debris in text for debris in DEBRIS), (chunk.id, text)
    headings = {h for chunks in kb.chunks.values() for c in chunks for h in c.heading_path}
    assert "Choose the start date carefully" in headings  # was "### Tip: choose the start date carefully"
    paypal = " ".join(c.text for c in kb.chunks["integrations/paypal.html"])
    assert "| PayPal fees | Expense in Payment processing fees | Every hour |" in paypal


def _sample_questions(kb: SampleKB) -> list[tuple[str, Audience]]:
    """Every FAQ question and every article title of the sample help centre, asked with its audience."""
    questions: list[tuple[str, Audience]] = []
    for row in kb.catalogue.values():
        if row.language == "en":
            questions.append((row.title, "internal" if row.audience == "internal" else "public"))
    return sorted(set(questions))


def test_no_answer_over_the_sample_help_centre_carries_debris(kb: SampleKB) -> None:
    questions = _sample_questions(kb)
    assert len(questions) > 60
    for question, audience in questions:
        assert_reads_well(compose(kb, question, audience=audience))
        assert_reads_well(ask(kb, question, audience=audience))


def test_add_another_user_gets_the_invite_steps_and_nothing_about_currencies(kb: SampleKB) -> None:
    answer = compose(kb, "How do I add another user?")
    assert not answer.is_gap
    assert_reads_well(answer)
    assert "currenc" not in answer.answer.lower(), answer.answer
    assert "Invite user" in answer.answer, answer.answer
    assert [c.id for c in answer.citations] in (
        ["account/users-and-permissions.md"],
        ["faq/faq.csv#invite-user"],
    ), answer.citations


@pytest.mark.parametrize(
    ("question", "article", "step"),
    [
        # The FAQ entry "Which plan do I need to connect Shopify?" shares the words, not the kind of answer.
        ("How do I connect Shopify?", "integrations/shopify.md", "Click **Connect store**"),
        ("How do I connect my Shopify store?", "integrations/shopify.md", "Click **Connect store**"),
        # A want told as such (round 42): it got the "can't find your bank" tips.
        ("I need to connect my bank", "bookkeeping/bank-feeds.md", "Click **Connect a bank**"),
    ],
)
def test_a_how_to_question_gets_the_steps_not_a_close_faq_entry_about_something_else(
    kb: SampleKB, question: str, article: str, step: str
) -> None:
    answer = ask(kb, question)
    assert not answer.is_gap and answer.writer == "extractive", answer
    assert_reads_well(answer)
    assert [c.id for c in answer.citations] == [article], answer.answer
    assert answer.answer.startswith("1. ") and step in answer.answer, answer.answer


@pytest.mark.parametrize(
    ("question", "holds"),
    [
        ("How do PayPal fees appear in Lumo?", "Payment processing fees"),
        ("How often does PayPal sync?", "Every hour"),
    ],
)
def test_the_paypal_table_is_quoted_as_a_table(kb: SampleKB, question: str, holds: str) -> None:
    answer = compose(kb, question)
    assert not answer.is_gap
    assert_reads_well(answer)
    assert holds in answer.answer, answer.answer
    rows = [line for line in answer.answer.splitlines() if line.startswith("|")]
    if rows:  # the table, with its header
        assert rows[:2] == ["| Item | How it appears in Lumo | Sync frequency |", "|---|---|---|"], answer.answer
    else:  # one row of it, as its record: each cell under its column's name
        assert answer.answer.startswith("**PayPal fees**\n- How it appears in Lumo: "), answer.answer
    assert "currency" not in answer.answer  # the next section of the article is another question


def test_a_part_of_a_message_an_earlier_answer_labels_adds_no_other_article(kb: SampleKB) -> None:
    # Round 42: the on-call row labels "Backup: Dana Whitfield"; "who's backup?" alone finds the 2FA backup codes.
    answer = ask(kb, "whos on support on-call the week starting 21 dec, and who's backup?", audience="internal")
    assert not answer.is_gap, answer.answer
    assert_reads_well(answer)
    assert [c.id for c in answer.citations] == ["internal/escalation-contacts.md"], answer.answer
    assert "Backup: Dana Whitfield" in answer.answer and "backup codes" not in answer.answer, answer.answer


def test_a_second_passage_only_for_a_part_the_first_does_not_answer(kb: SampleKB) -> None:
    for question in ("What start date should I choose for a bank feed?", "How do I scan a receipt?"):
        answer = compose(kb, question)
        assert_reads_well(answer)
        assert len(answer.citations) == 1, (question, answer.answer)


@pytest.mark.parametrize("answered_by", [compose, ask])
def test_and_on_android_answers_the_android_variant(kb: SampleKB, answered_by: Callable[..., Answer]) -> None:
    first_question = "How do I install the app on iPhone?"
    first = answered_by(kb, first_question)
    assert not first.is_gap and "App Store" in first.answer, first.answer
    follow_up = answered_by(kb, "and on Android?", [Turn(first_question, first.answer)])
    mobile = {"mobile/mobile-apps.md", "faq/faq.csv#mobile-requirements"}
    if follow_up.is_gap:
        # The answerer may be unsure of the rewritten question ("How do I install the app on Android?": the help
        # centre never says "install"); then it must say so and point to the page, never repeat the iPhone answer.
        assert answered_by is ask and follow_up.reason == "low_confidence", follow_up.answer
        assert {r.id for r in follow_up.related} & mobile and "App Store" not in follow_up.answer
        return
    assert_reads_well(follow_up)
    assert follow_up.answer != first.answer
    assert "Android" in follow_up.answer, follow_up.answer
    assert "App Store" not in follow_up.answer, follow_up.answer  # the iPhone answer is not repeated
    assert {c.id for c in follow_up.citations} & mobile


def test_the_readmes_follow_up_answers_the_new_variant(kb: SampleKB) -> None:
    """README, "Asking", step 5: "How many users can I add on Plus?", then "and on Business?"."""
    first_question = "How many users can I add on Plus?"
    first = ask(kb, first_question)
    assert not first.is_gap and first.answer.startswith("**Plus**\n- Users included: 3\n"), first.answer
    follow_up = ask(kb, "and on Business?", [Turn(first_question, first.answer)])
    assert not follow_up.is_gap, follow_up.answer
    assert_reads_well(follow_up)
    assert follow_up.citations[0].id == "account/users-and-permissions.md", follow_up.citations
    assert "**Business**\n- Users included: 10\n" in follow_up.answer, follow_up.answer
    assert "Plus" not in follow_up.answer, follow_up.answer  # the Plus row is not quoted again


def test_a_word_that_names_rows_two_ways_gets_the_whole_table(kb: SampleKB) -> None:
    """ "support agents" names the Tier 1 and Tier 2 agent rows by "agents" and the "Head of Support + Finance" row
    by "support": the answer was that one row ("Above 2,000 EUR"), confidently, to an agent asking their limit."""
    answer = ask(kb, "What is the refund approval limit for support agents?", audience="internal")
    assert answer.citations[0].id == "internal/refund-approval-limits.md", answer.citations
    for row in ("| Tier 1 agent |", "| Tier 2 agent |", "| Team lead |"):
        assert row in answer.answer, answer.answer


def test_a_word_of_a_column_s_values_gets_every_row(kb: SampleKB) -> None:
    """ "days" is in the "3 days before" and "7 days after" cells of the reminder schedule: those two rows alone
    left out the reminder sent on the due date itself."""
    answer = compose(kb, "on which days do the default reminders go out")
    assert answer.citations and answer.citations[0].id == "invoicing/payment-reminders.md", answer.answer
    for row in ("| Friendly heads-up |", "| Due today |", "| Overdue |"):
        assert row in answer.answer, answer.answer
    assert_reads_well(answer)


def test_a_topic_word_in_another_cell_does_not_pick_a_row(kb: SampleKB) -> None:
    """ "app" of "the mobile app" is in the iPhone row's "App Store" by chance: both platforms' requirements."""
    answer = ask(kb, "What are the requirements for the mobile app?")
    assert answer.citations[0].id == "mobile/mobile-apps.md", answer.citations
    assert "iOS / iPadOS 16" in answer.answer and "Android 10" in answer.answer, answer.answer


def test_a_plan_named_in_the_question_picks_its_table_row(kb: SampleKB) -> None:
    """Was the Business row ("read and write keys" shares "write"); the Plus row says read-only."""
    answer = compose(kb, "can i write data through the api on plus")
    assert answer.citations and answer.citations[0].id == "integrations/api-keys.md", answer.answer
    assert "| Plus | Read-only keys" in answer.answer and "| Business |" not in answer.answer
    assert_reads_well(answer)


def test_an_answer_does_not_end_on_an_introduction_to_what_it_leaves_out(kb: SampleKB) -> None:
    """Was "... When you turn reminders on, Lumo uses this schedule:" and nothing after it. (Since round 20 the
    article's introduction answers alone: the schedule's section says no other word of the question.)"""
    answer = compose(kb, "automatic reminders for clients who pay late?")
    assert answer.citations and answer.citations[0].id == "invoicing/payment-reminders.md", answer.answer
    assert "Automatic reminders are available on the **Plus** and **Business** plans." in answer.answer
    if "uses this schedule:" in answer.answer:
        assert "| Overdue | 7 days after the due date" in answer.answer, answer.answer
    assert_reads_well(answer)


@pytest.mark.parametrize(
    ("question", "cited", "holds"),
    [
        # Was the article's opening ("You can invite other people to work in it ..."): no number at all.
        ("how many people can i add on the free plan", "account/users-and-permissions.md", "- Users included: 1"),
        # Was the connect steps; the section "PayPal says \"Connection expired\"" answers.
        ("paypal says connection expired", "integrations/paypal.html", "Reconnect"),
        # Was the bank-feed article's opening; the section on how often transactions arrive answers.
        ("银行流水多久同步一次", "zh/bank-feeds.md", "6 小时"),
    ],
)
def test_a_section_whose_heading_names_the_question_answers_it(
    kb: SampleKB, question: str, cited: str, holds: str
) -> None:
    answer = compose(kb, question)
    assert answer.citations and answer.citations[0].id == cited, answer.answer
    assert holds in answer.answer, answer.answer
    assert_reads_well(answer)


def test_a_sentence_that_goes_on_from_another_is_quoted_with_it(kb: SampleKB) -> None:
    """Was "Plus and Business have no invoice limit." alone: the sentence before it in its paragraph answers."""
    answer = compose(kb, "is there a limit on invoices on free")
    assert answer.citations and answer.citations[0].id == "invoicing/create-and-send-invoices.md", answer.answer
    assert "5 invoices per calendar month" in answer.answer, answer.answer
    assert_reads_well(answer)


def test_a_checklist_cut_by_a_chunk_boundary_is_quoted_from_its_first_step(kb: SampleKB) -> None:
    """Was steps 7-9 of the year-end checklist: the chunk holding the best step opened at step 7."""
    answer = compose(kb, "how do I close the year")
    assert answer.citations and answer.citations[0].id == "bookkeeping/year-end-checklist.docx", answer.answer
    steps = [int(n) for n in re.findall(r"^(\d+)\.", answer.answer, flags=re.MULTILINE)]
    assert steps == list(range(1, 10)), answer.answer
    assert_reads_well(answer)


def test_a_second_passage_does_not_repeat_what_the_first_said_in_other_markup(kb: SampleKB) -> None:
    # The data-location FAQ entry answers the first part; the privacy article's list answers the second ("We don't
    # use your financial data to train models") and opened with the entry's sentence again, in bold.
    answer = ask(kb, "where is our data physically kept and do you use it to train ai")
    assert not answer.is_gap, answer.answer
    assert_reads_well(answer)
    words = " ".join(re.sub(r"[^\w\s]", " ", MARKER.sub("", answer.answer).lower()).split())
    assert words.count("primary data centre is in frankfurt") == 1, answer.answer
    assert "train models" in answer.answer, answer.answer


@pytest.mark.parametrize(
    ("first_question", "follow_up", "right", "says"),
    [
        # Round 31: the previous answer already said it, and the follow-up moved off it, to the offline-mode page's
        # "The Lumo apps for iOS and Android keep working ..." and to the PayPal integration (for customers'
        # invoices, not the subscription).
        (
            "Does the Lumo app work on an iPhone that's still on iOS 15?",
            "and on android?",
            {"faq/faq.csv#mobile-requirements", "mobile/mobile-apps.md"},
            "Android 10",
        ),
        (
            "Can I pay for my Lumo subscription with PayPal?",
            "what about a bank transfer?",
            {"faq/faq.csv#payment-methods", "billing/payment-methods.md"},
            "bank transfer",
        ),
    ],
)
def test_a_follow_up_the_previous_answer_answers_gets_it_again(
    kb: SampleKB, first_question: str, follow_up: str, right: set[str], says: str
) -> None:
    first = ask(kb, first_question)
    assert not first.is_gap and says in first.answer, first.answer
    again = ask(kb, follow_up, [Turn(first_question, first.answer)])
    assert not again.is_gap, again.answer
    assert again.citations[0].id in right, (again.citations, again.answer)
    assert says in again.answer, again.answer
    assert again.answer != first.answer, again.answer  # the sentence saying it, not all of it again


def test_still_unpaid_after_two_weeks_gets_the_14_days(kb: SampleKB) -> None:
    first_question = "What happens if the card I pay Lumo with gets declined?"
    first = ask(kb, first_question)
    again = ask(kb, "and if it's still not paid after two weeks?", [Turn(first_question, first.answer)])
    assert not again.is_gap, again.answer
    assert again.citations[0].id == "billing/failed-payments.md", again.citations
    assert "14 days" in again.answer and "read-only" in again.answer, again.answer


@pytest.mark.parametrize(
    ("question", "says", "not_says"),
    [
        # Round 31: both got the steps to stop reminders for one customer ("turn on Do not remind").
        ("Does Lumo send payment reminders to customers on its own?", "automatically", "Do not remind"),
        ("want to charge interest on invoices that are paid late, how do i do that", "late fee", "Do not remind"),
    ],
)
def test_a_customer_s_words_for_what_the_article_calls_otherwise(
    kb: SampleKB, question: str, says: str, not_says: str
) -> None:
    answer = ask(kb, question)
    assert not answer.is_gap, answer.answer
    assert answer.citations[0].id == "invoicing/payment-reminders.md", answer.citations
    assert says in answer.answer.lower() and not_says not in answer.answer, answer.answer


@pytest.mark.parametrize(
    "question", ["How do I give my accountant access?", "can I give my colleague access to our account"]
)
def test_giving_a_person_access_gets_the_invitation_steps(kb: SampleKB, question: str) -> None:
    # Round 32: the Accountant role's "full access to bookkeeping" (no steps), and "not sure" (0.10).
    answer = ask(kb, question)
    assert not answer.is_gap, answer.answer
    assert "Invite user" in answer.answer and "Support access" not in answer.answer, answer.answer


@pytest.mark.parametrize(
    "question",
    [
        # Round 31: the introduction alone ("Connect Stripe to let your customers pay invoices by card ..."), which
        # says what to do and not how; the steps are under "## Connect Stripe", two sections further down.
        "I want my customers to be able to pay my invoices by card online. How do I set that up?",
        "how do i let customers pay invoices by card",
    ],
)
def test_an_introduction_naming_a_procedure_reads_on_into_its_steps(kb: SampleKB, question: str) -> None:
    answer = ask(kb, question)
    assert not answer.is_gap, answer.answer
    assert answer.citations[0].id == "integrations/stripe.md", answer.citations
    assert_reads_well(answer)
    assert "Connect Stripe to let" in answer.answer, answer.answer
    assert "Settings > Integrations > Stripe" in answer.answer, answer.answer
    assert "Disconnect" not in answer.answer, answer.answer


def test_how_do_i_clean_it_up_after_the_situation_gets_the_fix(kb: SampleKB) -> None:
    # Round 45: the article's explanation of why a note shows code (its first paragraph), not how to fix it.
    answer = ask(
        kb,
        "Copied the client's payment terms from their old Word invoice into the note field and now the invoice PDF "
        "has <br> and <b> tags all over it. The invoice has already gone out. How do I clean it up?",
    )
    assert not answer.is_gap, answer.answer
    assert answer.citations[0].id == "invoicing/invoice-note-shows-code.html", answer.citations
    assert_reads_well(answer)
    assert "Delete the code from the **Note** field" in answer.answer, answer.answer
    assert "This is expected" not in answer.answer, answer.answer


def test_what_happens_after_a_told_situation_is_answered_from_the_sentence_that_asks(kb: SampleKB) -> None:
    # Round 45: the offline article's introduction ("keep working when you have no signal — on a plane, at a market
    # stall") and the list of what works offline, on the situation's "market" and "signal".
    answer = ask(
        kb,
        "Client does markets at weekends with no signal. If they raise an invoice on the phone and hit send while "
        "offline, what happens to it?",
    )
    assert not answer.is_gap, answer.answer
    assert answer.citations[0].id == "mobile/offline-mode.html", answer.citations
    assert_reads_well(answer)
    assert "Waiting to send" in answer.answer, answer.answer
    assert "market stall" not in answer.answer, answer.answer


def test_money_back_after_a_downgrade_is_answered_by_the_downgrade_passage_alone(kb: SampleKB) -> None:
    # Round 45: "We don't give partial refunds ... when you downgrade" answers it, but "money back" was no word of
    # it, so the refunds table was glued on as a second passage.
    answer = ask(kb, "If I downgrade from Business to Plus, when does it take effect and do I get money back?")
    assert not answer.is_gap, answer.answer
    assert answer.citations[0].id == "billing/change-plan.md", answer.citations
    assert_reads_well(answer)
    assert "partial refunds" in answer.answer, answer.answer
    assert "| Charge |" not in answer.answer, answer.answer


def test_money_back_for_a_mistaken_charge_is_not_the_price_of_what_was_charged(kb: SampleKB) -> None:
    # Round 45: the extra-users price, answered with confidence.
    answer = ask(kb, "added 3 extra users by mistake last week, money back?")
    assert answer.is_gap or answer.citations[0].id == "billing/refunds.md", answer.answer
    assert "costs €4 per month" not in answer.answer, answer.answer


def test_a_payment_that_bounced_is_a_failed_payment(kb: SampleKB) -> None:
    # Round 45: "I'm not sure" (0.25) beside the failed-payments article: the help centre never says "bounced".
    answer = ask(kb, "updated my card after the payment bounced, when will u try charging again")
    assert not answer.is_gap, answer.answer
    assert answer.citations[0].id == "billing/failed-payments.md", answer.citations
    assert_reads_well(answer)
    assert "within one hour" in answer.answer, answer.answer


def test_a_yes_no_question_naming_two_items_of_a_list_gets_both(kb: SampleKB) -> None:
    # Round 31: only "Google Chrome (Windows, macOS, ...)"; Safari, which is for macOS only, was left out.
    answer = ask(kb, "is lumo ok in safari on a windows pc or do i have to use chrome")
    assert not answer.is_gap, answer.answer
    assert answer.citations[0].id == "account/browser-support.html", answer.citations
    assert "Safari (macOS)" in answer.answer and "Chrome" in answer.answer, answer.answer
    assert "Firefox" not in answer.answer, answer.answer  # the items asked about, not the whole list


def test_an_option_missing_for_a_role_gets_who_may_use_it(kb: SampleKB) -> None:
    # Round 31: the Invoices row of the export table, and not that Staff can't export.
    answer = ask(kb, "one of our staff needs to export invoices to CSV for me but she says there's no export option")
    assert not answer.is_gap, answer.answer
    assert answer.citations[0].id == "account/data-export.md", answer.citations
    assert "Staff and Read-only users can't" in answer.answer, answer.answer


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        # Round 31: the article's introduction, "... Here's what happens and how to fix it.", and nothing after it;
        # the entry asking "What happens if my payment fails?" ranked second.
        ("What happens if my subscription payment fails?", "faq/faq.csv#failed-payment"),
        # ... the whole "What happens next" list for how long a refund takes to reach the card.
        ("when will the refnd show up on my credit card, its been 3 days", "faq/faq.csv#refund-time"),
    ],
)
def test_an_faq_entry_asking_the_question_answers_it_from_below_an_article(
    kb: SampleKB, question: str, entry: str
) -> None:
    answer = ask(kb, question)
    assert not answer.is_gap, answer.answer
    assert answer.citations[0].id == entry, (answer.citations, answer.answer)
    assert "Here's what happens" not in answer.answer, answer.answer


@pytest.mark.parametrize(
    "question",
    [
        # Round 31: the introduction (the symptom in the customer's words) and why it happens, not the fix.
        "my invoices have <br> and <b> showing up all over the notes bit, looks really unprofessional",
        "the notes on my invoices are full of <br> and <b> tags since I copied our terms in from our website. "
        "looks awful",
    ],
)
def test_a_problem_report_gets_the_fix_section_after_the_symptom(kb: SampleKB, question: str) -> None:
    answer = ask(kb, question)
    assert not answer.is_gap, answer.answer
    assert answer.citations[0].id == "invoicing/invoice-note-shows-code.html", answer.citations
    assert_reads_well(answer)
    assert "\nFix a note that shows code:\n1. Open the invoice" in answer.answer, answer.answer
    assert "Delete the code from the **Note** field" in answer.answer, answer.answer


def test_and_paypal_after_the_stripe_steps_gets_the_paypal_steps_whole(kb: SampleKB) -> None:
    first_question = "how do i connect stripe"
    first = ask(kb, first_question)
    assert not first.is_gap and "2. Click **Connect**." in first.answer, first.answer
    follow_up = ask(kb, "and paypal?", [Turn(first_question, first.answer)])
    assert not follow_up.is_gap, follow_up.answer
    assert follow_up.citations[0].id == "integrations/paypal.html", follow_up.citations
    # Round 31: the steps the two procedures share ("2. Click **Connect**.") were left out as said before.
    assert "Settings > Integrations > PayPal" in follow_up.answer and "2. Click **Connect**." in follow_up.answer
    assert "Stripe" not in follow_up.answer, follow_up.answer


def test_and_on_plus_after_a_price_question_gets_the_plus_price(kb: SampleKB) -> None:
    # Round 39 (a tester in the widget): "and on Plus?" got the extra-users FAQ ("The Plus plan includes 3 users and
    # doesn't allow extra users."): searched beside "How much does the Business plan cost?", the FAQ naming both
    # plans won, and no price was asked of it. The plans are what the prices table compares.
    first_question = "How much does the Business plan cost?"
    first = ask(kb, first_question)
    assert "€29" in first.answer, first.answer
    follow_up = ask(kb, "and on Plus?", [Turn(first_question, first.answer)])
    assert not follow_up.is_gap, follow_up.answer
    assert follow_up.citations[0].id == "billing/plans-and-pricing.md", follow_up.citations
    assert "€12" in follow_up.answer, follow_up.answer
    # Each answer is the column of the plan asked about, not every plan's prices again.
    assert "€12" not in first.answer and "€29" not in follow_up.answer, (first.answer, follow_up.answer)
    # ... and the free plan's price is €0, not the free trial's "the account moves to the Free plan" (round 39).
    free = ask(kb, "what about free?", [Turn(first_question, first.answer), Turn("and on Plus?", follow_up.answer)])
    assert not free.is_gap and "€0" in free.answer, free.answer


@pytest.mark.parametrize(
    "question", ["delete company account permanently", "how do I delete our company account completely"]
)
def test_deleting_the_account_gets_the_steps_to_close_it_not_the_timeline_after(kb: SampleKB, question: str) -> None:
    answer = ask(kb, question)
    assert not answer.is_gap, answer.answer
    assert answer.citations[0].id == "account/close-account.md", answer.citations
    assert "Settings > Account > Close account" in answer.answer, answer.answer
    assert "grace period" not in answer.answer, answer.answer


def test_a_how_to_whose_best_match_is_a_condition_gets_the_steps_of_its_section_first(kb: SampleKB) -> None:
    # Round 31: "For example, to move from Business to Plus you need to:" and its list (it names both plans), not
    # the three steps above it under "## Downgrade to a lower plan".
    answer = ask(kb, "How do I downgrade from Business to Plus?")
    assert not answer.is_gap, answer.answer
    assert answer.citations[0].id == "billing/change-plan.md", answer.citations
    assert answer.answer.startswith("1. Go to **Settings > Billing > Plan**."), answer.answer
    assert "3. Click **Schedule downgrade**." in answer.answer and "no more than 3 remain" in answer.answer
    # Not for steps of another action in the section: "You can tick **Remember this device for 30 days**" alone
    # answers how to stop being asked for a code, not the set-up steps before it.
    other = ask(kb, "how do i stop lumo asking for the 2fa code evry time on my office pc")
    assert "Remember this device" in other.answer and "Scan the QR code" not in other.answer, other.answer


@pytest.mark.parametrize(
    ("question", "says"),
    [
        # Round 31: "Common reasons cards are declined:" and its list (twice in the blind sets), which answer why.
        ("my card payment for lumo got declined, what happens now?", "Lumo retries the outstanding charge"),
        ("my card got declind what happends to my account now", "Lumo retries the outstanding charge"),
        # ... and the introduction's "Here's what happens and how to fix it.", which promises the sections below.
        ("what happens if my card expires", "read-only"),
    ],
)
def test_what_happens_gets_what_follows_not_the_reasons_nor_a_promise(kb: SampleKB, question: str, says: str) -> None:
    answer = ask(kb, question)
    assert not answer.is_gap, answer.answer
    assert answer.citations[0].id == "billing/failed-payments.md", answer.citations
    assert says in answer.answer, answer.answer
    assert "Common reasons" not in answer.answer and "Here's what happens" not in answer.answer, answer.answer
    # "why" still gets the reasons.
    assert "Common reasons cards are declined" in ask(kb, "why was my card declined").answer


def test_an_faq_verdict_qualified_by_a_phrase_keeps_it_under_the_entry_s_question(kb: SampleKB) -> None:
    # Round 31: "Yes, on the Business plan, which supports 160 currencies." read "On the Business plan, which ...",
    # a fragment, once its "Yes," was dropped (the entry was not matched by its own question).
    answer = ask(kb, "Can I send invoices in US dollars? My home currency is EUR.")
    assert not answer.is_gap, answer.answer
    assert answer.citations[0].id == "faq/faq.csv#multi-currency-plan", answer.citations
    heading = "**Can I send invoices in other currencies?** Yes, on the Business plan"
    assert answer.answer.startswith(heading), answer.answer
    # A verdict with a full stop leaves a sentence: dropped as before ("In the web app go to ...").
    dark = ask(kb, "where's the dark mode switch on the website")
    assert dark.answer.startswith("In the web app go to Settings > Profile > Appearance"), dark.answer


def test_an_faq_verdict_to_a_question_asking_within_the_entry_s_own_stands_alone(kb: SampleKB) -> None:
    # Round 43's grading: "any keyboard shortcuts" got "**Are there keyboard shortcuts in the web app?** Yes. ...":
    # it asks what the entry asks, and "Yes." answers it as it stands.
    answer = ask(kb, "any keyboard shortcuts")
    assert answer.citations[0].id == "faq/faq.json#keyboard-shortcuts", answer.citations
    assert answer.answer.startswith("Yes. Press ? anywhere in the web app"), answer.answer
    # A question saying more than the entry's still gets it as the lead-in; a few words asking nothing, no "Yes.".
    hotkeys = ask(kb, "can I drive the web app from the keyboard, like hotkeys?")
    assert hotkeys.answer.startswith("**Are there keyboard shortcuts in the web app?** Yes."), hotkeys.answer
    assert ask(kb, "dark mode").answer.startswith("In the web app go to Settings > Profile > Appearance")


def test_a_follow_up_the_answer_before_does_not_answer_is_not_that_answer_again(kb: SampleKB) -> None:
    # Round 31 and 32: "will i lose transactions if i leave it a week or so" after the consent renewal got the
    # renewal again, word for word (as "how many people can use it?" after the guest wifi steps did on another
    # help centre): not sure, with the articles, is better than a repeat.
    first_question = "lumo keeps asking me to renew consent for my bank?? why"
    first = ask(kb, first_question)
    assert not first.is_gap, first.answer
    again = ask(kb, "will i lose transactions if i leave it a week or so", [Turn(first_question, first.answer)])
    assert " ".join(again.answer.split()) != " ".join(first.answer.split()), again.answer


@pytest.mark.parametrize(
    ("entry_answer", "qualifies"),
    [
        ("Yes, on the Business plan, which supports 160 currencies.", True),
        # Round 40 (an unseen help centre's large-print bills entry): it read "Free of charge. Choose the format ...".
        ("Yes, free of charge. Choose the format in My Kestrel > Billing > Bill format.", True),
        ("No, a key is shown only once when you create it.", False),
        ("Yes. Press ? anywhere in the web app.", False),
    ],
)
def test_what_only_qualifies_an_faq_verdict_keeps_it(entry_answer: str, qualifies: bool) -> None:
    without = BARE_VERDICT.sub("", entry_answer, count=1)
    assert qualifies_verdict(entry_answer, without[:1].upper() + without[1:]) is qualifies
