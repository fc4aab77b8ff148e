"""Which tasks mention a text: a look-up in the search index (:mod:`tracker.models.search`), never
a scan of the progress updates.

Any substring of a task's title, description or 20 latest progress updates is found, Latin
letters in either case: a text of one or two characters by its one gram, a longer one by the
tasks holding all its pairs of characters, confirmed against the stored text (holding 培训 and
训班 does not make 培训班). PostgreSQL answers the gram look-up from its GIN index; SQLite reads
the index table's text, one row per task instead of every progress update.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.elements import ColumnElement

from tracker.extensions import db
from tracker.models import Task
from tracker.models.search import GRAM_ARRAY, TaskSearch, fold, grams_to_find


def mentioning(text: str) -> ColumnElement[bool]:
    """The condition that a task's searchable text contains ``text`` (whitespace only: any task)."""
    term = fold(text)
    contains = TaskSearch.text.contains(term, autoescape=True)
    if db.session.get_bind().dialect.name != "postgresql":
        return Task.id.in_(sa.select(TaskSearch.task_id).where(contains))
    wanted = grams_to_find(term)
    found = sa.select(TaskSearch.task_id)
    if wanted:
        # The grams come through a subquery so that the planner cannot tell how common they are,
        # and always reads the GIN index: told that half the tasks hold 培训, it would rather read
        # the whole table and split every row's grams, ten times slower.
        found = found.where(
            GRAM_ARRAY.contains(sa.select(sa.literal(wanted, postgresql.ARRAY(sa.Text))).scalar_subquery())
        )
    if wanted != [term]:
        found = found.where(contains)
    # "+ 0": the ids found are then hashed and met by the tasks' covering index in one pass,
    # instead of looking each task up by its key, which is slower past a few thousand.
    return (Task.id + sa.literal_column("0")).in_(found)
