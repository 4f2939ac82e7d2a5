"""The rules and math of knowledge gaps: which questions belong together, and whether a fix answers them.

Pure functions over vectors and tokens, no SQL: the web service (web/gaps) stores gaps in the database and calls
these; the evals (evals/clustering) replay a question stream through the same functions in memory.

- :mod:`chatbot.gaps.evidence`: :class:`QuestionVector`, a question as the rules see it (masked text, normalised
  vector, tokens, audience, community).
- :mod:`chatbot.gaps.scope`: THE scope rule: questions of different audiences or communities never share a gap.
- :mod:`chatbot.gaps.config`: :class:`GapConfig`, the tuned figures (Banking77 *train*, evals/clustering/tuning.py).
- :mod:`chatbot.gaps.join`: the online join: a new question joins the nearest :class:`QuestionGroup` of its scope,
  or opens a new one; the centroid updates on join, merge and move.
- :mod:`chatbot.gaps.regroup`: regrouping all questions of a scope from scratch (smoothed Ward), so that gaps do not
  depend on the order questions arrived in, and the plan that keeps gap ids where most questions stay.
- :mod:`chatbot.gaps.fit`: whether a fix is about the gap's questions (answer support, FAQ fit, the bars).

Why two steps (join, then regroup): the online join is cheap and order-dependent; it only has to be reasonable
between two regroupings. The earlier design (strict join plus Ward merges of whole gaps with guards) merged small
gaps of different topics cheaply on a shuffled stream and the mixed gaps then chained (Banking77 test, shuffled:
34 gaps, purity 0.24). Merging whole gaps can never undo an impure join; regrouping the questions can.
"""
