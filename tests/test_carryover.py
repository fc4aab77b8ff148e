"""The next cycle (结转): the unfinished tasks of the 2020 report carried on by the measures of the
2021 report, through the service and over HTTP. alice runs the legal office; bob heads 交警支队,
which leads the 2020 training measure."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.test import TestResponse

from tests.conftest import count_queries, csrf_token, login
from tests.factories import FROZEN_NOW, Personas, make_department, make_seed_report, make_task
from tracker.extensions import db
from tracker.models import (
    AuditEvent,
    ItemKind,
    ReportItem,
    ReportStatus,
    SourceReport,
    Task,
    TaskState,
    User,
)
from tracker.services import carryover, review

FORBIDDEN = "您没有执行此操作的权限"
OLD_TRAINING = "加强培训，增强法治意识"  # 2020, in progress at 60%
OLD_PATROL = "强化巡查，提升执法质量"  # 2020, on hold
OLD_RULES = "完善制度，促进依法行政"  # 2020, done
NEW_TRAINING = "持续加强执法培训，增强民警法治意识"
NEW_PLATFORM = "推进智慧办案平台建设"
NEW_SERVICE = "深化政务服务改革"
MEASURES_2021 = [
    (NEW_PLATFORM, "逐步部署智慧办案平台，升级改造执法办案场所。"),
    (NEW_TRAINING, "组织法律知识竞赛和旁听庭审，把法治理念贯穿于民警教育培训，提高依法办案能力。"),
    (NEW_SERVICE, "推动审批服务变革，打造营商环境。"),
]
LATER = timedelta(days=365)


# --- the scene -------------------------------------------------------------------------------------------


def make_report(year: int, measures: list[tuple[str, str]], actor: User, *, confirm: bool = True) -> SourceReport:
    """A small report of ``year`` with one shortcoming and these measures (title, body), imported
    a year after the previous one and, unless told otherwise, confirmed into tasks."""
    title = f"市公安局{year}年法治政府建设年度报告"
    report = SourceReport(
        title=title,
        issuer="汕头市公安局",
        year=year,
        original_filename=f"{year}.txt",
        original_text=title,
        content_sha256=hashlib.sha256(title.encode()).hexdigest(),
        created_at=FROZEN_NOW + (year - 2020) * LATER,
    )
    report.items.append(
        ReportItem(kind=ItemKind.SHORTCOMING, number_label="一是", title="执法培训仍需加强", position=1)
    )
    for position, (measure, body) in enumerate(measures, start=1):
        label = f"（{'一二三四五六七八九十'[position - 1]}）" if position <= 10 else f"{position}."
        report.items.append(
            ReportItem(kind=ItemKind.MEASURE, number_label=label, title=measure, body=body, position=position)
        )
    db.session.add(report)
    db.session.flush()
    if confirm:
        review.confirm(report, actor, now=report.created_at)
    return report


def task_titled(report: SourceReport | int, title: str) -> Task:
    report_id = report if isinstance(report, int) else report.id
    return db.session.scalar(sa.select(Task).where(Task.report_id == report_id, Task.title == title))


@dataclass
class Scene:
    old_report: int
    new_report: int
    old_training: int
    old_patrol: int
    new_training: int
    new_platform: int


@pytest.fixture
def scene(app: Flask, personas: Personas) -> Scene:
    """The seed report of 2020 confirmed: the training measure in progress (60%, led by bob's
    department, due 2021-06-30), the patrol measure on hold (30%), one measure cancelled, every
    other task done. The 2021 report confirmed with three measures, none carrying anything yet."""
    with app.app_context():
        alice = db.session.get(User, personas.alice.id)
        old = make_seed_report(imported_by=alice)
        review.confirm(old, alice, now=FROZEN_NOW)
        for task in db.session.scalars(sa.select(Task).where(Task.report_id == old.id)):
            task.state = TaskState.DONE
            task.percent_done = 100
        training = task_titled(old, OLD_TRAINING)
        training.state, training.percent_done = TaskState.IN_PROGRESS, 60
        training.lead_department_id, training.deadline = personas.bob_dept.id, date(2021, 6, 30)
        patrol = task_titled(old, OLD_PATROL)
        patrol.state, patrol.percent_done = TaskState.ON_HOLD, 30
        task_titled(old, "实行警务公开，增强执法透明度").state = TaskState.CANCELLED
        new = make_report(2021, MEASURES_2021, alice)
        db.session.commit()
        return Scene(
            old_report=old.id,
            new_report=new.id,
            old_training=training.id,
            old_patrol=task_titled(old, OLD_PATROL).id,
            new_training=task_titled(new, NEW_TRAINING).id,
            new_platform=task_titled(new, NEW_PLATFORM).id,
        )


def alice_of(personas: Personas) -> User:
    return db.session.get(User, personas.alice.id)


def carry(personas: Personas, old_id: int, new_id: int) -> None:
    carryover.carry_over(db.session.get(Task, old_id), db.session.get(Task, new_id), alice_of(personas), FROZEN_NOW)


# --- which tasks are offered -----------------------------------------------------------------------------


def test_it_offers_only_the_unfinished_tasks_of_the_earlier_report(ctx, scene):
    found = carryover.candidates(db.session.get(SourceReport, scene.new_report))

    assert [c.task.title for c in found] == [OLD_TRAINING, OLD_PATROL]
    assert carryover.count_candidates(db.session.get(SourceReport, scene.new_report)) == 2


def test_it_offers_only_the_same_issuers_reports(ctx, personas, scene):
    other = make_report(2020, [("另一机关的措施", "")], alice_of(personas))
    other.issuer = "潮州市公安局"
    stranger = task_titled(other, "另一机关的措施")
    new = db.session.get(SourceReport, scene.new_report)

    assert [c.task.title for c in carryover.candidates(new)] == [OLD_TRAINING, OLD_PATROL]
    assert carryover.count_candidates(new) == 2
    new.issuer = "汕头市　公安局 "  # spaces, a full-width one too, make no other issuer
    assert carryover.count_candidates(new) == 2
    with pytest.raises(carryover.CarryOverError) as refusal:
        carry(personas, stranger.id, scene.new_training)
    assert "不属于本单位更早年度已确认的报告" in refusal.value.message


def test_it_offers_nothing_to_the_earlier_report(ctx, scene):
    old = db.session.get(SourceReport, scene.old_report)

    assert carryover.candidates(old) == []
    assert carryover.count_candidates(old) == 0


def test_it_suggests_the_most_similar_measure_first(ctx, scene):
    training, patrol = carryover.candidates(db.session.get(SourceReport, scene.new_report))

    assert training.ranked[0][0].title == NEW_TRAINING
    assert training.ranked[0][1] >= carryover.MIN_SUGGESTED_SCORE
    assert training.suggestion.title == NEW_TRAINING
    assert [measure.title for measure, _score in training.ranked] == [NEW_TRAINING, NEW_PLATFORM, NEW_SERVICE]
    assert patrol.suggestion is None  # nothing in 2021 is about patrols


def test_it_suggests_a_measure_for_one_old_task_only(ctx, personas, scene):
    """Two old tasks close to the same measure: the closer one gets it, the other no suggestion."""
    echo = make_task(report_id=scene.old_report, kind=ItemKind.MEASURE, title="加强培训", description="民警教育培训")

    found = {c.task.id: c for c in carryover.candidates(db.session.get(SourceReport, scene.new_report))}

    assert found[scene.old_training].suggestion.title == NEW_TRAINING
    assert found[echo.id].ranked[0][0].title == NEW_TRAINING
    assert found[echo.id].suggestion is None


# --- carrying over ---------------------------------------------------------------------------------------


def test_it_carries_a_task_over_and_leaves_the_old_one_as_it_was(ctx, personas, scene):
    old = db.session.get(Task, scene.old_training)
    version, updated_at = old.version, old.updated_at

    carry(personas, scene.old_training, scene.new_training)
    db.session.commit()

    new = db.session.get(Task, scene.new_training)
    assert new.carried_from_id == old.id and new.carried_from is old
    assert (old.state, old.percent_done, old.version, old.updated_at) == (
        TaskState.IN_PROGRESS,
        60,
        version,
        updated_at,
    )
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "task_carried_over")).all()
    assert {
        (e.object_id, tuple(e.before), e.after.get("carried_from_id"), e.after.get("carried_to_id")) for e in events
    } == {
        (new.id, ("carried_from_id",), old.id, None),
        (old.id, ("carried_to_id",), None, new.id),
    }
    report = db.session.get(SourceReport, scene.new_report)
    assert [c.task.title for c in carryover.candidates(report)] == [OLD_PATROL]
    assert NEW_TRAINING not in [m.title for m, _score in carryover.candidates(report)[0].ranked]


def test_it_refuses_to_carry_the_same_task_twice(ctx, personas, scene):
    carry(personas, scene.old_training, scene.new_training)

    with pytest.raises(carryover.CarryOverError) as refusal:
        carry(personas, scene.old_training, scene.new_platform)

    assert refusal.value.message == f"“{OLD_TRAINING}”已结转至“{NEW_TRAINING}”，不能重复结转。"
    assert db.session.get(Task, scene.new_platform).carried_from_id is None


def test_it_refuses_a_second_task_for_a_measure(ctx, personas, scene):
    carry(personas, scene.old_training, scene.new_training)

    with pytest.raises(carryover.CarryOverError) as refusal:
        carry(personas, scene.old_patrol, scene.new_training)

    assert "一项措施只能延续一项任务" in refusal.value.message


def test_it_refuses_a_task_of_a_report_in_review(ctx, personas, scene):
    draft = make_report(2022, [("再加强培训", "")], alice_of(personas), confirm=False)
    loose = make_task(report_id=draft.id, kind=ItemKind.MEASURE, title="再加强培训")

    with pytest.raises(carryover.CarryOverError) as refusal:
        carry(personas, scene.old_training, loose.id)

    assert (
        refusal.value.message
        == "《市公安局2022年法治政府建设年度报告》尚未确认，不能结转任务。请先审核并确认报告条目。"
    )
    assert draft.status == ReportStatus.IN_REVIEW and carryover.candidates(draft) == []


@pytest.mark.parametrize(
    ("old_title", "new_title", "message"),
    [
        (OLD_RULES, NEW_TRAINING, f"“{OLD_RULES}”已办结或已撤销，无需结转。"),
        (NEW_TRAINING, OLD_TRAINING, "不属于本单位更早年度已确认的报告"),
        (OLD_TRAINING, "执法培训仍需加强", "只能结转到年度报告的工作措施任务。"),
    ],
    ids=["finished", "backwards", "to a shortcoming"],
)
def test_it_refuses_what_does_not_fit(ctx, personas, scene, old_title, new_title, message):
    def find(title: str) -> Task:
        return db.session.scalar(sa.select(Task).where(Task.title == title))

    with pytest.raises(carryover.CarryOverError) as refusal:
        carryover.carry_over(find(old_title), find(new_title), alice_of(personas), FROZEN_NOW)

    assert message in refusal.value.message


def test_it_follows_the_history_over_three_years(ctx, personas, scene):
    carry(personas, scene.old_training, scene.new_training)
    newest = make_report(2022, [("巩固执法培训成果", "")], alice_of(personas))
    latest = task_titled(newest, "巩固执法培训成果")
    carry(personas, scene.new_training, latest.id)
    db.session.commit()

    chain = carryover.history(latest)

    assert [t.id for t in chain] == [scene.old_training, scene.new_training]
    assert [t.report.year for t in chain] == [2020, 2021]
    assert carryover.history(db.session.get(Task, scene.old_training)) == []
    assert carryover.carried_to(db.session.get(Task, scene.old_training)).id == scene.new_training
    assert carryover.carried_to(latest) is None


# --- the page --------------------------------------------------------------------------------------------


def page_of(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def url_of(scene: Scene) -> str:
    return f"/reports/{scene.new_report}/carry-over"


def row_of(page: str, task_id: int) -> str:
    start = page.index(f'id="carry-{task_id}"')
    return page[start : page.index("</tr>", start)]


def selected_value(row: str) -> str:
    return re.search(r'<option value="(\d*)" selected>', row).group(1)


def carried_from(app: Flask, task_id: int) -> int | None:
    with app.app_context():
        return db.session.get(Task, task_id).carried_from_id


def test_it_lists_the_candidates_with_the_suggestion_preselected(client, personas, scene):
    login(client, personas.alice.email)

    page = page_of(client.get(url_of(scene)))

    # Grouped by report: the report's name heads its rows, once.
    heading = (
        '<tr class="group-row"><th colspan="6" scope="colgroup">'
        "2020年度《市公安局2020年法治政府建设年度报告》</th></tr>"
    )
    assert page.count(heading) == 1 and page.index(heading) < page.index(f'id="carry-{scene.old_training}"')
    training = row_of(page, scene.old_training)
    assert OLD_TRAINING in training and f"（二）{OLD_TRAINING}" not in training and "交警支队" in training
    assert "进行中" in training and "60%" in training and "2021年6月30日" in training
    assert selected_value(training) == str(scene.new_training)
    assert "不结转" in training
    patrol = row_of(page, scene.old_patrol)
    assert "暂缓" in patrol and selected_value(patrol) == ""
    assert OLD_RULES not in page


def test_it_saves_the_chosen_pairs(app, client, personas, scene):
    login(client, personas.alice.email)
    token = csrf_token(client, url_of(scene))

    response = client.post(
        url_of(scene),
        data={
            "csrf_token": token,
            f"carry-{scene.old_training}": str(scene.new_training),
            f"carry-{scene.old_patrol}": str(scene.new_platform),
        },
    )

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/reports/{scene.new_report}/review")
    assert "已结转2项任务。" in page_of(client.get(response.headers["Location"]))
    assert carried_from(app, scene.new_training) == scene.old_training
    assert carried_from(app, scene.new_platform) == scene.old_patrol


def test_it_saves_nothing_when_one_pair_is_refused(app, client, personas, scene):
    login(client, personas.alice.email)
    token = csrf_token(client, url_of(scene))

    response = client.post(
        url_of(scene),
        data={
            "csrf_token": token,
            f"carry-{scene.old_training}": str(scene.new_training),
            f"carry-{scene.old_patrol}": str(scene.new_training),
        },
    )

    assert response.status_code == 409
    page = page_of(response)
    assert f"“{NEW_TRAINING}”已延续“{OLD_TRAINING}”，一项措施只能延续一项任务。" in page
    assert selected_value(row_of(page, scene.old_patrol)) == str(scene.new_training)  # as the user chose
    assert carried_from(app, scene.new_training) is None


def test_it_links_to_the_page_from_the_report_pages(client, personas, scene):
    login(client, personas.alice.email)

    for path in (f"/reports/{scene.new_report}/review", f"/reports/{scene.new_report}/assign"):
        assert "结转上一年度未完成任务（2项）" in page_of(client.get(path)), path
    assert "结转上一年度未完成任务" not in page_of(client.get(f"/reports/{scene.old_report}/review"))


def test_it_asks_to_confirm_a_report_in_review_first(app, client, personas, scene):
    with app.app_context():
        draft = make_report(2022, [("再加强培训", "")], alice_of(personas), confirm=False)
        db.session.commit()
        draft_id = draft.id
    login(client, personas.alice.email)

    response = client.get(f"/reports/{draft_id}/carry-over", follow_redirects=True)

    assert response.status_code == 200
    assert "请先审核并确认报告条目，生成督办任务后再结转上一年度的任务。" in page_of(response)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_it_refuses_the_page_to_a_head(app, client, personas, scene, method):
    login(client, personas.bob.email)

    if method == "GET":
        response = client.get(url_of(scene))
    else:
        response = client.post(
            url_of(scene),
            data={"csrf_token": csrf_token(client, "/my"), f"carry-{scene.old_training}": str(scene.new_training)},
        )

    assert response.status_code == 403
    assert FORBIDDEN in page_of(response)
    assert carried_from(app, scene.new_training) is None


def test_it_refuses_a_post_without_the_csrf_token(app, client, personas, scene):
    login(client, personas.alice.email)

    response = client.post(url_of(scene), data={f"carry-{scene.old_training}": str(scene.new_training)})

    assert response.status_code == 400
    assert carried_from(app, scene.new_training) is None


def test_it_shows_where_a_task_came_from_and_went_on_the_task_pages(app, client, personas, scene):
    with app.app_context():
        carry(personas, scene.old_training, scene.new_training)
        db.session.commit()
    login(client, personas.alice.email)

    newer = page_of(client.get(f"/tasks/{scene.new_training}"))
    older = page_of(client.get(f"/tasks/{scene.old_training}"))

    assert "延续自：" in newer
    assert f"2020年度《市公安局2020年法治政府建设年度报告》 {OLD_TRAINING}</a>" in newer
    assert "（进行中，已完成60%）" in newer
    assert f'href="/tasks/{scene.old_training}"' in newer
    assert "已结转至：" in older
    assert f"2021年度《市公安局2021年法治政府建设年度报告》 {NEW_TRAINING}</a>" in older
    assert "延续自：" not in older


def test_it_reads_the_page_in_the_same_number_of_queries_at_two_sizes(app, client, personas, scene):
    login(client, personas.alice.email)
    client.get(url_of(scene))  # warm up: the session, the calendar, the templates
    with count_queries(app) as small:
        assert client.get(url_of(scene)).status_code == 200
    with app.app_context():
        for n in range(5):
            make_task(
                report_id=scene.old_report,
                kind=ItemKind.MEASURE,
                title=f"旧任务{n}",
                lead_department_id=make_department().id,
            )
            make_task(report_id=scene.new_report, kind=ItemKind.MEASURE, title=f"新措施{n}")
        db.session.commit()

    with count_queries(app) as large:
        page = page_of(client.get(url_of(scene)))

    assert page.count('id="carry-') == 7
    assert len(large) == len(small), "\n".join(large)
