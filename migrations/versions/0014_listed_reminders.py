"""listed reminders: a day list's reminders in a lean table of their own

A reminder that goes out as a line of a person's day list is no longer an outbox row of its own
(status bundled, bundle_id pointing at the list) but a row of listed_reminders: its dedup key,
kind, task, recipient and list. No foreign keys and two indexes, so that a province's Monday,
fifty thousand of them, is inserted in a fraction of the time.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 17:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'listed_reminders',
        sa.Column('dedup_key', sa.String(length=255), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('task_id', sa.Integer(), nullable=False),
        sa.Column('recipient_id', sa.Integer(), nullable=False),
        sa.Column('list_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('dedup_key', name=op.f('pk_listed_reminders')),
    )
    op.create_index(op.f('ix_listed_reminders_task_id'), 'listed_reminders', ['task_id'], unique=False)
    op.execute(
        "INSERT INTO listed_reminders (dedup_key, kind, task_id, recipient_id, list_id, created_at)"
        " SELECT dedup_key, kind, task_id, recipient_id, bundle_id, created_at FROM notifications"
        " WHERE status = 'bundled' AND task_id IS NOT NULL AND recipient_id IS NOT NULL AND bundle_id IS NOT NULL"
    )
    op.execute("DELETE FROM notifications WHERE status = 'bundled'")
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notifications_bundle_id_notifications'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_notifications_bundle_id'))
        batch_op.drop_column('bundle_id')


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bundle_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_notifications_bundle_id'), ['bundle_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_notifications_bundle_id_notifications'), 'notifications', ['bundle_id'], ['id'],
            ondelete='SET NULL',
        )
    # Back as bundled outbox rows; the line they said is gone, the kind stands in for it.
    op.execute(
        "INSERT INTO notifications (dedup_key, kind, task_id, recipient_id, recipient_email, subject, body_text,"
        " body_html, status, attempts, created_at, bundle_id)"
        " SELECT listed.dedup_key, listed.kind, listed.task_id, listed.recipient_id, mail.recipient_email,"
        " listed.kind, '', '', 'bundled', 0, listed.created_at, listed.list_id"
        " FROM listed_reminders AS listed JOIN notifications AS mail ON mail.id = listed.list_id"
    )
    op.drop_index(op.f('ix_listed_reminders_task_id'), table_name='listed_reminders')
    op.drop_table('listed_reminders')
