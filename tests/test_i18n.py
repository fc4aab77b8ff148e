"""The interface language: Chinese first, English for users who choose it.

The catalogue (``tracker/translations/en/LC_MESSAGES/messages.po``) must translate every text the
code and the templates mark, and an English user must see no Chinese but the data.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from flask.testing import FlaskClient

from tests.conftest import csrf_token, login
from tests.factories import FROZEN_NOW, make_department, make_task, make_user
from tracker.extensions import db
from tracker.importer import Item, ParsedReport
from tracker.models import ItemKind, Priority, Role, Task, User
from tracker.services import links, review, workflow
from tracker.services.deadlines import Standing
from tracker.services.evidence import Upload
from tracker.services.reports import store_report
from tracker.views.filters import countdown, light_reason

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "tracker" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
UPDATE_HINT = (
    "update the catalogue (README, Translations): pybabel extract -F babel.cfg -o /tmp/messages.pot . && "
    "pybabel update -i /tmp/messages.pot -d tracker/translations, then translate every new entry"
)
TODAY = date(2026, 6, 1)
CHINESE = re.compile(r"[\u3400-\u9fff]+")
FORBIDDEN_EN = "You are not allowed to do this."


def _catalogue() -> Catalog:
    with CATALOGUE.open("rb") as po_file:
        return read_po(po_file, locale="en")


def _strings(message: Message) -> tuple[str, ...]:
    return tuple(message.string) if isinstance(message.string, list | tuple) else (message.string,)


def _extracted() -> dict[tuple[object, str | None], list[str]]:
    """What ``pybabel extract -F babel.cfg`` finds now: {(msgid, context): [where]}."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg, str(ROOT / "babel.cfg"))
    found: dict[tuple[object, str | None], list[str]] = {}
    for filename, lineno, msgid, _comments, context in extract_from_dir(str(ROOT), method_map, options_map):
        found.setdefault((msgid, context), []).append(f"{filename}:{lineno}")
    return found


# --- the catalogue ---------------------------------------------------------------------------------


def test_every_entry_of_the_catalogue_is_translated_and_none_is_fuzzy():
    catalogue = _catalogue()
    assert not catalogue.fuzzy, "the catalogue's header is marked fuzzy"
    entries = [m for m in catalogue if m.id]
    assert entries
    untranslated = [m.id for m in entries if not all(s.strip() for s in _strings(m))]
    fuzzy = [m.id for m in entries if m.fuzzy]
    wrong_plurals = [m.id for m in entries if m.pluralizable and len(_strings(m)) != catalogue.num_plurals]
    assert not untranslated, f"untranslated: {untranslated}"
    assert not fuzzy, f"fuzzy (check the translation, then remove the flag): {fuzzy}"
    assert not wrong_plurals, f"plural entries without {catalogue.num_plurals} forms: {wrong_plurals}"


def test_every_translation_keeps_the_placeholders_of_its_chinese_text():
    problems = [(m.id, [str(e) for e in errors]) for m, errors in _catalogue().check()]
    assert not problems


def test_every_text_marked_in_the_code_and_templates_is_in_the_catalogue():
    extracted = _extracted()
    assert len(extracted) > 100, "the extraction found almost nothing: is babel.cfg right?"
    catalogue = _catalogue()
    missing = []
    for (msgid, context), where in sorted(extracted.items(), key=lambda item: item[1][0]):
        message = catalogue.get(msgid, context)
        if message is None or message.pluralizable != isinstance(msgid, tuple):
            missing.append(f"{where[0]}: {msgid!r}" + (f" (context {context!r})" if context else ""))
    assert not missing, f"{len(missing)} texts are not in the catalogue; {UPDATE_HINT}:\n" + "\n".join(missing)


def test_python_code_marks_lazy_texts_for_extraction():
    """Form labels are marked with lazy_gettext (as _l): babel.cfg must make pybabel look for it."""
    assert ("保持登录", None) in _extracted()  # the login form's label, lazy_gettext


# --- what people see -------------------------------------------------------------------------------


@pytest.fixture
def english(app, tmp_path):
    """Everyone speaks English, and every name is in English too, so that any Chinese on a page is an
    untranslated text. One task of every kind of standing: in progress (with evidence, a milestone
    and a pending extension), assigned and waiting to be acknowledged, returned, awaiting review,
    on hold, and one never assigned."""
    app.config["EVIDENCE_DIR"] = str(tmp_path / "evidence")
    with app.app_context():
        legal = make_department(name="Legal Office")
        traffic = make_department(name="Traffic Police")
        patrol = make_department(name="Patrol")
        make_department(name="Archive", is_active=False)
        people = {
            "alice": make_user(Role.LEGAL, email="alice@example.gov.cn", name="Alice", department=legal),
            "bob": make_user(Role.HEAD, email="bob@example.gov.cn", name="Bob", department=traffic),
            "carol": make_user(Role.STAFF, email="carol@example.gov.cn", name="Carol", department=traffic),
            "dave": make_user(Role.HEAD, email="dave@example.gov.cn", name="Dave", department=patrol),
            "erin": make_user(Role.LEADER, email="erin@example.gov.cn", name="Erin"),
            "frank": make_user(Role.ADMIN, email="frank@example.gov.cn", name="Frank"),
        }
        make_user(Role.STAFF, email="gone@example.gov.cn", name="Gone", department=patrol, is_active=False)
        for person in people.values():
            person.locale = "en"
        alice, bob, carol = people["alice"], people["bob"], people["carol"]

        def assigned(title: str, assignee: User | None = None) -> Task:
            task = make_task(title=title, description=f"About {title.lower()}")
            workflow.assign(
                task,
                alice,
                lead_department=traffic,
                co_departments=[patrol],
                assignee=assignee,
                start_date=TODAY,
                deadline=TODAY + timedelta(days=30),
                priority=Priority.HIGH,
                expected_version=None,
                now=FROZEN_NOW,
            )
            return task

        main = assigned("Train the officers", assignee=carol)
        workflow.acknowledge(main, bob, FROZEN_NOW)
        pdf = Upload("list.pdf", "application/pdf", b"%PDF")
        workflow.record_progress(main, carol, percent=30, text="First session held", files=[pdf], now=FROZEN_NOW)
        workflow.request_extension(
            main, bob, new_deadline=TODAY + timedelta(days=45), reason="No room free", now=FROZEN_NOW
        )
        milestone = workflow.add_milestone(
            main, alice, title="Second session", deadline=TODAY + timedelta(days=20), assignee=None, now=FROZEN_NOW
        )
        waiting = assigned("Publish the rules")
        returned = assigned("Audit the fines")
        workflow.return_assignment(returned, bob, "Not ours", FROZEN_NOW)
        review = assigned("Renew the signs")
        workflow.acknowledge(review, bob, FROZEN_NOW)
        workflow.submit_closure(review, bob, summary="All renewed", files=[pdf], now=FROZEN_NOW)
        held = assigned("Repaint the lines")
        workflow.acknowledge(held, bob, FROZEN_NOW)
        workflow.put_on_hold(held, alice, "Winter", FROZEN_NOW)
        never = make_task(title="Plan next year")
        db.session.commit()
        ids = {
            "main": main.id,
            "milestone": milestone.id,
            "waiting": waiting.id,
            "returned": returned.id,
            "review": review.id,
            "held": held.id,
            "never": never.id,
            "bob": bob.id,
            "patrol": patrol.id,
        }
    return ids


def _page(client: FlaskClient, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, path
    return response.get_data(as_text=True)


def _assert_english(page: str, where: str) -> None:
    assert '<html lang="en">' in page, where
    # The language names on the account page are each in their own language, and mail is sent
    # in Chinese whatever the reader's interface: both are marked lang="zh-CN".
    page = re.sub(r'<(\w+)[^>]*\slang="zh-CN"[^>]*>.*?</\1>', "", page, flags=re.S)
    left = CHINESE.findall(page.replace(">中文<", "><"))
    assert not left, f"Chinese on {where}: {left}"


def test_an_english_user_sees_every_task_page_in_english(client, english):
    pages = {
        "alice": [
            "/my",
            "/tasks",
            "/dashboard",
            "/tasks/print",
            *(f"/tasks/{english[k]}" for k in ("main", "milestone", "returned", "review")),
        ],
        "alice2": [f"/tasks/{english[k]}" for k in ("held", "never", "waiting")] + ["/account/"],
        "bob": ["/my", "/dashboard", f"/tasks/{english['main']}", f"/tasks/{english['waiting']}"],
        "carol": ["/my", f"/tasks/{english['main']}"],
        "erin": ["/tasks", f"/tasks/{english['main']}"],
    }
    for who, paths in pages.items():
        login(client, f"{who.rstrip('2')}@example.gov.cn")
        for path in paths:
            _assert_english(_page(client, path), f"{path} as {who}")
        client.post("/logout", data={"csrf_token": csrf_token(client, "/account/")})

    login(client, "alice@example.gov.cn")
    page = _page(client, f"/tasks/{english['main']}")
    for text in ("Lead department", "Supporting departments", "History", "Extension request", "Milestone"):
        assert text in page
    assert "<title>Train the officers - Compliance Follow-up Tracker</title>" in page
    assert "<dd>Patrol</dd>" in page and "<dd>Carol</dd>" in page
    assert "Extension requested to <strong>2026-07-16</strong> (currently 2026-07-01). Reason: No room free" in page
    # Choices whose labels are translated: the decision's radio buttons, the priorities.
    assert '<label for="decision-0">Extension approved</label>' in page
    assert '<label for="decision-1">Refuse</label>' in page
    assert '<option selected value="high">High</option>' in page and '<option value="urgent">Urgent</option>' in page
    assert "Carol (Traffic Police)" in page  # the people one may assign, with their department
    assert '<a href="/my" class="nav-item">My work' in page  # with the legal office's badge after it
    assert "2026-07-01" in page  # the deadline, in the English date format


@pytest.mark.parametrize(
    ("standing", "english", "chinese"),
    [
        (Standing("green", 1, False, False, None, 30, 5), "1 working day left", "剩余1个工作日"),
        (Standing("green", 12, False, False, None, 30, 5), "12 working days left", "剩余12个工作日"),
        (Standing("yellow", 0, False, False, None, 30, 5), "Due today", "今日到期"),
        (Standing("red", -3, True, False, None, 30, 5), "Overdue by 3 working days", "已逾期3个工作日"),
        (Standing("red", 0, True, False, None, 30, 5), "Overdue", "已逾期"),
    ],
)
def test_countdowns_are_said_in_the_language_of_the_request(app, standing, english, chinese):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert countdown(standing) == english
    with app.test_request_context():
        assert countdown(standing) == chinese


@pytest.mark.parametrize(
    ("standing", "english", "chinese"),
    [
        (Standing("yellow", 3, False, False, None, 30, 5), "Due soon", "临近时限"),
        (Standing("yellow", 20, False, True, None, 30, 5), "No progress for a long time", "久未更新"),
        (
            Standing("yellow", 2, False, True, None, 30, 5),
            "Due soon, No progress for a long time",
            "临近时限、久未更新",
        ),
        (Standing("red", -3, True, True, None, 30, 5), "Overdue", "已逾期"),
    ],
)
def test_a_light_says_why_it_is_yellow(app, standing, english, chinese):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert light_reason(standing) == english
    with app.test_request_context():
        assert light_reason(standing) == chinese


def test_an_english_administrator_sees_the_people_pages_in_english(client, english):
    login(client, "frank@example.gov.cn")
    for path in (
        "/admin/",
        "/admin/users/new",
        f"/admin/users/{english['bob']}/edit",
        "/admin/departments/new",
        f"/admin/departments/{english['patrol']}/edit",
        "/account/",
    ):
        _assert_english(_page(client, path), path)
    page = _page(client, "/admin/")
    assert "Add user" in page and "Deactivate" in page and "Reactivate" in page and "Department head" in page


def test_an_english_administrator_gets_english_messages(client, english):
    login(client, "frank@example.gov.cn")
    token = csrf_token(client, "/admin/users/new")
    form = {"csrf_token": token, "email": "not an email", "name": "", "role": "wizard", "department_id": "0"}
    response = client.post("/admin/users/new", data={**form, "password": "short", "confirm": "other"})
    page = response.get_data(as_text=True)
    for message in (
        "The email address is not valid.",
        "Please enter the name.",
        "Please choose “Role” from the list.",
        "The password must be 8 to 200 characters long.",
        "The two passwords do not match.",
    ):
        assert message in page
    _assert_english(page, "the refused new user")

    form = {**form, "email": "hank@example.gov.cn", "name": "Hank", "role": "head"}
    page = client.post("/admin/users/new", data={**form, "password": "long enough", "confirm": "long enough"})
    assert "Department heads and staff must belong to a department." in page.get_data(as_text=True)

    page = client.post(
        f"/admin/departments/{english['patrol']}/deactivate", data={"csrf_token": token}, follow_redirects=True
    ).get_data(as_text=True)
    assert (
        "The department “Patrol” cannot be deactivated: it still has 1 active member (deactivate them or move them "
        "to another department first); it still has 4 open tasks (close them, cancel them or give them to another "
        "department first)." in page
    )
    _assert_english(page, "the refused deactivation")


def test_an_english_user_gets_english_messages(client, english):
    login(client, "bob@example.gov.cn")
    token = csrf_token(client, f"/tasks/{english['waiting']}")
    page = client.post(
        f"/tasks/{english['waiting']}/acknowledge", data={"csrf_token": token}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Acknowledged." in page
    _assert_english(page, "the task page after acknowledging")

    # A form with mistakes: the flash and every field's message in English.
    token = csrf_token(client, f"/tasks/{english['main']}")
    response = client.post(
        f"/tasks/{english['main']}/progress", data={"csrf_token": token, "percent": "200", "text": ""}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Some of what you entered is not valid" in page
    assert "Progress must be between 0 and 100." in page and "Please describe the progress." in page
    _assert_english(page, "the refused progress form")

    # A date that is not one; then a refusal of the workflow service, with a date in it.
    token = csrf_token(client, f"/tasks/{english['waiting']}")
    path = f"/tasks/{english['waiting']}/extension"
    response = client.post(path, data={"csrf_token": token, "new_deadline": "2026-13-45", "reason": "Snow"})
    page = response.get_data(as_text=True)
    assert "“2026-13-45” is not a valid date: write it as year-month-day, for example 2026-12-31." in page
    _assert_english(page, "the refused extension form")
    response = client.post(path, data={"csrf_token": token, "new_deadline": "2026-06-15", "reason": "Snow"})
    page = response.get_data(as_text=True)
    assert "The requested deadline must be later than the current one (2026-07-01)." in page
    _assert_english(page, "the refused extension")


def test_an_english_user_gets_english_error_pages(client, english):
    login(client, "carol@example.gov.cn")
    response = client.get("/admin/")
    page = response.get_data(as_text=True)
    assert response.status_code == 403 and FORBIDDEN_EN in page
    _assert_english(page, "the 403 page")
    response = client.get("/tasks/999999", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["message"] == "This page does not exist, or you may not see it."


def test_a_chinese_user_still_sees_chinese(client, english, app):
    with app.app_context():
        db.session.get(User, english["bob"]).locale = "zh"
        db.session.commit()
    login(client, "bob@example.gov.cn")
    page = _page(client, f"/tasks/{english['main']}")
    assert '<html lang="zh-CN">' in page and "牵头单位" in page and "办理记录" in page
    assert "Lead department" not in page and "2026年7月1日" in page


# --- visitors --------------------------------------------------------------------------------------


def test_a_visitor_whose_browser_asks_for_english_signs_in_in_english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en-GB,en;q=0.9"
    page = _page(client, "/login")
    assert "<title>Sign in - Compliance Follow-up Tracker</title>" in page
    assert "Email" in page and "Password" in page and "Keep me signed in" in page
    _assert_english(page, "/login")
    page = login(client, "nobody@example.gov.cn", "wrong password", follow=True).get_data(as_text=True)
    assert "Wrong email or password." in page
    assert "Please sign in first." in client.get("/account/", follow_redirects=True).get_data(as_text=True)
    _assert_english(_page(client, "/"), "the welcome page")


def test_a_visitor_without_a_language_signs_in_in_chinese(client):
    page = _page(client, "/login")
    assert '<html lang="zh-CN">' in page and "<title>登录 - 整改督办台账</title>" in page
    assert "邮箱" in page and "密码" in page and "保持登录" in page and "Sign in" not in page


def test_a_visitors_lang_cookie_wins_over_the_browser(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN,zh;q=0.9"
    client.set_cookie("lang", "en")
    assert "Keep me signed in" in _page(client, "/login")
    client.set_cookie("lang", "zh")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert "保持登录" in _page(client, "/login")


# --- choosing ---------------------------------------------------------------------------------------


def test_the_account_page_switches_the_language(client, personas):
    login(client, "carol@example.gov.cn")
    assert "个人设置" in _page(client, "/account/")

    token = csrf_token(client, "/account/")
    page = client.post("/account/language", data={"csrf_token": token, "locale": "en"}, follow_redirects=True)
    page = page.get_data(as_text=True)
    # Confirmed in the language chosen, like the page it comes on.
    assert (
        "Interface language set to English." in page and "<h1>My settings</h1>" in page and '<html lang="en">' in page
    )
    assert "<h1>My work</h1>" in _page(client, "/my")

    token = csrf_token(client, "/account/")
    page = client.post("/account/language", data={"csrf_token": token, "locale": "zh"}, follow_redirects=True)
    page = page.get_data(as_text=True)
    assert "界面语言已设为中文。" in page and "<h1>个人设置</h1>" in page
    assert '<html lang="zh-CN">' in page


def test_it_lets_a_visitor_switch_the_language_and_remembers_it(client):
    response = client.get("/lang/en", headers={"Referer": "http://localhost/login"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    page = client.get("/login").get_data(as_text=True)
    assert "Sign in" in page and 'lang="zh-CN">中文</a>' in page
    client.get("/lang/zh")
    assert "邮箱" in client.get("/login").get_data(as_text=True)


def test_it_sends_the_visitor_back_only_within_the_site(client):
    response = client.get("/lang/en", headers={"Referer": "https://evil.example/phish"})
    assert response.headers["Location"] == "/"
    assert client.get("/lang/fr").status_code == 404


# --- the report pages ------------------------------------------------------------------------------


def _english_report(title: str, achievements: list[Item], shortcomings: list[Item], measures: list[Item]) -> Any:
    text = "\n".join([title, *(f"{i.number} {i.title} {i.body}" for i in [*achievements, *shortcomings, *measures])])
    return ParsedReport(
        title=title,
        issuer="City Police",
        year=2025,
        date=date(2025, 12, 20),
        text=text,
        achievements=achievements,
        shortcomings=shortcomings,
        measures=measures,
    )


@pytest.fixture
def english_reports(app, english):
    """On top of ``english``: a confirmed report with English items, whose first shortcoming has an
    accepted, a suggested and a rejected measure; and a report still in review, with no achievements."""
    with app.app_context():
        alice = db.session.scalar(sa.select(User).where(User.email == "alice@example.gov.cn"))
        parsed = _english_report(
            "Annual Report 2025",
            [Item("1.", "Trained every officer", "All officers attended a course.")],
            [
                Item("1.", "Officers need more training", "Some officers do not know the new rules."),
                Item("2.", "Fines are seldom checked", "Nobody audits the fines."),
            ],
            [
                Item("1.", "Train the officers every quarter", "A course on the new rules each quarter."),
                Item("2.", "Audit the fines every month", "The legal office checks the fines."),
                Item("3.", "Renew the road signs", "Replace the worn signs."),
            ],
        )
        confirmed = store_report(parsed, filename="report-2025.txt", data=None, imported_by=alice, now=FROZEN_NOW)
        tasks = review.confirm(confirmed, alice, now=FROZEN_NOW)
        first = next(i for i in confirmed.items if i.kind == ItemKind.SHORTCOMING and i.position == 1)
        suggested = [link for link in links.links_of_report(confirmed) if link.shortcoming_id == first.id]
        assert len(suggested) == 3, "the scene needs three suggestions for the first shortcoming"
        links.decide(suggested[0], alice, accept=True, now=FROZEN_NOW)
        links.decide(suggested[-1], alice, accept=False, now=FROZEN_NOW)
        in_review = store_report(
            _english_report(
                "Annual Report 2026",
                [],
                [Item("1.", "Signs are worn", "")],
                [Item("1.", "Renew the signs", "Replace them.\nCheck them yearly"), Item("2.", "Paint the lines", "")],
            ),
            filename="report-2026.docx",
            data=None,
            imported_by=alice,
            now=FROZEN_NOW,
        )
        db.session.commit()
        return {
            "confirmed": confirmed.id,
            "in_review": in_review.id,
            "shortcoming_task": next(t.id for t in tasks if t.report_item_id == first.id),
            "accepted": suggested[0].id,
            "first_item": next(i.id for i in in_review.items if i.kind == ItemKind.MEASURE and i.position == 1),
            "tasks": [(t.id, t.version) for t in tasks],
        }


def test_an_english_legal_officer_sees_the_report_pages_in_english(client, english, english_reports):
    login(client, "alice@example.gov.cn")
    confirmed, in_review = english_reports["confirmed"], english_reports["in_review"]
    pages = {
        path: _page(client, path)
        for path in (
            "/reports/",
            f"/reports/{in_review}/review",
            f"/reports/{confirmed}/review",
            f"/reports/{confirmed}/assign",
            f"/reports/{confirmed}/links",
            f"/reports/{confirmed}/draft",
            f"/reports/{confirmed}/carry-over",
            f"/tasks/{english_reports['shortcoming_task']}",
        )
    }
    # The draft itself is Chinese content (marked lang="zh-CN"); the page around it is English.
    client.post(
        f"/reports/{confirmed}/draft/generate",
        data={"structure": "source", "csrf_token": csrf_token(client, f"/reports/{confirmed}/draft")},
    )
    for suffix in ("", "?structure=statutory"):
        path = f"/reports/{confirmed}/draft{suffix}"
        pages[path] = _page(client, path)
    pages["diff"] = _page(client, f"/reports/{confirmed}/draft/diff?from=1&to=1")
    for path, page in pages.items():
        _assert_english(page, path)

    listing = pages["/reports/"]
    for text in ("Imported reports", "Import a report", "Awaiting review", "Confirmed", "Assign in bulk"):
        assert text in listing
    assert "<th>Shortcomings</th>" in listing and "Link shortcomings and measures" in listing
    assert "已导入的报告" not in listing and "待审核确认" not in listing

    editable = pages[f"/reports/{in_review}/review"]
    assert "Shortcomings (1 item)" in editable and "Measures for the next stage (2 items)" in editable
    assert "Nothing was found under “Work done and results”. If the report has any, add them below." in editable
    assert '<option value="shortcoming">Shortcomings</option>' in editable
    assert '<option selected value="measure">Measures for the next stage</option>' in editable
    assert "Confirming creates <strong>3</strong> tasks" in editable
    assert "Item 1 · text of 31 characters" in editable and "Item 2 · text of 0 characters" in editable
    for text in ("Move up", "Merge with the next", "Split in two", "Add a missing item", "Issued by"):
        assert text in editable
    assert "存在不足" not in editable and "拆分为两条" not in editable

    done = pages[f"/reports/{confirmed}/review"]
    assert "This report is confirmed: its items can no longer be changed." in done
    assert "Show the text (31 characters)" in done and "Date of the report" in done

    assign = pages[f"/reports/{confirmed}/assign"]
    assert "<th>Lead department</th>" in assign and "<th>Assignment</th>" in assign
    assert '<option selected value="">Please choose</option>' in assign
    assert '<option selected value="normal">Normal</option>' in assign and "Not assigned" in assign
    assert "批量交办" not in assign and "请选择" not in assign

    linking = pages[f"/reports/{confirmed}/links"]
    for text in ("Accepted measures", "Suggested measures", "Rejected (1 measure)", "Unlink", "Link by hand"):
        assert text in linking
    assert re.search(r"Similarity \d+%", linking) and "相似度" not in linking

    task = pages[f"/tasks/{english_reports['shortcoming_task']}"]
    assert "Measures addressing this shortcoming" in task and "Manage links" in task
    assert "针对此不足的工作措施" not in task


def test_an_english_legal_officer_gets_english_messages_on_the_report_pages(client, english, english_reports):
    login(client, "alice@example.gov.cn")
    confirmed, in_review, item = (
        english_reports["confirmed"],
        english_reports["in_review"],
        english_reports["first_item"],
    )
    token = csrf_token(client, "/reports/")

    def post(path: str, data: dict[str, str] | None = None, status: int = 302) -> str:
        response = client.post(path, data={"csrf_token": token, **(data or {})}, follow_redirects=status == 302)
        assert response.status_code == (200 if status == 302 else status), path
        page = response.get_data(as_text=True)
        _assert_english(page, path)
        return page

    page = post(f"/reports/{in_review}/items/{item}/edit", {f"item{item}-title": "", f"item{item}-body": "x"}, 400)
    assert "Some of what you entered is not valid" in page and "Please enter the title." in page
    page = post(f"/reports/{in_review}/items/{item}/move", {"direction": "up"}, 409)
    assert "This is already the first item: it cannot move up." in page
    page = post(f"/reports/{in_review}/items", {"add-kind": "measure", "add-title": "Sweep", "add-position": "9"}, 409)
    assert "The position must be between 1 and 3." in page
    assert "Split in two: “Renew the signs” and “Check them yearly”." in post(
        f"/reports/{in_review}/items/{item}/split"
    )
    assert "Report confirmed: 4 tasks created." in post(f"/reports/{in_review}/confirm")

    rows: dict[str, str] = {}
    for n, (task_id, version) in enumerate(english_reports["tasks"]):
        rows |= {f"rows-{n}-task_id": str(task_id), f"rows-{n}-version": str(version), f"rows-{n}-priority": "normal"}
    half = rows | {"rows-0-lead_department": str(english["patrol"])}
    page = post(f"/reports/{confirmed}/assign", half, 409)
    assert "Some tasks could not be assigned, so none was saved." in page
    assert "Choose a lead department and fill in a deadline, or leave both empty." in page
    page = post(f"/reports/{confirmed}/assign", half | {"rows-0-deadline": "2026-09-30"})
    assert "1 task assigned." in page and "Assigned, awaiting acknowledgement" in page

    decide = f"/reports/{confirmed}/links/{english_reports['accepted']}/decide"
    assert "This link is already accepted." in post(decide, {"decision": "accept"}, 409)
    assert re.search(
        r"Rejected: “[^”]+” does not address “Officers need more training”\.", post(decide, {"decision": "reject"})
    )


def test_timelines_and_recent_activity_name_events_in_the_past_not_by_their_codes(client, english):
    login(client, "alice@example.gov.cn")
    page = _page(client, f"/tasks/{english['main']}")
    assert "<strong>Assigned</strong>" in page and "<strong>Assign</strong>" not in page
    dashboard = _page(client, "/dashboard")
    assert "progress_recorded" not in dashboard and "closure_submitted" not in dashboard
    client.post("/account/language", data={"csrf_token": csrf_token(client, "/account/"), "locale": "zh"})
    chinese = client.get("/dashboard").get_data(as_text=True)
    assert "progress_recorded" not in chinese and "反馈进展" in chinese
