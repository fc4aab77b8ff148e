"""Which step fits which state, for whom: one table (workflow.STEPS). Every step is posted to a task
in every state over HTTP and the answer checked against that table; and in every open state,
with or without a head in the lead department, someone can take the next step."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest

from tests.conftest import csrf_token, login
from tests.factories import FROZEN_NOW, make_task
from tracker.clock import local_today
from tracker.extensions import db
from tracker.models import (
    Assignment,
    ExtensionRequest,
    ExtensionStatus,
    Task,
    TaskState,
    User,
)
from tracker.policy import can
from tracker.services import workflow
from tracker.services.workflow import STEPS, Step

# name: (state, assignment, a pending extension request)
SCENARIOS = {
    "unassigned": (TaskState.NOT_STARTED, Assignment.UNASSIGNED, False),
    "assigned": (TaskState.NOT_STARTED, Assignment.ASSIGNED, False),
    "returned": (TaskState.NOT_STARTED, Assignment.RETURNED, False),
    "acknowledged": (TaskState.NOT_STARTED, Assignment.ACKNOWLEDGED, False),
    "in_progress": (TaskState.IN_PROGRESS, Assignment.ACKNOWLEDGED, False),
    "extension_pending": (TaskState.IN_PROGRESS, Assignment.ACKNOWLEDGED, True),
    "pending_review": (TaskState.CLOSURE_PENDING, Assignment.ACKNOWLEDGED, False),
    "on_hold": (TaskState.ON_HOLD, Assignment.ACKNOWLEDGED, False),
    "done": (TaskState.DONE, Assignment.ACKNOWLEDGED, False),
    "cancelled": (TaskState.CANCELLED, Assignment.ACKNOWLEDGED, False),
}
# What moves each open scenario forward (and who could take it).
NEXT_STEPS = {
    "unassigned": {Step.ASSIGN},
    "assigned": {Step.ACKNOWLEDGE, Step.RETURN, Step.ACKNOWLEDGE_ON_BEHALF},
    "returned": {Step.ASSIGN},
    "acknowledged": {Step.POST_PROGRESS, Step.SUBMIT_CLOSURE, Step.CLOSURE_ON_BEHALF},
    "in_progress": {Step.POST_PROGRESS, Step.SUBMIT_CLOSURE, Step.CLOSURE_ON_BEHALF},
    "extension_pending": {Step.DECIDE_EXTENSION},
    "pending_review": {Step.VERIFY, Step.SEND_BACK},
    "on_hold": {Step.RESUME},
}


def make_scenario(personas, name: str) -> Task:
    state, assignment, pending = SCENARIOS[name]
    task = make_task(
        title=f"场景：{name}",
        state=state,
        assignment=assignment,
        lead_department_id=None if assignment == Assignment.UNASSIGNED else personas.bob_dept.id,
        deadline=date(2026, 6, 30),
        assigned_at=None if assignment == Assignment.UNASSIGNED else FROZEN_NOW,
        acknowledged_at=FROZEN_NOW if assignment == Assignment.ACKNOWLEDGED else None,
    )
    # Every task has an old, decided request, so the decide URL exists even with none pending.
    for status in (ExtensionStatus.REFUSED, *((ExtensionStatus.PENDING,) if pending else ())):
        db.session.add(
            ExtensionRequest(
                task=task,
                reason="前期论证",
                current_deadline=task.deadline,
                requested_deadline=date(2026, 7, 31),
                status=status,
                created_at=FROZEN_NOW,
            )
        )
    db.session.flush()
    return task


def actor_for(step: Step, personas) -> str:
    """Who would take ``step`` if anyone: the legal office, or the lead department's head."""
    action = STEPS[step].action.value
    return (
        "bob"
        if action in {"acknowledge", "assign_staff", "request_extension", "submit_closure", "post_progress"}
        else "alice"
    )


def request_for(step: Step, task: Task, personas) -> tuple[str, dict]:
    """The URL and a valid form for ``step`` on ``task``."""
    today = local_today().isoformat()
    pdf = lambda: (io.BytesIO(b"%PDF-1.4 evidence"), "纪要.pdf")  # noqa: E731
    base = f"/tasks/{task.id}"
    pending = workflow.pending_extension(task)
    request = pending or task.extension_requests[0]
    return {
        Step.EDIT: (f"{base}/edit", {"title": "新名称", "description": "", "version": task.version}),
        Step.ASSIGN: (
            f"{base}/assign",
            {
                "lead_department": personas.bob_dept.id,
                "deadline": "2026-09-30",
                "priority": "normal",
                "version": task.version,
            },
        ),
        Step.SET_REMINDERS: (f"{base}/reminders", {"lead_workdays": "5"}),
        Step.ACKNOWLEDGE: (f"{base}/acknowledge", {}),
        Step.RETURN: (f"{base}/return", {"reason": "不属于本单位职责"}),
        Step.ASSIGN_STAFF: (f"{base}/staff", {"assignee": personas.carol.id}),
        Step.POST_PROGRESS: (f"{base}/progress", {"percent": "50", "text": "推进中"}),
        Step.REQUEST_EXTENSION: (f"{base}/extension", {"new_deadline": "2026-12-31", "reason": "需协调"}),
        Step.DECIDE_EXTENSION: (f"/extensions/{request.id}/decide", {"decision": "approve", "note": ""}),
        Step.SUBMIT_CLOSURE: (f"{base}/closure", {"summary": "已完成", "files": pdf()}),
        Step.VERIFY: (f"{base}/verify", {}),
        Step.SEND_BACK: (f"{base}/send-back", {"reason": "佐证不足"}),
        Step.HOLD: (f"{base}/hold", {"reason": "等待部署"}),
        Step.RESUME: (f"{base}/resume", {}),
        Step.CANCEL: (f"{base}/cancel", {"reason": "职能调整"}),
        Step.URGE: (f"{base}/urge", {"message": "请加快进度"}),
        Step.LOG_URGE: (f"{base}/chases", {"method": "phone", "happened_on": today, "note": "已电话督促"}),
        Step.ADD_MILESTONE: (f"{base}/milestones", {"title": "完成调研", "deadline": "2026-06-20"}),
        Step.ACKNOWLEDGE_ON_BEHALF: (f"{base}/on-behalf/acknowledge", {"on_behalf_note": "电话确认同意承办"}),
        Step.EXTENSION_ON_BEHALF: (
            f"{base}/on-behalf/extension",
            {"new_deadline": "2026-12-31", "reason": "需协调", "on_behalf_note": "受其委托"},
        ),
        Step.CLOSURE_ON_BEHALF: (
            f"{base}/on-behalf/closure",
            {"summary": "已完成", "files": pdf(), "on_behalf_note": "受其委托"},
        ),
    }[step]


@pytest.mark.parametrize("scenario", list(SCENARIOS))
@pytest.mark.parametrize("step", list(Step))
def test_every_step_in_every_state_answers_as_the_table_says(app, client, personas, tmp_path, scenario, step):
    app.config["EVIDENCE_DIR"] = str(tmp_path / "evidence")
    with app.app_context():
        task = make_scenario(personas, scenario)
        db.session.commit()
        who = actor_for(step, personas)
        user = db.session.get(User, getattr(personas, who).id)
        allowed = can(user, STEPS[step].action, task)
        fits = STEPS[step].fits(task)
        url, form = request_for(step, task, personas)
        offered = step in workflow.available_steps(task, user)
        task_id = task.id
    login(client, getattr(personas, who).email)
    response = client.post(
        url, data={**form, "csrf_token": csrf_token(client, f"/tasks/{task_id}")}, content_type="multipart/form-data"
    )
    expected = 302 if allowed and fits else (409 if allowed else 403)
    assert response.status_code == expected, response.get_data(as_text=True)[-2000:]
    assert offered == (allowed and fits)
    if expected == 409:
        assert STEPS[step].refusal in response.get_data(as_text=True)


@pytest.mark.parametrize("scenario", list(NEXT_STEPS))
@pytest.mark.parametrize("with_head", [True, False], ids=["head", "no-head"])
def test_someone_can_always_take_the_next_step(personas, ctx, scenario, with_head):
    if not with_head:
        db.session.get(User, personas.bob.id).is_active = False
    task = make_scenario(personas, scenario)
    people = db.session.query(User).filter(User.is_active.is_(True)).all()
    takers = {(person.email, step) for person in people for step in workflow.available_steps(task, person)}
    forward = {(email, step) for email, step in takers if step in NEXT_STEPS[scenario]}
    assert forward, f"{scenario} without a way forward"
    if not with_head and scenario in {"assigned", "acknowledged", "in_progress"}:
        # Nobody in the department can: the legal office acts on its behalf.
        assert {email for email, _ in forward} <= {"alice@example.gov.cn", "frank@example.gov.cn"}


def test_a_hand_made_post_to_a_closed_task_is_refused_for_every_step(client, personas, app):
    """The steps that once checked no state (指派, 线下催办, 提醒规则) are refused on a done task."""
    with app.app_context():
        task = make_scenario(personas, "done")
        db.session.commit()
        task_id = task.id
        urls = {
            "bob": (f"/tasks/{task_id}/staff", {"assignee": personas.carol.id}),
            "alice": (f"/tasks/{task_id}/chases", {"method": "phone", "happened_on": local_today().isoformat()}),
        }
    for who, (url, form) in urls.items():
        client = app.test_client()
        login(client, getattr(personas, who).email)
        response = client.post(url, data={**form, "csrf_token": csrf_token(client, f"/tasks/{task_id}")})
        assert response.status_code == 409
    response = client.post(
        f"/tasks/{task_id}/reminders",
        data={"lead_workdays": "3", "csrf_token": csrf_token(client, f"/tasks/{task_id}")},
    )
    assert response.status_code == 409 and "不再发送提醒" in response.get_data(as_text=True)


def test_the_task_page_shows_the_buttons_of_the_table_only(client, personas, app):
    with app.app_context():
        task = make_scenario(personas, "pending_review")
        db.session.commit()
        task_id = task.id
    login(client, personas.alice.email)
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert f"/tasks/{task_id}/verify" in page and f"/tasks/{task_id}/send-back" in page
    assert f"/tasks/{task_id}/acknowledge" not in page and f"/tasks/{task_id}/resume" not in page
    client = app.test_client()
    login(client, personas.bob.email)
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert f"/tasks/{task_id}/verify" not in page and f"/tasks/{task_id}/progress" not in page


def test_the_staleness_rule_is_the_policys_for_the_light_and_the_reminder(personas, ctx):
    from tracker.services import deadlines

    since = datetime(2026, 5, 2, 16, 30, tzinfo=UTC)  # 3 May, 00:30 in Shanghai
    assert deadlines.quiet_days(since, date(2026, 6, 2)) == 30
    assert deadlines.is_stale(since, date(2026, 6, 2), 30) and not deadlines.is_stale(since, date(2026, 6, 1), 30)
    # The SQL form agrees with the Python one at the boundary.
    assert since >= deadlines.stale_before(date(2026, 6, 1), 30)
    assert since < deadlines.stale_before(date(2026, 6, 2), 30)
