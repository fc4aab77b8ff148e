"""The benchmark data generator (bench/generate.py) on a small SQLite file, and the benchmarks
that read what it makes, run as a newcomer runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from bench.generate import generate
from tracker.models.search import refresh

TODAY = date(2026, 6, 15)  # a Monday
ROOT = Path(__file__).resolve().parents[1]


def test_generate_small_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    summary = generate(
        url, departments=5, tasks=200, updates_per_task=3, users_per_department=3, reports=2, today=TODAY, reset=True
    )

    counts = summary["counts"]
    assert counts["departments"] == 5
    assert counts["tasks"] == 200
    assert counts["progress_updates"] == 600
    assert counts["users"] == 5 * 3 + 3  # heads and staff, plus legal, leader, admin
    assert counts["source_reports"] == 2
    assert counts["audit_events"] >= 200
    assert summary["top_level_tasks"] == 180
    assert set(summary["states"]) >= {"not_started", "in_progress", "pending_review", "done"}
    assert all(summary["lights"].get(light, 0) > 0 for light in ("red", "yellow", "green", "grey"))

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            # The flush hook's job, done by the generator: last_progress_at is the latest update.
            mismatched = conn.scalar(
                sa.text(
                    "SELECT count(*) FROM tasks t WHERE t.last_progress_at IS NOT "
                    "(SELECT max(p.created_at) FROM progress_updates p WHERE p.task_id = t.id)"
                )
            )
            assert mismatched == 0
            assert conn.scalar(sa.text("SELECT count(*) FROM tasks WHERE last_progress_at IS NOT NULL")) > 50
            # Closed tasks carry their completion; open ones do not.
            assert (
                conn.scalar(
                    sa.text(
                        "SELECT count(*) FROM tasks WHERE state = 'done' "
                        "AND (completed_on IS NULL OR percent_done < 100)"
                    )
                )
                == 0
            )
            assert (
                conn.scalar(sa.text("SELECT count(*) FROM tasks WHERE state <> 'done' AND completed_at IS NOT NULL"))
                == 0
            )
            assert conn.scalar(sa.text("SELECT count(*) FROM tasks WHERE parent_id IS NOT NULL")) == 20
            # Milestones end no later than their parent.
            assert (
                conn.scalar(
                    sa.text(
                        "SELECT count(*) FROM tasks m JOIN tasks p ON p.id = m.parent_id WHERE m.deadline > p.deadline"
                    )
                )
                == 0
            )
            legal = conn.execute(sa.text("SELECT role FROM users WHERE email = 'legal@bench.gov.cn'")).scalar_one()
            assert legal == "legal"
            # The search index, as the flush hook keeps it: rebuilding every row changes none.
            indexed = sa.text("SELECT task_id, text, grams FROM task_search ORDER BY task_id")
            generated = conn.execute(indexed).all()
            assert len(generated) == 200
            refresh(conn, [row.task_id for row in generated])
            assert conn.execute(indexed).all() == generated
            conn.rollback()
    finally:
        engine.dispose()


def test_generate_refuses_the_test_database() -> None:
    with pytest.raises(SystemExit):
        generate("postgresql+psycopg://postgres@127.0.0.1:5432/test", tasks=10)


@pytest.fixture(scope="module")
def small_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('bench') / 'bench.db'}"
    generate(
        url, departments=4, tasks=120, updates_per_task=2, users_per_department=2, reports=2, today=TODAY, reset=True
    )
    return url


def _bench(script: str, *args: str) -> dict:
    """A benchmark script run as a newcomer runs it; its JSON."""
    done = subprocess.run(
        [sys.executable, f"bench/{script}", *args], capture_output=True, text=True, timeout=600, cwd=ROOT, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_the_draft_benchmark_runs_and_measures_a_document(small_database: str) -> None:
    result = _bench("draft.py", "--database-url", small_database, "--sizes", "50", "--repeat", "1")
    (draft,) = result["drafts"]
    assert draft["tasks"] > 0 and draft["docx_bytes"] > 0 and draft["queries"] > 0
    assert result["bulletins"][0]["docx_s"] >= 0


def test_the_planner_benchmark_runs_and_counts_the_day_s_mail(small_database: str) -> None:
    result = _bench("planner.py", "--database-url", small_database, "--at", "2026-06-15T09:30", "--repeat", "1")
    assert result["reminders"] > 0 and result["mails_pending"] > 0
    assert {"plan", "tick", "noop_tick"} <= set(result)
