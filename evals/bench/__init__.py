"""The benchmarks behind docs/benchmarks.md: one module per benchmark, each run as `python -m evals.bench.<name>`.

- ingest, latency, load: each measures one thing and writes its figures to var/bench/<name>.json (harness: what
  ingest and latency share);
- targets: every target, its threshold and the figure it reads (the part a reviewer reads);
- report (with results and sections): writes the generated part of docs/benchmarks.md from var/bench.
"""
