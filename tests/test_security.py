"""Hardening over HTTP, on the demo data: the security headers on every response, pages with no
inline script or style for the Content Security Policy to refuse, cookies that stay on this site,
and a mail's HTML part fit for the policy its frame inherits."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from config import ProductionConfig, TestConfig
from tests.conftest import PASSWORD, csrf_token, login
from tests.factories import FROZEN_NOW
from tracker import create_app
from tracker.demo import DEMO_PASSWORD, load_demo
from tracker.extensions import db
from tracker.models import DraftStructure, Notification, SourceReport, Task, User
from tracker.security import mail_preview
from tracker.services import drafts, ical_feed
from tracker.services.mail import messages, outbox
from tracker.services.mail.catalogue import MailKind

TODAY = FROZEN_NOW.date()
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
HARDENED = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
# One demo account per role.
ROLES = {
    "legal": "fazhi@demo.gov.cn",
    "leader": "leader@demo.gov.cn",
    "head": "zhengzhi.head@demo.gov.cn",
    "staff": "keji.staff@demo.gov.cn",
    "admin": "admin@demo.gov.cn",
}
NOT_PAGES = re.compile(r"^/(static|evidence|lang)/|^/logout$|\.(xlsx|csv|docx|md|ics)$")
MOST_PAGES = 400  # per role: the crawl stops there, whatever the links


@pytest.fixture
def demo(app: Flask) -> dict[str, int]:
    """The demo, plus what it lacks for the corpus: a mail with an HTML part and a draft."""
    with app.app_context():
        load_demo(today=TODAY, now=FROZEN_NOW)
        task = db.session.scalars(sa.select(Task).order_by(Task.id)).first()
        head = db.session.scalar(sa.select(User).where(User.email == ROLES["head"]))
        legal = db.session.scalar(sa.select(User).where(User.email == ROLES["legal"]))
        outbox.queue(messages.compose(MailKind.URGE, [head], "security", task=task, text="请加快办理。"), FROZEN_NOW)
        report = db.session.scalars(sa.select(SourceReport)).one()
        drafts.generate(report, DraftStructure.SOURCE, legal, FROZEN_NOW)
        db.session.commit()
        mail = db.session.scalar(sa.select(Notification.id).where(Notification.kind == "urge"))
        return {"task": task.id, "report": report.id, "mail": mail}


def sign_in(client: FlaskClient, role: str) -> None:
    response = login(client, ROLES[role], DEMO_PASSWORD)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


def missing_headers(response) -> dict[str, str | None]:  # noqa: ANN001
    return {name: response.headers.get(name) for name, value in HARDENED.items() if response.headers.get(name) != value}


# --- headers on every response -------------------------------------------------------------------------


@pytest.mark.parametrize("role", [None, "legal"], ids=["visitor", "legal"])
def test_it_hardens_every_page_without_arguments(app, client, demo, role):
    if role:
        sign_in(client, role)
    rules = [r.rule for r in app.url_map.iter_rules() if "GET" in (r.methods or ()) and not r.arguments]
    assert "/dashboard" in rules and "/tasks/export.xlsx" in rules
    failures = {}
    for rule in rules:
        response = client.get(rule)
        if missing_headers(response):
            failures[rule] = (response.status_code, missing_headers(response))
    assert failures == {}


def test_it_hardens_each_kind_of_response(app, client, demo, tmp_path):
    with app.app_context():
        owner = db.session.scalar(sa.select(User).where(User.email == ROLES["head"]))
        token = ical_feed.issue_feed(owner, FROZEN_NOW)
        db.session.commit()
    visitor = {
        "static file": client.get("/static/style.css"),
        "redirect to sign in": client.get("/dashboard"),
        "404": client.get("/no-such-page"),
        "404 as JSON": client.get("/no-such-page", headers={"Accept": "application/json"}),
        "405": client.get("/logout"),
        "JSON": client.get("/healthz"),
        "calendar feed": client.get(f"/feed/{token}.ics"),
        "language switch": client.get("/lang/en"),
    }
    sign_in(client, "staff")
    signed_in = {
        "403": client.get("/admin/"),
        "download": client.get("/tasks/export.csv"),
        "print page": client.get("/tasks/print"),
    }
    statuses = {kind: response.status_code for kind, response in (visitor | signed_in).items()}
    assert statuses == {
        "static file": 200,
        "redirect to sign in": 302,
        "404": 404,
        "404 as JSON": 404,
        "405": 405,
        "JSON": 200,
        "calendar feed": 200,
        "language switch": 302,
        "403": 403,
        "download": 200,
        "print page": 200,
    }
    assert {kind: missing_headers(r) for kind, r in (visitor | signed_in).items() if missing_headers(r)} == {}


def test_it_hardens_the_page_of_an_unexpected_error(database_url):
    app = create_app(TestConfig, {"DATABASE_URL": database_url})

    @app.get("/broken")
    def broken() -> str:
        raise RuntimeError("boom")

    response = app.test_client().get("/broken")
    assert response.status_code == 500 and "系统内部错误" in response.get_data(as_text=True)
    assert missing_headers(response) == {}


# --- no inline script or style -------------------------------------------------------------------------


class InlineCode(HTMLParser):
    """What the policy would refuse: ``<script>`` without ``src``, ``<style>``, ``style="…"`` and
    ``on…=`` handlers. A ``srcdoc`` frame inherits the page's policy, so its document counts too."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "style" or (tag == "script" and not dict(attrs).get("src")):
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name == "style" or name.startswith("on"):
                self.found.append(f"<{tag} {name}={value!r}>")
            elif name == "srcdoc" and value:
                self.found += [f"in srcdoc: {found}" for found in inline_code(value)]


def inline_code(page: str) -> list[str]:
    parser = InlineCode()
    parser.feed(page)
    parser.close()
    return parser.found


def crawl(client: FlaskClient, start: str = "/") -> dict[str, str]:
    """Every page reachable by links from ``start``, {url: html}; a page is visited once per set of
    query parameters (``?page=2`` and ``?page=3`` render the same template)."""
    pages: dict[str, str] = {}
    seen: set[tuple[str, frozenset[str]]] = set()
    queue = [start]
    while queue and len(pages) < MOST_PAGES:
        url = queue.pop(0)
        parts = urlsplit(url)
        shape = (parts.path, frozenset(re.findall(r"([^&=]+)=", parts.query)))
        if shape in seen or NOT_PAGES.search(parts.path):
            continue
        seen.add(shape)
        response = client.get(url, follow_redirects=True)
        if not response.content_type.startswith("text/html"):
            continue
        pages[url] = page = response.get_data(as_text=True)
        queue += [html.unescape(href) for href in re.findall(r'href="(/[^"#]*)', page)]
    return pages


@pytest.mark.parametrize("role", [None, *ROLES])
def test_no_page_holds_inline_script_or_style(client, demo, role):
    if role:
        sign_in(client, role)
    refused = ("/no-such-page", "/admin/")  # a 404, and a 403 but to the administrator
    pages = crawl(client) | {url: client.get(url).text for url in refused}
    if role == "legal":
        report = demo["report"]
        unlinked = (f"/reports/{report}/draft/diff?from=1&to=1", f"/reports/{report}/carry-over")
        pages |= {url: client.get(url).text for url in unlinked}
        for path in (
            "/dashboard",
            f"/tasks/{demo['task']}",
            "/tasks/print",
            f"/reports/{demo['report']}/draft/print",
            f"/mail/{demo['mail']}",
        ):
            assert any(urlsplit(url).path == path for url in pages), f"the crawl missed {path}"
        assert len(pages) > 30
    found = {url: inline_code(page) for url, page in pages.items()}
    assert {url: code for url, code in found.items() if code} == {}


def test_it_finds_inline_code_where_there_is_some():
    page = (
        '<p style="color: red" onclick="go()">x</p><script>alert(1)</script><script src="/static/print.js"></script>'
        '<iframe srcdoc="&lt;style&gt;p{}&lt;/style&gt;"></iframe>'
    )
    assert inline_code(page) == [
        "<p style='color: red'>",
        "<p onclick='go()'>",
        "<script>",
        "in srcdoc: <style>",
    ]


def test_it_drops_a_mails_inline_styles_for_the_preview_stylesheet(app):
    mail = (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>催办</title></head>'
        '<body style="font-family: sans-serif;"><p>请办理“style=&#34;x&#34;”。</p>'
        '<p style="color: #777;">此邮件由整改督办台账系统自动发送</p></body></html>'
    )
    with app.test_request_context():
        preview = mail_preview(mail)
    assert inline_code(preview) == []
    assert '<head><link rel="stylesheet" href="/static/mail-preview.css"><meta charset="utf-8">' in preview
    assert "<p>请办理“style=&#34;x&#34;”。</p>" in preview  # text that merely mentions style stays


# --- cookies -------------------------------------------------------------------------------------------


def set_cookies(response) -> dict[str, str]:  # noqa: ANN001
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


def test_it_keeps_every_cookie_on_this_site_and_remembers_for_at_most_30_days(client, personas):
    token = csrf_token(client, "/login")
    response = client.post(
        "/login",
        data={"email": personas.alice.email, "password": PASSWORD, "remember": "y", "csrf_token": token},
    )
    assert response.status_code == 302
    cookies = set_cookies(response) | set_cookies(client.get("/lang/en"))
    assert set(cookies) == {"session", "remember_token", "lang"}
    assert all("SameSite=Lax" in header and "HttpOnly" in header for header in cookies.values()), cookies
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", cookies["remember_token"]).group(1))
    assert expires - datetime.now(UTC) <= timedelta(days=30)


def test_it_sends_cookies_over_https_only_in_production(database_url, personas):
    app = create_app(ProductionConfig, {"DATABASE_URL": database_url, "SECRET_KEY": "production-test-key"})
    client = app.test_client()
    https = {
        "base_url": "https://tracker.example.gov.cn",
        "headers": {"Referer": "https://tracker.example.gov.cn/login"},
    }
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/login", **https).text)
    response = client.post(
        "/login",
        data={"email": personas.alice.email, "password": PASSWORD, "remember": "y", "csrf_token": token[1]},
        **https,
    )
    assert response.status_code == 302
    cookies = set_cookies(response)
    assert {"session", "remember_token"} <= set(cookies)
    assert all("Secure" in header and "SameSite=Lax" in header for header in cookies.values()), cookies
