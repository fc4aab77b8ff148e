from datetime import date

import pytest
import sqlalchemy as sa

from tests.factories import FROZEN_NOW, make_department
from tracker.demo import DEMO_PASSWORD, DemoRefused, load_demo
from tracker.extensions import db
from tracker.models import (
    Assignment,
    Department,
    ExtensionStatus,
    ItemKind,
    LinkStatus,
    Role,
    ShortcomingMeasureLink,
    SourceReport,
    Task,
    User,
)
from tracker.services import deadlines
from tracker.services.staffing import heads_by_department

TODAY = date(2026, 6, 1)


def test_it_loads_the_seed_report_with_a_task_per_measure_and_shortcoming(ctx):
    summary = load_demo(today=TODAY, now=FROZEN_NOW)
    db.session.commit()
    report = db.session.scalar(sa.select(SourceReport))
    assert report.title == "市公安局2020年法治政府建设年度报告"
    tasks = db.session.scalars(sa.select(Task)).all()
    assert summary.tasks == len(tasks) == 13
    assert sum(t.kind == ItemKind.MEASURE for t in tasks) == 10
    assert sum(t.kind == ItemKind.SHORTCOMING for t in tasks) == 3
    assert all(t.lead_department is not None and t.deadline is not None for t in tasks)
    titles = {t.title for t in tasks}
    assert "落实政务服务改革，打造便民便商环境" in titles


def test_it_places_deadlines_around_today_for_a_live_mix_of_lights(ctx):
    load_demo(today=TODAY, now=FROZEN_NOW)
    tasks = db.session.scalars(sa.select(Task)).all()
    lights = [s.light for s in deadlines.standings(tasks, TODAY).values()]
    assert {"red", "yellow", "green", "grey"} <= set(lights)
    assert any(t.progress_updates for t in tasks)


def test_it_shows_every_step_of_the_workflow_somewhere(ctx):
    load_demo(today=TODAY, now=FROZEN_NOW)
    tasks = db.session.scalars(sa.select(Task)).all()
    assert {t.assignment for t in tasks} == {Assignment.ASSIGNED, Assignment.ACKNOWLEDGED}
    extensions = {r.status: r for t in tasks for r in t.extension_requests}
    assert set(extensions) == {ExtensionStatus.PENDING, ExtensionStatus.APPROVED}
    extended = extensions[ExtensionStatus.APPROVED].task
    assert extended.extension_count == 1 and extended.deadline > extended.original_deadline


def test_it_creates_a_department_structure_and_users_for_every_role(ctx):
    load_demo(today=TODAY, now=FROZEN_NOW)
    names = set(db.session.scalars(sa.select(Department.name)))
    assert {
        "法制支队",
        "交警支队",
        "治安支队",
        "政治部",
        "督察支队",
        "出入境管理支队",
        "经侦支队",
        "科技信息化支队",
    } <= names
    users = db.session.scalars(sa.select(User)).all()
    assert {u.role for u in users} == set(Role)
    assert all(u.check_password(DEMO_PASSWORD) for u in users)
    assert not any(u.must_change_password for u in users)  # the demo signs in straight away
    links = db.session.scalars(sa.select(ShortcomingMeasureLink)).all()
    assert links and all(link.status == LinkStatus.ACCEPTED for link in links)


def test_it_gives_every_department_that_leads_a_task_an_active_head(ctx):
    load_demo(today=TODAY, now=FROZEN_NOW)
    leading = set(db.session.scalars(sa.select(Task.lead_department_id)))
    heads = set(heads_by_department(leading))
    assert leading and heads == leading
    assert db.session.scalar(sa.select(User.name).where(User.email == "fazhi.head@demo.gov.cn")) == "冯法规"


def test_it_never_loads_into_a_database_that_holds_data(ctx):
    make_department(name="已有部门")
    db.session.commit()
    with pytest.raises(DemoRefused, match="已有数据"):
        load_demo(today=TODAY, now=FROZEN_NOW)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_it_never_loads_in_production(app):
    app.config["ENV"] = "production"
    try:
        with app.app_context(), pytest.raises(DemoRefused, match="生产环境"):
            load_demo(today=TODAY, now=FROZEN_NOW)
    finally:
        app.config["ENV"] = "development"


def test_it_loads_through_the_cli_and_prints_the_accounts(app, runner):
    result = runner.invoke(args=["load-demo"])
    assert result.exit_code == 0, result.output
    assert "fazhi@demo.gov.cn" in result.output and DEMO_PASSWORD in result.output
    again = runner.invoke(args=["load-demo"])
    assert again.exit_code == 1 and "已有数据" in again.output


def test_the_seed_plays_last_years_report_so_the_draft_is_this_years(ctx):
    summary = load_demo(today=TODAY, now=FROZEN_NOW)
    assert summary.report.year == TODAY.year - 1 and summary.report.title == "市公安局2020年法治政府建设年度报告"
    assert f"样例报告原为2020年度，演示中视作上一年度（{TODAY.year - 1}年度）的报告" in summary.describe()
