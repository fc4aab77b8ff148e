"""The same walk through the 2021 National Day holiday, with the sender delivering to a real SMTP
server each morning: exactly the planned mails arrive, each once, on their day."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from tests.smtp import smtp_server  # noqa: F401
from tests.test_reminders import FIRST_DAY, LAST_DAY, at_nine, expected_mails, task  # noqa: F401
from tracker.extensions import db
from tracker.services.mail import planner as reminders
from tracker.services.mail import sender as mailer

TAGS = {
    "【督办提醒】": {"due_soon", "due_today"},
    "【逾期提醒】": {"overdue"},
    "【逾期通报】": {"overdue_legal"},
    "【逾期督办】": {"escalation_leader"},
    "【进展催报】": {"progress_request"},
    "【每周汇总】": {"digest"},
}


def _tag(kind: str) -> str:
    return next(tag for tag, kinds in TAGS.items() if kind in kinds)


def test_it_delivers_each_reminder_once_on_its_day(app, task, smtp_server, monkeypatch):  # noqa: F811
    smtp_server.configure(app, monkeypatch)
    arrived: dict = {}
    day = FIRST_DAY
    while day <= LAST_DAY:
        moment = at_nine(day)
        before = len(smtp_server.messages)
        for _ in range(2):  # a second run the same morning changes nothing
            reminders.queue_due(moment)
            db.session.commit()
            mailer.send_due(moment)
        new = smtp_server.messages[before:]
        if new:
            arrived[day] = sorted((m["Subject"][: len("【督办提醒】")], m["To"]) for m in new)
        day += timedelta(days=1)
    expected = {day: _as_sent(mails) for day, mails in expected_mails().items()}
    assert arrived == expected


def _as_sent(reminders: set[tuple[str, str]]) -> list[tuple[str, str]]:
    """The mails a day's reminders go out as: each person's several reminders in one list
    (tagged like a due-soon reminder), a single one alone; digests apart."""
    mails: list[tuple[str, str]] = []
    by_person: dict[str, list[str]] = {}
    for kind, email in reminders:
        if kind == "digest":
            mails.append((_tag(kind), email))
        else:
            by_person.setdefault(email, []).append(kind)
    for email, kinds in by_person.items():
        mails.append((_tag(kinds[0]) if len(kinds) == 1 else "【督办提醒】", email))
    return sorted(mails)


@pytest.mark.postgresql_only("two planners racing is a PostgreSQL concern; SQLite serialises writers")
@pytest.mark.usefixtures("task")
def test_it_queues_each_reminder_once_when_two_planners_race(app):
    moment = at_nine(LAST_DAY)
    results: list[int] = []

    def planner() -> None:
        with app.app_context():
            results.append(reminders.queue_due(moment))
            db.session.commit()

    threads = [threading.Thread(target=planner) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        planned = len(reminders.plan(moment))
    assert sum(results) == planned and planned > 0
