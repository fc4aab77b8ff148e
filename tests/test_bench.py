"""The benchmark data generator (bench/generate.py) on a small SQLite file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from bench.generate import generate
from tracker.models.search import refresh

TODAY = date(2026, 6, 15)


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
