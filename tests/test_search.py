"""The search index as a story: 交警支队 (bob) reports on its tasks, alice (legal office) searches
the task list; the index follows every edit and report, and a search never reads the updates."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from tests.conftest import count_queries, login
from tests.factories import FROZEN_NOW, assign_task, make_task
from tracker.extensions import db
from tracker.models import ProgressUpdate, Task, TaskSearch, UpdateKind
from tracker.models.search import SEARCHED_UPDATES, grams_of, grams_to_find
from tracker.services import task_query, workflow
from tracker.services.evidence import Upload
from tracker.services.task_query import TaskFilter
from tracker.services.workdays import WorkCalendar

TODAY = date(2026, 6, 1)
PDF = Upload("总结.pdf", "application/pdf", b"%PDF-1.4 evidence")


@pytest.fixture
def people(app, personas, ctx, tmp_path):
    app.config["EVIDENCE_DIR"] = str(tmp_path / "evidence")
    return {name: db.session.get(type(obj), obj.id) for name, obj in vars(personas).items()}


def working_task(people, **overrides) -> Task:
    """A task 交警支队 has acknowledged and may report on."""
    task = make_task(**overrides)
    assign_task(task, people["alice"], people["bob_dept"], co_departments=(people["dave_dept"],))
    workflow.acknowledge(task, people["bob"], FROZEN_NOW)
    return task


def found(people, text: str) -> list[int]:
    page = task_query.page_of(people["alice"], TaskFilter(search=text), 1, TODAY, WorkCalendar.load())
    return [task.id for task in page.tasks]


def report(people, task: Task, text: str, minutes: int = 0, author: str = "bob") -> None:
    workflow.record_progress(
        task, people[author], percent=50, text=text, files=[], now=FROZEN_NOW + timedelta(minutes=minutes)
    )


def test_it_finds_a_two_character_term_in_a_title_and_in_a_progress_update(people):
    titled = make_task(title="加强执法培训").id
    reported = working_task(people, title="整理执法档案")
    report(people, reported, "已完成卷宗摸底调查")
    make_task(title="推进政务公开")

    assert found(people, "培训") == [titled]
    assert found(people, "摸底") == [reported.id]
    assert sorted(found(people, "执法")) == sorted([titled, reported.id])
    assert found(people, "调研") == []


def test_latin_letters_match_in_either_case(people):
    oa = make_task(title="推广OA系统网上审批").id
    erp = working_task(people, title="财务系统升级")
    report(people, erp, "ERP已上线试运行")

    for text in ("oa", "OA", "Oa", "oa系统"):
        assert found(people, text) == [oa], text
    assert found(people, "erp已上线") == [erp.id]


def test_a_longer_term_must_stand_together_and_one_character_is_found_anywhere(people):
    apart = make_task(title="组织培训，开展训班总结").id  # 培训 and 训班, but not 培训班
    together = make_task(title="举办培训班", description="覆盖100%执法人员").id

    assert found(people, "培训班") == [together]
    assert sorted(found(people, "培训")) == sorted([apart, together])
    assert found(people, "%") == [together]  # one character, from the description
    assert found(people, "100%") == [together]  # % is a character, not a wildcard


def test_the_index_follows_an_edit_of_the_title_and_description(people):
    task = make_task(title="清理规范性文件", description="")
    workflow.edit_task(
        task, people["alice"], title="修订执法手册", description="按季度评估", expected_version=None, now=FROZEN_NOW
    )
    db.session.flush()

    assert found(people, "规范") == []
    assert found(people, "手册") == [task.id]
    assert found(people, "季度") == [task.id]


def test_the_index_follows_progress_co_department_reports_and_closure(people):
    task = working_task(people, title="整理执法档案")
    report(people, task, "完成卷宗摸底")
    report(people, task, "交警配合完成数据比对", minutes=1, author="dave")  # a co-department's 协办反馈
    workflow.submit_closure(task, people["bob"], summary="形成长效机制", files=[PDF], now=FROZEN_NOW)
    db.session.flush()

    assert found(people, "摸底") == [task.id]
    assert found(people, "比对") == [task.id]
    assert found(people, "长效") == [task.id]


def test_the_index_keeps_the_latest_twenty_updates(people):
    task = working_task(people)
    report(people, task, "最早一次反馈提到档案")
    for n in range(SEARCHED_UPDATES):
        report(people, task, f"第{n}次例行反馈", minutes=n + 1)

    assert found(people, "例行") == [task.id]
    assert found(people, "档案") == []  # the 21st latest update is no longer searched
    stored = db.session.scalar(sa.select(TaskSearch.text).where(TaskSearch.task_id == task.id))
    assert stored.splitlines()[2] == f"第{SEARCHED_UPDATES - 1}次例行反馈"  # title, description, newest first


def test_a_deleted_update_leaves_the_index(people):
    task = make_task(title="整理执法档案")
    update = ProgressUpdate(task=task, percent_done=20, text="完成卷宗摸底", created_at=FROZEN_NOW)
    db.session.add(update)
    db.session.flush()
    assert found(people, "摸底") == [task.id]

    db.session.delete(update)
    db.session.flush()
    assert found(people, "摸底") == [] and found(people, "档案") == [task.id]


def test_the_grams_of_a_text_hold_the_grams_any_of_its_substrings_needs():
    text = "加强oa 培训\n100%"
    assert grams_of(text) >= {"加", "加强", "oa", "培训", "1", "00", "0%"}
    assert not any(gram.isspace() or " " in gram or "\n" in gram for gram in grams_of(text))
    assert grams_to_find("培训班") == ["培训", "训班"]
    assert grams_to_find("培训") == ["培训"] and grams_to_find("培") == ["培"]
    assert grams_to_find("a 培训") == ["a", "培训"]


def test_a_search_reads_the_index_not_the_progress_updates(app, client, personas):
    with app.app_context():
        task = make_task(title="整理执法档案", lead_department_id=personas.bob_dept.id)
        db.session.add(ProgressUpdate(task_id=task.id, percent_done=20, text="已完成卷宗摸底", created_at=FROZEN_NOW))
        db.session.commit()
    login(client, personas.alice.email)
    for path in ("/tasks?q=摸底", "/tasks?q=摸底&page=2", "/tasks?q=卷宗摸底&sort=title"):
        with count_queries(app) as statements:
            page = client.get(path).get_data(as_text=True)
        assert "整理执法档案" in page and "共 1 项" in page, path
        assert not [s for s in statements if "progress_updates" in s], path


@pytest.mark.postgresql_only("needs concurrent writers")
def test_two_co_departments_reporting_at_once_are_both_indexed(app, personas):
    """A 协办反馈 does not touch the task's row, so nothing else orders two of them: the index
    rebuild takes the task's lock, and the second reads the first's text instead of losing it."""
    with app.app_context():
        task_id = make_task(title="联合执法检查", lead_department_id=personas.bob_dept.id).id
        db.session.commit()
        engine = db.engine

    def assist(session: Session, text: str) -> None:
        session.add(
            ProgressUpdate(task_id=task_id, kind=UpdateKind.ASSIST, percent_done=50, text=text, created_at=FROZEN_NOW)
        )
        session.flush()

    first = Session(engine)
    assist(first, "治安支队完成摸底")  # indexed, not yet committed: the task stays locked

    def second_department() -> None:
        with Session(engine) as second:
            assist(second, "交警支队完成比对")
            second.commit()

    thread = threading.Thread(target=second_department)
    thread.start()
    time.sleep(0.3)  # the second is now waiting for the first, or (without the lock) done reading
    first.commit()
    first.close()
    thread.join(timeout=30)
    with app.app_context():
        text = db.session.scalar(sa.select(TaskSearch.text).where(TaskSearch.task_id == task_id))
    assert "摸底" in text and "比对" in text
