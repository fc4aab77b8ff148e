"""index on tasks.assignment

The legal office's queue (and its badge on every page) looks for the few tasks not yet
acknowledged: returned, unassigned, assigned and waiting. An index finds them without reading
every task.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 06:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tasks_assignment'), ['assignment'], unique=False)


def downgrade():
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tasks_assignment'))
