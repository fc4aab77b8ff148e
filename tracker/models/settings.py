"""Settings the legal office edits in the UI (the reminder rules), beside those of ``config.py``
that come from the environment."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tracker.extensions import db
from tracker.models.types import UTCDateTime, utcnow


class Setting(db.Model):
    """A setting edited in the UI (the reminder rules): a JSON value under a name."""

    __tablename__ = "settings"

    name: Mapped[str] = mapped_column(sa.String(50), primary_key=True)
    value: Mapped[Any] = mapped_column(sa.JSON)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
