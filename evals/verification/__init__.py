"""`answerdesk eval gap-verification`: how far a ``verified`` gap can be trusted, measured through the product.

Verification (web.gaps.resolve) asks a gap's questions again after an editor's fix and calls the gap verified when
they are all answered citing the fix. It can go wrong two ways: a right fix that fails (the editor is told to
rewrite a good answer) and a wrong or useless fix that passes (a false "verified": the gap disappears from the queue
while visitors keep getting a useless answer, the worse of the two). This eval measures both on StackFAQ, whose FAQ
threads come with about ten crowd paraphrases each, with every step on the real path:

1. A fresh app (temporary data dir, real SQLite, Chroma and MiniLM) holds the StackFAQ knowledge base *minus* K
   held-out threads (seeded); ``kb_threads`` may cut the rest to a seeded sample (the CI slice does, for speed).
2. Every paraphrase of the held-out threads is asked through the widget's chat API (site key, one visitor each,
   in a seeded shuffled order: a real stream is mixed), so abstentions and low-confidence answers become gap
   evidence through the real capture and clustering; then one regrouping runs (``answerdesk gaps consolidate``),
   and the open gaps are what an editor would see. Questions answered with confidence are no evidence at all:
   their thread is missing, so they got an answer to some other question, invisible to the loop unless a visitor
   gives it a 👎. They are counted (``capture.answered_confidently``).
3. Each gap is resolved through ``POST /api/v1/gaps/<id>/resolve`` by an editor, once per condition:

   - ``true_fix``: the FAQ of the gap's majority thread (its question and first answer): should verify;
   - ``wrong_fix``: the question and answer of the held-out thread whose question is closest to the true one (a
     plausible mix-up, harder than a random other thread, which never verified in our runs): must not;
   - ``title_echo``: the gap's own title as the question and the answer of a random other held-out thread (seeded
     derangement): useless, must not. The known weakness: retrieval matches the FAQ's question, so the unrelated
     answer gets quoted; web.gaps.resolve's support check is there for it.

   An FAQ that shows on its own that it answers the gap's questions gets them attached as search-only phrasings
   before the replay that verifies it (``attached``: how many fixes of a condition did; a wrong or useless one
   should never).

   A resolve changes the index (the FAQ is stored and indexed even when verification fails), so after every
   resolve the eval deletes that FAQ and reopens the gap: each fix is judged alone on the state the capture left,
   the way an editor meets one gap. (The undo is the eval's housekeeping, not a product action.)

Figures per condition: ``gap_rate`` (verified gaps / gaps; for the wrong conditions the false-verified rate),
``pure_gap_rate`` (the same over gaps whose questions all come from one thread: a mixed gap cannot verify with one
thread's FAQ, rightly), ``question_rate`` (replayed questions that pass / replayed questions) and
``majority_question_rate`` (the same over the questions of the gap's majority thread), and why questions fail
(``failures``: the bot still abstained, answered citing another document, or failed the support check). From the
same run, ``cite_rule`` gives what the rule before the support check says (every question answered citing the
fix), and ``support_sweep`` what any support bar would give (a gap's ``support`` is its mean question-to-answer
cosine). Grouping: ``purity`` (share of
the gaps' questions from their gap's majority thread) and ``gaps_per_thread`` (how many gaps a thread is split
over), after the regrouping and, for reference, before it (``grouping_online``).

Modules: threads (the data), service (the app driven through its API), measure (the run above), scoring (the
figures), tables (what `answerdesk eval` prints and writes).
"""

from evals.verification.measure import HELD_OUT_THREADS, NAME, evaluate_verification
from evals.verification.scoring import CONDITIONS
from evals.verification.tables import render_verification_markdown, render_verification_table, run_verification_eval
from evals.verification.threads import derangement, stackfaq_threads

__all__ = [
    "CONDITIONS",
    "HELD_OUT_THREADS",
    "NAME",
    "derangement",
    "evaluate_verification",
    "render_verification_markdown",
    "render_verification_table",
    "run_verification_eval",
    "stackfaq_threads",
]
