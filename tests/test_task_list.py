"""The task list: every filter, the search, sorting, paging, the filter kept in the URL, scope,
bad input, and a query count that does not grow with the rows."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import count_queries, login
from tests.factories import FROZEN_NOW, make_seed_report, make_task
from tracker.extensions import db
from tracker.models import ItemKind, ProgressUpdate, Task, TaskState, User
from tracker.services import task_query
from tracker.services.task_query import TaskFilter
from tracker.services.workdays import WorkCalendar

TODAY = date(2026, 6, 1)


@pytest.fixture()
def tasks(app, personas):
    with app.app_context():
        report = make_seed_report()
        traffic, order = personas.bob_dept.id, personas.dave_dept.id
        ids = {
            "training": make_task(
                title="加强执法培训",
                lead_department_id=traffic,
                assignee_id=personas.carol.id,
                kind=ItemKind.MEASURE,
                report_id=report.id,
                deadline=date(2026, 5, 20),  # overdue
            ).id,
            "publicity": make_task(
                title="推进政务公开",
                description="按季度公开执法数据，100%覆盖",
                lead_department_id=order,
                kind=ItemKind.SHORTCOMING,
                report_id=report.id,
                deadline=date(2026, 6, 3),  # yellow
                state=TaskState.NOT_STARTED,
            ).id,
            "archive": make_task(
                title="整理执法档案",
                lead_department_id=traffic,
                deadline=date(2026, 9, 30),  # green, by hand
            ).id,
            "closed": make_task(
                title="清理规范性文件",
                lead_department_id=order,
                kind=ItemKind.MEASURE,
                report_id=report.id,
                deadline=date(2026, 4, 30),
                state=TaskState.DONE,
            ).id,
        }
        db.session.add(
            ProgressUpdate(task_id=ids["archive"], percent_done=20, text="已完成卷宗摸底调查", created_at=FROZEN_NOW)
        )
        db.session.commit()
        ids["report"] = report.id
        return ids


def _ids(app, personas, who: str = "alice", **wanted: object) -> list[int]:
    with app.app_context():
        user = db.session.get(User, getattr(personas, who).id)
        page = task_query.page_of(user, TaskFilter(**wanted), 1, TODAY, WorkCalendar.load())
        return [t.id for t in page.tasks]


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        ({}, ["training", "publicity", "archive", "closed"]),  # red, yellow, green, grey
        ({"state": TaskState.NOT_STARTED}, ["publicity"]),
        ({"light": "red"}, ["training"]),
        ({"light": "yellow"}, ["publicity"]),
        ({"light": "green"}, ["archive"]),
        ({"light": "grey"}, ["closed"]),
        ({"kind": "measure"}, ["training", "closed"]),
        ({"kind": "shortcoming"}, ["publicity"]),
        ({"kind": "manual"}, ["archive"]),
        ({"deadline_from": date(2026, 6, 1), "deadline_to": date(2026, 6, 30)}, ["publicity"]),
        ({"deadline_to": date(2026, 5, 20)}, ["training", "closed"]),
        ({"search": "执法"}, ["training", "publicity", "archive"]),  # titles and a description
        ({"search": "季度公开"}, ["publicity"]),  # a description
        ({"search": "摸底"}, ["archive"]),  # a progress update
        ({"search": "100%"}, ["publicity"]),  # % is a character, not a wildcard
        ({"search": "%"}, ["publicity"]),
        ({"search": "不存在的词"}, []),
        ({"sort": "deadline"}, ["closed", "training", "publicity", "archive"]),
        ({"sort": "-deadline"}, ["archive", "publicity", "training", "closed"]),
    ],
)
def test_each_filter_and_sort(app, personas, tasks, wanted, expected):
    assert _ids(app, personas, **wanted) == [tasks[name] for name in expected]


def test_filters_by_department_report_and_assignee(app, personas, tasks):
    assert _ids(app, personas, department_id=personas.bob_dept.id) == [tasks["training"], tasks["archive"]]
    assert _ids(app, personas, report_id=tasks["report"], light="grey") == [tasks["closed"]]
    assert _ids(app, personas, assignee_id=personas.carol.id) == [tasks["training"]]
    assert _ids(app, personas, department_id=personas.bob_dept.id, search="档案") == [tasks["archive"]]


def test_people_see_only_their_tasks(app, personas, tasks):
    assert _ids(app, personas, "bob") == [tasks["training"], tasks["archive"]]
    assert _ids(app, personas, "dave") == [tasks["publicity"], tasks["closed"]]
    assert _ids(app, personas, "carol") == [tasks["training"]]
    # A filter cannot widen the scope.
    assert _ids(app, personas, "bob", department_id=personas.dave_dept.id) == []


def test_the_page_applies_the_filter_from_the_url(client, personas, tasks, frozen_clock):
    frozen_clock(TODAY)
    login(client, "alice@example.gov.cn")
    page = client.get(f"/tasks?department={personas.bob_dept.id}&q=摸底").get_data(as_text=True)
    assert "整理执法档案" in page and "加强执法培训" not in page
    assert "共 1 项" in page
    # The export links carry the same filter.
    assert re.search(r'href="/tasks/export\.xlsx\?[^"]*department=\d+[^"]*q=%E6%91%B8%E5%BA%95', page)
    page = client.get("/tasks?light=red").get_data(as_text=True)
    assert "加强执法培训" in page and "整理执法档案" not in page


def test_a_wrong_date_is_explained_and_the_other_filters_still_apply(client, personas, tasks):
    login(client, "alice@example.gov.cn")
    response = client.get("/tasks?deadline_from=2026-13-45&kind=shortcoming")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "“2026-13-45”不是有效的日期" in page
    assert "推进政务公开" in page and "加强执法培训" not in page


def test_nonsense_values_are_ignored(client, personas, tasks):
    login(client, "alice@example.gov.cn")
    response = client.get("/tasks?state=nonsense&light=purple&department=abc&sort=drop%20table&page=-3")
    assert response.status_code == 200
    assert "共 4 项" in response.get_data(as_text=True)


def test_pages_keep_the_filter_and_a_page_past_the_end_shows_the_last(app, client, personas):
    with app.app_context():
        for n in range(120):
            make_task(title=f"巡查任务{n:03d}", lead_department_id=personas.bob_dept.id, deadline=date(2026, 7, 1))
        make_task(title="别的任务", lead_department_id=personas.dave_dept.id)
        db.session.commit()
    login(client, "alice@example.gov.cn")
    base = f"/tasks?department={personas.bob_dept.id}&sort=title"
    first = client.get(base).get_data(as_text=True)
    assert "巡查任务000" in first and "巡查任务049" in first and "巡查任务050" not in first
    assert "第 1 / 3 页" in first
    assert f'href="/tasks?page=2&amp;department={personas.bob_dept.id}&amp;sort=title"' in first
    third = client.get(base + "&page=3").get_data(as_text=True)
    assert "巡查任务100" in third and "巡查任务119" in third and "巡查任务099" not in third
    assert "巡查任务119" in client.get(base + "&page=99").get_data(as_text=True)


def test_every_signed_in_user_has_the_list_and_anonymous_visitors_sign_in(client, personas, tasks):
    assert client.get("/tasks").status_code == 302
    login(client, "carol@example.gov.cn")
    page = client.get("/tasks").get_data(as_text=True)
    assert "加强执法培训" in page and "推进政务公开" not in page


def test_the_list_runs_the_same_queries_for_few_and_many_tasks(app, client, personas):
    login(client, "alice@example.gov.cn")

    def add(n: int) -> None:
        with app.app_context():
            for i in range(n):
                task = make_task(
                    lead_department_id=personas.bob_dept.id,
                    assignee_id=personas.carol.id,
                    deadline=date(2026, 5, 1) + timedelta(days=i),
                    created_at=datetime(2026, 5, 1, tzinfo=UTC),
                )
                task.co_departments.append(db.session.get(type(personas.dave_dept), personas.dave_dept.id))
            db.session.commit()

    def queries(path: str) -> int:
        with count_queries(client.application) as statements:
            assert client.get(path).status_code == 200
        return len(statements)

    paths = ["/tasks", "/tasks?q=任务&light=red&sort=department", "/tasks?page=2"]
    add(55)  # two pages
    few = [queries(path) for path in paths]
    add(100)
    assert [queries(path) for path in paths] == few
    with app.app_context():
        assert db.session.query(Task).count() == 155


def test_latin_letters_match_in_either_case(app, personas, tasks):
    with app.app_context():
        oa = make_task(title="推广OA系统网上审批", lead_department_id=personas.bob_dept.id).id
        db.session.commit()
    assert _ids(app, personas, search="oa系统") == [oa]
    assert _ids(app, personas, search="Oa") == [oa]


def test_the_assignee_filter_lists_the_people_of_the_chosen_department(client, personas, tasks):
    login(client, "alice@example.gov.cn")

    def options(query: str) -> str:
        page = client.get(f"/tasks{query}").get_data(as_text=True)
        return page.split('id="assignee"')[1].split("</select>")[0]

    anyone = options("")
    assert "全部（先选牵头单位）" in anyone and "交警李" not in anyone
    traffic = options(f"?department={personas.bob_dept.id}")
    assert "交警李（交警支队）" in traffic and "治安赵" not in traffic
    # A shared address naming a person keeps that person listed.
    assert "交警李（交警支队）" in options(f"?assignee={personas.carol.id}")


@pytest.mark.parametrize("sort", task_query.SORTS)
def test_pages_read_from_the_end_follow_the_one_order(app, personas, sort):
    """A page nearer the end is read backwards, so that a late page costs what the first does:
    page by page, the rows are exactly the one order's, NULL deadlines and departments included."""
    states = [TaskState.NOT_STARTED, TaskState.IN_PROGRESS, TaskState.DONE, TaskState.ON_HOLD]
    with app.app_context():
        departments = [personas.bob_dept.id, personas.dave_dept.id, None]
        for n in range(123):
            make_task(
                title=f"巡查任务{n % 7}",
                lead_department_id=departments[n % 3],
                state=states[n % 4],
                deadline=None if n % 5 == 0 else date(2026, 5, 1) + timedelta(days=n % 40),
                percent_done=n * 7 % 100,
                updated_at=FROZEN_NOW - timedelta(hours=n % 9),
            )
        db.session.commit()
        user = db.session.get(User, personas.alice.id)
        calendar = WorkCalendar.load()
        thresholds = task_query.Thresholds.on(TODAY, calendar)
        wanted = TaskFilter(sort=sort)
        one_order = list(
            db.session.scalars(
                sa.select(Task.id)
                .where(task_query.condition(user, wanted, thresholds))
                .order_by(*task_query.ordering(sort, thresholds))
            )
        )
        pages = [task_query.page_of(user, wanted, n, TODAY, calendar) for n in (1, 2, 3)]
    assert [page.page for page in pages] == [1, 2, 3] and len(one_order) == 123
    assert [task.id for page in pages for task in page.tasks] == one_order
