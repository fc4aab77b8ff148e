"""Load: N signed-in people at once on gunicorn, mixing reads and progress reports, on loopback.

    .venv/bin/python bench/load.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_load \
        --clients 50 --seconds 30

It empties the database's tables (a PostgreSQL database named ``test`` is refused), migrates it,
loads the demo data, starts gunicorn (deploy/gunicorn.conf.py, ``--workers``) on a free loopback
port, and runs ``--clients`` threads for ``--seconds``: each signs in as one of the demo's heads
and, in a loop, reads a page (我的待办, the task list, a task, the dashboard) or, one time in
``--write-every``, reports progress on one of the department's tasks. It prints JSON: requests per
second, latency percentiles, answers by status, and lost updates (reports answered with a
redirect whose text is not in the database afterwards). Every request goes to 127.0.0.1 and the
run stops by itself.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tracker.demo import DEMO_PASSWORD  # noqa: E402

HIDDEN = re.compile(r'name="(csrf_token|submission)" type="hidden" value="([^"]+)"')
READS = ("/my", "/tasks", "/dashboard")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # a 302 is an answer to count, not to follow


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    accepted: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, seconds: float, status: int, accepted_text: str | None = None) -> None:
        with self.lock:
            self.latencies.append(seconds)
            self.statuses[status] += 1
            if accepted_text:
                self.accepted.add(accepted_text)


def prepare(database_url: str) -> dict[str, list[int]]:
    """Empty, migrate and fill the database; return each demo head's workable tasks (every demo
    account's password is DEMO_PASSWORD)."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from config import TestConfig
    from tracker import create_app
    from tracker.clock import local_today, utcnow
    from tracker.demo import load_demo
    from tracker.extensions import db
    from tracker.models import Assignment, Role, Task, TaskState, User

    if database_url.rstrip("/").endswith("/test"):
        raise SystemExit("refusing the database `test`: the test suite owns it")
    engine = sa.create_engine(database_url)
    metadata = sa.MetaData()
    metadata.reflect(engine)
    metadata.drop_all(engine)
    engine.dispose()
    app = create_app(TestConfig, {"DATABASE_URL": database_url})
    with app.app_context():
        upgrade()
        load_demo(today=local_today(), now=utcnow())
        db.session.commit()
        tasks: dict[str, list[int]] = {}
        for head in db.session.scalars(sa.select(User).where(User.role == Role.HEAD)):
            tasks[head.email] = list(
                db.session.scalars(
                    sa.select(Task.id).where(
                        Task.lead_department_id == head.department_id,
                        Task.assignment == Assignment.ACKNOWLEDGED,
                        Task.state.in_([TaskState.NOT_STARTED, TaskState.IN_PROGRESS]),
                    )
                )
            )
        db.engine.dispose()
    return {email: ids for email, ids in tasks.items() if ids}


def stored_texts(database_url: str) -> set[str]:
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        texts = set(connection.execute(sa.text("SELECT text FROM progress_updates")).scalars())
    engine.dispose()
    return texts


def client(base: str, email: str, task_ids: list[int], until: float, write_every: int, tally: Tally, n: int) -> None:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)

    def call(path: str, data: dict[str, str] | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        started = time.perf_counter()
        try:
            with opener.open(base + path, data=body, timeout=60) as response:
                status, text = response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode("utf-8", "replace")
        tally.add(time.perf_counter() - started, status)
        return status, text

    _, page = call("/login")
    call("/login", {**dict(HIDDEN.findall(page)), "email": email, "password": DEMO_PASSWORD})
    count = 0
    rng = random.Random(n)
    while time.monotonic() < until:
        count += 1
        task_id = rng.choice(task_ids)
        if count % write_every:
            path = rng.choice([*READS, f"/tasks/{task_id}"])
            call(path)
            continue
        _, page = call(f"/tasks/{task_id}")
        text = f"load-{n}-{count}"
        started = time.perf_counter()
        fields = {**dict(HIDDEN.findall(page[page.find("/progress") :])), "percent": str(count % 100), "text": text}
        body = urllib.parse.urlencode(fields).encode()
        try:
            with opener.open(f"{base}/tasks/{task_id}/progress", data=body, timeout=60) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        tally.add(time.perf_counter() - started, status, text if status in (302, 303) else None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="an SQLAlchemy URL; its tables are emptied")
    parser.add_argument("--clients", type=int, default=50, help="people signed in at once")
    parser.add_argument("--seconds", type=float, default=30, help="how long the load runs")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--write-every", type=int, default=5, help="one request in N is a progress report")
    parser.add_argument("--server-log", type=Path, help="write gunicorn's log to this file")
    args = parser.parse_args()

    heads = prepare(args.database_url)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {
        **os.environ,
        "TRACKER_DATABASE_URL": args.database_url,
        "TRACKER_SECRET_KEY": "bench-load",
        "TRACKER_SCHEDULER": "false",
        "GUNICORN_WORKERS": str(args.workers),
    }
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=args.server_log.open("w") if args.server_log else subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).close()
                break
            except OSError:
                time.sleep(0.1)
        tally = Tally()
        emails = sorted(heads)
        started = time.monotonic()
        until = started + args.seconds
        threads = [
            threading.Thread(
                target=client,
                args=(base, emails[n % len(emails)], heads[emails[n % len(emails)]], until, args.write_every, tally, n),
            )
            for n in range(args.clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=args.seconds + 120)
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    lost = tally.accepted - stored_texts(args.database_url)
    quantiles = statistics.quantiles(tally.latencies, n=100) if len(tally.latencies) > 1 else [0.0] * 99
    print(
        json.dumps(
            {
                "clients": args.clients,
                "workers": args.workers,
                "seconds": round(elapsed, 1),
                "requests": len(tally.latencies),
                "requests_per_second": round(len(tally.latencies) / elapsed, 1),
                "latency_ms": {
                    "p50": round(quantiles[49] * 1000, 1),
                    "p95": round(quantiles[94] * 1000, 1),
                    "p99": round(quantiles[98] * 1000, 1),
                },
                "statuses": dict(sorted(tally.statuses.items())),
                "status_5xx": sum(count for status, count in tally.statuses.items() if status >= 500),
                "reports_accepted": len(tally.accepted),
                "lost_updates": len(lost),
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
