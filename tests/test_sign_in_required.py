"""Every route sends an anonymous visitor to sign in, except the few that are public by design.

The walk covers every rule of the URL map and every method it answers, so a route added without
``login_required`` (or a blueprint that lost its guard) fails here. Each request carries a valid
CSRF token from the visitor's own session, so a POST reaches the sign-in check instead of stopping
at the CSRF check (400); and an id in the URL is that of a real object (the demo's), so the sign-in
redirect must come before any lookup or permission check (a 404 or 403 is not a pass).
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from tests.conftest import csrf_token
from tests.factories import FROZEN_NOW, make_notification
from tracker.demo import load_demo
from tracker.extensions import db
from tracker.models import (
    CalendarDay,
    Department,
    EvidenceAttachment,
    ExtensionRequest,
    ItemKind,
    Notification,
    ReportItem,
    ShortcomingMeasureLink,
    SourceReport,
    Task,
    User,
)

# The endpoints an anonymous visitor may use. Each is public on purpose; keep the reason.
PUBLIC = {
    "static": "stylesheets, scripts and icons, for the sign-in page too",
    "main.index": "a visitor gets the welcome page, a signed-in user is sent on to their work",
    "main.language": "a visitor chooses the language of the sign-in page (a cookie)",
    "main.healthz": "load balancers and monitoring ask without an account",
    "auth.login": "the sign-in page itself",
    "auth.forgot_password": "忘记密码: asks for a reset link by mail",
    "auth.set_password": "the one-time link (设置密码/重置密码): the token in the address is the credential",
    "ical_feed.feed": "calendar clients send no cookie: the secret token in the address is the credential",
}
# Sign-out (auth.logout) is not public: it needs a session to end, and sends a visitor to sign in.

METHODS = {"GET", "POST"}  # what the routes answer, besides HEAD and OPTIONS, which Flask adds


@pytest.fixture
def url_values(app: Flask) -> dict[str, str | int]:
    """A value for each URL argument: the id of a real object (the demo's, and a few added where
    the demo has none), so that a route missing its sign-in check would find what it looks up."""
    with app.app_context():
        load_demo(today=FROZEN_NOW.date(), now=FROZEN_NOW)
        task = db.session.scalars(sa.select(Task).order_by(Task.id)).first()
        user = db.session.scalars(sa.select(User).order_by(User.id)).first()
        db.session.add(
            EvidenceAttachment(
                task_id=task.id,
                filename="签到表.pdf",
                content_type="application/pdf",
                size_bytes=4,
                sha256="0" * 64,
                storage_key="sign-in-required/签到表.pdf",
            )
        )
        make_notification(user)
        db.session.add(CalendarDay(day=date(2027, 10, 8), is_workday=False, name="国庆节"))
        db.session.commit()

        def first(column: sa.ColumnElement, *where: sa.ColumnElement[bool]) -> int:
            found = db.session.scalar(sa.select(column).where(*where).order_by(column).limit(1))
            assert found is not None, f"no row for {column}"
            return found

        return {
            "task_id": task.id,
            "attachment_id": first(EvidenceAttachment.id),
            "request_id": first(ExtensionRequest.id),
            "notification_id": first(Notification.id),
            "report_id": first(SourceReport.id),
            "item_id": first(ReportItem.id),
            "shortcoming_id": first(ReportItem.id, ReportItem.kind == ItemKind.SHORTCOMING),
            "link_id": first(ShortcomingMeasureLink.id),
            "department_id": first(Department.id),
            "user_id": user.id,
            "number": 1,  # a draft's version number
            "day": "2027-10-08",  # the calendar day added above
            "token": "an-unknown-token",  # a people sheet's upload (any: the sign-in check comes first)
            "code": "en",  # a language (public)
            "filename": "style.css",  # a static file (public)
        }


def rules(app: Flask) -> list[Rule]:
    return sorted(app.url_map.iter_rules(), key=lambda rule: (rule.rule, rule.endpoint))


def url_for_rule(rule: Rule, values: dict[str, str | int]) -> str:
    missing = rule.arguments - values.keys()
    assert not missing, f"{rule.rule}: name a real object for {sorted(missing)} in url_values"
    _, path = rule.build({name: values[name] for name in rule.arguments})
    return path


def sent_to_sign_in(response) -> bool:  # noqa: ANN001
    return response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login"


def test_the_public_endpoints_exist(app):
    assert PUBLIC.keys() <= set(app.view_functions), "the allow-list names an endpoint that no longer exists"


def test_every_route_answers_only_get_and_post(app):
    for rule in rules(app):
        assert rule.methods - {"HEAD", "OPTIONS"} <= METHODS, f"{rule.rule}: a method this test does not send"


def test_every_other_route_sends_an_anonymous_visitor_to_sign_in(app, client: FlaskClient, url_values):
    token = csrf_token(client, "/login")  # the visitor's own session holds it
    wrong = []
    for rule in rules(app):
        if rule.endpoint in PUBLIC:
            continue
        url = url_for_rule(rule, url_values)
        for method in sorted(rule.methods & METHODS):
            data = {"csrf_token": token} if method == "POST" else None
            response = client.open(url, method=method, data=data)
            if not sent_to_sign_in(response):
                wrong.append(f"{method} {url} ({rule.endpoint}): {response.status_code} {response.location or ''}")
    assert wrong == [], "answered an anonymous visitor without sending them to sign in:\n" + "\n".join(wrong)


def test_the_public_endpoints_do_not_ask_to_sign_in(app, client: FlaskClient, url_values):
    """The allow-list holds only routes that are public indeed: one that asks a visitor to sign in
    is not public and belongs to the walk above."""
    token = csrf_token(client, "/login")
    for rule in rules(app):
        if rule.endpoint not in PUBLIC:
            continue
        url = url_for_rule(rule, url_values)
        for method in sorted(rule.methods & METHODS):
            data = {"csrf_token": token} if method == "POST" else None
            response = client.open(url, method=method, data=data)
            assert not sent_to_sign_in(response), f"{method} {url} ({rule.endpoint}) asks to sign in"
            assert response.status_code < 500, f"{method} {url}: {response.status_code}"
