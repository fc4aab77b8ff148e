"""The search index: one row per task with its searchable text and that text's grams.

Chinese has no spaces to split words on, so the index does not know words: it keeps every
character and every pair of adjacent characters (a "gram") of the task's title, description and
latest progress updates, folded to lower case. Any text of one or two characters is found by
looking up that one gram; a longer text by the tasks holding all its pairs, then confirmed
against the stored text. On PostgreSQL a GIN index over the grams answers the look-up (migration
0009); SQLite, for small offices, scans this table's text: a row per task instead of every update.

A flush hook keeps the rows, whatever changed the text (workflow, review, carry-over, the
importer, demo data, tests), as ``last_progress_at`` is kept in :mod:`tracker.models.tasks`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from tracker.extensions import db
from tracker.models.tasks import ProgressUpdate, Task

# A task's latest reports say where it stands, and a month's report repeats what still matters
# from the one before: the 20 latest cover a year and a half of monthly reports (in the benchmark,
# every update of all but the 0.1% busiest tasks), and keep the row, and the work of rebuilding it
# on each report, bounded for a task that has reported weekly for years.
SEARCHED_UPDATES = 20
GRAM_SEPARATOR = " "  # grams never hold whitespace, so a space can separate them


class TaskSearch(db.Model):
    """The searchable text of one task, milestones included, and its grams (space-separated)."""

    __tablename__ = "task_search"

    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True)
    text: Mapped[str] = mapped_column(sa.Text)
    grams: Mapped[str] = mapped_column(sa.Text)


# The grams as an array, for PostgreSQL's GIN index and its @> ("holds all of") operator. The
# separator is written into the SQL, not bound: the index only serves a query whose expression is
# the index's own, and a bound parameter would not be once the driver prepares the statement.
GRAM_ARRAY = sa.func.string_to_array(
    TaskSearch.grams, sa.literal_column(f"'{GRAM_SEPARATOR}'"), type_=postgresql.ARRAY(sa.Text)
)
GRAMS_INDEX = sa.Index("ix_task_search_grams", GRAM_ARRAY, postgresql_using="gin").ddl_if(dialect="postgresql")


def fold(text: str) -> str:
    """Text as the index stores and compares it: Latin (and any cased) letters in lower case."""
    return text.lower()


def grams_of(text: str) -> set[str]:
    """Every character and every pair of adjacent characters of ``text``, whitespace aside."""
    grams: set[str] = set()
    for word in text.split():
        grams.update(word)
        grams.update(word[i : i + 2] for i in range(len(word) - 1))
    return grams


def grams_to_find(term: str) -> list[str]:
    """The grams a task must hold to contain the folded ``term``: its pairs, and any character
    that stands alone between spaces. Exactly ``[term]`` when the term is one gram, which is
    then all there is to check."""
    wanted: set[str] = set()
    for word in term.split():
        wanted.update([word] if len(word) == 1 else (word[i : i + 2] for i in range(len(word) - 1)))
    return sorted(wanted)


def searchable_text(title: str, description: str, updates: Iterable[str]) -> str:
    """The folded text of a task: title, description and progress texts, a line each."""
    return fold("\n".join([title, description or "", *updates]))


def index_row(task_id: int, text: str) -> dict[str, object]:
    return {"task_id": task_id, "text": text, "grams": GRAM_SEPARATOR.join(sorted(grams_of(text)))}


def refresh(connection: sa.Connection, task_ids: Collection[int]) -> None:
    """Rebuild the index rows of ``task_ids`` (tasks that no longer exist are skipped).

    The tasks' rows are locked first (FOR NO KEY UPDATE on PostgreSQL, which does not conflict
    with the key-share lock a new progress update takes on its task): two reports on one task
    in parallel, say two co-departments' 协办反馈, then rebuild one after the other, and the
    second reads the first's text instead of overwriting it with an index that lacks it.
    """
    if not task_ids:
        return
    ids = sorted(task_ids)  # always lock in the same order
    tasks = connection.execute(
        sa.select(Task.id, Task.title, Task.description)
        .where(Task.id.in_(ids))
        .order_by(Task.id)
        .with_for_update(key_share=True)
    ).all()
    if not tasks:
        return
    recent = (
        sa.select(
            ProgressUpdate.task_id,
            ProgressUpdate.text,
            sa.func.row_number()
            .over(
                partition_by=ProgressUpdate.task_id,
                order_by=(ProgressUpdate.created_at.desc(), ProgressUpdate.id.desc()),
            )
            .label("newness"),
        )
        .where(ProgressUpdate.task_id.in_(ids))
        .subquery()
    )
    updates: dict[int, list[str]] = {}
    for task_id, text in connection.execute(
        sa.select(recent.c.task_id, recent.c.text)
        .where(recent.c.newness <= SEARCHED_UPDATES)
        .order_by(recent.c.task_id, recent.c.newness)
    ):
        updates.setdefault(task_id, []).append(text)
    rows = [index_row(t.id, searchable_text(t.title, t.description, updates.get(t.id, []))) for t in tasks]
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    statement = insert(TaskSearch)
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=[TaskSearch.task_id],
            set_={"text": statement.excluded.text, "grams": statement.excluded.grams},
        ),
        rows,
    )


def _changed(obj: object, *names: str) -> bool:
    state = sa.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


@event.listens_for(Session, "after_flush")
def _keep_search_index(session: Session, flush_context: object) -> None:
    """Rebuild the index of every task whose title or description changed or whose progress
    updates came, went or changed in this flush (after it, so that new tasks have their ids; a
    deleted task's row went with it)."""
    task_ids: set[int] = set()
    for obj in session.new:
        if isinstance(obj, Task):
            task_ids.add(obj.id)
        elif isinstance(obj, ProgressUpdate):
            task_ids.add(obj.task_id)
    for obj in session.dirty:
        if isinstance(obj, Task) and _changed(obj, "title", "description"):
            task_ids.add(obj.id)
        elif isinstance(obj, ProgressUpdate) and _changed(obj, "text"):
            task_ids.add(obj.task_id)
    task_ids.update(obj.task_id for obj in session.deleted if isinstance(obj, ProgressUpdate))
    if task_ids:
        refresh(session.connection(), task_ids)
