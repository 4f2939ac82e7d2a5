"""`python -m evals.clustering train`: the Banking77 train figures GapConfig was chosen on (see tuning.py)."""

from evals.clustering.tuning import main

main()
