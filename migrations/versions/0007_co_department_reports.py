"""co-department reports: the department that reported each progress update

A co-department's 协办反馈 is a progress update of kind 'assist' (the kind column is a VARCHAR of
the values, long enough already). Existing updates were all the lead department's: they get the
department that leads their task now (a milestone's own, else its parent's).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 02:49:16.204511

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('progress_updates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('department_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_progress_updates_department_id'), ['department_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_progress_updates_department_id_departments'), 'departments', ['department_id'], ['id'])

    op.execute(
        "UPDATE progress_updates SET department_id = ("
        "SELECT coalesce(t.lead_department_id, p.lead_department_id) FROM tasks t "
        "LEFT JOIN tasks p ON p.id = t.parent_id WHERE t.id = progress_updates.task_id)"
    )


def downgrade():
    # The code before this revision cannot load an update of kind 'assist', nor tell it from the
    # lead's progress: such reports go. Their evidence files stay with the task (ON DELETE SET NULL).
    op.execute("DELETE FROM progress_updates WHERE kind = 'assist'")
    with op.batch_alter_table('progress_updates', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_progress_updates_department_id_departments'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_progress_updates_department_id'))
        batch_op.drop_column('department_id')
