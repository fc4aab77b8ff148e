"""search index: one row per task with its searchable text and its character grams

``task_search`` holds, per task, the title, description and the 20 latest progress updates'
texts in lower case, and every character and pair of adjacent characters of them ("grams",
space-separated), so that a search of the task list no longer reads every progress update. On
PostgreSQL a GIN index over the grams as an array finds the tasks holding a term's pairs. The
rows of existing tasks are filled here, in batches of tasks; from now on a flush hook keeps them
(tracker/models/search.py). The folding below is a copy, so that this revision always writes
what it wrote when it was made.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

SEARCHED_UPDATES = 20
BATCH = 2000  # tasks per round: their updates are read in one query


def _grams(text):
    grams = set()
    for word in text.split():
        grams.update(word)
        grams.update(word[i:i + 2] for i in range(len(word) - 1))
    return ' '.join(sorted(grams))


def _backfill(connection):
    task_search = sa.table('task_search', sa.column('task_id'), sa.column('text'), sa.column('grams'))
    after = 0
    while True:
        tasks = connection.execute(
            sa.text('SELECT id, title, description FROM tasks WHERE id > :after ORDER BY id LIMIT :batch'),
            {'after': after, 'batch': BATCH},
        ).all()
        if not tasks:
            return
        first, after = tasks[0].id, tasks[-1].id
        updates = {}
        for task_id, text in connection.execute(
            sa.text(
                'SELECT task_id, text FROM (SELECT task_id, text, row_number() OVER '
                '(PARTITION BY task_id ORDER BY created_at DESC, id DESC) AS newness '
                'FROM progress_updates WHERE task_id BETWEEN :first AND :last) AS recent '
                'WHERE newness <= :searched ORDER BY task_id, newness'
            ),
            {'first': first, 'last': after, 'searched': SEARCHED_UPDATES},
        ):
            updates.setdefault(task_id, []).append(text)
        rows = []
        for task_id, title, description in tasks:
            text = '\n'.join([title, description or '', *updates.get(task_id, [])]).lower()
            rows.append({'task_id': task_id, 'text': text, 'grams': _grams(text)})
        connection.execute(task_search.insert(), rows)


def upgrade():
    op.create_table(
        'task_search',
        sa.Column('task_id', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('grams', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_task_search_task_id_tasks'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('task_id', name=op.f('pk_task_search')),
    )
    _backfill(op.get_bind())
    # After the backfill: one build of the index is faster than as many inserts into it.
    if op.get_bind().dialect.name == 'postgresql':
        op.create_index(
            'ix_task_search_grams',
            'task_search',
            [sa.text("string_to_array(grams, ' ')")],
            unique=False,
            postgresql_using='gin',
        )


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_task_search_grams', table_name='task_search', postgresql_using='gin')
    op.drop_table('task_search')
