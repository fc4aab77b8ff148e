"""races and guesses: one pending extension per task, one-time form tokens, sign-in counters

A task keeps at most one pending extension request (a partial unique index): where an earlier
double click left two, the later ones are marked refused first. Progress reports carry the form's
one-time token. Failed sign-ins are counted per (account, address) pair and per address in
``sign_in_counters`` instead of from the audit trail.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 03:25:16.994182

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'sign_in_counters',
        sa.Column('key', sa.String(length=320), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_sign_in_counters')),
    )
    with op.batch_alter_table('sign_in_counters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_counters_window_start'), ['window_start'], unique=False)

    with op.batch_alter_table('progress_updates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submission_token', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_progress_updates_submission_token'), ['submission_token'])

    op.execute(
        "UPDATE extension_requests SET status = 'refused', decision_note = '重复提交的延期申请' "
        "WHERE status = 'pending' AND id > (SELECT min(e.id) FROM extension_requests e "
        "WHERE e.task_id = extension_requests.task_id AND e.status = 'pending')"
    )
    op.create_index(
        'uq_extension_requests_one_pending',
        'extension_requests',
        ['task_id'],
        unique=True,
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    )


def downgrade():
    op.drop_index('uq_extension_requests_one_pending', table_name='extension_requests')
    with op.batch_alter_table('progress_updates', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_progress_updates_submission_token'), type_='unique')
        batch_op.drop_column('submission_token')
    with op.batch_alter_table('sign_in_counters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_counters_window_start'))
    op.drop_table('sign_in_counters')
