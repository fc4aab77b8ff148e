"""Time the draft of next year's report (compose and .docx) and the 通报 on generated databases
(bench/generate.py); print JSON.

    .venv/bin/python bench/draft.py --database-url URL [--database-url URL ...]
        [--sizes 1000,10000,17000] [--repeat 3] [--out FILE]

For each size, the source report whose top-level task count is nearest it, among every database
given, is measured in a child process of its own, so that one measurement's memory cannot hide
the next one's: ``compose_s`` is ``drafts.compose.compose`` (the source structure), ``docx_s``
``drafts.to_docx`` of what it composed, both the best of ``repeat`` runs; ``queries`` the
SQL statements of one compose; ``rss_start_mb`` the child's resident memory once the app is
loaded and ``rss_peak_mb`` its peak (ru_maxrss) over the first compose and .docx. The 通报 is measured the same
way on each database, as the legal office sees it today: ``figures_s`` for the dashboard's
figures and the overdue list, ``docx_s`` for writing the document.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.generate import LEGAL_EMAIL, absolute_url, bench_app  # noqa: E402

DEFAULT_SIZES = (1_000, 10_000, 17_000)


def reports_by_size(url: str) -> list[tuple[str, int, int]]:
    """(url, report id, top-level tasks) of every report in the database."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT report_id, count(*) FROM tasks WHERE parent_id IS NULL AND report_id IS NOT NULL "
                    "GROUP BY report_id"
                )
            ).all()
    finally:
        engine.dispose()
    return [(url, report_id, tasks) for report_id, tasks in rows]


def peak_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def current_mb() -> float:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return round(pages * resource.getpagesize() / 2**20, 1)


def measure_draft(url: str, report_id: int, repeat: int) -> dict[str, Any]:
    """Runs in the child process: compose and .docx of one report."""
    from tracker.clock import local_today
    from tracker.extensions import db
    from tracker.models import DraftStructure, SourceReport
    from tracker.services.drafts import to_docx
    from tracker.services.drafts.compose import compose

    app = bench_app(url)
    counter = [0]

    def count(*_args: Any) -> None:
        counter[0] += 1

    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", count)
        report = db.session.get(SourceReport, report_id)
        assert report is not None, report_id
        today = local_today()
        start_mb = current_mb()
        compose_times, docx_times = [], []
        first_peak_mb = 0.0
        for _ in range(repeat):
            content = data = None  # so that no run's results stand beside the next one's
            counter[0] = 0
            began = time.perf_counter()
            content = compose(report, DraftStructure.SOURCE, today)
            compose_times.append(time.perf_counter() - began)
            queries = counter[0]
            began = time.perf_counter()
            data = to_docx(content, report.issuer, today)
            docx_times.append(time.perf_counter() - began)
            first_peak_mb = first_peak_mb or peak_mb()
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return {
        "report": report_id,
        "tasks": len(content.annex.rows),
        "sections": len(content.sections),
        "paragraphs": sum(len(s.paragraphs()) for s in content.sections),
        "compose_s": round(min(compose_times), 3),
        "docx_s": round(min(docx_times), 3),
        "total_s": round(min(compose_times) + min(docx_times), 3),
        "docx_bytes": len(data),
        "queries": queries,
        "rss_start_mb": start_mb,
        "rss_peak_mb": first_peak_mb,
    }


def measure_bulletin(url: str, repeat: int) -> dict[str, Any]:
    """Runs in the child process: the 通报 as of today, as the legal office."""
    from tracker.clock import local_today
    from tracker.extensions import db
    from tracker.models import User
    from tracker.services import bulletin, dashboard
    from tracker.services.workdays import WorkCalendar

    app = bench_app(url)
    with app.app_context():
        legal = db.session.scalar(sa.select(User).where(User.email == LEGAL_EMAIL))
        assert legal is not None, "no legal officer: was bench/generate.py run?"
        today = local_today()
        issuer = legal.department.name if legal.department else ""
        figures_times, docx_times = [], []
        for _ in range(repeat):
            began = time.perf_counter()
            calendar = WorkCalendar.load()
            overview = dashboard.overview(legal, today, calendar)
            overdue = dashboard.overdue_tasks(legal, today, limit=bulletin.OVERDUE_LISTED)
            figures_times.append(time.perf_counter() - began)
            began = time.perf_counter()
            data = bulletin.write_bulletin(overview, overdue, today, issuer, calendar=calendar)
            docx_times.append(time.perf_counter() - began)
    return {
        "tasks": overview.total.tasks,
        "departments": len(overview.departments),
        "overdue_listed": len(overdue),
        "figures_s": round(min(figures_times), 3),
        "docx_s": round(min(docx_times), 3),
        "total_s": round(min(figures_times) + min(docx_times), 3),
        "docx_bytes": len(data),
        "rss_peak_mb": peak_mb(),
    }


def in_child(*arguments: str) -> dict[str, Any]:
    """This script run again with ``arguments``; its JSON answer."""
    done = subprocess.run([sys.executable, __file__, *arguments], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"bench/draft.py {' '.join(arguments)} failed:\n{done.stderr}")
    return json.loads(done.stdout)


def run(urls: list[str], sizes: list[int], repeat: int) -> dict[str, Any]:
    reports = [found for url in urls for found in reports_by_size(url)]
    if not reports:
        raise SystemExit("no report has tasks: run bench/generate.py first")
    drafts = []
    for size in sizes:
        url, report_id, tasks = min(reports, key=lambda r: (abs(r[2] - size), r[0], r[1]))
        result = in_child("--child-draft", url, str(report_id), "--repeat", str(repeat))
        drafts.append({"size": size, "database": sa.make_url(url).render_as_string(hide_password=True), **result})
    bulletins = [
        {
            "database": sa.make_url(url).render_as_string(hide_password=True),
            **in_child("--child-bulletin", url, "--repeat", str(repeat)),
        }
        for url in urls
    ]
    return {"repeat": repeat, "drafts": drafts, "bulletins": bulletins}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", action="append", default=[], help="SQLAlchemy URL of a generated database (repeatable)"
    )
    parser.add_argument(
        "--sizes",
        default=",".join(str(size) for size in DEFAULT_SIZES),
        help="comma-separated task counts; each measures the report nearest it",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement; the best is reported")
    parser.add_argument("--out", type=Path, help="also write the JSON to this file")
    parser.add_argument("--child-draft", nargs=2, metavar=("URL", "REPORT"), help=argparse.SUPPRESS)
    parser.add_argument("--child-bulletin", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_draft:
        url, report_id = args.child_draft
        print(json.dumps(measure_draft(url, int(report_id), args.repeat)))
        return
    if args.child_bulletin:
        print(json.dumps(measure_bulletin(args.child_bulletin, args.repeat)))
        return
    if not args.database_url:
        parser.error("give at least one --database-url")
    urls = [absolute_url(url) for url in args.database_url]
    result = run(urls, [int(size) for size in args.sizes.split(",")], args.repeat)
    text = json.dumps(result, ensure_ascii=False, indent=1)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
