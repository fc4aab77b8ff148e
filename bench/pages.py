"""Time the main pages on a generated database (bench/generate.py); print JSON.

    .venv/bin/python bench/pages.py --database-url URL [--repeat 20] [--out FILE] [--budget 60]
        [--only dashboard,task]

Signs in as legal@bench.gov.cn through the login form with Flask's test client, then requests
each page ``repeat`` more times after one warm-up. Times are server time around ``client.get``
(the body read included), in milliseconds; ``queries`` is the number of SQL statements the last
request ran; ``samples`` how many requests were timed (fewer than ``repeat`` for a page slower
than ``--budget`` seconds in all). Exits 1 when a page answers other than 200 (the JSON is still printed).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.generate import LEGAL_EMAIL, PASSWORD, absolute_url, bench_app, default_url  # noqa: E402

PER_PAGE = 50  # rows on one page of the task list
EXPORT_TARGET = 10_000  # the export filter picks the department or report whose task count is nearest this
SEARCH = "培训"  # a substring of many titles and progress texts

# (name, URL); {placeholders} are filled from the database by `url_values`.
PAGES: list[tuple[str, str]] = [
    ("dashboard", "/dashboard"),
    ("list_first", "/tasks"),
    ("list_deep", "/tasks?page={deep_page}"),
    ("list_middle", "/tasks?page={middle_page}"),  # the costliest page: as far from either end as can be
    ("list_filter", "/tasks?state=in_progress&light=red"),
    ("list_department", "/tasks?department={largest_department}"),
    ("list_search", "/tasks?q={search}"),
    ("task", "/tasks/{busy_task}"),
    ("export_xlsx", "/tasks/export.xlsx?{export_filter}"),
    ("export_csv", "/tasks/export.csv?{export_filter}"),
    ("print", "/tasks/print?{export_filter}"),
    ("bulletin", "/dashboard/bulletin.docx?date={today}"),
]


def url_values(conn: sa.Connection) -> dict[str, Any]:
    """The ids and numbers the page URLs need, read from the database."""
    top_level = conn.scalar(sa.text("SELECT count(*) FROM tasks WHERE parent_id IS NULL")) or 0
    last_page = max(1, -(-top_level // PER_PAGE))
    by_department = conn.execute(
        sa.text(
            "SELECT lead_department_id AS id, count(*) AS n FROM tasks WHERE parent_id IS NULL "
            "AND lead_department_id IS NOT NULL GROUP BY lead_department_id ORDER BY n DESC, id"
        )
    ).all()
    if not by_department:
        raise SystemExit("the database holds no tasks: run bench/generate.py first")
    by_report = conn.execute(
        sa.text(
            "SELECT report_id AS id, count(*) AS n FROM tasks WHERE parent_id IS NULL "
            "AND report_id IS NOT NULL GROUP BY report_id"
        )
    ).all()
    candidates = [("department", row.id, row.n) for row in by_department] + [
        ("report", row.id, row.n) for row in by_report
    ]
    export = min(candidates, key=lambda c: (abs(c[2] - EXPORT_TARGET), c[0], c[1]))
    busy_task = conn.scalar(
        sa.text("SELECT task_id FROM progress_updates GROUP BY task_id ORDER BY count(*) DESC, task_id LIMIT 1")
    )
    return {
        "deep_page": max(1, last_page - 2),
        "middle_page": (last_page + 1) // 2,
        "last_page": last_page,
        "largest_department": by_department[0].id,
        "largest_department_tasks": by_department[0].n,
        "export_filter": f"{export[0]}={export[1]}",
        "export_rows": export[2],
        "search": quote(SEARCH),
        "busy_task": busy_task,
        "today": datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat(),
    }


def log_in(client: Any) -> None:
    """Sign in through the real form: the CSRF token scraped from GET /login, then POST."""
    page = client.get("/login").get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"', page)
    if not match:
        raise SystemExit("no CSRF token on /login")
    token = match.group(1) or match.group(2)
    response = client.post("/login", data={"email": LEGAL_EMAIL, "password": PASSWORD, "csrf_token": token})
    if response.status_code != 302:
        raise SystemExit(f"signing in as {LEGAL_EMAIL} failed: {response.status_code} (was bench/generate.py run?)")


def time_page(client: Any, url: str, repeat: int, counter: list[int], budget: float) -> dict[str, Any]:
    """``repeat`` timed requests after a warm-up; fewer (at least one) once the page has taken
    more than ``budget`` seconds in all."""
    samples: list[float] = []
    result: dict[str, Any] = {"url": url}
    began = time.perf_counter()
    for n in range(repeat + 1):  # the first request is a warm-up
        if samples and time.perf_counter() - began > budget:
            break
        counter[0] = 0
        start = time.perf_counter()
        response = client.get(url)
        body = response.get_data()
        elapsed = (time.perf_counter() - start) * 1000
        response.close()
        result.update(status=response.status_code, queries=counter[0], bytes=len(body))
        if response.status_code != 200:
            break  # no use timing an error page
        if n:
            samples.append(elapsed)
        if url.startswith("/tasks/export.csv"):
            result["rows"] = max(0, len(list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))) - 1)
    result["samples"] = len(samples)
    if samples:
        samples.sort()
        result["median_ms"] = round(statistics.median(samples), 1)
        result["p95_ms"] = round(samples[min(len(samples) - 1, int(len(samples) * 0.95))], 1)
    return result


def run(database_url: str, repeat: int, only: set[str] | None = None, budget: float = 60.0) -> dict[str, Any]:
    from tracker.extensions import db

    app = bench_app(database_url)
    with app.app_context():
        engine = db.engine
        with engine.connect() as conn:
            values = url_values(conn)
            tasks = conn.scalar(sa.text("SELECT count(*) FROM tasks"))
    counter = [0]

    def count(*_args: Any) -> None:
        counter[0] += 1

    sa.event.listen(engine, "before_cursor_execute", count)
    pages: dict[str, Any] = {}
    try:
        client = app.test_client()
        log_in(client)
        for name, template in PAGES:
            if only and name not in only:
                continue
            pages[name] = time_page(client, template.format(**values), repeat, counter, budget)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
        engine.dispose()
    return {
        "database": engine.dialect.name,
        "tasks": tasks,
        "repeat": repeat,
        "parameters": values,
        "pages": pages,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="SQLAlchemy URL (default: bench/data/bench-100000.db)")
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per page, after one warm-up")
    parser.add_argument("--out", type=Path, help="also write the JSON to this file")
    parser.add_argument(
        "--budget", type=float, default=60.0, help="seconds per page after which it is not repeated further"
    )
    parser.add_argument("--only", help="comma-separated page names (default: every page)")
    args = parser.parse_args(argv)
    url = absolute_url(args.database_url or default_url(100_000))
    if url.startswith("sqlite") and not Path(sa.make_url(url).database or "").exists():
        raise SystemExit(f"{url} does not exist: run bench/generate.py first")
    only = set(args.only.split(",")) if args.only else None
    if only and (unknown := only - {name for name, _ in PAGES}):
        raise SystemExit(f"unknown page(s): {', '.join(sorted(unknown))}")
    result = run(url, args.repeat, only, args.budget)
    text = json.dumps(result, ensure_ascii=False, indent=1)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")
    failed = {name: page["status"] for name, page in result["pages"].items() if page["status"] != 200}
    if failed:
        print(f"pages not answering 200: {failed}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
