"""Every hand-off tells the next person, in the app and by mail: a story of alice (legal office),
bob (head of 交警支队, the lead department), carol (staff there) and dave (head of 治安支队)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from tests.factories import FROZEN_NOW, assign_task, make_task, make_user
from tracker.extensions import db
from tracker.models import DraftStructure, ExtensionRequest, Notification, ReminderMode, Role, TaskState
from tracker.services import sign_in_links, workflow
from tracker.services.drafts.versions import Change
from tracker.services.evidence import Upload
from tracker.services.mail import catalogue, messages, planner
from tracker.services.mail.catalogue import MailKind

TODAY = date(2026, 6, 1)
LATER = FROZEN_NOW + timedelta(hours=1)
PDF = Upload("纪要.pdf", "application/pdf", b"%PDF-1.4 evidence")


@pytest.fixture
def people(app, personas, ctx, tmp_path):
    app.config["EVIDENCE_DIR"] = str(tmp_path / "evidence")
    return {name: db.session.get(type(obj), obj.id) for name, obj in vars(personas).items()}


def told(kind: MailKind) -> list[tuple[str, str]]:
    """(recipient, status) of every notification of ``kind``, in order."""
    rows = db.session.execute(
        sa.select(Notification.recipient_email, Notification.status)
        .where(Notification.kind == kind.value)
        .order_by(Notification.id)
    ).all()
    return [(email, status.value) for email, status in rows]


def assign(people, task=None, department="bob_dept", now=FROZEN_NOW):
    task = task or make_task(state=TaskState.NOT_STARTED)
    return assign_task(task, people["alice"], people[department], deadline=TODAY + timedelta(days=30), now=now)


def working(people):
    task = assign(people)
    workflow.acknowledge(task, people["bob"], FROZEN_NOW)
    return task


BOB, CAROL, DAVE, ALICE = "bob@example.gov.cn", "carol@example.gov.cn", "dave@example.gov.cn", "alice@example.gov.cn"


def test_it_tells_the_new_and_the_old_department_of_a_reassignment(people):
    task = assign(people)
    assert told(MailKind.ASSIGNED) == [(BOB, "pending")]
    assign(people, task, department="dave_dept", now=LATER)
    assert told(MailKind.ASSIGNED) == [(BOB, "pending"), (DAVE, "pending")]
    assert told(MailKind.REASSIGNED) == [(BOB, "pending")]


def test_it_tells_the_legal_office_of_an_acknowledgement(people):
    working(people)
    assert told(MailKind.ACKNOWLEDGED) == [(ALICE, "pending")]


def test_a_digest_user_gets_the_acknowledgement_in_the_digest_only(people):
    people["alice"].reminder_mode = ReminderMode.DIGEST
    task = working(people)
    assert told(MailKind.ACKNOWLEDGED) == [(ALICE, "held")]  # in her 通知 now, not mailed alone
    task.deadline = TODAY + timedelta(days=2)
    db.session.commit()
    planner.queue_due(FROZEN_NOW)  # Monday 1 June 2026, 09:00: the week's digest
    digest = db.session.scalar(
        sa.select(Notification).where(Notification.kind == "digest", Notification.recipient_id == people["alice"].id)
    )
    assert "【签收】" in digest.body_text and task.title in digest.body_text
    assert told(MailKind.ACKNOWLEDGED) == [(ALICE, "digested")]


@pytest.mark.parametrize("kind", [k for k, entry in catalogue.CATALOGUE.items() if not entry.can_digest])
def test_a_kind_that_cannot_wait_goes_at_once_even_to_a_digest_user(kind):
    assert not catalogue.goes_to_digest(kind, mode_is_digest=True)


def test_it_tells_the_member_of_staff_a_task_was_handed_to(people):
    task = working(people)
    workflow.assign_staff(task, people["bob"], people["carol"], LATER)
    assert told(MailKind.STAFF_ASSIGNED) == [(CAROL, "pending")]


def test_it_tells_the_legal_office_of_an_extension_request_and_the_department_of_the_decision(people):
    task = working(people)
    workflow.assign_staff(task, people["bob"], people["carol"], LATER)
    request = workflow.request_extension(
        task, people["bob"], new_deadline=TODAY + timedelta(days=60), reason="等待批复", now=LATER
    )
    assert told(MailKind.EXTENSION_REQUESTED) == [(ALICE, "pending")]
    workflow.decide_extension(request, people["alice"], approve=False, note="理由不充分", now=LATER)
    assert told(MailKind.EXTENSION_REFUSED) == [(BOB, "pending")]  # the applicant, who is also the head
    mail = db.session.scalar(sa.select(Notification).where(Notification.kind == "extension_refused"))
    assert "理由：理由不充分" in mail.body_text and f"/tasks/{task.id}" in mail.body_text


def test_it_tells_the_applicant_and_the_heads_of_an_approved_extension(people):
    task = working(people)
    second_head = make_user(Role.HEAD, email="bob2@example.gov.cn", department=people["bob_dept"])
    request = workflow.request_extension(
        task, people["bob"], new_deadline=TODAY + timedelta(days=60), reason="等待批复", now=LATER
    )
    workflow.decide_extension(request, people["alice"], approve=True, note="", now=LATER)
    assert told(MailKind.EXTENSION_APPROVED) == [(BOB, "pending"), (second_head.email, "pending")]


def test_it_tells_the_legal_office_of_a_closure_and_the_department_of_the_verdict(people):
    task = working(people)
    workflow.assign_staff(task, people["bob"], people["carol"], LATER)
    workflow.submit_closure(task, people["bob"], summary="已完成", files=[PDF], now=LATER)
    assert told(MailKind.CLOSURE_SUBMITTED) == [(ALICE, "pending")]
    workflow.send_back(task, people["alice"], "佐证不足", LATER)
    assert told(MailKind.SENT_BACK) == [(BOB, "pending"), (CAROL, "pending")]
    workflow.submit_closure(task, people["bob"], summary="补充了材料", files=[PDF], now=LATER + timedelta(minutes=5))
    workflow.verify_closure(task, people["alice"], LATER + timedelta(minutes=6))
    assert told(MailKind.CLOSURE_VERIFIED) == [(BOB, "pending"), (CAROL, "pending")]


@pytest.mark.parametrize(
    ("steps", "kind"),
    [
        ((("put_on_hold", "等待上级部署"),), MailKind.PUT_ON_HOLD),
        ((("put_on_hold", "等待上级部署"), ("resume", None)), MailKind.RESUMED),
        ((("cancel", "职能调整"),), MailKind.CANCELLED),
    ],
)
def test_it_tells_the_department_when_a_task_is_held_resumed_or_cancelled(people, steps, kind):
    task = working(people)
    for minute, (name, reason) in enumerate(steps):
        args = (task, people["alice"], reason) if reason else (task, people["alice"])
        getattr(workflow, name)(*args, LATER + timedelta(minutes=minute))
    assert told(kind) == [(BOB, "pending")]


def test_nobody_is_told_of_their_own_step(people):
    task = assign(people)
    workflow.acknowledge(task, people["alice"], FROZEN_NOW, on_behalf_note="电话确认交警支队同意承办")
    assert told(MailKind.ACKNOWLEDGED) == []  # alice acted for the department; she is the legal office
    workflow.assign_staff(task, people["bob"], people["bob"], LATER)
    assert told(MailKind.STAFF_ASSIGNED) == []


def test_a_repeated_step_is_told_once(people):
    task = working(people)
    mails = workflow.messages.acknowledged(task, people["bob"], "", FROZEN_NOW)
    assert workflow.outbox.queue(mails, FROZEN_NOW) == 0  # the same key as the one queued by the step
    assert told(MailKind.ACKNOWLEDGED) == [(ALICE, "pending")]


def test_every_notification_links_to_its_task_at_the_configured_address(app, people, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", "https://dbtz.example.gov.cn/")
    task = working(people)
    bodies = db.session.scalars(sa.select(Notification.body_text)).all()
    assert bodies and all(f"https://dbtz.example.gov.cn/tasks/{task.id}" in body for body in bodies)
    html = db.session.scalars(sa.select(Notification.body_html)).all()
    assert all(f'href="https://dbtz.example.gov.cn/tasks/{task.id}"' in part for part in html)


def every_kind_of_mail(people) -> dict[MailKind, messages.Message]:
    """One mail of each kind, made by the function that makes it in use (the planned ones with
    what the planner tells them)."""
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    deadline = date(2026, 12, 4)
    task = make_task(title="规范交通执法", lead_department_id=people["bob_dept"].id, assignee_id=carol.id)
    task.deadline = deadline
    request = ExtensionRequest(
        task=task, requested_by=bob, reason="等待批复", current_deadline=deadline, requested_deadline=date(2027, 1, 4)
    )
    db.session.add(request)
    made = [
        *messages.assigned(task, people["bob_dept"], alice, FROZEN_NOW),
        *messages.reassigned(task, people["bob_dept"], alice, FROZEN_NOW),
        *messages.acknowledged(task, bob, "", FROZEN_NOW),
        *messages.returned(task, bob, "非本单位职责", FROZEN_NOW),
        *messages.staff_assigned(task, carol, bob, FROZEN_NOW),
        *messages.extension_requested(request, bob, ""),
        *messages.extension_decided(request, alice, approved=True),
        *messages.extension_decided(request, alice, approved=False),
        *messages.closure_submitted(task, bob, "已完成", "", FROZEN_NOW),
        *messages.closure_verified(task, alice, FROZEN_NOW),
        *messages.sent_back(task, alice, "佐证不足"),
        *messages.urge(task, alice, "请于本周内办结。", TODAY),
    ]
    for kind in (MailKind.PUT_ON_HOLD, MailKind.RESUMED, MailKind.CANCELLED):
        made += messages.state_changed(kind, task, alice, "等待上级部署", FROZEN_NOW)

    about, due = messages.ref(task), messages.cn_date(deadline)
    said = {"deadline": due, "left": 3, "late": 2, "quiet": 30, "department": "交警支队", "assigned_on": due}
    for kind in (MailKind.CHASE_ACKNOWLEDGEMENT, *catalogue.DEADLINE_KINDS):
        made.append(messages.reminder(kind, about, bob, "key", **said))
    items = [messages.ListItem(kind, about, deadline, f"完成时限{due}") for kind in catalogue.DEADLINE_KINDS]
    made.append(messages.reminder_list(bob, items, "batch"))
    made += messages.digest(bob, "2026-W23", "本部门有1项督办任务在办", [f"规范交通执法（完成时限{due}）"], 0, [])

    report = SimpleNamespace(title="2025年法治政府建设年度报告")
    draft = SimpleNamespace(id=1, report_id=7, report=report, structure=DraftStructure.STATUTORY)
    change = Change(updated=["（一）依法全面履行职能"])
    made += messages.draft_rollup(draft, SimpleNamespace(number=3), change, "法定五部分结构")
    for kind in (MailKind.PASSWORD_SETUP, MailKind.PASSWORD_RESET):
        made += messages.password_link(kind, bob, 1, sign_in_links.link_url("one-time-token"), 72)
    return {mail.kind: mail for mail in made}


def test_every_kind_of_mail_links_where_its_reader_acts_at_the_configured_address(app, people, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", "https://dbtz.example.gov.cn/")
    mails = every_kind_of_mail(people)
    assert set(mails) == set(catalogue.CATALOGUE)
    routes = app.url_map.bind("dbtz.example.gov.cn")
    for kind, mail in mails.items():
        text_links = re.findall(r"https?://\S+", mail.body_text)
        html_links = re.findall(r'href="(https?://[^"]+)"', mail.body_html)
        assert text_links and html_links, kind
        for link in {*text_links, *html_links}:
            assert link.startswith("https://dbtz.example.gov.cn/"), (kind, link)
            routes.match(urlsplit(link).path)  # a page of the app: raises NotFound otherwise
    assert "完成时限2026年12月4日" in mails[MailKind.ASSIGNED].body_text  # dates as documents write them
    assert "https://dbtz.example.gov.cn/my" in mails[MailKind.DIGEST].body_text


def test_the_catalogue_names_every_kind_and_has_templates_for_each(app):
    kinds = {kind.value for kind in MailKind}
    assert kinds == {row["kind"] for row in catalogue.as_rows()}
    templates = set(app.jinja_env.list_templates())
    assert all({f"email/{kind}.txt", f"email/{kind}.html"} <= templates for kind in kinds)


def test_the_mail_kinds_command_prints_the_catalogue(runner):
    import json

    result = runner.invoke(args=["mail-kinds", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert {tuple(sorted(row)) for row in rows} == {("can_digest", "kind", "recipients", "timing", "trigger")}
    by_kind = {row["kind"]: row for row in rows}
    wanted = {
        "assigned", "reassigned", "acknowledged", "returned", "staff_assigned", "extension_requested",
        "extension_approved", "extension_refused", "closure_submitted", "closure_verified", "sent_back",
        "put_on_hold", "resumed", "cancelled", "urge", "chase_acknowledgement", "digest",
    }  # fmt: skip
    assert wanted <= set(by_kind)
    assert by_kind["acknowledged"]["can_digest"] and not by_kind["returned"]["can_digest"]


def test_a_deactivated_person_is_not_told(people):
    people["alice"].is_active = False
    working(people)
    assert told(MailKind.ACKNOWLEDGED) == []


def test_the_readme_lists_every_kind_of_mail():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert all(f"| `{kind.value}` |" in readme for kind in MailKind)
