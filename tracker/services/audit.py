from __future__ import annotations

from datetime import datetime
from typing import Any

from tracker.extensions import db
from tracker.models import AuditEvent, User


def record_event(
    action: str,
    *,
    now: datetime,
    actor: User | None = None,
    object_type: str = "",
    object_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    remote_addr: str | None = None,
) -> AuditEvent:
    """Append an audit event (never updated or deleted). ``actor`` None means the system."""
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor is not None else None,
        object_type=object_type,
        object_id=object_id,
        before=before,
        after=after,
        remote_addr=remote_addr,
        created_at=now,
    )
    db.session.add(event)
    return event
