"""The sample help centre's known everyday failures, each answered right or honestly not answered.

Found by asking as a new user would (issue "Right when it answers"). A confident answer must cite the document
that answers; otherwise the reply must be "I'm not sure" (with suggestions) or "I don't know", never a confident
answer from another article. Real model, real Chroma, the shipped calibration.
"""

from __future__ import annotations

import pytest

from chatbot.answering import Answerer
from chatbot.language import CJK_RE
from chatbot.types import Answer, Audience
from tests.helpcenter_kb import SampleKB, sample_kb

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> SampleKB:
    return sample_kb(tmp_path_factory)


def _ask(kb: SampleKB, question: str, audience: Audience = "public") -> Answer:
    return kb.answerer.answer(question, audience=audience)


def _right_or_honest(answer: Answer, right: set[str]) -> None:
    if answer.is_gap:
        assert answer.reason in {"low_confidence", "no_match"}, answer.reason
        assert not answer.citations
        return
    assert answer.citations, answer.answer
    assert answer.citations[0].id in right, (answer.citations[0].id, answer.answer)


@pytest.mark.parametrize(
    ("question", "right"),
    [
        # Was: the price of extra users (the extra-users FAQ shares every word of the question; its amount is the
        # price of extra users, so the plans article's table answers instead).
        ("How much does the Business plan cost?", {"billing/plans-and-pricing.md", "faq/faq.csv#plan-prices"}),
        # Found later, the same failure: the extra-users entry's answer names the Plus plan too.
        ("What does the Plus plan cost?", {"billing/plans-and-pricing.md", "faq/faq.csv#plan-prices"}),
        ("how much does the plus plan cost per year", {"billing/plans-and-pricing.md", "faq/faq.csv#plan-prices"}),
        # Was: the PayPal connect steps (0.47), for an integration the help centre never names
        # (chatbot/unknown_names.py).
        ("How do I connect Lumo to Xero?", set()),
        ("does lumo integrate with quickbooks", set()),
        # Found by a QA pass: the offline-use entry ("Yes. You can create draft invoices ... offline") and the
        # support-hours entry, for products the help centre never names.
        ("can i use lumo with quickbooks", set()),
        ("does lumo support yubikey", set()),
        # Were: a sentence about inviting accountants (0.87) and the data-export steps (0.71), from the few
        # Chinese articles: most of each question is words the help centre never uses (chatbot/unknown_names.py).
        ("怎么邀请同事加入", {"faq/faq.csv#invite-user", "account/users-and-permissions.md"}),
        ("Lumo 有韩语界面吗", set()),
        # Was: how to change a user's role, plus an unrelated multi-currency paragraph.
        ("How do I add another user?", {"account/users-and-permissions.md"}),
        # Was: Stripe refund mechanics with confidence just over the threshold.
        ("Can I get a refund in cash at your office?", {"billing/refunds.md", "faq/faq.csv#request-refund"}),
        # Was: "No. All Lumo subscriptions are billed in euros" (a different FAQ entry).
        ("Can I pay with bitcoin?", {"billing/payment-methods.md", "faq/faq.csv#payment-methods"}),
        # Was: the steps to create an API key (0.40): "Settings > Developer" read as "set".
        ("how do i set up a security key", {"security/two-factor-authentication.md"}),
    ],
)
def test_known_failures_are_answered_right_or_not_at_all(kb: SampleKB, question: str, right: set[str]) -> None:
    _right_or_honest(_ask(kb, question), right)


@pytest.mark.parametrize(
    ("question", "right"),
    [
        ("delete my acount pls", {"faq/faq.csv#close-account", "account/close-account.md"}),
        ("how do i upgrade to buisness", {"billing/change-plan.md", "faq/faq.csv#change-plan"}),
        ("2fa not wrking", {"security/two-factor-authentication.md", "faq/faq.csv#lost-2fa-phone"}),
    ],
)
def test_a_typo_does_not_hide_the_answer(kb: SampleKB, question: str, right: set[str]) -> None:
    """Was "I'm not sure" (confidence 0.10-0.20): the misspelt word read as a name the help centre never uses."""
    answer = _ask(kb, question)
    assert not answer.is_gap, answer.answer
    assert answer.citations[0].id in right, (answer.citations[0].id, answer.answer)


def test_an_action_the_help_centre_names_otherwise_is_answered(kb: SampleKB) -> None:
    """Was "I'm not sure" (0.16): the help centre says "turn on", never "enable" (chatbot/synonyms.py)."""
    answer = _ask(kb, "enable 2fa")
    assert not answer.is_gap and answer.citations[0].id == "security/two-factor-authentication.md"
    assert "Authenticator app" in answer.answer


def test_an_action_the_section_names_in_another_word_is_answered(kb: SampleKB) -> None:
    """Was "I'm not sure" (0.10): the section says "Remove user", and the confidence read "delete" as missing."""
    answer = _ask(kb, "how do i delete a user")
    assert not answer.is_gap and answer.citations[0].id == "account/users-and-permissions.md"
    assert "Remove user" in answer.answer


def test_a_state_asked_in_other_words_is_answered_where_the_article_says_it(kb: SampleKB) -> None:
    """Was "I'm not sure" at confidence 0.93: "logged in on the website" is searched as "sign in", and the check
    that the passage says it wanted it said *of the website* ("on the website" is where, not what)."""
    answer = _ask(kb, "how long do i stay logged in on the website")
    assert not answer.is_gap and answer.citations[0].id == "security/sign-in-and-sessions.md"
    assert "30 days" in answer.answer


def test_a_how_long_question_gets_the_sentence_with_the_time(kb: SampleKB) -> None:
    """Was the article's opening ("Lumo reads your receipts and bills for you."), which says no time at all."""
    answer = _ask(kb, "how long does it take lumo to read a receipt")
    assert not answer.is_gap and answer.citations[0].id == "bookkeeping/receipt-scanning.md"
    assert "60 seconds" in answer.answer


@pytest.mark.parametrize(
    ("question", "answering"),
    [
        # Was "I'm not sure" (0.11): the help centre writes British English ("Categorise it").
        ("how do i categorize a transaction", "Categorise"),
        # Was the reverse-charge paragraph: "custom" matched "Add the customer's VAT number".
        ("how do i add a custom vat rate", "Add rate"),
        # Was the steps to invite someone new: the button for it is "Resend".
        ("invitation email never arrived, how do i send it again", "Resend"),
    ],
)
def test_a_word_in_another_form_finds_the_passage_that_says_it(kb: SampleKB, question: str, answering: str) -> None:
    answer = _ask(kb, question)
    assert not answer.is_gap and answering in answer.answer, answer.answer


def test_an_faq_entry_close_to_a_question_in_unknown_words_still_answers(kb: SampleKB) -> None:
    """ "版" and "绑" are in no document, so most of the question is words the help centre never uses; the Chinese
    bank-feeds entry answers it all the same (the rule that makes such questions "not sure" is for articles)."""
    answer = _ask(kb, "plus版能绑几个银行账户")
    assert not answer.is_gap and answer.citations[0].id == "faq/faq.csv#zh-bank-feeds-plans"
    assert "2" in answer.answer


def test_an_abbreviation_is_read_as_the_help_centre_spells_it(kb: SampleKB) -> None:
    """Was "I'm not sure" (0.01 for "do you take amex"): the help centre writes "American Express"."""
    answer = _ask(kb, "can i pay with amex")
    assert not answer.is_gap and answer.citations[0].id in {"billing/payment-methods.md", "faq/faq.csv#payment-methods"}


def test_the_opposite_action_is_not_answered_with_the_steps_of_the_other(kb: SampleKB) -> None:
    """ "disable" searched as "turn off" finds "turn" in the steps to turn 2FA on, which the help centre has; it
    never says how to turn 2FA off. Those steps must not be quoted as the answer (they were, with 0.84)."""
    answer = _ask(kb, "How do I disable 2FA?")
    assert answer.is_gap and answer.reason == "low_confidence" and not answer.citations


@pytest.mark.parametrize(
    "question",
    [
        "how do i turn off reminders",
        "how do i turn off 2fa",
        "how do i turn reminders off",
        "how do i deactivate reminders",
    ],
)
def test_turning_off_is_not_answered_with_the_steps_to_turn_on(kb: SampleKB, question: str) -> None:
    """Typed by the customer, "turn off" is searched as "turn" too (the particle is a stop word): the steps to turn
    reminders and 2FA *on* were quoted (0.99, 0.84), and for "deactivate", a word the help centre uses elsewhere
    ("the account is deactivated"), too (0.66). The help centre says how to stop reminders for one invoice or
    customer, and nothing of turning 2FA off: "I'm not sure", with the articles to read."""
    answer = _ask(kb, question)
    assert answer.is_gap and answer.reason == "low_confidence" and not answer.citations, answer.answer


@pytest.mark.parametrize(
    ("question", "answering"),
    [
        ("how do i turn off payment reminders for one customer", "**Do not remind**"),
        ("can i turn off online payments for one invoice", "Turn it off for customers"),
        ("how do i turn off notifications", "Profile > Notifications"),
    ],
)
def test_turning_off_said_in_other_words_or_not_contradicted_is_answered(
    kb: SampleKB, question: str, answering: str
) -> None:
    answer = _ask(kb, question)
    assert not answer.is_gap and answering in answer.answer, answer.answer


def test_a_synonym_does_not_answer_with_another_thing_turned_on(kb: SampleKB) -> None:
    """ "activate the mobile app", searched as "turn on the mobile app", found the App lock steps ("Turn on
    **Require Face ID**"): they turn something else on, so they are not the answer."""
    answer = _ask(kb, "how do I activate the mobile app")
    assert answer.is_gap or "Face ID" not in answer.answer, answer.answer


@pytest.mark.parametrize(
    ("question", "verdict"),
    [
        # Was "Yes. Go to Settings > Data > Import ...": the import entry's yes, to a feature nobody documents.
        ("can i track inventory in lumo", "Yes."),
        # Was "Yes. Every new account gets a 30-day free trial ..., and you don't need a card": yes and no at once.
        ("do i need to enter a card for the trial", "Yes."),
        # Was "No, a key is shown only once ...": the lost-key entry's no, to a question about where the keys are.
        ("where do i find the api key settings", "No"),
        # Was "No, a key is shown only once ...", matched by the entry's own question ("I lost my API key. Can you
        # show it to me again?") through the FAQ fast path: its no does not answer a where-question either.
        ("where can i find my api key", "No"),
    ],
)
def test_an_faq_entry_s_yes_or_no_is_not_said_to_another_question(kb: SampleKB, question: str, verdict: str) -> None:
    answer = _ask(kb, question)
    assert not answer.answer.startswith(verdict), answer.answer
    assert answer.answer[:1] == answer.answer[:1].upper(), answer.answer  # what is left starts a sentence


def test_an_faq_answer_pointing_back_at_its_own_question_is_led_in_by_it(kb: SampleKB) -> None:
    # Was "Forward them to your account's own address, ...": the "Yes." was dropped and "them" pointed at nothing.
    answer = _ask(kb, "can i email receipts in and what file types work")
    assert answer.answer.startswith("**Can I email receipts to Lumo?** Yes. Forward them to"), answer.answer


def test_an_faq_entry_matched_by_its_own_question_keeps_its_yes(kb: SampleKB) -> None:
    assert _ask(kb, "Is there a free trial?").answer.startswith("Yes.")


def test_add_user_answer_does_not_glue_on_another_topic(kb: SampleKB) -> None:
    answer = _ask(kb, "How do I add another user?")
    assert "currenc" not in answer.answer.lower()


@pytest.mark.parametrize(
    ("question", "answering"),
    [
        # Was: the VAT article's opening ("Lumo calculates VAT on your invoices ..."), which does not say no.
        ("does lumo calculate us state sales tax", "doesn't look up or calculate state or city rates"),
        # Was: the Free plan's invoice limit, the opening of "Creating and sending invoices".
        ("can i edit an invoice after sending it", "click **Edit**"),
        # Was: the steps to create an invoice, for their "6. Click Save as draft or Send".
        ("how do i delete a draft invoice", "Drafts can be deleted at any time"),
    ],
)
def test_the_sentence_that_answers_is_quoted_not_a_nearby_opening_or_step(
    kb: SampleKB, question: str, answering: str
) -> None:
    answer = _ask(kb, question)
    assert not answer.is_gap
    assert answering in answer.answer


@pytest.mark.parametrize(
    ("question", "answering"),
    [
        # Was: the steps under "Connect a bank account", which share "bank account" (0.43 for "get rid of").
        ("how do i delete a bank account and all its transactions", "choose **Delete account**"),
        ("how do i get rid of a bank account and all its transactions", "choose **Delete account**"),
        # Round 39 (a tester in the widget): the connecting steps (0.73), their heading "Connect a bank account"
        # counted for their first step, "Go to **Banking > Bank accounts**", and then the steps to remove a user.
        ("how do I remove a bank account", "choose **Disconnect feed**"),
        ("remove a bank account", "choose **Disconnect feed**"),
        # Was: "I'm not sure" (0.14, 0.19): the help centre never says "rid".
        ("how can i get rid of a draft invoice", "Drafts can be deleted at any time"),
        ("how do i get rid of my account", "Close account"),
        # Was: the steps under "Create an API key", which share their first step and say "API key" twice.
        ("how do i revoke an api key", "Click **Revoke** next to the key"),
    ],
)
def test_the_action_asked_for_is_answered_not_another_on_the_same_object(
    kb: SampleKB, question: str, answering: str
) -> None:
    answer = _ask(kb, question)
    assert not answer.is_gap and answering in answer.answer, answer.answer
    assert "Connect a bank" not in answer.answer
    assert "Remove user" not in answer.answer  # another object's removal, glued on as a second part


@pytest.mark.parametrize("question", ["how do i turn on two factor", "How do I turn on two-factor authentication?"])
def test_the_procedure_whose_heading_names_the_action_answers(kb: SampleKB, question: str) -> None:
    """Was the steps to require 2FA for everyone (round 35): their second step says "Turn on **Require two-factor
    authentication**", while "## Turn on 2FA with an authenticator app" names the action, and the article's title
    the rest."""
    answer = _ask(kb, question)
    # The steps, or the FAQ entry saying them in a sentence.
    assert not answer.is_gap and "Set up next to Authenticator app" in answer.answer.replace("**", ""), answer.answer
    assert "Require two-factor" not in answer.answer


@pytest.mark.parametrize(
    ("message", "right"),
    [
        # "I don't know" (0.57) before round 35: the story's words ("sailing", "Munich") read as what the help centre
        # does not cover. Round 35 answered them from a second reading without those words (chatbot/situation.py);
        # round 36 suggests what it finds instead, with the article first: such answers were right 20 times in 34
        # on two held-out probes.
        ("forgot cancel, monthly payment took 5 day ago. possible get money back?", {"billing/refunds.md"}),
        (
            "Going sailing for six weeks with basically no internet. Will the app keep the stuff I enter offline "
            "until I'm back?",
            {"faq/faq.csv#offline-use", "mobile/offline-mode.html"},
        ),
        (
            "most of my clients are in Munich and want their invoices in German. can lumo do that?",
            {"faq/faq.json#invoice-languages"},
        ),
    ],
)
def test_a_story_told_before_the_question_gets_the_article_it_is_about_suggested(
    kb: SampleKB, message: str, right: set[str]
) -> None:
    answer = _ask(kb, message)
    assert answer.is_gap and answer.reason == "low_confidence" and not answer.citations, answer.answer
    assert answer.related[0].id in right and answer.related[0].excerpt, answer.related
    assert answer.question == message  # the message as typed is kept (stored, shown to editors)


def test_a_story_s_second_reading_does_not_answer_what_the_help_centre_does_not_cover(kb: SampleKB) -> None:
    # Answered from the Shopify article (0.51) by round 35's second reading, once "handmade", "soap" and "WordPress"
    # were dropped from the story (held-out probe, round 36): the help centre says nothing of WooCommerce.
    message = (
        "Hi! We sell handmade soap through WooCommerce on our own WordPress site, not Shopify. We're on Business. "
        "Can Lumo pull our WooCommerce orders in automatically like it does for Shopify stores?"
    )
    answer = _ask(kb, message)
    assert answer.is_gap and not answer.citations, answer.answer


@pytest.mark.parametrize(
    "message",
    [
        "Any discount for startups? we're two founders just getting going",
        "just registered my company last week and money is tight. do you do any kind of startup or new buisness "
        "discount on the plus plan?",
    ],
)
def test_a_story_does_not_turn_a_question_about_the_unknown_into_an_answer(kb: SampleKB, message: str) -> None:
    # The sentence that asks keeps its words: "startups" is still a group no article names (chatbot/unknown_names.py).
    answer = _ask(kb, message)
    assert answer.is_gap and not answer.citations, answer.answer


def test_an_error_code_the_help_centre_never_mentions_is_not_guessed(kb: SampleKB) -> None:
    """Was the sync-status icon table (0.73) for a code the help centre does not have (its codes are SYNC-01 to
    SYNC-50, chatbot/codes.py): now "I'm not sure" with the sync troubleshooting article first, and a gap."""
    unknown = _ask(kb, "what does error code E401 mean in the app")
    assert unknown.is_gap and unknown.reason == "low_confidence" and not unknown.citations, unknown.answer
    assert unknown.related[0].id == "mobile/troubleshooting-sync.md"
    known = _ask(kb, "what does error SYNC-07 mean")
    assert not known.is_gap and "Your session has expired" in known.answer, known.answer


@pytest.mark.parametrize(
    ("question", "right", "answering"),
    [
        # Was "I'm not sure" (0.09): the help centre says "Disconnect".
        ("how do I unlink shopify", "integrations/shopify.md", "click **Disconnect**"),
        # Was "I'm not sure" (0.28): the help centre says "signed in" and "sign out", never "log out".
        ("how long before i get logged out", "security/sign-in-and-sessions.md", "30 days unless you sign out"),
        # Was "I don't know" (the in-scope model read "resolve", a word the help centre never uses, as a name).
        ("how do i resolve a conflict", "mobile/troubleshooting-sync.md", "the most recent edit wins"),
        # Was "I'm not sure" too: "out of the app" is where from, not what is signed out.
        ("i keep getting logged out of the app", "account/browser-support.html", "keeps cookies"),
    ],
)
def test_the_customer_s_words_for_an_action_find_the_help_centre_s(
    kb: SampleKB, question: str, right: str, answering: str
) -> None:
    answer = _ask(kb, question)
    assert not answer.is_gap and answer.citations[0].id == right, answer.answer
    assert answering in answer.answer, answer.answer


def test_being_charged_twice_gets_the_duplicate_charge_refund(kb: SampleKB) -> None:
    # Was the payment-methods entry (0.10): the refunds page calls it a duplicate charge (round 19).
    answer = _ask(kb, "i got charged twice this month")
    assert not answer.is_gap and "**Duplicate charge**\n- Refund window: Any time" in answer.answer, answer.answer


@pytest.mark.parametrize("question", ["how do i move to another plan", "how do i go to a different plan"])
def test_moving_to_another_plan_gets_the_plan_change_steps_not_the_cancellation(kb: SampleKB, question: str) -> None:
    # Was: the steps under "## Cancel your subscription" (0.44): "the account moves to the Free plan" said "move".
    answer = _ask(kb, question)
    assert not answer.is_gap and "Click **Change plan**" in answer.answer, answer.answer
    assert "Cancel subscription" not in answer.answer


def test_a_where_question_gets_the_step_naming_the_place(kb: SampleKB) -> None:
    # Was: the whole nine-step year-end checklist.
    answer = _ask(kb, "where do i find the profit and loss report")
    assert not answer.is_gap and answer.answer.startswith("Run Reports > Profit and loss"), answer.answer
    assert "Reconcile every bank account" not in answer.answer


def test_a_how_to_question_about_one_step_of_a_checklist_gets_that_step(kb: SampleKB) -> None:
    # Was (round 41, a blind walkthrough): the whole nine-step year-end checklist.
    answer = _ask(kb, "how do i run a profit and loss report")
    assert not answer.is_gap and answer.answer.startswith("Run Reports > Profit and loss"), answer.answer
    assert "Reconcile every bank account" not in answer.answer


def test_reconciling_never_gets_the_steps_to_disconnect_a_bank(kb: SampleKB) -> None:
    # Was (round 41): "1. Go to Banking > Bank accounts. 2. ... Disconnect feed." and "To remove the account ...,
    # choose Delete account instead - this is only possible if none of its transactions are reconciled."
    answer = _ask(kb, "how do i reconcile transactions")
    assert "Disconnect feed" not in answer.answer and "Delete account" not in answer.answer, answer.answer


def test_is_there_a_mobile_app_gets_the_apps_opening(kb: SampleKB) -> None:
    # Was (round 41): "What you can do in the apps: - Work offline (see [Using Lumo offline](.../mobile/...))", the
    # link's address saying "mobile".
    answer = _ask(kb, "is there a mobile app")
    assert not answer.is_gap and answer.answer.startswith("The Lumo apps are free on every plan."), answer.answer


def test_an_internal_error_code_is_unknown_to_the_public(kb: SampleKB) -> None:
    # The known-issue codes ("KI-231") are in an internal article only: the public scope never "knows" them.
    index = kb.answerer.retriever.keyword_index
    assert "ki-231" in index.codes("internal") and "ki-231" not in index.codes("public")
    assert "sync-07" in index.codes("public")
    public = _ask(kb, "what does error KI-231 mean")
    assert public.is_gap and not public.citations, public.answer


def test_the_audit_log_is_not_signing_in(kb: SampleKB) -> None:
    # Was answered (0.86) until "log in" was read as "sign in" here too: searched as "the audit sign in lumo", the
    # answer had to say "sign in", and "I'm not sure".
    answer = _ask(kb, "where can I see the audit log in lumo")
    assert not answer.is_gap and "audit log" in answer.answer, answer.answer


def test_an_english_answer_never_goes_on_in_chinese(kb: SampleKB) -> None:
    # Was the English 2FA steps, then the Chinese article's table row "短信（SMS）" as a second passage.
    answer = _ask(kb, "how do i turn on 2fa with sms")
    assert not answer.is_gap and not CJK_RE.search(answer.answer), answer.answer


@pytest.mark.parametrize(
    ("question", "answering", "not_answering"),
    [
        # Was: the "Turn on reminders" steps and "Reminders apply to all unpaid invoices, including ones sent before
        # ..." ("reminders", "sent"), not the section under "## Default reminder schedule".
        ("when are reminders sent by default", "| Overdue | 7 days after the due date", "Send automatic reminders"),
        # Was: "How syncing works" ("sync every **15 minutes**"), not the modes under "## Per-order or daily summary",
        # both of which the question names.
        ("does shopify sync every order or just a summary", "| Per order | One sales invoice per order", "15 minutes"),
        ("does shopify sync every order or just a summary", "| Daily summary |", "15 minutes"),
        # A heading that names the rarest word ("## Change or cancel a sent invoice") does not outweigh a sentence
        # that says everything else: a first version of the rule quoted "A sent invoice can't be deleted".
        ("what email address do invoices get sent from", "invoices@lumo.example", "can't be deleted"),
    ],
)
def test_the_section_whose_heading_names_the_question_s_rarest_word_answers(
    kb: SampleKB, question: str, answering: str, not_answering: str
) -> None:
    answer = _ask(kb, question)
    assert not answer.is_gap and answering in answer.answer, answer.answer
    assert not_answering not in answer.answer


@pytest.mark.parametrize(
    ("question", "answering", "not_answering"),
    [
        # Was: the two Disconnect steps alone, which the customer had already taken (a blind QA question).
        (
            "i disconnected the bank feed, are the old transactions still there",
            "The transactions already imported stay in Lumo",
            "choose **Disconnect feed**",
        ),
        # Was: the steps to remove a user, then the sentence that answers.
        ("if i remove a user do their invoices disappear", "everything they created", "Click the user's name"),
        # Was: the upgrade steps.
        ("i upgraded to business today, when am i charged", "prorated amount", "Click **Change plan**"),
    ],
)
def test_what_follows_an_action_already_taken_is_answered_not_its_steps(
    kb: SampleKB, question: str, answering: str, not_answering: str
) -> None:
    answer = _ask(kb, question)
    assert not answer.is_gap and answering in answer.answer, answer.answer
    assert not_answering not in answer.answer


@pytest.mark.parametrize(
    ("question", "answering"),
    [
        # Was: the Accountant paragraph alone (the Admin paragraph before the tokenizer told "accountant" from
        # "account").
        ("accountant vs admin role whats the difference", ["Accountants have full access", "Admins can do everything"]),
        # Was: the cancellation FAQ alone.
        (
            "whats the difference between cancelling my subscription and closing my account",
            ["click Cancel subscription", "Closing your account cancels your subscription and deletes"],
        ),
        # Was: the steps to disconnect alone.
        ("disconnect feed vs delete account for a bank", ["Disconnect feed", "choose **Delete account** instead"]),
        # Was: the authenticator app's set-up steps.
        (
            "is the authenticator app better than sms for 2fa",
            ["| Authenticator app (TOTP) |", "| Text message (SMS) |"],
        ),
        ("which is better, authenticator app or sms?", ["| Authenticator app (TOTP) |", "| Text message (SMS) |"]),
        ("staff vs read-only role", ["Staff can create and send invoices", "Read-only users can view"]),
        # The heading over the first passage ("## Change or cancel a sent invoice") named the other side; the
        # sentence quoted under it did not.
        (
            "what's the difference between a draft and a sent invoice",
            ["Drafts can be deleted at any time", "A sent invoice can't be deleted"],
        ),
    ],
)
def test_a_comparison_is_answered_for_both_sides(kb: SampleKB, question: str, answering: list[str]) -> None:
    answer = _ask(kb, question)
    assert not answer.is_gap and all(part in answer.answer for part in answering), answer.answer
    # Each side's passage is short: the closing article's introduction does not read on into its checklist.
    assert "Export your data" not in answer.answer


@pytest.mark.parametrize(
    ("question", "answering"),
    [
        # Was: "A *bank connection* is one login at one bank. ... they all count as one connection." ("one" read as
        # the amount asked for), not the table of connections per plan.
        ("how many bank accounts can i connect", "| Plus | Up to 2 |"),
        # A sentence that states one of the thing asked about still answers.
        ("how many owners can an account have", "exactly one Owner"),
        # And a step's number is not an amount: "1. Go to **Banking > Bank accounts**." was quoted for this one.
        ("how many countries can i connect banks from", "21 European countries"),
        ("how many paypal accounts can i connect", "You can connect one PayPal account"),
    ],
)
def test_a_how_many_question_gets_the_amount_it_asks_for(kb: SampleKB, question: str, answering: str) -> None:
    answer = _ask(kb, question)
    assert not answer.is_gap and answering in answer.answer, (answer.confidence, answer.answer)


@pytest.mark.parametrize(
    ("question", "answering"),
    [
        # Were "I'm not sure" (0.36, 0.28): "till" and "whats" read as the rarest words, missing from the answer.
        ("i emailed privacy@ how long till you reply", "We reply within **30 days**"),
        ("whats the shortest payment term i can pick", "**Due on receipt, Net 7"),
        # Was "I'm not sure" (0.34): "many" read as the question's rarest word (an everyday dev question).
        ("how many times do you retry if my payment doesnt go through", "**Day 7**"),
        # Were "I'm not sure" (0.75, 0.36): "rn", "got" and "asap" in no article (round 19).
        ("how do i force stripe to sync rn, payment from 5 min ago isnt there", "Stripe > Sync now**"),
        ("my api key got leaked on github, what do i do", "Click **Revoke** next to the key"),
        # Was the blank-page steps (0.94): "r" matched "Ctrl+Shift+R"; "pc" is the help centre's "computer" (round 20).
        ("which browsers r ok on a windows pc", "- Microsoft Edge (Windows, macOS)"),
    ],
)
def test_chat_shorthand_does_not_sink_a_right_answer(kb: SampleKB, question: str, answering: str) -> None:
    answer = _ask(kb, question)
    assert not answer.is_gap and answering in answer.answer, (answer.confidence, answer.answer)


def test_a_kind_of_the_article_s_subject_does_not_pick_the_section_naming_it(kb: SampleKB) -> None:
    # Was: "## Common reasons cards are declined", for "card" (a blind QA question).
    answer = _ask(kb, "who gets the email when our card payment fails")
    assert not answer.is_gap and "we email the account Owner and the billing contact" in answer.answer, answer.answer
    assert "Insufficient funds" not in answer.answer


@pytest.mark.parametrize(
    ("question", "answering", "not_answering"),
    [
        # Was: the start-date tip under "## Connect a bank account" ("Otherwise you'll see the same transactions
        # twice"), one more word of the question than the troubleshooting section about duplicates.
        ("why is a transaction showing twice in my bank feed", "Duplicates usually come from", "start date"),
        # Was: the article's introduction (an everyday dev question).
        ("minimum screen size for the web app", "**1024 pixels** wide", "Google Chrome"),
    ],
)
def test_between_sections_saying_as_much_the_closer_in_meaning_answers(
    kb: SampleKB, question: str, answering: str, not_answering: str
) -> None:
    answer = _ask(kb, question)
    assert not answer.is_gap and answering in answer.answer, answer.answer
    assert not_answering not in answer.answer


def test_a_yes_no_question_is_not_answered_by_an_opening_that_does_not_say_it(kb: SampleKB) -> None:
    # Was: "The Lumo apps are free on every plan. ..." (the title names Android; the opening does not).
    answer = _ask(kb, "is there an android app")
    assert not answer.is_gap and "Android 10 or later" in answer.answer, answer.answer
    assert "free on every plan" not in answer.answer


def test_a_yes_no_question_saying_the_title_is_answered_by_the_opening(kb: SampleKB) -> None:
    # Was two rows of the limits table: the opening says "no signal", not "offline" (a README example).
    answer = _ask(kb, "Can I use Lumo offline on my phone?")
    assert not answer.is_gap and answer.citations[0].id == "mobile/offline-mode.html"
    assert answer.answer.startswith("The Lumo apps for iOS and Android keep working when you have no signal")
    assert "| Limit |" not in answer.answer


def test_an_introduction_naming_its_first_section_reads_on_into_it(kb: SampleKB) -> None:
    # Was only "... you can ask for your money back within the refund window.", never saying what the window is.
    answer = _ask(kb, "What is the refund policy?")
    assert not answer.is_gap and answer.citations[0].id == "billing/refunds.md"
    assert "within the refund window" in answer.answer
    assert "| Monthly plan | 14 days from the charge |" in answer.answer


def test_an_overview_saying_what_it_covers_and_where_else_to_look_is_not_the_answer(kb: SampleKB) -> None:
    # Was the introduction: "... This overview explains how Lumo Labs keeps it safe. For privacy and GDPR questions,
    # see 'Privacy, GDPR and where your data is stored'."
    answer = _ask(kb, "Is my data safe?")
    assert not answer.is_gap and answer.citations[0].id == "security/security-overview.docx"
    assert "encrypted at rest with AES-256" in answer.answer
    assert "This overview explains" not in answer.answer and "see 'Privacy" not in answer.answer


def test_a_later_step_comes_after_the_first_only_when_that_one_goes_to_a_place(kb: SampleKB) -> None:
    # Was "1. **Check your connection.** Open a web page ..." and then "4. **Check the date and time.** ...": a list
    # with its middle torn out; the first check says no place the fourth happens in.
    answer = _ask(kb, "could my phone clock being wrong break sync")
    assert not answer.is_gap and answer.answer.startswith("**Check the date and time.**"), answer.answer
    assert "Check your connection" not in answer.answer


def test_a_list_of_what_is_not_done_is_quoted_with_its_heading(kb: SampleKB) -> None:
    # Was: the bullets alone ("- Bank fees for currency conversion ..."), which never said no.
    answer = _ask(kb, "my bank charged a currency conversion fee on your charge, will you refund that")
    assert answer.answer.startswith("Things we can't refund:\n- ")
    assert "Bank fees for currency conversion" in answer.answer


@pytest.mark.parametrize("question", ["hi", "thanks!", "I want to speak to a person"])
def test_conversation_is_not_a_knowledge_gap(kb: SampleKB, question: str) -> None:
    answer = _ask(kb, question)
    assert answer.intent is not None and not answer.is_gap and not answer.citations


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        # Were "I don't know" and a knowledge gap each: an intent phrase and a remark no article is about.
        ("thank youuu 🙏 u explained that better than my accountant lol", "thanks"),
        ("hey hey, just saying hi before i ask my actual question lol", "greeting"),
        ("nvm figured it out myslef lol, cheers cya", "goodbye"),
        ("get me a real person this bot keeps going in circles 😤", "handoff"),
    ],
)
def test_conversation_around_a_remark_is_not_a_knowledge_gap(kb: SampleKB, message: str, kind: str) -> None:
    answer = _ask(kb, message)
    assert answer.intent == kind and not answer.is_gap and not answer.citations, (answer.reason, answer.answer)


@pytest.mark.parametrize(
    "message",
    [
        # Out of scope and asked: not answered, and a gap. Searched without "hey," it is "I'm not sure", as the
        # question alone always was (round 34).
        "hey, do you do payroll for my staff",
        "good evening, do you guys support shopify POS or just the online store?",
    ],
)
def test_a_greeting_before_a_question_keeps_the_question(kb: SampleKB, message: str) -> None:
    answer = _ask(kb, message)
    assert answer.intent is None and answer.is_gap, answer.answer


def test_three_outcomes(kb: SampleKB) -> None:
    """Below the answer threshold: "I'm not sure" with the closest articles while the in-scope model says the
    knowledge base is about the question (a gap, reason low_confidence), else "I don't know" (reason no_match)."""
    shipped = kb.answerer
    assert shipped.scope_model is not None
    answerer = Answerer(
        shipped.retriever,
        threshold=1.01,  # never confident enough: every question falls to one of the two other outcomes
        confidence_model=shipped.confidence_model,
        scope_model=shipped.scope_model,
        scope_threshold=0.0,
    )
    unsure = answerer.answer("How do I request a refund?", audience="public")
    assert unsure.is_gap and unsure.reason == "low_confidence" and not unsure.citations
    assert "not sure" in unsure.answer and unsure.related[0].id in {"billing/refunds.md", "faq/faq.csv#request-refund"}
    answerer.scope_threshold = 1.01
    dont_know = answerer.answer("How do I request a refund?", audience="public")
    assert dont_know.is_gap and dont_know.reason == "no_match" and "I don't know" in dont_know.answer
    assert shipped.answer("How do I request a refund?", audience="public").citations  # the shipped one answers


@pytest.mark.parametrize(
    ("question", "answering", "not_quoted"),
    [
        # Was: "1. Sign in with your password and choose Use a backup code. 2. ... set up 2FA again on your new
        # phone." (under "## If you lose your phone").
        ("how do i set up 2fa", "Scan the QR code", "Use a backup code"),
        # Was: "I'm not sure" (0.31), then the definition of a bank feed.
        ("how do i set up bank feeds", "Click **Connect a bank**", "A bank feed brings"),
        # Was: the steps to change the invoice numbers, "Go to **Settings > Invoicing > Numbering**".
        ("how do i set up an invoice", "Invoices > New invoice", "Numbering"),
        # The passage on the part asked about stays: "## Create an API key" never says "sandbox".
        ("how do i set up a sandbox api key", "sandbox company", "Click **Create key**"),
    ],
)
def test_a_set_up_question_gets_the_procedure_that_starts_using_it(
    kb: SampleKB, question: str, answering: str, not_quoted: str
) -> None:
    answer = _ask(kb, question)
    assert not answer.is_gap and answering in answer.answer and not_quoted not in answer.answer, answer.answer


@pytest.mark.parametrize(
    ("question", "answering", "not_quoted"),
    [
        # Were the steps to set a late fee / turn reminders on / reset a password, then the sentence (round 20).
        (
            "does my customer actually see the late fee on the invoice",
            "Late fees are added as a new line on the invoice",
            "Go to **Settings",
        ),
        (
            "does resetting my password turn off 2fa",
            "Resetting your password signs you out on all other devices. Two-factor authentication stays on.",
            "Forgot password?",
        ),
        # Was the whole nine-step checklist after its introduction.
        ("year end checklist, what am i meant to do about unpaid bills", "Review unpaid bills", "Reconcile every"),
    ],
)
def test_a_question_not_asking_how_gets_its_sentence_not_the_procedure(
    kb: SampleKB, question: str, answering: str, not_quoted: str
) -> None:
    answer = _ask(kb, question)
    assert not answer.is_gap and answering in answer.answer, (answer.confidence, answer.answer)
    assert not_quoted not in answer.answer


@pytest.mark.parametrize(
    ("question", "not_quoted"),
    [
        # Was the whole "## Your home currency" section after the answer (round 20).
        ("do i need business for multi currency", "home currency when you sign up"),
        # Was followed by the free-trial entry: the reminders article never says "get".
        ("do i get automatic reminders on the free plan", "free trial"),
    ],
)
def test_a_complete_answer_gets_nothing_glued_on(kb: SampleKB, question: str, not_quoted: str) -> None:
    answer = _ask(kb, question)
    assert not answer.is_gap and len(answer.citations) == 1, answer.answer
    assert not_quoted not in answer.answer


def test_a_product_synced_with_that_no_article_names_is_not_answered(kb: SampleKB) -> None:
    # Was the mobile app's sync (0.51), as if Lumo synced with Gusto (round 20).
    answer = _ask(kb, "does lumo sync with gusto")
    assert answer.is_gap, answer.answer


def test_a_wallet_no_article_names_is_not_answered_from_the_card_payments_article(kb: SampleKB) -> None:
    # Was the Stripe article's "pay invoices by card with a Pay now button" (0.47-0.60, rounds 29 and 30).
    answer = _ask(kb, "can my customers pay their invoices with Apple Pay?")
    assert answer.is_gap and answer.reason == "low_confidence", answer.answer
    assert answer.related and answer.related[0].id == "integrations/stripe.md"


@pytest.mark.parametrize(
    ("question", "answering", "not_quoted"),
    [
        # Were all three "Before you start" bullets / the four sync bullets for the one that answers (round 20).
        (
            "how many shopify shops can i link to one lumo",
            "You can connect up to **3 Shopify stores**",
            "Owner or an Admin",
        ),
        ("how often does stripe sync", "sync every **15 minutes**", "last **90 days**"),
        # Was the three transfer steps for the third.
        ("new owner didnt accept the transfer, how long did they have", "must accept within **48 hours**", "2FA"),
    ],
)
def test_a_yes_no_or_amount_question_gets_the_item_of_a_list_that_answers(
    kb: SampleKB, question: str, answering: str, not_quoted: str
) -> None:
    answer = _ask(kb, question)
    assert not answer.is_gap and answering in answer.answer, (answer.confidence, answer.answer)
    assert not_quoted not in answer.answer


def test_the_steps_under_the_label_naming_the_phone_answer(kb: SampleKB) -> None:
    # Was the Android steps, which say more of the question's words (round 20).
    answer = _ask(kb, "where's the clear local data option on my iphone")
    assert not answer.is_gap and answer.answer.startswith(
        "**iPhone and iPad**\n1. Tap **Profile > Settings > Storage**."
    )
    assert "Android" not in answer.answer


def test_an_faq_answer_saying_them_of_its_own_question_is_led_in_by_it(kb: SampleKB) -> None:
    # Was "Press ? anywhere in the web app to see them all." with no word of what "them" are (round 20).
    answer = _ask(kb, "hotkey to search in the web app?")
    assert not answer.is_gap and answer.answer.startswith("**Are there keyboard shortcuts in the web app?** Yes."), (
        answer.answer
    )


@pytest.mark.parametrize(
    ("question", "answering", "not_quoted"),
    [
        # Was the three create-key steps, then the rate-limit bullet ("Each key can make ..."): they say more of the
        # question's words than the count of keys does (round 21).
        ("how many api keys can i have", "Up to **5 active keys** per account.", "Click **Create key**"),
        ("whats the api rate limit and how many keys can we make", "Up to **5 active keys**", "- Each key can make"),
        # Was the step to upload the file inside the whole import procedure.
        (
            "how many transactions can be in one bank statement file i upload",
            "**5,000 transactions**",
            "Download a statement",
        ),
    ],
)
def test_a_how_many_question_gets_the_count_of_what_it_asks_about(
    kb: SampleKB, question: str, answering: str, not_quoted: str
) -> None:
    answer = _ask(kb, question)
    assert not answer.is_gap and answering in answer.answer, (answer.confidence, answer.answer)
    assert not_quoted not in answer.answer


@pytest.mark.parametrize(
    ("question", "answering", "not_quoted"),
    [
        # Were the steps to connect Stripe / to sign the DPA, without the sentence naming who (round 21).
        ("who on our team is allowed to connect stripe", "Only the Owner and Admins can connect", "Allow access"),
        ("who gets the signed dpa once we sign it", "The signed PDF is emailed to the account Owner.", "1. Go to"),
        # Were the article's opening ("您的数据属于您自己") and the refund window: "哪些人" (which people) is "谁"
        # (who), the heading's word, and "有" (have) matched "如有需要" in a step.
        ("哪些人有权限导出数据", "账户所有者（Owner）、管理员（Admin）和会计师", "您的数据属于您自己"),
        ("普通员工能申请退款吗", "只有账户所有者（Owner）或管理员（Admin）可以申请退款", "导出"),
    ],
)
def test_a_question_asking_who_gets_the_sentence_naming_who(
    kb: SampleKB, question: str, answering: str, not_quoted: str
) -> None:
    answer = _ask(kb, question)
    assert not answer.is_gap and answer.answer.startswith(answering), (answer.confidence, answer.answer)
    assert not_quoted not in answer.answer


def test_the_product_s_name_pairs_with_no_word_to_outweigh_the_one_asked_about(kb: SampleKB) -> None:
    # Was the blank-page steps first ("If Lumo works there, ..." shares the pair "lumo work"), round 21.
    answer = _ask(kb, "does lumo work on linux")
    assert not answer.is_gap and "Mozilla Firefox (Windows, macOS, Linux)" in answer.answer, answer.answer
    assert "Ctrl+Shift+R" not in answer.answer


@pytest.mark.parametrize(
    "question",
    [
        # Were how to create a credit note (0.93) and the BF-303 error row (0.89): the topic, no amount (round 21).
        "whats the max number of lines on a credit note",
        "is there a limit on how many accounts i can tick under one bank login",
        # Were the refund windows (0.87), an invitation's 7 days (0.78), the steps to turn reminders on (0.72), the
        # backup codes (0.52) and how Shopify payouts are matched (0.45): a count, a time of day or a price asked,
        # none stated (round 22).
        "is there a max number of refunds i can ask for in a year",
        "is there a limit on how many times i can resend an invite to someone",
        "what time of day do the automatic reminder emails actually go out",
        "does getting the 2fa code by sms cost me anything",
        "do you guys charge anything extra on top when shopify payouts come in",
        # Was "Every new account gets a 30-day free trial" (0.58): "free" is a price, not a count; and "Ways to
        # send: Email from Lumo, Download PDF, Copy link" (0.46) for the biggest total (round 23).
        "how many bank connections do we get during the free trial",
        "whats the biggest invoice total lumo will let me send",
    ],
)
def test_an_amount_asked_for_and_not_stated_is_not_answered(kb: SampleKB, question: str) -> None:
    answer = _ask(kb, question)
    assert answer.is_gap and answer.reason == "low_confidence", answer.answer


@pytest.mark.parametrize(
    "question",
    [
        # Were the steps to remove a user (0.65) and to reconnect PayPal (0.53): whether anyone is emailed is not
        # documented (round 23).
        "when i remove someone from our account do they get an email about it",
        "do you email me before the yearly paypal reconnect is due",
    ],
)
def test_whether_someone_is_told_and_no_passage_says_it_is_not_answered(kb: SampleKB, question: str) -> None:
    answer = _ask(kb, question)
    assert answer.is_gap and answer.reason == "low_confidence", answer.answer


def test_a_count_is_answered_by_the_list_of_what_it_counts(kb: SampleKB) -> None:
    # Was "I'm not sure" at 0.98: the invoice-languages entry names eight languages and no number (round 23).
    answer = _ask(kb, "how many languages can my invoices go out in")
    assert not answer.is_gap and "English, German, French" in answer.answer, answer.answer


def test_how_long_something_has_to_be_is_answered_by_its_length(kb: SampleKB) -> None:
    # Was the leaked-password bullet alone: "how long" asked a duration, and "12 characters" is none (round 22).
    answer = _ask(kb, "how long does my new password have to be")
    assert not answer.is_gap and "At least **12 characters**" in answer.answer, answer.answer


@pytest.mark.parametrize(
    "question",
    [
        # Were the Stripe article's refund paragraph (0.46) and its overview (0.38): the PayPal article says
        # neither, and the Stripe one never says PayPal (round 21, chatbot/names.py).
        "if i refund a customer in paypal does lumo make a credit note for it",
        "is there a sync now button for paypal like the stripe one",
        # Was the Stripe article's "Payments and fees already imported stay in your books" (0.59), then the PayPal
        # article's opening as a second passage: the first passage must be about the one name asked.
        "does the paypal fee get booked automatically",
    ],
)
def test_a_question_about_one_provider_is_not_answered_from_another_s_article(kb: SampleKB, question: str) -> None:
    answer = _ask(kb, question)
    assert answer.is_gap and answer.reason == "low_confidence", answer.answer
    assert "integrations/paypal.html" in {s.id for s in answer.related}, answer.related


def test_a_question_naming_two_providers_keeps_the_answer_saying_both(kb: SampleKB) -> None:
    answer = _ask(kb, "Stripe 或 PayPal 的手续费可以退吗")
    assert not answer.is_gap and "Stripe 或 PayPal" in answer.answer, answer.answer


@pytest.mark.parametrize(
    ("question", "answering", "not_quoted"),
    [
        # Was the whole "How syncing works" list, the fee bullet third of five (round 21).
        ("which category do shopify payments fees end up in", "**Payment processing fees** category", "15 minutes"),
        # The same typed as into a search box, and two more (round 28: the whole list each).
        ("shopify fees category", "**Payment processing fees** category", "15 minutes"),
        ("exchange rate update time", "**once a day at 06:00 UTC**", "last working day"),
        ("planned maintenance time", "Sundays between 02:00 and 05:00 CET", "99.9%"),
        # Was the three App lock steps, the answer inside the third.
        (
            "whats the longest the app will wait before face id locks it",
            "Choose when to lock: immediately, after 1 minute or after 5 minutes",
            "Require Face ID",
        ),
    ],
)
def test_the_one_item_that_answers_is_quoted_without_the_others(
    kb: SampleKB, question: str, answering: str, not_quoted: str
) -> None:
    answer = _ask(kb, question)
    assert not answer.is_gap and answering in answer.answer, (answer.confidence, answer.answer)
    assert not_quoted not in answer.answer


def test_a_sentence_following_from_steps_comes_with_them(kb: SampleKB) -> None:
    # Was "You can now pick a currency on invoices, ..." alone: "now" is after the steps to add one (round 21).
    answer = _ask(kb, "the currency box on my invoice is stuck on euros, cant pick dollars")
    assert not answer.is_gap and "Click **Add currency**" in answer.answer, answer.answer
    assert answer.answer.index("Add currency") < answer.answer.index("You can now pick a currency")


def test_a_question_contrasting_two_rows_gets_both(kb: SampleKB) -> None:
    # Was the "Per order" row alone: the customer has the daily summary and wants one invoice per order (round 21).
    answer = _ask(kb, "shopify sales are coming in as one lump per day instead of each order")
    assert not answer.is_gap and "| Per order |" in answer.answer, answer.answer
    assert "| Daily summary |" in answer.answer


@pytest.mark.parametrize(
    ("question", "right", "answering"),
    [
        # Were "I'm not sure" (0.15 and 0.25): "hook up" is connecting, "logs me out" signing out (round 21).
        ("how do i hook up stripe", "integrations/stripe.md", "Settings > Integrations > Stripe"),
        ("how long before the phone app logs me out on its own", "security/sign-in-and-sessions.md", "Mobile apps"),
        # Was "I'm not sure" (0.26): "unhook" is disconnecting (round 23).
        ("how do i unhook stripe from lumo", "integrations/stripe.md", "click **Disconnect**"),
        # Was "I'm not sure" at 0.86: "theres" was taken for the name of a product to connect (round 23).
        ("theres no connect button on the stripe page for me", "integrations/stripe.md", "Connect Stripe"),
        # Were "I don't know" (0.05, 0.12) and "I'm not sure" (0.82): another product's words (round 28).
        (
            "in xero i had repeating invoices for my retainer clients, does lumo do that",
            "faq/faq.yaml#recurring-invoices",
            "New recurring invoice",
        ),
        (
            "my accountant needs to get in, does she use up one of my seats",
            "faq/faq.csv#accountant-access",
            "don't count",
        ),
        ("late fee max percent", "invoicing/payment-reminders.md", "10% per month"),
    ],
)
def test_a_customer_s_idiom_finds_the_help_centre_s_words(
    kb: SampleKB, question: str, right: str, answering: str
) -> None:
    answer = _ask(kb, question)
    assert not answer.is_gap and answer.citations[0].id == right and answering in answer.answer, answer.answer


def test_closing_the_account_said_in_everyday_chinese_finds_the_export_grace_period(kb: SampleKB) -> None:
    # Was "I'm not sure" (0.32): "关掉" and "导出来" are everyday forms of "关闭" and "导出" (round 21).
    answer = _ask(kb, "关掉账户以后还能把数据导出来吗")
    assert not answer.is_gap and "30 天宽限期" in answer.answer, answer.answer


@pytest.mark.parametrize(
    ("question", "workaround"),
    [
        # Were the known-issue rows alone, their status without what to do (internal probe, round 23).
        ("ipad app crashes when opening camera, any workaround", "Import from Files"),
        ("pdf invoice cuts off long line descriptons, fix?", "Feature flags"),
    ],
)
def test_an_agent_asking_about_a_known_issue_gets_its_workaround(kb: SampleKB, question: str, workaround: str) -> None:
    answer = _ask(kb, question, audience="internal")
    assert not answer.is_gap and answer.citations[0].id == "internal/known-issues.md", answer.answer
    assert workaround in answer.answer, answer.answer
    # ... and the widget never sees it.
    public = _ask(kb, question)
    assert all(s.id != "internal/known-issues.md" for s in public.sources), public.sources


@pytest.mark.parametrize(
    ("question", "price"),
    [
        # Were: "each extra user costs €4 per month" from the extra-users entry (0.83-0.96), which names both plans.
        ("How much does the Business plan cost?", "€29"),
        ("What does the Plus plan cost?", "€12"),
        ("how much does the plus plan cost per year", "€120"),
        # Round 30's paraphrases: "I'm not sure" (0.32, the free-trial entry first); the Business-only features;
        # the users table's "€4 per user per month" (twice).
        ("how much is the business plan", "€29"),
        ("business plan price", "€29"),
        ("what does the business plan cost per month", "€29"),
        ("how much is plus per year", "€120"),
    ],
)
def test_a_plan_s_price_is_quoted_not_another_price_beside_its_name(kb: SampleKB, question: str, price: str) -> None:
    answer = _ask(kb, question)
    assert not answer.is_gap, answer.answer
    assert price in answer.answer, answer.answer


def test_the_price_of_what_an_faq_entry_prices_is_still_its_answer(kb: SampleKB) -> None:
    answer = _ask(kb, "how much is an extra user on business")
    assert answer.citations and answer.citations[0].id == "faq/faq.csv#extra-users", answer.answer
    assert "€4" in answer.answer


@pytest.mark.parametrize(
    ("question", "first_step"),
    [
        # Round 30's paraphrases got the article's introduction ("Connect Stripe to let your customers pay invoices
        # by card ...") or "Search by the bank's full name": a search-box query opening with a procedure's verb,
        # and a how-to question saying what the steps are for, ask for the steps.
        ("connect stripe", "Settings > Integrations > Stripe"),
        ("connect bank account", "Banking > Bank accounts"),
        ("How do I connect Stripe so customers can pay my invoices by card?", "Settings > Integrations > Stripe"),
    ],
)
def test_a_procedure_asked_in_few_words_or_with_its_purpose_gets_its_steps(
    kb: SampleKB, question: str, first_step: str
) -> None:
    answer = _ask(kb, question)
    assert not answer.is_gap, answer.answer
    assert answer.answer.startswith("1. ") and first_step in answer.answer, answer.answer


def test_a_problem_report_gets_the_fix_that_follows_the_explanation(kb: SampleKB) -> None:
    # Was what happens when bank access expires, without the "To renew:" steps after it in the same section.
    answer = _ask(kb, "my bank feed stoped working, says access expired")
    assert not answer.is_gap, answer.answer
    assert "When access expires, the feed pauses" in answer.answer and "Renew consent" in answer.answer, answer.answer


def test_a_discount_for_a_group_the_help_centre_never_names_is_not_the_charity_one(kb: SampleKB) -> None:
    # Was: the charity-discount entry at 0.96, matched on "discount". Now "I'm not sure", with it as a suggestion.
    answer = _ask(kb, "do you have a student discount")
    assert answer.is_gap and answer.reason == "low_confidence", answer.answer
    assert "faq/faq.json#nonprofit-discount" in [s.id for s in answer.sources[:3]]
    # The group the help centre names still gets its discount, also as one word where it writes "non-profit".
    for question in ("do you do a charity discount", "small charity asking if we do any nonprofit discount"):
        answered = _ask(kb, question)
        assert [c.id for c in answered.citations][:1] == ["faq/faq.json#nonprofit-discount"], answered.answer


def test_a_number_to_call_is_not_made_up_where_the_help_centre_states_none(kb: SampleKB) -> None:
    # The sample help centre gives an email address and chat, no phone number: the contact route finds no number.
    for question in ("what's your phone number?", "can i call you?"):
        answer = _ask(kb, question)
        assert answer.is_gap and not answer.citations, answer.answer
