"""dashboard and planner indexes: open tasks by deadline, closures by day, what the planner reads

The dashboard's two lists (overdue, due soon) read the open tasks by deadline; its chart reads
the closures by day; the legal office's badge reads the tasks in one state by id alone; the
reminder planner reads the tasks it reminds of from one index, without the wide table.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-08 20:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

OPEN = "parent_id IS NULL AND state IN ('in_progress', 'not_started', 'pending_review')"
CLOSED = "parent_id IS NULL AND state = 'done'"
REMINDED = "state IN ('in_progress', 'not_started') AND deadline IS NOT NULL AND lead_department_id IS NOT NULL"


def upgrade():
    op.drop_index('ix_tasks_state', table_name='tasks')
    op.create_index('ix_tasks_state', 'tasks', ['state'], unique=False, postgresql_include=['id'])
    op.create_index(
        'ix_tasks_open_deadline', 'tasks', ['deadline', 'id'], unique=False,
        postgresql_where=sa.text(OPEN), sqlite_where=sa.text(OPEN),
    )
    op.create_index(
        'ix_tasks_closed_on', 'tasks', ['completed_on'], unique=False,
        postgresql_include=['id', 'lead_department_id'],
        postgresql_where=sa.text(CLOSED), sqlite_where=sa.text(CLOSED),
    )
    op.create_index(
        'ix_tasks_reminders', 'tasks', ['deadline'], unique=False,
        postgresql_include=[
            'id', 'title', 'lead_department_id', 'assignee_id', 'assignment', 'last_progress_at',
            'acknowledged_at', 'created_at', 'reminder_overrides',
        ],
        postgresql_where=sa.text(REMINDED), sqlite_where=sa.text(REMINDED),
    )


def downgrade():
    op.drop_index('ix_tasks_reminders', table_name='tasks')
    op.drop_index('ix_tasks_closed_on', table_name='tasks')
    op.drop_index('ix_tasks_open_deadline', table_name='tasks')
    op.drop_index('ix_tasks_state', table_name='tasks')
    op.create_index('ix_tasks_state', 'tasks', ['state'], unique=False)
