"""Everyday words read as the knowledge base's own, and the guard for phrases whose particle is a stop word."""

from __future__ import annotations

from chatbot.keyword import tokenize
from chatbot.synonyms import Synonyms, phrase_object, phrases_added, says_action, says_phrase

TEXTS = [
    "## Turn on 2FA with an authenticator app\n1. Go to Settings > Security.",
    "Turn off browser extensions for app.lumo.example.",
    "Remove a user from Settings > Users. Annual billing gives you two months free.",
]
WORDS = {word for text in TEXTS for word in text.lower().replace(".", " ").split()} | {"on", "off", "a", "the"}


def synonyms() -> Synonyms:
    return Synonyms(TEXTS, lambda word: word.lower() in WORDS)


def test_an_unknown_word_becomes_the_knowledge_base_s_own() -> None:
    assert synonyms().apply("How do I enable 2FA?") == "How do I turn on 2FA?"
    assert synonyms().apply("Can I pay yearly?") == "Can I pay annual?"
    assert synonyms().apply("Delete a user") == "Remove a user"


def test_a_known_word_stays_as_typed() -> None:
    # "remove" is the knowledge base's own word: never replaced, even though it has a listed synonym.
    assert synonyms().apply("how do I remove a user") == "how do I remove a user"


def test_a_phrase_is_used_only_when_the_texts_say_it_as_a_phrase() -> None:
    texts = ["Turn the dial until the light is on."]  # "turn" and "on" are known, "turn on" is never said
    rephraser = Synonyms(texts, lambda word: word != "enable")
    assert rephraser.apply("enable it") == "activate it"  # the next option whose words are known


def test_an_idiom_for_an_action_is_searched_as_the_knowledge_base_s_words_for_it() -> None:
    # "rid" is in no text: "get rid of" (in any tense) is the action the texts call "remove" ("delete" is unknown
    # here, so it is left out).
    assert synonyms().apply("How do I get rid of a user?") == "How do I remove a user?"
    assert synonyms().apply("I got rid of my card") == "I remove my card"
    both = Synonyms(["Delete account.", "Remove user."], lambda word: word.lower() in {"delete", "remove", "a"})
    assert both.apply("how to get rid of a bank account") == "how to remove or delete a bank account"


def test_a_specification_asked_in_everyday_words_is_searched_by_its_name() -> None:
    # Round 39, a robot vacuum's manual: its specifications say "capacity", "Noise level" and "Typical runtime".
    texts = ["| Dustbin capacity | 450 mL |", "| Noise level | 58 dB(A) |", "| Max | 4000 Pa | 80 min |", "runtime"]
    known = {"dustbin", "capacity", "noise", "level", "runtime", "max", "is", "the", "how", "it", "does", "on", "long"}
    rephraser = Synonyms(texts, lambda word: word.lower() in known)
    assert rephraser.apply("how big is the dustbin") == "how capacity is the dustbin"  # "size" is unknown here
    assert rephraser.apply("how loud is it") == "how noise is it"
    assert rephraser.apply("how long does the battery last on max") == "how long does the battery runtime on max"
    # "last" of anything else stays: "the last 30 days".
    assert rephraser.apply("show the last 30 days") == "show the last 30 days"


def test_a_charge_settled_is_a_charge_paid() -> None:
    # Round 41, a parcel carrier's help centre: "How do I settle the import charges ...?" got the steps to dispute
    # the charge; its texts say "Pay the customs charge".
    texts = ["Pay the customs charge in the app."]
    known = {"pay", "paid", "the", "customs", "charge", "charges", "import", "how", "do", "i"}
    rephraser = Synonyms(texts, lambda word: word.lower() in known)
    assert rephraser.apply("How do I settle the import charges") == "How do I pay the import charges"
    assert rephraser.apply("i settled the charge") == "i paid the charge"
    # A knowledge base that says "settled" itself keeps it ("marks the bill as settled").
    keeps = Synonyms(["Matching marks the bill as settled."], lambda word: True)
    assert keeps.apply("is the bill settled") == "is the bill settled"


def test_an_idiom_the_knowledge_base_uses_itself_stays() -> None:
    texts = ["Get rid of duplicates from Banking > Review."]
    rephraser = Synonyms(texts, lambda word: word.lower() in {"get", "rid", "of", "remove"})
    assert rephraser.apply("how do I get rid of duplicates") == "how do I get rid of duplicates"


def test_words_without_a_synonym_are_left_alone() -> None:
    assert synonyms().apply("Can I connect Xero?") == "Can I connect Xero?"


def test_added_phrases_and_how_a_passage_says_them() -> None:
    assert phrases_added("How do I disable 2FA?", "How do I turn off 2FA?") == ["turn off"]
    assert phrases_added("How do I turn off 2FA?", "How do I turn off 2FA?") == []  # typed by the customer
    assert says_phrase("You can turn it off in Settings.", "turn off")
    assert says_phrase("Reminders are turned off by default.", "turn off")
    assert not says_phrase("## Turn on 2FA with an authenticator app", "turn off")


def test_the_phrase_must_be_about_what_the_question_names() -> None:
    steps = "1. Tap **Profile > App lock**.\n2. Turn on **Require Face ID** (iPhone) or **Require fingerprint**."
    assert not says_phrase(steps, "turn on", tokenize("mobile app"), tokenize)  # what "activate" was asked about
    assert says_phrase(steps, "turn on", tokenize("face id"), tokenize)
    assert says_phrase("## Turn on 2FA with an authenticator app", "turn on", tokenize("2FA"), tokenize)
    assert says_phrase("Turn on **Require two-factor authentication**.", "turn on", tokenize("two factors"), tokenize)


def test_only_a_phrase_ending_in_a_stop_word_is_checked() -> None:
    # "american express" is searched word for word; "sign in" is searched as "sign" alone.
    assert phrases_added("can I pay with amex", "can I pay with american express") == []
    assert phrases_added("how do I login", "how do I sign in") == ["sign in"]


def test_a_word_sharing_only_its_stem_with_the_texts_is_still_replaced() -> None:
    # The texts say "year" (as in "year-end") and "annual", never "yearly": the stem is known, the word is not.
    texts = ["Close the year with the checklist.", "Annual billing gives you two months free."]
    known = {"close", "year", "checklist", "annual", "billing", "pay", "can"}
    rephraser = Synonyms(texts, lambda word: word in known, lambda word: word in known)
    assert rephraser.apply("can I pay yearly") == "can I pay annual"


def test_logging_in_and_out_is_searched_as_signing_in_and_out() -> None:
    # The texts say "sign out" and "sign in" and use "log" for something else (the audit log).
    texts = ["Click **Sign out all other sessions**.", "Sign in with Google.", "See the audit log."]
    known = {"sign", "out", "in", "all", "other", "sessions", "log", "audit", "google", "how", "do", "i", "get"}
    rephraser = Synonyms(texts, lambda word: word.lower() in known)
    assert rephraser.apply("how do i log out other devices") == "how do i sign out other devices"
    assert rephraser.apply("I keep getting logged out") == "I keep getting sign out"
    assert rephraser.apply("can I log in with Google") == "can I sign in with Google"
    assert rephraser.apply("check the audit log") == "check the audit log"
    assert rephraser.apply("the app logs me out on its own") == "the app sign out on its own"


def test_a_log_kept_somewhere_is_not_signing_in() -> None:
    # "log" the noun, followed by where it is: "the audit log in Settings" is not "the audit sign in Settings".
    texts = ["Click **Sign out all other sessions**.", "Sign in with Google.", "The audit log on Business: a year."]
    known = {"sign", "out", "in", "all", "other", "sessions", "log", "logs", "audit", "google", "the", "sync"}
    rephraser = Synonyms(texts, lambda word: word.lower() in known)
    assert rephraser.apply("where is the audit log in Settings") == "where is the audit log in Settings"
    assert rephraser.apply("export the sync log on my phone") == "export the sync log on my phone"
    assert rephraser.apply("where are the logs in Lumo") == "where are the logs in Lumo"
    # And "The audit log on Business" in the texts is not the texts saying "log on": the idiom is still read.
    assert rephraser.apply("I can't log in") == "I can't sign in"
    assert rephraser.apply("he logs in every day") == "he sign in every day"


def test_logging_out_stays_when_the_texts_say_it() -> None:
    texts = ["Log out of the app before you hand over your phone.", "Sign out of the web app."]
    rephraser = Synonyms(texts, lambda word: word.lower() in {"log", "sign", "out", "of"})
    assert rephraser.apply("how do I log out") == "how do I log out"


def test_handing_over_is_the_texts_transfer() -> None:
    texts = ["## Transfer ownership", "The current Owner goes to **Settings > Account > Transfer ownership**."]
    known = {"transfer", "ownership", "owner", "account", "settings"}
    rephraser = Synonyms(texts, lambda word: word.lower() in known)
    assert rephraser.apply("how do i hand the account over to my partner") == (
        "how do i transfer the account over to my partner"
    )
    assert rephraser.apply("handing over ownership") == "transfer ownership"
    # A help centre that says it keeps its words.
    said = Synonyms(["Hand over the account to the new Owner."], lambda word: True)
    assert said.apply("how do i hand over the account") == "how do i hand over the account"


def test_chat_shorthand_is_the_texts_word() -> None:
    texts = ["The customer gets an email within 2 hours."]
    rephraser = Synonyms(texts, lambda word: word.lower() in {"customer", "hours", "email"})
    assert rephraser.apply("cust says no email after 3 hrs") == "customer says no email after 3 hours"


def test_unlink_is_the_texts_disconnect_and_resolve_their_fix() -> None:
    texts = ["Click **Disconnect**.", "Quick fixes to try first"]
    rephraser = Synonyms(texts, lambda word: word.lower() in {"click", "disconnect", "how", "fix", "quick"})
    assert rephraser.apply("how unlink shopify") == "how disconnect shopify"
    assert rephraser.apply("how do i unhook stripe") == "how do i disconnect stripe"
    assert rephraser.apply("how resolve a conflict") == "how fix a conflict"


def test_what_an_added_phrase_is_about() -> None:
    assert phrase_object("how do I turn off 2FA for my team", "turn off", tokenize) == {"2fa", "team"}
    assert phrase_object("how long before I get sign out", "sign out", tokenize) == set()
    # Where from is not what: "Check that your browser keeps cookies" answers "signed out of the app".
    assert phrase_object("I keep getting sign out of the app", "sign out", tokenize) == set()
    assert phrases_added("how long before I get logged out", "how long before I get sign out") == ["sign out"]
    # Nor is where or when: "Web: you stay signed in for 30 days" answers "stay logged in on the website".
    assert phrase_object("how long do i stay sign in on the website", "sign in", tokenize) == set()
    # ... nor how or when (round 31: "logs me out on its own", searched "signs me out automatically").
    assert phrase_object("how long before the app will sign out automatically", "sign out", tokenize) == set()
    assert phrase_object("turn on reminders for one client", "turn on", tokenize) == {"remind", "one", "client"}
    # ... nor another clause (round 32: "I can't log in because it asks me for a code" was "not sure" at 0.91).
    assert phrase_object("i can't sign in because it asks me for a code", "sign in", tokenize) == set()
    assert phrase_object("can't sign in and the app is stuck", "sign in", tokenize) == set()


def test_sending_again_is_resending_what_was_sent() -> None:
    texts = ["Open the pending invitation and click **Resend**."]
    rephraser = Synonyms(texts, lambda word: word.lower() in {"resend", "invoice", "invitation", "how", "do", "i"})
    assert rephraser.apply("how do i send it again") == "how do i resend it again"
    assert rephraser.apply("can you send the invoice again") == "can you resend the invoice again"
    assert rephraser.apply("how do i send an invoice") == "how do i send an invoice"


def test_moving_to_another_plan_is_changing_it() -> None:
    texts = ["Click **Change plan**. After that, the account moves to the Free plan."]
    rephraser = Synonyms(texts, lambda word: word.lower() in {"change", "plan", "how", "do", "i"})
    assert rephraser.apply("how do i move to another plan") == "how do i change to another plan"
    assert rephraser.apply("can I switch over to a different plan") == "can I change over to a different plan"
    assert rephraser.apply("can i go to a cheaper business plan") == "can i change to a cheaper business plan"
    # Moving something somewhere is not changing it, nor is moving to a named plan, nor to another thing than a
    # plan (the help centre's own "## Switch between companies").
    assert rephraser.apply("how do i move a receipt to another folder") == "how do i move a receipt to another folder"
    assert rephraser.apply("when does my account move to the free plan") == (
        "when does my account move to the free plan"
    )
    assert rephraser.apply("how do i switch to another company") == "how do i switch to another company"
    # A knowledge base that says the idiom itself keeps it.
    said = Synonyms(["To move to another plan, ..."], lambda word: True)
    assert said.apply("how do i move to another plan") == "how do i move to another plan"


def test_being_charged_twice_is_a_duplicate_charge() -> None:
    texts = ["| Duplicate charge | Any time | The duplicate amount |"]
    rephraser = Synonyms(texts, lambda word: word.lower() in {"duplicate", "charge"})
    assert rephraser.apply("i got charged twice this month") == "i got duplicate charge this month"
    assert rephraser.apply("we were double charged") == "we were duplicate charge"
    assert rephraser.apply("you billed us two times") == "you duplicate charge"
    # Twice the amount is something else; a help centre without the phrase keeps the words.
    assert rephraser.apply("why was i charged twice the price") == "why was i charged twice the price"
    assert Synonyms(["Refunds"], lambda word: True).apply("charged twice") == "charged twice"


def test_an_agent_s_cx_a_payment_bounced_and_data_wiped_are_the_texts_words() -> None:
    # Round 45: "cx on plus cant find shopify under integrations??" and "updated my card after the payment bounced,
    # when will u try charging again" were "not sure" beside the right article.
    known = {"customer", "failed", "automatically", "clear", "delete", "close"}
    rephraser = Synonyms(["customer"], lambda word: word.lower() in known)
    assert rephraser.apply("cx on plus cant find shopify") == "customer on plus cant find shopify"
    assert rephraser.apply("after the payment bounced") == "after the payment failed"
    assert rephraser.apply("our plan just auto renewed") == "our plan just automatically renewed"
    assert rephraser.apply("how do i wipe the data on my phone") == "how do i clear the data on my phone"
    assert rephraser.apply("except shut the company down") == "except close the company down"
    # "client" is not read as "customer" (chatbot/synonyms.py says why).
    assert rephraser.apply("my client paid") == "my client paid"


def test_ringing_is_calling_a_delivery_is_rearranged_and_reductions_are_discounts() -> None:
    # Round 45, an unseen parcel help centre's dev messages: "What reductions do you offer ..." and "What's the
    # latest date I can rebook a delivery I missed?" were "I don't know" and "I'm not sure".
    known = {"call", "calls", "rearrange", "discounts"}
    rephraser = Synonyms(["call us"], lambda word: word.lower() in known)
    assert rephraser.apply("do I have to ring them") == "do I have to call them"
    assert rephraser.apply("when he rings") == "when he calls"
    assert rephraser.apply("can I rebook a delivery") == "can I rearrange a delivery"
    assert rephraser.apply("What reductions do you offer") == "What discounts do you offer"
    # A manual whose robot has a status light ring keeps its ring.
    assert Synonyms(["ring"], lambda word: True).apply("the ring is blue") == "the ring is blue"


def test_money_wanted_back_is_a_refund() -> None:
    # Round 45: "added 3 extra users by mistake last week, money back?" got the extra-users price.
    texts = ["If a charge was a mistake, you can ask for your money back within the refund window."]
    rephraser = Synonyms(texts, lambda word: word.lower() in {"refund", "refunded"})
    assert rephraser.apply("added 3 extra users by mistake, money back?") == "added 3 extra users by mistake, refund?"
    assert rephraser.apply("can I get my money back") == "can I get my refund"
    assert rephraser.apply("how do I get it paid back?") == "how do I get it refunded?"
    # The help centre's own "your money back" is no customer's idiom; without the word "refund" nothing changes.
    assert rephraser.apply("ask for your money back") == "ask for your money back"
    assert Synonyms(texts, lambda word: False).apply("can I get my money back") == "can I get my money back"


def test_turning_off_is_said_in_other_words_and_turning_on_contradicts_it() -> None:
    reminders = tokenize("reminders")
    assert says_action("## Stop reminders for one invoice or customer", "turn off", reminders, tokenize)
    assert says_action("Disable the reminders in Settings.", "turn off", reminders, tokenize)
    assert says_action("Reminders are switched off by default.", "turn off", reminders, tokenize)
    # A pronoun stands for what the passage named before it; "on or off" and "on/off" say both.
    assert says_action("The switch is on. Turn it off for customers who pay by transfer.", "turn off", (), tokenize)
    assert says_action("## Turn online payments on or off for one invoice", "turn off", tokenize("payments"), tokenize)
    assert says_action("Turn reminders on/off in Settings.", "turn off", reminders, tokenize)
    # Saying nothing of turning it on is no contradiction; saying to turn it on is, in any word order.
    assert says_action("Choose which notifications you get in Profile > Notifications.", "turn off", (), tokenize)
    assert not says_action("2. Turn on **Send automatic reminders**.", "turn off", reminders, tokenize)
    assert not says_action("2. Turn automatic reminders on.", "turn off", reminders, tokenize)
    assert not says_action("1. Go to Settings.\n2. Enable reminders.", "turn off", reminders, tokenize)
    assert not says_action("## Turn on 2FA with an authenticator app", "turn off", tokenize("2FA"), tokenize)
    # ... of what was asked: turning something else on is no contradiction.
    steps = "3. Type your password.\n4. Enter a two-factor code if 2FA is turned on."
    assert says_action(steps, "turn off", tokenize("my account"), tokenize)
    # An article's title says the phrase but never contradicts it: "Turning on X" may hold a section removing X.
    title = "Turning on two-factor authentication (2FA)"
    assert says_action("## Backup codes\nYou get 10 codes.", "turn off", tokenize("2FA"), tokenize, title)
    assert says_action("## Backup codes", "turn on", tokenize("2FA"), tokenize, title)
    assert not says_action("## Backup codes", "turn on", tokenize("2FA"), tokenize)


def test_which_people_in_chinese_is_who() -> None:
    # "哪些人有权限导出数据" (which people may export data): the help centre's heading asks "谁可以导出" (who can).
    rephraser = Synonyms(["## 谁可以导出"], lambda word: word in {"谁"})
    assert rephraser.apply("哪些人有权限导出数据") == "谁有权限导出数据"
    assert rephraser.apply("什么人可以申请退款") == "谁可以申请退款"
    # A help centre that never says "谁" keeps the question as typed.
    assert Synonyms(["## 导出"], lambda word: False).apply("哪些人有权限导出数据") == "哪些人有权限导出数据"


def test_hooking_up_is_connecting() -> None:
    rephraser = Synonyms(["Connect Stripe in Settings."], lambda word: word.lower() in {"connect", "stripe"})
    assert rephraser.apply("how do i hook up stripe") == "how do i connect stripe"
    assert rephraser.apply("we hooked up the bank") == "we connect the bank"
    assert rephraser.apply("how many banks can lumo hook into") == "how many banks can lumo connect"
    assert rephraser.apply("get a second shop hooked up") == "get a second shop connect"
    assert rephraser.apply("hook my bank up") == "connect my bank up"


def test_kicking_a_login_off_is_signing_out_a_person_removing_and_the_damage_is_the_price() -> None:
    texts = ["Click **Sign out all other sessions**.", "Plus costs €12 per month.", "Remove a user: €4 per user."]
    known = {"sign", "out", "all", "other", "sessions", "cost", "costs", "per", "user", "month", "remove"}
    rephraser = Synonyms(texts, lambda word: word.lower() in known)
    assert rephraser.apply("how do i kick every other login off") == "how do i sign out every other login off"
    assert rephraser.apply("boot my old phone out") == "sign out my old phone out"
    assert rephraser.apply("how do i kick them out of lumo") == "how do i remove them out of lumo"
    assert rephraser.apply("plus paid yearly, whats the damage") == "plus paid yearly, whats cost"
    assert rephraser.apply("is that per head") == "is that per user"
    assert rephraser.apply("kick off the meeting") == "kick off the meeting"  # nothing kicked off: no sign-out


def test_everyday_chinese_forms_are_the_help_centre_s_words() -> None:
    # "关掉账户以后还能把数据导出来吗" (can I still export my data after closing the account): was "not sure" (0.32).
    rephraser = Synonyms(["## 关闭账户之后\n您仍可以导出数据。"], lambda word: word in {"关闭", "导出"})
    assert rephraser.apply("关掉账户以后还能把数据导出来吗") == "关闭账户以后还能把数据导出吗"


def test_a_tier_is_a_plan_gigs_are_gb_and_reauthorising_is_renewing() -> None:
    texts = ["Business includes 100 GB of file storage on every plan.", "Renewing bank access keeps the feed."]
    known = {w.lower().strip(".") for text in texts for w in text.split()}
    rephraser = Synonyms(texts, lambda word: word.lower() in known)
    assert rephraser.apply("is export on the free tier") == "is export on the free plan"
    assert rephraser.apply("how many gigs on business") == "how many gb on business"
    assert rephraser.apply("when does my bank need reauthorising") == "when does my bank need renewing"


def test_a_seat_is_a_user_repeating_is_recurring_and_percent_is_percentage() -> None:
    # Words a customer moving over from another product brings along (round 28): "can I just buy one extra seat",
    # "in xero i had repeating invoices", "late fee max percent" were "I don't know" or "I'm not sure".
    texts = [
        "Plus includes 3 users. Add a user.",
        "Go to Invoices > New recurring invoice.",
        "Choose a percentage of the amount due.",
    ]
    known = {w.lower().strip(".") for text in texts for w in text.split()}
    rephraser = Synonyms(texts, lambda word: word.lower() in known)
    assert rephraser.apply("can I buy one extra seat") == "can I buy one extra user"
    assert rephraser.apply("how many seats on plus") == "how many users on plus"
    assert rephraser.apply("does lumo do repeating invoices") == "does lumo do recurring invoices"
    assert rephraser.apply("late fee max percent") == "late fee max percentage"
    # A knowledge base that says "seat" keeps it.
    seats = Synonyms(["Each seat costs 4 EUR."], lambda word: word.lower() in {"each", "seat", "costs"})
    assert seats.apply("price per seat") == "price per seat"


def test_a_trial_mistyped_or_called_a_test_drive_is_the_trial_and_an_audit_trail_the_audit_log() -> None:
    texts = ["Every account gets a 30-day free trial.", "The audit log keeps 365 days.", "The Accountant role."]
    known = {"every", "account", "gets", "free", "trial", "the", "audit", "log", "keeps", "days", "accountant", "role"}
    rephraser = Synonyms(texts, lambda word: word.lower() in known)
    # "trail" is an English word, which the speller never corrects: was "I don't know" (0.06).
    assert rephraser.apply("is ther a trail period") == "is ther a trial period"
    assert rephraser.apply("can i test-drive it first") == "can i trial it first"
    assert rephraser.apply("is there an audit trail") == "is there an audit log"
    assert rephraser.apply("our bookkeeper wants a login") == "our accountant wants a login"


def test_two_weeks_is_14_days_on_its_own_is_automatically_and_interest_is_a_late_fee() -> None:
    texts = [
        "After 14 days unpaid, the account becomes read-only.",
        "Lumo can email your customers automatically.",
        "You can add a late fee to overdue invoices.",
    ]
    known = {w.lower().strip(".,") for text in texts for w in text.split()}
    rephraser = Synonyms(texts, lambda word: word.lower() in known)
    # Round 31: "and if it's still not paid after two weeks?" got the approved-charge line, not the 14 days.
    assert rephraser.apply("still not paid after two weeks") == "still not paid after 14 days"
    assert rephraser.apply("still unpaid after a fortnight") == "still unpaid after 14 days"
    assert rephraser.apply("back from 2 weeks in thailand") == "back from 2 weeks in thailand"  # a trip
    # ... "Does Lumo send payment reminders on its own?" got the steps to stop them for one customer.
    assert rephraser.apply("does lumo send reminders on its own") == "does lumo send reminders automatically"
    assert rephraser.apply("can it make the invoice by itself") == "can it make the invoice automatically"
    # Done "on my own" is done by hand: not read as automatic.
    assert rephraser.apply("can i do it on my own") == "can i do it on my own"
    # ... "want to charge interest on invoices that are paid late" got the steps to stop reminders.
    assert rephraser.apply("charge interest on late invoices") == "charge late fee on late invoices"
    # A knowledge base that says "interest" keeps it.
    said = Synonyms(["Interest is 8% a year."], lambda word: word.lower() in {"interest", "is", "a", "year"})
    assert said.apply("charge interest") == "charge interest"


def test_giving_a_person_access_is_inviting_them() -> None:
    texts = ["1. Go to **Settings > Users & permissions** and click **Invite user**."]
    known = {"invite", "user", "accountant", "colleague", "how", "do", "i", "my", "can", "our", "account", "to"}
    rephraser = Synonyms(texts, lambda word: word.lower() in known)
    # Round 32: "How do I give my accountant access?" got the Accountant role's "full access to bookkeeping".
    assert rephraser.apply("How do I give my accountant access?") == "How do I invite my accountant?"
    assert (
        rephraser.apply("can i give my colleague access to our account") == "can i invite my colleague to our account"
    )
    assert rephraser.apply("give full access to my accountant") == "invite my accountant"
    # The support team is granted access to the account, which is another procedure than inviting a user.
    assert rephraser.apply("how do i give support access") == "how do i give support access"
    assert rephraser.apply("give access to the support team") == "give access to the support team"
    # A knowledge base that says it keeps it.
    said = Synonyms(["Give your accountant access from Settings."], lambda word: word.lower() in known | {"give"})
    assert said.apply("give my accountant access") == "give my accountant access"


def test_everyday_words_for_a_broadband_help_centre_s_own() -> None:
    # Round 32, an unseen help centre's dev messages: "I don't know" for each.
    texts = ["Change your plan in My Kestrel. An engineer visits. Order a remote for your TV. Your wifi password."]
    known = {w.lower().strip(".") for text in texts for w in text.split()} | {"faster", "can", "i", "a", "the"}
    rephraser = Synonyms(texts, lambda word: word.lower() in known)
    assert rephraser.apply("can i switch to a quicker package") == "can i switch to a faster plan"
    assert rephraser.apply("the clicker for my telly") == "the remote for my tv"
    assert rephraser.apply("a technician comes out") == "a engineer comes out"
    assert rephraser.apply("the code for the wireless") == "the code for the wifi"
    # A help centre that says "package" keeps it.
    said = Synonyms(["Each package includes 80 channels."], lambda word: word.lower() in {"package", "plan"})
    assert said.apply("which package") == "which package"
