"""The dashboard's figures against hand-counted fixtures, its page, ranking, scope and query count."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import count_queries, login
from tests.factories import FROZEN_NOW, make_department, make_task, make_user
from tracker.extensions import db
from tracker.models import AuditEvent, ProgressUpdate, Role, Task, TaskState
from tracker.services import dashboard, deadlines, heartbeat
from tracker.services.deadlines import Thresholds
from tracker.services.workdays import WorkCalendar

TODAY = date(2026, 6, 1)  # a Monday; FROZEN_NOW is 09:00 that day in Shanghai


def _done(deadline: date, completed_on: date, **overrides: object) -> dict[str, object]:
    completed_at = datetime.combine(completed_on, datetime.min.time(), UTC) + timedelta(hours=2)
    return {
        "deadline": deadline,
        "state": TaskState.DONE,
        "completed_at": completed_at,
        "completed_on": completed_on,
        "percent_done": 100,
        **overrides,
    }


@pytest.fixture()
def counted(app, personas):
    """Nine tasks counted by hand (see each comment); a cancelled task and a milestone that no
    figure counts."""
    with app.app_context():
        traffic, order = personas.bob_dept.id, personas.dave_dept.id
        ids = {
            # 交警支队: 4 tasks, 2 done (1 on time, 1 first time), 1 overdue, 3 extensions
            "t1": make_task(lead_department_id=traffic, **_done(date(2026, 6, 10), date(2026, 5, 20))).id,
            "t2": make_task(
                lead_department_id=traffic,
                **_done(date(2026, 5, 10), date(2026, 5, 15), sent_back_count=1, extension_count=1),
            ).id,
            "t3": make_task(lead_department_id=traffic, deadline=date(2026, 5, 29), extension_count=2).id,  # red
            # Monday 8 June: 5 working days after today (2, 3, 4, 5, 8 June): yellow.
            "t4": make_task(lead_department_id=traffic, deadline=date(2026, 6, 8), state=TaskState.NOT_STARTED).id,
            "cancelled": make_task(lead_department_id=traffic, deadline=date(2026, 5, 1), state=TaskState.CANCELLED).id,
            # 治安支队: 4 tasks, none done, 1 overdue
            "t6": make_task(lead_department_id=order, deadline=date(2026, 6, 9)).id,  # 6 working days: green
            "t7": make_task(lead_department_id=order, deadline=date(2026, 5, 1), state=TaskState.ON_HOLD).id,
            # Due on Sunday 31 May, awaiting review: still overdue.
            "t8": make_task(lead_department_id=order, deadline=date(2026, 5, 31), state=TaskState.CLOSURE_PENDING).id,
            # Far deadline, but quiet since April: yellow.
            "t9": make_task(
                lead_department_id=order, deadline=date(2026, 7, 30), created_at=datetime(2026, 4, 1, tzinfo=UTC)
            ).id,
            # Not yet given to a department.
            "t10": make_task(deadline=date(2026, 6, 30), state=TaskState.NOT_STARTED).id,
        }
        make_task(parent_id=ids["t3"], lead_department_id=traffic, deadline=date(2026, 5, 1))  # milestone
        db.session.add(ProgressUpdate(task_id=ids["t6"], percent_done=30, text="已完成摸底", created_at=FROZEN_NOW))
        db.session.commit()
        return ids


def _by_name(groups: list[dashboard.Group]) -> dict[str, dashboard.Tally]:
    return {g.name: g.tally for g in groups}


def test_the_figures_match_the_hand_count(app, personas, counted):
    with app.app_context():
        alice = db.session.get(type(personas.alice), personas.alice.id)
        overview = dashboard.overview(alice, TODAY, WorkCalendar.load())

    total = overview.total
    assert (total.tasks, total.done, total.overdue, total.extensions) == (9, 2, 2, 3)
    assert overview.by_light == {"red": 2, "yellow": 2, "green": 2, "grey": 3}
    assert overview.by_state == {
        TaskState.NOT_STARTED: 2,
        TaskState.IN_PROGRESS: 3,
        TaskState.CLOSURE_PENDING: 1,
        TaskState.DONE: 2,
        TaskState.ON_HOLD: 1,
    }
    tallies = _by_name(overview.departments)
    traffic, order, unassigned = tallies["交警支队"], tallies["治安支队"], tallies[""]
    assert (traffic.tasks, traffic.done, traffic.overdue, traffic.done_on_time, traffic.extensions) == (4, 2, 1, 1, 3)
    assert traffic.completion_rate == 0.5
    assert traffic.on_time_rate == pytest.approx(1 / 3)  # 1 on time ÷ (2 done + 1 overdue)
    assert traffic.first_time_rate == 0.5
    assert (order.tasks, order.done, order.overdue) == (4, 0, 1)
    assert order.on_time_rate == 0.0 and order.first_time_rate is None
    assert order.last_update == FROZEN_NOW
    assert unassigned.tasks == 1
    # The chart: both closures fell in May 2026, the last month but one.
    assert overview.monthly_done[-2] == (date(2026, 5, 1), 2)
    assert overview.monthly_done[-1] == (date(2026, 6, 1), 0)
    assert len(overview.monthly_done) == 12 and overview.monthly_done[0][0] == date(2025, 7, 1)


def test_figures_as_of_an_earlier_day_count_later_closures_as_open(app, personas, counted):
    with app.app_context():
        alice = db.session.get(type(personas.alice), personas.alice.id)
        calendar = WorkCalendar.load()
        on_12_may = _by_name(dashboard.overview(alice, date(2026, 5, 12), calendar).departments)["交警支队"]
        on_18_may = _by_name(dashboard.overview(alice, date(2026, 5, 18), calendar).departments)["交警支队"]
        overdue_12_may = [t.id for t in dashboard.overdue_tasks(alice, date(2026, 5, 12))]

    # 12 May: t2 (due 10 May) was not closed until the 15th: open and overdue; t1 open, not due.
    assert (on_12_may.done, on_12_may.overdue, on_12_may.on_time_rate) == (0, 1, 0.0)
    assert overdue_12_may == [counted["t2"]]
    # 18 May: t2 closed late; t1 still open and not due.
    assert (on_18_may.done, on_18_may.overdue, on_18_may.done_on_time) == (1, 0, 0)


def test_the_overdue_list_of_an_earlier_day_merges_open_and_later_closed_tasks_by_deadline(app, personas):
    with app.app_context():
        traffic = personas.bob_dept.id
        closed_later = [
            make_task(lead_department_id=traffic, **_done(date(2026, 5, day), date(2026, 5, 20))).id for day in (2, 6)
        ]
        still_open = [make_task(lead_department_id=traffic, deadline=date(2026, 5, day)).id for day in (4, 8)]
        make_task(lead_department_id=traffic, **_done(date(2026, 5, 3), date(2026, 5, 9)))  # closed by then
        alice = db.session.get(type(personas.alice), personas.alice.id)
        overdue = [t.id for t in dashboard.overdue_tasks(alice, date(2026, 5, 12))]
        first_three = [t.id for t in dashboard.overdue_tasks(alice, date(2026, 5, 12), limit=3)]
    by_deadline = [closed_later[0], still_open[0], closed_later[1], still_open[1]]
    assert overdue == by_deadline
    assert first_three == by_deadline[:3]


def test_overdue_and_due_soon_lists(app, personas, counted):
    with app.app_context():
        alice = db.session.get(type(personas.alice), personas.alice.id)
        calendar = WorkCalendar.load()
        overdue, due_soon = dashboard.watch_lists(alice, TODAY, calendar, 5)
        soon_5 = [t.id for t in due_soon]
        soon_6 = [t.id for t in dashboard.watch_lists(alice, TODAY, calendar, 6)[1]]
        alone = [t.id for t in dashboard.overdue_tasks(alice, TODAY)]
    assert [t.id for t in overdue] == alone == [counted["t3"], counted["t8"]]  # the longest overdue first
    assert soon_5 == [counted["t4"]]
    assert soon_6 == [counted["t4"], counted["t6"]]


def test_the_national_day_holiday_counts_no_working_days(app, personas):
    """On 30 September 2026, 1–7 October are holidays and Saturday 10 October is a working day:
    five working days ahead reach Tuesday 13 October (8, 9, 10, 12, 13)."""
    today = date(2026, 9, 30)
    created = datetime(2026, 9, 29, tzinfo=UTC)
    with app.app_context():
        alice = db.session.get(type(personas.alice), personas.alice.id)
        dept = personas.bob_dept.id
        due = {
            day: make_task(lead_department_id=dept, deadline=day, created_at=created).id
            for day in (date(2026, 10, 9), date(2026, 10, 13), date(2026, 10, 14))
        }
        db.session.commit()
        calendar = WorkCalendar.load()
        overview = dashboard.overview(alice, today, calendar)
        soon = [t.id for t in dashboard.watch_lists(alice, today, calendar, 5)[1]]
        left = {day: calendar.workdays_until(today, day) for day in due}
    assert left == {date(2026, 10, 9): 2, date(2026, 10, 13): 5, date(2026, 10, 14): 6}
    assert overview.by_light == {"red": 0, "yellow": 2, "green": 1, "grey": 0}
    assert soon == [due[date(2026, 10, 9)], due[date(2026, 10, 13)]]


def test_the_light_in_sql_is_the_light_of_the_task_page(app, personas):
    """Every deadline over seven weeks around a holiday, quiet or not, in every state: the SQL
    CASE and the filter agree with deadlines.standing()."""
    today = date(2026, 6, 15)  # the Dragon Boat Festival holiday is 19–21 June
    with app.app_context():
        dept = personas.bob_dept.id
        for offset in range(-10, 40):
            for state in (TaskState.IN_PROGRESS, TaskState.NOT_STARTED, TaskState.DONE, TaskState.ON_HOLD):
                for created in (datetime(2026, 6, 10, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)):
                    make_task(
                        lead_department_id=dept,
                        deadline=today + timedelta(days=offset),
                        state=state,
                        created_at=created,
                    )
        make_task(lead_department_id=dept, deadline=None, created_at=datetime(2026, 6, 10, tzinfo=UTC))
        make_task(lead_department_id=dept, deadline=None, created_at=datetime(2026, 4, 1, tzinfo=UTC))
        db.session.commit()
        calendar = WorkCalendar.load()
        thresholds = Thresholds.on(today, calendar)
        tasks = db.session.scalars(sa.select(Task)).all()
        expected = {i: s.light for i, s in deadlines.standings(tasks, today, calendar).items()}
        in_sql = dict(db.session.execute(sa.select(Task.id, thresholds.light())).all())
        filtered = {
            light: set(db.session.scalars(sa.select(Task.id).where(thresholds.light_is(light))))
            for light in deadlines.LIGHT_ORDER
        }
    assert in_sql == expected
    for light, ids in filtered.items():
        assert ids == {i for i, colour in expected.items() if colour == light}, light


def _head_of(app, department_id):
    with app.app_context():
        return make_user(Role.HEAD, department_id=department_id).email


def _section(page: str, heading: str) -> str:
    return page.split(f"<h2>{heading}")[1].split("<h2>")[0]


def test_the_dashboard_page_shows_the_figures_and_ranks_departments(client, personas, counted, frozen_clock):
    frozen_clock(TODAY)
    login(client, "alice@example.gov.cn")
    page = client.get("/dashboard").get_data(as_text=True)
    assert "督办看板" in page and "<svg" in page
    assert "33.3%" in page  # 交警支队's on-time rate

    # Ranked by overdue (the default), then by completion rate ascending on request.
    def ranking(query: str) -> str:
        return client.get(f"/dashboard{query}").get_data(as_text=True).split("各单位落实情况")[1]

    assert ranking("").index("交警支队") < ranking("").index("治安支队")  # equal overdue: by name
    assert ranking("?sort=completion&dir=asc").index("治安支队") < ranking("?sort=completion&dir=asc").index("交警支队")
    assert ranking("?sort=completion").index("交警支队") < ranking("?sort=completion").index("治安支队")
    # Due within 6 working days brings in t6 (9 June).
    assert "2026年6月9日" not in _section(client.get("/dashboard?within=5").get_data(as_text=True), "临近时限")
    assert "2026年6月9日" in _section(client.get("/dashboard?within=6").get_data(as_text=True), "临近时限")
    # A nonsense ranking or window falls back to the defaults.
    assert client.get("/dashboard?sort=nonsense&within=abc").status_code == 200
    # The task not yet assigned is counted apart, not ranked as a department.
    ranked = ranking("").split("</table>")[0]
    assert "未交办" not in ranked and "另有 1 项尚未交办，不参与排名。" in ranking("")
    # Each department's figures open the list of exactly those tasks.
    assert f'href="/tasks?department={personas.bob_dept.id}&amp;light=red"' in ranked


def test_a_head_sees_the_dashboard_of_their_department_only(client, personas, counted):
    login(client, "bob@example.gov.cn")
    page = client.get("/dashboard").get_data(as_text=True)
    assert "交警支队" in page and "治安支队" not in page
    assert "下载督办通报" not in page


def test_staff_may_not_see_the_dashboard(client, personas):
    login(client, "carol@example.gov.cn")
    response = client.get("/dashboard")
    assert response.status_code == 403 and "没有执行此操作的权限" in response.get_data(as_text=True)


def test_the_dashboard_runs_the_same_queries_for_few_and_many_tasks(app, client, personas):
    login(client, "alice@example.gov.cn")

    def add(n: int) -> None:
        with app.app_context():
            for i in range(n):
                department = make_department()
                task = make_task(lead_department_id=department.id, deadline=date(2026, 5, 1) + timedelta(days=i))
                db.session.add(
                    AuditEvent(actor_id=personas.alice.id, action="task_edited", object_type="task", object_id=task.id)
                )
            db.session.commit()

    def queries() -> int:
        with count_queries(client.application) as statements:
            assert client.get("/dashboard").status_code == 200
        return len(statements)

    add(2)
    few = queries()
    add(30)
    assert queries() == few


def test_the_ranking_shows_thirty_departments_until_all_are_asked_for(app, client, personas):
    with app.app_context():
        for n in range(35):
            make_task(lead_department_id=make_department(name=f"第{n:02d}支队").id, deadline=date(2026, 5, 1))
        db.session.commit()
    login(client, "alice@example.gov.cn")

    table = _section(client.get("/dashboard?sort=name&dir=asc").get_data(as_text=True), "各单位落实情况")
    assert table.count("<tr>") - 1 == 30 and "第29支队" in table and "第30支队" not in table
    assert "显示全部 35 个单位" in table
    everything = _section(client.get("/dashboard?sort=name&dir=asc&all=1").get_data(as_text=True), "各单位落实情况")
    assert "第34支队" in everything and "显示全部" not in everything


@pytest.fixture()
def headless(app, personas):
    """网警支队 has no head and leads twelve open tasks; bob's department leads one."""
    with app.app_context():
        cyber = make_department(name="网警支队").id
        ids = [make_task(lead_department_id=cyber, deadline=date(2026, 7, 1)).id for _ in range(12)]
        make_task(lead_department_id=personas.bob_dept.id)
        db.session.commit()
    return ids


def _problems(page: str) -> str:
    return page.split('<section class="problems"')[1].split("</section>")[0] if 'class="problems"' in page else ""


@pytest.mark.parametrize(("persona", "shown"), [("alice", True), ("frank", True), ("erin", False), ("bob", False)])
def test_the_problems_to_fix_head_the_dashboard_of_the_office_only(client, personas, headless, persona, shown):
    login(client, getattr(personas, persona).email)
    page = client.get("/dashboard").get_data(as_text=True)
    panel = _problems(page)
    assert bool(panel) == shown and ("需要处理的问题" in page) == shown
    if not shown:
        return
    assert page.index('class="problems"') < page.index("任务总数")
    assert "网警支队没有在岗的部门负责人，其牵头的 12 项未办结任务" in panel and "（数量：1）" in panel
    linked = [task_id for task_id in headless if f'href="/tasks/{task_id}"' in panel]
    assert linked == headless[:10] and "等 12 项" in panel


def test_the_dashboard_shows_no_problem_panel_when_nothing_is_wrong(app, client, personas, frozen_clock):
    frozen_clock(FROZEN_NOW)
    with app.app_context():
        heartbeat.beat(FROZEN_NOW)
        db.session.commit()
    login(client, "alice@example.gov.cn")
    assert 'class="problems"' not in client.get("/dashboard").get_data(as_text=True)
