"""the planner's and the badge's indexes

- The tasks with reminder rules of their own, by id: the reminder planner reads them first, on
  every tick, a handful among 100,000 tasks.
- The open tasks by assignment and time of assignment: the legal office's badge, on every page
  it sees, counts the returned, unassigned and unacknowledged ones from this index alone.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 23:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

OWN_RULES = "reminder_overrides IS NOT NULL"
OPEN = "state IN ('in_progress', 'not_started', 'pending_review')"


def upgrade():
    op.create_index(
        'ix_tasks_own_rules', 'tasks', ['id'], unique=False,
        postgresql_where=sa.text(OWN_RULES), sqlite_where=sa.text(OWN_RULES),
    )
    op.create_index(
        'ix_tasks_open_assignment', 'tasks', ['assignment', 'assigned_at'], unique=False,
        postgresql_include=['id', 'parent_id', 'state'],
        postgresql_where=sa.text(OPEN), sqlite_where=sa.text(OPEN),
    )


def downgrade():
    op.drop_index('ix_tasks_open_assignment', table_name='tasks')
    op.drop_index('ix_tasks_own_rules', table_name='tasks')
