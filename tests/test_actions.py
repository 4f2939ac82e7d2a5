"""The action a question asks to do, and headings that name another one (chatbot/actions.py)."""

from __future__ import annotations

import pytest

from chatbot.actions import (
    action_stems,
    asked_verb,
    asks_to_set_up,
    done_action_stems,
    names_another_action,
    opposites,
    procedure_verbs,
    starts_using,
    turned_off_object,
)
from chatbot.keyword import tokenize


def test_the_asked_verb_comes_after_how_do_i_can_i_and_i_want_to() -> None:
    assert asked_verb("How do I delete a bank account?") == "delete"
    assert asked_verb("can we export our data") == "export"
    assert asked_verb("I want to cancel my plan") == "cancel"
    assert asked_verb("What does the Plus plan cost?") is None


def test_an_action_is_also_its_one_word_synonyms_and_a_light_verb_is_none() -> None:
    assert action_stems("How do I delete a user?") == frozenset(tokenize("delete remove erase revoke wipe"))
    assert action_stems("how do I revoke an API key") == frozenset(tokenize("revoke delete remove"))
    assert action_stems("how do I add an invoice") == frozenset(tokenize("add create"))
    assert action_stems("how do I get rid of a user") == frozenset()  # the idiom is read by chatbot/synonyms.py
    assert action_stems("Is the app free?") == frozenset()


def test_a_heading_names_another_action_only_by_a_verb_known_to_differ() -> None:
    delete = action_stems("How do I delete a bank account?")
    assert names_another_action("Connect a bank account", delete)
    assert names_another_action("Disconnecting a bank", delete)
    assert not names_another_action("Delete or disconnect a bank", delete)  # names the asked action too
    add = action_stems("How do I add another user?")
    assert not names_another_action("Invite a user", add)  # "invite" may be "add" in other words
    assert names_another_action("Change a user's role or remove a user", add)
    assert not names_another_action("Plan comparison", add)  # not a procedure's action
    assert not names_another_action("Create an invoice", add)  # adding an invoice is creating one
    revoke = action_stems("How do I revoke an API key?")
    assert names_another_action("Create an API key", revoke)
    assert not names_another_action("Revoke a key", revoke)


def test_opposites_go_both_ways() -> None:
    connect, disconnect = tokenize("connect disconnect")
    assert disconnect in opposites()[connect] and connect in opposites()[disconnect]


@pytest.mark.parametrize(
    ("question", "done"),
    [
        ("i disconnected the bank feed, are the old transactions still there", {"disconnect"}),
        ("if i upgrade in the middle of the month does my billing date change", {"upgrad"}),
        ("We've already exported everything, is the file kept?", {"export"}),
        ("what happens if i close my account", {"close"}),
        # Asking for steps: the procedure for the situation answers, whatever its verb.
        ("if i lose my phone how do i sign in", set()),
        ("i deleted an invoice, what should i do", set()),
        ("we exported the contacts file, how do you import it?", set()),
        # The first action verb counts, past a light one or an adverb; a word merely ending in -ed is none.
        ("I need help, I disconnected the feed, are the transactions still there?", {"disconnect"}),
        ("I accidentally deleted an invoice, can I get it back?", {"delet"}),
        ("ive disconnected the feed, what now?", {"disconnect"}),
        ("can we embed the form on our site", set()),
        # A light verb says nothing done.
        ("i tried to connect my bank", set()),
        ("if i want to export my data", set()),
        ("can i export my data", set()),
    ],
)
def test_the_action_a_customer_has_already_taken(question: str, done: set[str]) -> None:
    assert done_action_stems(question) == done


@pytest.mark.parametrize(
    ("heading", "verbs"),
    [
        ("Disconnecting a bank", {"disconnect"}),
        ("Change a role or remove a user", {"chang", "remov"}),
        ("Restore a deleted invoice", set()),  # "deleted" describes the invoice
        ("Deleted invoices", set()),  # what a list holds
        ("If you remove a user", set()),  # what follows an action, not its steps
        ("Supported browsers", set()),
    ],
)
def test_the_actions_a_heading_names_a_procedure_for(heading: str, verbs: set[str]) -> None:
    assert procedure_verbs(heading) == verbs


@pytest.mark.parametrize(
    ("question", "sets_up"),
    [
        ("how do i set up 2fa", True),
        ("How to set-up Stripe?", True),
        ("how can we setup paypal", True),
        ("how do i set it up on my phone", True),
        ("how do i set a lock date", False),  # "set" alone is no set-up
        ("what is the setup fee", False),  # no action asked
    ],
)
def test_a_question_asking_to_set_something_up(question: str, sets_up: bool) -> None:
    assert asks_to_set_up(question) is sets_up


@pytest.mark.parametrize(
    ("heading", "starts"),
    [
        ("Turn on 2FA with an authenticator app", True),
        ("Connect a bank account", True),
        ("Create an invoice", True),
        ("Setting up VAT", True),
        ("Adding a user", True),
        ("Turn online payments on or off for one invoice", False),
        # Nouns, not the verbs: what the section is about, not a procedure that starts using it.
        ("Connection problems", False),
        ("Active sessions", False),
        ("Add-ons", False),
        ("Setup fees", False),
        ("Disconnect a store", False),
        ("If you lose your phone", False),
    ],
)
def test_a_heading_for_starting_to_use_something(heading: str, starts: bool) -> None:
    assert starts_using(heading) is starts


@pytest.mark.parametrize(
    ("question", "thing"),
    [
        ("how do i turn off reminders", "reminders"),
        ("how do I turn the reminders off", "the reminders"),
        ("can I switch off Face ID?", "Face ID"),
        ("how do I deactivate reminders", "reminders"),
        ("how can I disable 2FA?", "2FA"),
        ("how do I turn it off", "it"),
        ("How do I turn on or off Remote Management?", None),  # both
        ("how do i turn on reminders", None),
        ("does resetting my password turn off 2fa", None),  # asks what happens, not how
    ],
)
def test_what_a_question_asks_to_turn_off(question: str, thing: str | None) -> None:
    assert turned_off_object(question) == thing
