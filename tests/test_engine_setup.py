"""What each database kind's connections are set to when the app opens them."""

from __future__ import annotations

import sqlalchemy as sa

from tracker.extensions import db


def test_every_connection_is_set_up_for_its_database(ctx):
    with db.engine.connect() as connection:
        if db.engine.dialect.name == "postgresql":
            # Compiling the badge's count took longer than running it.
            assert connection.execute(sa.text("SHOW jit")).scalar() == "off"
        else:
            assert connection.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(sa.text("PRAGMA journal_mode")).scalar() in {"wal", "memory"}
