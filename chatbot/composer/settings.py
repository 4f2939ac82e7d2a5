"""The composer's settings: answer lengths, and the weights of what makes a unit the anchor (chosen on dev splits)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ComposerSettings:
    # Chosen on the TV-manual dev questions (ROUGE-L against the expert answers; docs/benchmarks.md): the expert
    # answers are a page's opening lines, about 50-70 words; 90 keeps a little more context.
    max_words: int = 90
    # A procedure (or a table) is never cut in the middle, and neither is an FAQ entry's answer: it is one reply
    # to one question, quoted whole when it fits (see whole_answer), and its second half is often the case the
    # customer is in ("Otherwise, if it is not your video, ...").
    max_procedure_words: int = 260
    lead_in_sentences: int = 0  # sentences kept before the anchor (beyond the from-the-top rule below)
    second_article_gain: float = 0.25  # share of the question's weight a second passage must add
    anchor_chunks: int = 4  # best chunks of the top article searched for the anchor sentence
    # ... and, for a how-to question, any other retrieved chunk of it whose headings say at least this share of
    # the question: steps sit under a heading that names them ("## Connect a bank account"), often in a chunk that
    # retrieval ranks below the article's introduction and overview sections.
    how_to_heading_share: float = 0.5
    heading_weight: float = 0.5  # how much a chunk's heading path counts next to a sentence's own words
    # The share of a yes/no question's weight its article's title must say for the opening to frame the answer
    # (see _passage). Dev splits: no answer changed on E-Manual, everyday or CMRC2018 (400 questions) against
    # no such condition; on the sample help centre it moved 2 of 11 wrong passages to the right one.
    opening_title_share: float = 0.5
    # ... and the share the opening itself must say (the first chunk's text). Dev splits: no answer changed; on the
    # sample help centre's 297 questions of every round, one, to the right passage ("is there an android app").
    opening_text_share: float = 0.5
    # ... unless the question says this share of the title's own words: then the title is the question in other
    # words and the whole article answers it, so its opening does too, whatever words it uses ("Can I use Lumo
    # offline on my phone?" and "Using Lumo offline on your phone or tablet", whose opening says "keep working when
    # you have no signal": two rows of its limits table were quoted, round 40). "is there an android app" says two
    # of the six of "The Lumo mobile apps for iPhone, iPad and Android": its Android row stays the answer.
    opening_title_asked_share: float = 0.75
    step_bonus: float = 0.3  # share of the question's weight a list item gets for a how-to question
    # Between sections that say about as much of the question, the one closer to it in meaning: a unit loses this
    # share of the question's weight per unit of cosine its chunk is below the article's closest chunk. Words
    # alone put "set the start date ... Otherwise you'll see the same transactions twice" under "## Connect a bank
    # account" before "## I see the same transaction twice" for "why is a transaction showing twice in my bank
    # feed". Chosen on the everyday dev split (0.5: 5 answers changed, 3 better, none worse; 0.75 and 1.0: 8 and
    # 11 changed, one worse, "does receipt scanning work with heic photos" lost "## Supported files" to the
    # scanning steps); E-Manual, StackFAQ and CLINC dev answers unchanged. Not for Chinese: the English model's
    # vectors of Chinese text rank paragraphs poorly (CMRC2018 dev gold span 0.750 -> 0.737 with it). Measured
    # with MiniLM, the default: the multilingual embedder's cosines lie closer together, so it weighs less there.
    closeness_weight: float = 0.5
    # ... and a unit stating the kind of quantity a "how long / how often / how many / how much" question asks for
    # (at most what the unit says of the question, like the step bonus: a number alone answers nothing).
    quantity_bonus: float = 0.25
    # ... and, for a price asked ("business plan price"), a unit stating an amount of money (at most what it says of
    # the question): the prices table said "Business" and "price" (4.4) and lost to "Besides the limits in the
    # table, the Business plan adds:" (5.9), which says "Business plan" and no price.
    price_bonus: float = 0.5
    # "Who on our team is allowed to connect stripe": "Only the Owner and Admins can connect integrations." says one
    # word of it ("connect"); "3. Sign in to Stripe ... click **Allow access**" says three. A sentence naming a role
    # gets this share of the question's weight for a question asking who (when it says any word of it).
    who_bonus: float = 0.5
    # "tried to make another api key ... lumo just wont let me": the article's introduction ("The Lumo API lets you
    # connect your own tools") says "api key" as much as "- Up to **5 active keys** per account" does. For a question
    # reporting something refused or missing (Question.reports_block), a sentence stating a limit or a condition
    # ("only", "up to", "supported", "can't") gets this share of the question's weight (when it says any word of it).
    condition_bonus: float = 0.25
    # "my bank feed stopped updating 3 days ago" got the article's introduction ("A bank feed brings the transactions
    # from your business bank account into Lumo automatically"). For a question reporting a problem
    # (Question.reports_problem), a unit under a heading about fixing something ("## Troubleshooting") gets this
    # share of the question's weight (when it says any word of it).
    fix_bonus: float = 0.25
    # When the best sentence is this close to the top of the article (or of its section's chunk), start from the
    # top: help-centre articles and sections open with the menu path and the summary a reader needs first.
    from_top_within_words: int = 60
    # ... and from the top of its paragraph when the sentences before it there are this short: a sentence that
    # goes on from the one before it ("Plus and Business have no invoice limit.") needs that one. A longer run
    # before it is a section written as one paragraph (an encyclopedia's), where the anchor stands alone.
    paragraph_within_words: int = 40
    # A second passage must cover a question word at least this rare (BM25 idf: about one chunk in five or fewer
    # holds it) and at least half as rare as the question's rarest word: "another" in "add another user" is rare
    # enough, but the passage must also pass the on-topic test below.
    rare_idf: float = 1.5
    # ... and be about the question: its best chunk at least this close to the question (dense cosine, or fused
    # score when the chunk was found by keywords only) relative to the first passage's best chunk. On the sample
    # help centre's everyday questions, a passage less close than the first was an unrelated page sharing a word
    # ("website" in "invoice notes pasted from a website" for "my phone's invoice isn't on the website").
    second_on_topic: float = 1.0
    # The same for the passage on a comparison's other side, which is about half the question only, so less close
    # to it than the first: on the sample help centre the Admin paragraph for "accountant vs admin role" is at 0.82
    # of the Accountant paragraph's cosine and "Closing your account ..." at 0.81 of the cancellation entry's, while
    # the wrong candidates from other articles were at 0.71-0.73. A false comparison's ("the difference between the
    # invoice total and the payment is 2 eur", at 0.79) still passes.
    other_side_on_topic: float = 0.75
    words_after_table: int = 45  # sentences kept after a quoted table (what its numbers mean, its footnote)
    # "How do I connect Shopify?": when the first passage holds no steps (an FAQ entry saying which plan has the
    # integration), a next article scored at least this share of the first one's, whose passage is numbered steps
    # covering as much of the question, answers instead. The fused scores of an entry and the article on the same
    # topic are close (1.22 and 1.12 there); an article on another topic is far below (0.3).
    steps_score_share: float = 0.8
    # Chinese characters per word in every budget above: a Chinese text takes about 1.5-1.8 characters per word
    # of its English translation, so counting each character as a word gave Chinese answers about half the
    # content of English ones (90 characters: often the opening sentence alone). Chosen on the CMRC2018 dev split
    # (gold span in the answer when the top article is right, 680 questions): 1.0 -> 0.928 (88 characters on
    # average), 1.5 -> 0.941 (127), 1.7 -> 0.944 (142), 2.0 -> 0.947 (164); 1.5, the low end of the translation
    # ratio, keeps answers short for little loss.
    cjk_chars_per_word: float = 1.5
    # For a Chinese question, how much the words of the article's title count when picking the anchor sentence.
    # Encyclopedia-style articles name their subject in many sentences, and a name is rare in the index, so it
    # outweighed the words that say which sentence answers ("一期", "工程", "总长" in "上海轨道交通18号线一期工程的
    # 总长是多少？"). With none of those in any sentence, the article's opening wins (ties go to the earliest
    # sentence): "什么是月代？".
    # Chosen on the CMRC2018 dev split (as above): 0.0 -> 0.941, 0.1 -> 0.931, 0.3 -> 0.912, 1.0 -> 0.891 (and
    # 0.809 before, when ties went to the chunk closest in meaning and the opening was not always looked at).
    cjk_topic_weight: float = 0.0
    # An excerpt under a suggested article's title (ExtractiveComposer.excerpt): about one sentence.
    excerpt_words: int = 30
