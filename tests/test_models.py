from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from tests.factories import FROZEN_NOW, make_task
from tracker.extensions import db
from tracker.models import AuditEvent, Notification, Task


def test_it_keeps_instants_aware_and_in_utc(ctx):
    shanghai = timezone(timedelta(hours=8))
    task = make_task(created_at=datetime(2026, 6, 1, 9, 0, tzinfo=shanghai))
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Task, task.id).created_at
    assert stored == datetime(2026, 6, 1, 1, 0, tzinfo=UTC)
    assert stored.tzinfo is not None and stored.utcoffset() == timedelta(0)


def test_it_refuses_a_naive_datetime(ctx):
    db.session.add(AuditEvent(action="x", object_type="task", created_at=datetime(2026, 6, 1, 9, 0)))
    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        db.session.flush()


def test_it_refuses_a_save_based_on_a_stale_version(app):
    with app.app_context():
        task_id = make_task(title="原标题").id
        db.session.commit()
    with app.app_context():
        first = db.session.get(Task, task_id)
        # Someone else saves in between, through another connection.
        with db.engine.begin() as other:
            other.execute(
                sa.text("UPDATE tasks SET title = '他人修改', version = version + 1 WHERE id = :id"), {"id": task_id}
            )
        first.title = "我的修改"
        with pytest.raises(StaleDataError):
            db.session.commit()
        db.session.rollback()
        assert db.session.get(Task, task_id).title == "他人修改"


def test_it_counts_versions_up_on_each_save(ctx):
    task = make_task()
    db.session.commit()
    task.percent_done = 50
    db.session.commit()
    assert task.version == 2


def test_it_makes_a_second_outbox_row_with_the_same_dedup_key_impossible(ctx):
    def row() -> Notification:
        return Notification(
            dedup_key="deadline:1:2026-06-30:7:5",
            kind="deadline",
            recipient_email="bob@example.gov.cn",
            subject="【督办提醒】",
            body_text="…",
            created_at=FROZEN_NOW,
        )

    db.session.add(row())
    db.session.commit()
    db.session.add(row())
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 1
