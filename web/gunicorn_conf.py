"""gunicorn settings for production: ``gunicorn -c python:web.gunicorn_conf 'web:create_app()'``.

Each worker is a process with its own model in memory (about 300 MB with MiniLM); threads share it. Any
setting can be overridden on the command line (-w, -b, --threads) or with GUNICORN_CMD_ARGS.
"""

from __future__ import annotations

import os
import sys
from typing import Any

bind = os.environ.get("ANSWERDESK_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = 4
# Keep-alive clients stay with the worker that accepted them; without a cap one worker can end up with most of
# them while the other idles (seen: 29 of 32 benchmark clients on one worker). Twice the threads.
worker_connections = 2 * threads
# Loading the model takes seconds on the first request of a worker that was not warmed.
timeout = 60
# Not preloaded: torch and Chroma must be initialised in each worker, not inherited across fork().
preload_app = False


def post_worker_init(worker: Any) -> None:
    """Load the model and build the indexes before the worker takes its first request."""
    from web.services import warm_up

    warm_up(worker.wsgi)
    if "torch" in sys.modules:  # the torch backend (ONNX disabled or unavailable); ONNX runs on one thread already
        # One compute thread per worker: with a worker per core, torch's own thread pool in each worker would make
        # the workers fight over the same cores (and spin), which costs more than it gains on short queries.
        sys.modules["torch"].set_num_threads(int(os.environ.get("ANSWERDESK_TORCH_THREADS", "1")))
