"""`make bench-load`: the chat service under concurrent load on loopback, next to the answerer's own latency.

One run:
1. empties var/bench-load (all but models/, where MiniLM's ONNX export is cached) and ingests the sample knowledge
   base into it, and makes a site key. Every run starts with no chat history and no knowledge gaps: the background
   gap regrouping costs more the more open-gap questions there are (with 7,400 of them left by earlier runs it took
   about 30% of the server's CPU), so reusing the last run's data made each run slower than the one before;
   ``--keep-history`` keeps it, to look at a long-running instance;
2. measures the answerer in this process, one question at a time (its own latency, no HTTP, no database);
3. starts gunicorn (production settings, rate limits off) on a free port and warms it up;
4. runs CLIENTS concurrent clients for DURATION seconds, each posting chat questions over a keep-alive
   connection as fast as it gets answers;
5. prints requests/s, p50/p95/p99 latency and errors, and writes them to var/bench/load.json.

Usage: python -m evals.bench.load [--clients 32] [--duration 30] [--workers 2] [--threads 8] [--keep-history]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]  # evals/bench/<module>.py
SAMPLE_KB = REPO_ROOT / "examples" / "helpcenter"
DATA_DIR = REPO_ROOT / "var" / "bench-load"
RESULT_PATH = REPO_ROOT / "var" / "bench" / "load.json"
SITE_NAME = "bench"

# What customers ask the sample help centre: answerable questions, a Chinese one, and a few it cannot answer.
QUESTIONS = (
    "How long do I have to ask for a refund?",
    "How do I request a refund?",
    "How much does Lumo cost?",
    "Is there a free trial?",
    "How do I turn on two-factor authentication?",
    "I lost the phone with my authenticator app. How do I sign in?",
    "How do I reset my password?",
    "How do I invite a colleague to Lumo?",
    "How do I export all my data?",
    "Where is my data stored?",
    "Which plans include bank feeds?",
    "Why do I have to reconnect my bank every 90 days?",
    "How many receipts can I scan each month?",
    "What happens if my payment fails?",
    "Does the mobile app work offline?",
    "How do I connect Stripe?",
    "如何申请退款？",
    "Can I pay with bitcoin?",
    "What is the weather in Paris tomorrow?",
    "Do you have a desktop app for Linux?",
)


@dataclass
class Samples:
    latencies_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ok(self, latency_ms: float) -> None:
        with self.lock:
            self.latencies_ms.append(latency_ms)

    def error(self, kind: str) -> None:
        with self.lock:
            self.errors[kind] = self.errors.get(kind, 0) + 1


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def empty_data_dir(data_dir: Path, keep: tuple[str, ...] = ("models",)) -> None:
    """Remove everything in ``data_dir`` but the entries named in ``keep`` (the cached ONNX export)."""
    if not data_dir.is_dir():
        return
    for entry in data_dir.iterdir():
        if entry.name in keep:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def prepare(data_dir: Path) -> str:
    """Ingest the sample KB (only changes are embedded) and return the bench site's key."""
    from chatbot.config import load_settings
    from ingest.factory import build_pipeline
    from web import create_app
    from web.access.accounts import create_site, find_site_by_name
    from web.db.engine import upgrade_database
    from web.db.models import db
    from web.services import get_runtime

    settings = load_settings({**os.environ, "ANSWERDESK_DATA_DIR": str(data_dir), "ANSWERDESK_RATE_LIMIT": "off"})
    app = create_app(settings)
    upgrade_database(app)
    with app.app_context():
        report = build_pipeline(get_runtime(app), db.session()).sync_path(SAMPLE_KB)
        print(f"knowledge base: {report.to_dict()}", file=sys.stderr)
        site = find_site_by_name(SITE_NAME) or create_site(SITE_NAME, ["http://127.0.0.1"])
        key = site.key
    _IN_PROCESS["app"] = app
    return key


_IN_PROCESS: dict[str, Any] = {}


def answerer_latency(repeats: int = 3) -> dict[str, float]:
    """The answerer alone (retrieval, confidence, composition), one question at a time, in this process."""
    import torch

    from web.services import get_answerer, warm_up

    torch.set_num_threads(1)  # as in each gunicorn worker (web/gunicorn_conf.py): comparable figures
    app = _IN_PROCESS["app"]
    warm_up(app)
    answerer = get_answerer(app)
    timings: list[float] = []
    cpu_started = time.process_time()
    for _ in range(repeats):
        for question in QUESTIONS:
            started = time.perf_counter()
            answerer.answer(question, audience="public")
            timings.append((time.perf_counter() - started) * 1000.0)
    return {
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(percentile(timings, 95), 1),
        "mean_ms": round(statistics.fmean(timings), 1),
        # CPU time does not grow when other processes share the machine: the figure to compare across runs.
        "cpu_mean_ms": round((time.process_time() - cpu_started) * 1000.0 / len(timings), 1),
        "questions": len(timings),
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(port: int, workers: int, threads: int, data_dir: Path, log_path: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "ANSWERDESK_DATA_DIR": str(data_dir),
        "ANSWERDESK_RATE_LIMIT": "off",
        "ANSWERDESK_LOG_LEVEL": "warning",
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    command = [
        str(gunicorn), "-c", "python:web.gunicorn_conf", "-w", str(workers), "--threads", str(threads),
        "-b", f"127.0.0.1:{port}", "web:create_app()",
    ]  # fmt: skip
    log = log_path.open("wb")
    return subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_ready(port: int, server: subprocess.Popen[bytes], timeout_s: float = 180.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn exited; see var/bench/gunicorn.log")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/readyz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit("gunicorn did not become ready in time")


def client_loop(port: int, key: str, n: int, deadline: float, samples: Samples, record: bool) -> None:
    rng = random.Random(n)
    headers = {"Content-Type": "application/json", "X-Site-Key": key, "X-Session-Id": f"bench-client-{n:04d}-session"}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while time.monotonic() < deadline:
        body = json.dumps({"question": rng.choice(QUESTIONS)})
        started = time.perf_counter()
        try:
            connection.request("POST", "/api/v1/chat", body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as exc:
            if record:
                samples.error(type(exc).__name__)
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        if not record:
            continue
        if status == 200:
            samples.ok((time.perf_counter() - started) * 1000.0)
        else:
            samples.error(f"HTTP {status}")
    connection.close()


def server_cpu_seconds(server: subprocess.Popen[bytes]) -> float:
    """CPU time (user + system) used so far by gunicorn's master and workers (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    pids = [server.pid]
    try:
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    except OSError:
        children = []
    pids += [int(pid) for pid in children]
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def run_load(port: int, key: str, clients: int, seconds: float, record: bool = True) -> tuple[Samples, float]:
    samples = Samples()
    started = time.monotonic()
    deadline = started + seconds
    threads = [
        threading.Thread(target=client_loop, args=(port, key, n, deadline, samples, record), daemon=True)
        for n in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples, time.monotonic() - started


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of measured load")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of unmeasured load first")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per worker")
    parser.add_argument(
        "--keep-history", action="store_true", help="keep the chat history and gaps of earlier runs in var/bench-load"
    )
    args = parser.parse_args(argv)

    RESULT_PATH.parent.mkdir(parents=True, exist_ok=True)
    if not args.keep_history:
        empty_data_dir(DATA_DIR)
    key = prepare(DATA_DIR)
    in_process = answerer_latency()
    print(f"answerer in process: {in_process}", file=sys.stderr)
    _IN_PROCESS.clear()  # the server's workers need the CPU, not this process's model

    port = free_port()
    server = start_server(port, args.workers, args.threads, DATA_DIR, RESULT_PATH.parent / "gunicorn.log")
    try:
        wait_ready(port, server)
        run_load(port, key, args.clients, args.warmup, record=False)
        cpu_before = server_cpu_seconds(server)
        samples, elapsed = run_load(port, key, args.clients, args.duration)
        server_cpu = server_cpu_seconds(server) - cpu_before
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()

    latencies = samples.latencies_ms
    result = {
        "clients": args.clients,
        "duration_s": round(elapsed, 1),
        "gunicorn": {"workers": args.workers, "threads": args.threads, "worker_class": "gthread"},
        "requests_ok": len(latencies),
        "errors": sum(samples.errors.values()),
        "error_kinds": samples.errors,
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "latency_ms": {
            "p50": round(percentile(latencies, 50), 1),
            "p95": round(percentile(latencies, 95), 1),
            "p99": round(percentile(latencies, 99), 1),
        },
        # Server CPU per answered request: capacity is about cores * 1000 / this, whatever else runs alongside.
        "server_cpu_ms_per_request": round(server_cpu * 1000.0 / max(1, len(latencies)), 1),
        "answerer_in_process_ms": in_process,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_avg_1m": os.getloadavg()[0]},
    }
    RESULT_PATH.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps(result, indent=2))
    print(
        "\n| clients | req/s | p50 ms | p95 ms | errors | server CPU ms/request | answerer p50 / p95 ms | "
        "answerer CPU ms |\n|---|---|---|---|---|---|---|---|\n"
        f"| {args.clients} | {result['requests_per_s']} | {result['latency_ms']['p50']} | "
        f"{result['latency_ms']['p95']} | {result['errors']} | {result['server_cpu_ms_per_request']} | "
        f"{in_process['p50_ms']} / {in_process['p95_ms']} | {in_process['cpu_mean_ms']} |"
    )


if __name__ == "__main__":
    main()
