"""Time the reminder planner on a generated database (bench/generate.py); print JSON.

    .venv/bin/python bench/planner.py --database-url URL [--at 2026-12-07T09:30] [--repeat 3]

On the busiest kind of day (a Monday morning after the send hour, by default the first working
day of the generator's week), it times ``plan`` (what is due, decided in SQL, and the reminders
built: the dry run), the day's first ``tick`` as the scheduler runs it (``queue_due``: the
reminders the outbox lacks planned and queued, one mail per person; ``flask remind`` without
sending), and a second tick that finds nothing new; with each, the SQL statements and, with
``--memory`` (which slows the run), the peak memory Python allocated. It reports the number of
reminders and of mails, and the most mails and reminders any one person gets. Everything runs
in one transaction that is rolled back: the database is left as it was (on PostgreSQL, the
outbox is vacuumed before each run).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import tracemalloc
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.generate import absolute_url, bench_app, default_url  # noqa: E402

TRACE_MEMORY = False  # --memory: tracemalloc slows allocation-heavy code two to three times


def measure(work: Any) -> tuple[Any, float, float, int]:
    """(result, milliseconds, peak MiB allocated or 0, SQL statements) of ``work()``."""
    from tracker.extensions import db

    statements: list[str] = []

    def count(*_args: Any) -> None:
        statements.append("")

    sa.event.listen(db.engine, "before_cursor_execute", count)
    if TRACE_MEMORY:
        tracemalloc.start()
    started = time.perf_counter()
    try:
        result = work()
    finally:
        elapsed = (time.perf_counter() - started) * 1000
        peak = tracemalloc.get_traced_memory()[1] if TRACE_MEMORY else 0
        if TRACE_MEMORY:
            tracemalloc.stop()
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return result, elapsed, peak / 2**20, len(statements)


def vacuum(engine: sa.Engine) -> None:
    """Earlier runs rolled their mail back: on PostgreSQL, clear the dead rows they left so that a
    run does not time the last one's leftovers (their index entries slow every insert)."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("VACUUM ANALYZE notifications, listed_reminders"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=default_url(100_000), help="a database filled by bench/generate.py")
    parser.add_argument("--at", default="2026-12-07T09:30", help="the moment to plan for, local time (a Monday)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each step; the median is reported")
    parser.add_argument("--memory", action="store_true", help="also the peak memory (slower: tracemalloc)")
    args = parser.parse_args()
    global TRACE_MEMORY
    TRACE_MEMORY = args.memory

    from tracker.extensions import db
    from tracker.models import NotificationStatus
    from tracker.services.mail import planner

    moment = datetime.fromisoformat(args.at).replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    app = bench_app(absolute_url(args.database_url))
    runs: dict[str, list[tuple[float, float, int]]] = {"plan": [], "tick": [], "noop_tick": []}
    report: dict[str, Any] = {}
    with app.app_context():
        for _ in range(args.repeat):
            vacuum(db.engine)
            planned, ms, mib, queries = measure(lambda: planner.plan(moment))
            runs["plan"].append((ms, mib, queries))
            queued, ms, mib, queries = measure(lambda: planner.queue_due(moment))
            runs["tick"].append((ms, mib, queries))
            _, ms, mib, queries = measure(lambda: planner.queue_due(moment))
            runs["noop_tick"].append((ms, mib, queries))
            per_person = Counter(r.recipient.id for r in planned.reminders if not r.held)
            mails = db.session.execute(
                sa.text(
                    "SELECT recipient_id, count(*) FROM notifications WHERE status = :pending GROUP BY recipient_id"
                ),
                {"pending": NotificationStatus.PENDING.value},
            ).all()
            report = {
                "reminders": len(planned.reminders),
                "other_mails": len(planned.messages),
                "queued": queued,
                "mails_pending": sum(n for _, n in mails),
                "most_mails_to_one_person": max((n for _, n in mails), default=0),
                "most_reminders_to_one_person": max(per_person.values(), default=0),
                "people": len(per_person),
            }
            db.session.rollback()
    for step, samples in runs.items():
        report[step] = {
            "median_ms": round(statistics.median(s[0] for s in samples), 1),
            "peak_mib": round(max(s[1] for s in samples), 1),
            "queries": samples[-1][2],
        }
    print(json.dumps({"at": args.at, **report}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
