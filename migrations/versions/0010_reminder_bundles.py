"""reminder bundles: one mail per person per day

The day's reminders to one person go out as one mail listing them; each reminder stays its own
outbox row (its dedup key still makes a repeat a no-op, and the task's 催办记录 still finds it),
marked bundled and pointing at the mail that carried it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 04:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bundle_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_notifications_bundle_id'), ['bundle_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_notifications_bundle_id_notifications'), 'notifications', ['bundle_id'], ['id'],
            ondelete='SET NULL',
        )


def downgrade():
    # Older code knows no bundled reminder: show them as recorded (they were mailed in their bundle).
    op.execute("UPDATE notifications SET status = 'recorded' WHERE status = 'bundled'")
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notifications_bundle_id_notifications'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_notifications_bundle_id'))
        batch_op.drop_column('bundle_id')
