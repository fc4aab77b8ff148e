"""The scheduler's heartbeat: the last moment a scheduler job ran while holding the lock.

``flask doctor`` and the dashboard warn when it is old: without a scheduler no reminder is
planned and no mail leaves the outbox, and nothing else would tell anyone.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from tracker.extensions import db
from tracker.models import Setting

HEARTBEAT_SETTING = "scheduler_heartbeat"


def beat(now: datetime) -> None:
    """Record ``now`` as the scheduler's latest sign of life (not committed).

    One statement that inserts the row or updates it: the scheduler's jobs run in threads and
    may beat at the same moment, and two "read, then insert" would collide on the name.
    """
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(Setting).values(
        name=HEARTBEAT_SETTING, value={"at": now.astimezone(UTC).isoformat()}, updated_at=now
    )
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=[Setting.name],
            set_={"value": statement.excluded.value, "updated_at": statement.excluded.updated_at},
        )
    )


def last() -> datetime | None:
    """The latest heartbeat (aware, UTC), or None when no scheduler has ever run."""
    value = db.session.scalar(sa.select(Setting.value).where(Setting.name == HEARTBEAT_SETTING))
    if not isinstance(value, dict) or "at" not in value:
        return None
    moment = datetime.fromisoformat(value["at"])
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
