"""gunicorn settings for production: ``gunicorn -c python:web.gunicorn_conf 'web:create_app()'``.

Each worker is a process with its own model in memory (about 300 MB with MiniLM); threads share it. Any
setting can be overridden on the command line (-w, -b, --threads) or with GUNICORN_CMD_ARGS.

Fairness: every waiting request waits in one queue, the listen socket's, which all workers share and serve first
come, first served. A worker accepts a connection only when it has a thread free for it (worker_connections =
threads) and closes it after the response (keepalive = 0, as gunicorn's sync worker always does), so a client's
next request joins the back of that queue instead of holding a place at a worker. With kept-alive connections a
worker holds its clients: with 2 workers x 8 connections, 16 of 32 keep-alive clients were answered 210-225 times in
30 s while the other 16 waited in the listen queue and timed out (tests/test_load_fairness.py). Closing costs one
TCP handshake per request, on loopback or from the reverse proxy in front, which terminates TLS and keeps its own
keep-alive connections with the browsers (nginx talks to upstreams without keep-alive by default anyway).
"""

from __future__ import annotations

import gc
import os
import sys
from typing import Any

bind = os.environ.get("ANSWERDESK_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "web.gunicorn_worker.ThreadWorker"  # gthread, with a deadline per request (see that module)
threads = 4
worker_connections = threads
keepalive = 0
# Loading the model takes seconds on the first request of a worker that was not warmed.
timeout = 60
# Not preloaded: torch and Chroma must be initialised in each worker, not inherited across fork().
preload_app = False


def on_starting(server: Any) -> None:
    """Keep one connection per thread when --threads (or GUNICORN_CMD_ARGS) changes the threads but not
    worker_connections: this file is read before the command line, so its worker_connections is the old count."""
    cfg = server.cfg
    if cfg.worker_connections == worker_connections and cfg.threads != threads:
        cfg.set("worker_connections", cfg.threads)


def post_worker_init(worker: Any) -> None:
    """Load the model and build the indexes before the worker takes its first request."""
    from threadpoolctl import threadpool_limits

    from web.services import warm_up

    # numpy's OpenBLAS keeps a thread per core in each process. A worker shares the cores with the other workers
    # and with its own request threads, so these only add hand-offs and spinning: about 0.5 ms of CPU per chat turn
    # (the retrieval's and the gap regrouping's matrix products; same results, bit for bit). As ONNX Runtime here.
    threadpool_limits(limits=1, user_api="blas")
    warm_up(worker.wsgi)
    # What is loaded now (the model's tokenizer, the keyword index, Chroma, SQLAlchemy: about 260,000 objects that
    # the garbage collector tracks) lives as long as the worker. Frozen, the collector's full passes no longer walk
    # it: each took 140-210 ms with the GIL held, stalling every request of the worker, about once per 1,000
    # requests (30 ms after the freeze, over what was allocated since). The price: a reference cycle among these
    # objects that becomes garbage later (the old Chroma client when another process rewrote the store) stays.
    gc.collect()
    gc.freeze()
    if "torch" in sys.modules:  # the torch backend (ONNX disabled or unavailable); ONNX runs on one thread already
        # One compute thread per worker: with a worker per core, torch's own thread pool in each worker would make
        # the workers fight over the same cores (and spin), which costs more than it gains on short queries.
        sys.modules["torch"].set_num_threads(int(os.environ.get("ANSWERDESK_TORCH_THREADS", "1")))
