"""no reminder overrides as SQL NULL

A task without a policy of its own stored JSON ``null``, which ``IS NOT NULL`` counts as an
override: the planner then judged every workable task in Python. Store SQL NULL instead.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 06:10:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("UPDATE tasks SET reminder_overrides = NULL WHERE reminder_overrides::text = 'null'")
    else:
        op.execute("UPDATE tasks SET reminder_overrides = NULL WHERE reminder_overrides = 'null'")


def downgrade():
    pass  # SQL NULL reads as "no overrides" to every earlier version as well
