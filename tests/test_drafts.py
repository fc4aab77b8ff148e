"""Drafts of next year's report as a story: alice (legal office) generates a draft, edits it by
hand, the tracker moves on, and the roll-up brings the new progress in without overwriting her."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial

import pytest
import sqlalchemy as sa

from tests.factories import FROZEN_NOW, make_seed_report, make_user
from tracker.extensions import db
from tracker.models import (
    Assignment,
    AuditEvent,
    DraftStructure,
    DraftVersion,
    ItemKind,
    Notification,
    ReportStatus,
    Role,
    Task,
    TaskState,
    User,
    VersionReason,
)
from tracker.scheduler import SchedulerLock, build_scheduler, roll_up_drafts
from tracker.services import drafts, workflow
from tracker.services.drafts import DraftConflict, versions
from tracker.services.drafts.content import Annex, AnnexRow, DraftContent, Section
from tracker.services.workdays import WorkCalendar

LATER = FROZEN_NOW + timedelta(hours=2)
NEXT_MONDAY = datetime(2026, 6, 8, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai
SOURCE = DraftStructure.SOURCE
ACHIEVEMENT = "（一）加强制度建设方面"


@dataclass
class FakeTracker:
    """Stands in for drafts.compose.compose: the text of each section is whatever the test says."""

    texts: dict[str, str] = field(
        default_factory=lambda: {
            "opening": "2021年，市公安局坚持以习近平法治思想为指导。",
            "achievement:1": "修订执法制度5项。开展专项培训2次。",
            "achievement:2": "推行“一窗通办”。",
        }
    )
    headings: dict[str, str] = field(
        default_factory=lambda: {"opening": "", "achievement:1": ACHIEVEMENT, "achievement:2": "（二）优化政务服务方面"}
    )
    annex_state: str = "进行中"
    calls: list[date] = field(default_factory=list)

    def __call__(self, report, structure, today: date) -> DraftContent:
        self.calls.append(today)
        sections = [
            Section(key, self.headings.get(key, key), 0 if key == "opening" else 2, text, text)
            for key, text in self.texts.items()
        ]
        row = AnnexRow(1, "完善执法制度", "法制支队", "2026-06-30", self.annex_state, "", "")
        return DraftContent(
            title="市公安局2021年法治政府建设年度报告（草稿）", sections=sections, annex=Annex([row], {})
        )


@pytest.fixture
def tracker() -> FakeTracker:
    return FakeTracker()


@pytest.fixture
def people(personas, ctx) -> dict[str, User]:
    return {name: db.session.get(type(obj), obj.id) for name, obj in vars(personas).items()}


@pytest.fixture
def report(people):
    report = make_seed_report(people["alice"])
    report.status = ReportStatus.CONFIRMED
    db.session.flush()
    return report


@pytest.fixture
def draft(report, people, tracker):
    drafts.generate(report, SOURCE, people["alice"], FROZEN_NOW, compose=tracker)
    return drafts.draft_for(report, SOURCE)


def version_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(DraftVersion))


def text_of(draft, key: str) -> str:
    return drafts.content_of(drafts.latest(draft)).section(key).text


def section_of(draft, key: str) -> Section:
    return drafts.content_of(drafts.latest(draft)).section(key)


def rollup_mails() -> list[Notification]:
    return list(
        db.session.scalars(sa.select(Notification).where(Notification.kind == "draft_rollup").order_by(Notification.id))
    )


# --- generating and editing ----------------------------------------------------------------------------


def test_it_generates_version_one_with_its_author_and_time(report, people, tracker):
    version = drafts.generate(report, SOURCE, people["alice"], FROZEN_NOW, compose=tracker)
    assert (version.number, version.reason, version.author, version.created_at) == (
        1,
        VersionReason.GENERATED,
        people["alice"],
        FROZEN_NOW,
    )
    assert tracker.calls == [date(2026, 6, 1)]  # the local date of the frozen clock
    assert drafts.latest(drafts.draft_for(report, SOURCE)) == version
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "draft_generated"))
    assert (event.object_type, event.actor_id, event.after["version"]) == ("draft", people["alice"].id, 1)


def test_it_refuses_a_draft_of_a_report_still_in_review(report, people, tracker):
    report.status = ReportStatus.IN_REVIEW
    with pytest.raises(drafts.DraftRefused, match="尚在审核中"):
        drafts.generate(report, SOURCE, people["alice"], FROZEN_NOW, compose=tracker)
    assert drafts.draft_for(report, SOURCE) is None


def test_it_saves_an_edit_as_a_new_version_with_author_time_and_note(draft, people):
    version = drafts.save_section(
        draft, "achievement:1", "  修订执法制度5项。\r\n全年复议纠错3件。 ", people["alice"], LATER, based_on=1
    )
    assert (version.number, version.reason, version.author, version.created_at) == (
        2,
        VersionReason.EDITED,
        people["alice"],
        LATER,
    )
    assert version.note == f"编辑：{ACHIEVEMENT}"
    section = section_of(draft, "achievement:1")
    assert section.text == "修订执法制度5项。\n全年复议纠错3件。"
    assert section.edited and section.generated == "修订执法制度5项。开展专项培训2次。"
    assert [v.number for v in draft.versions] == [1, 2]
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "draft_edited"))
    assert event.after["section"] == "achievement:1" and event.after["after"] == section.text


def test_it_writes_nothing_when_the_text_is_unchanged(draft, people):
    version = drafts.save_section(
        draft, "opening", "2021年，市公安局坚持以习近平法治思想为指导。\n", people["alice"], LATER, based_on=1
    )
    assert version.number == 1 and version_count() == 1


def test_it_refuses_a_stale_save_and_changes_nothing(draft, people):
    drafts.save_section(draft, "opening", "bob先保存的开头。", people["bob"], LATER, based_on=1)
    with pytest.raises(DraftConflict) as refused:
        drafts.save_section(draft, "opening", "alice的旧表单。", people["alice"], LATER, based_on=1)
    assert refused.value.latest.number == 2
    assert "第2版" in str(refused.value)
    assert version_count() == 2
    assert text_of(draft, "opening") == "bob先保存的开头。"


def test_it_says_which_section_is_unknown(draft, people):
    with pytest.raises(LookupError, match="没有这一部分"):
        drafts.save_section(draft, "measure:99", "文字", people["alice"], LATER, based_on=1)


# --- comparing and restoring ---------------------------------------------------------------------------


def test_it_shows_an_inserted_phrase_as_an_insert_chunk(draft, people):
    old = drafts.latest(draft)
    new = drafts.save_section(
        draft, "achievement:1", "修订执法制度5项，废止2项。开展专项培训2次。", people["alice"], LATER, based_on=1
    )
    changes = {change.key: change for change in drafts.diff(old, new)}
    assert changes["achievement:1"].status == "changed"
    assert changes["achievement:1"].chunks == [
        ("equal", "修订执法制度5项"),
        ("insert", "，废止2项"),
        ("equal", "。开展专项培训2次。"),
    ]
    assert changes["opening"].status == "same"
    assert changes["opening"].chunks == [("equal", "2021年，市公安局坚持以习近平法治思想为指导。")]


def test_it_folds_tiny_equal_runs_into_the_change_around_them():
    chunks = versions.inline_diff("全年办理案件十二件", "全年共审结行政复议案件五十件")
    assert "".join(text for op, text in chunks if op != "insert") == "全年办理案件十二件"
    assert "".join(text for op, text in chunks if op != "delete") == "全年共审结行政复议案件五十件"
    assert all(len(text) >= versions.MIN_EQUAL_RUN for op, text in chunks[1:-1] if op == "equal")


def test_it_lists_added_and_removed_sections_and_flags_title_and_annex(draft, people, tracker):
    old = drafts.latest(draft)
    texts = tracker.texts
    tracker.texts = {
        "opening": texts["opening"],
        "achievement:3": "新增一项成效。",
        "achievement:2": texts["achievement:2"],
    }
    tracker.annex_state = "已办结"
    new = versions.refresh(draft, None, LATER, VersionReason.ROLLED_UP, compose=tracker)
    changes = drafts.diff(old, new)
    assert [(c.key, c.status) for c in changes] == [
        ("opening", "same"),
        ("achievement:1", "removed"),
        ("achievement:3", "added"),
        ("achievement:2", "same"),
    ]
    assert changes[1].chunks == [("delete", "修订执法制度5项。开展专项培训2次。")]
    assert changes[2].chunks == [("insert", "新增一项成效。")]
    assert changes.annex_changed and not changes.title_changed and changes.changed


def test_it_restores_an_old_text_as_a_new_version(draft, people):
    drafts.save_section(draft, "opening", "改过的开头。", people["alice"], LATER, based_on=1)
    version = drafts.restore(draft, 1, people["alice"], LATER + timedelta(minutes=5))
    assert (version.number, version.reason, version.note) == (3, VersionReason.RESTORED, "恢复为第1版")
    assert text_of(draft, "opening") == "2021年，市公安局坚持以习近平法治思想为指导。"
    assert drafts.content_of(version) == drafts.content_of(draft.versions[0])
    assert db.session.scalar(sa.select(AuditEvent.after).where(AuditEvent.action == "draft_restored"))["restored"] == 1


def test_it_refuses_to_restore_a_version_that_does_not_exist(draft, people):
    with pytest.raises(LookupError, match="草稿没有第7版"):
        drafts.restore(draft, 7, people["alice"], LATER)


# --- regenerating, merging, setting aside ---------------------------------------------------------------


def test_it_regenerates_around_a_hand_edit(draft, people, tracker):
    drafts.save_section(draft, "achievement:1", "修订执法制度5项（人工润色）。", people["alice"], LATER, based_on=1)
    tracker.texts["achievement:1"] = "修订执法制度5项。开展专项培训2次。全年复议纠错3件。"
    tracker.texts["achievement:2"] = "推行“一窗通办”，群众满意率98%。"
    version = drafts.generate(draft.report, SOURCE, people["alice"], LATER, compose=tracker)
    assert (version.number, version.reason) == (3, VersionReason.REGENERATED)
    edited = section_of(draft, "achievement:1")
    assert edited.text == "修订执法制度5项（人工润色）。"  # never overwritten
    assert edited.pending == "修订执法制度5项。开展专项培训2次。全年复议纠错3件。"
    assert edited.generated == "修订执法制度5项。开展专项培训2次。"
    untouched = section_of(draft, "achievement:2")
    assert untouched.text == untouched.generated == "推行“一窗通办”，群众满意率98%。"
    assert version.note == "更新：（二）优化政务服务方面；新进展待合入：" + ACHIEVEMENT


def test_it_writes_nothing_when_regenerating_brings_nothing_new(draft, people, tracker):
    version = drafts.generate(draft.report, SOURCE, people["alice"], LATER, compose=tracker)
    assert version.number == 1 and version_count() == 1


def test_it_keeps_a_hand_edited_section_the_tracker_no_longer_writes(draft, people, tracker):
    drafts.save_section(draft, "achievement:1", "人工写的成效。", people["alice"], LATER, based_on=1)
    tracker.texts = {"opening": tracker.texts["opening"], "achievement:2": "推行“一窗通办”。"}
    versions.refresh(draft, None, LATER, VersionReason.ROLLED_UP, compose=tracker)
    assert [s.key for s in drafts.content_of(drafts.latest(draft)).sections] == [
        "opening",
        "achievement:1",
        "achievement:2",
    ]


@pytest.fixture
def pending_draft(draft, people, tracker):
    """achievement:1 edited by alice (a sentence reworded, one added), then new progress arrives."""
    drafts.save_section(
        draft, "achievement:1", "修订执法制度五项。开展专项培训2次。邀请律师授课。", people["alice"], LATER, based_on=1
    )
    tracker.texts["achievement:1"] = "修订执法制度5项。开展专项培训3次；\n全年复议纠错3件。邀请律师授课。"
    versions.refresh(draft, None, LATER, VersionReason.ROLLED_UP, compose=tracker)
    return draft


def test_it_merges_only_the_new_sentences_into_a_hand_edit(pending_draft, people):
    version = drafts.merge_pending(pending_draft, "achievement:1", people["alice"], LATER, based_on=3)
    assert (version.number, version.reason, version.note) == (4, VersionReason.MERGED, f"合入新进展：{ACHIEVEMENT}")
    section = section_of(pending_draft, "achievement:1")
    # "修订执法制度5项。" was in the old generated text; "邀请律师授课。" alice had already written.
    assert section.text == "修订执法制度五项。开展专项培训2次。邀请律师授课。\n开展专项培训3次；\n全年复议纠错3件。"
    assert section.generated == "修订执法制度5项。开展专项培训3次；\n全年复议纠错3件。邀请律师授课。"
    assert section.pending is None


def test_it_splits_sentences_after_chinese_stops_and_at_line_ends():
    assert versions.sentences("一是“强化”。二是优化；三！\n四？五") == [
        "一是“强化”。",
        "二是优化；",
        "三！",
        "四？",
        "五",
    ]
    assert versions.sentences("他说：“好。”然后") == ["他说：“好。”", "然后"]


def test_it_sets_new_progress_aside_and_keeps_the_hand_edit(pending_draft, people):
    version = drafts.dismiss_pending(pending_draft, "achievement:1", people["alice"], LATER, based_on=3)
    assert version.reason == VersionReason.DISMISSED
    section = section_of(pending_draft, "achievement:1")
    assert section.text == "修订执法制度五项。开展专项培训2次。邀请律师授课。"
    assert section.generated == "修订执法制度5项。开展专项培训3次；\n全年复议纠错3件。邀请律师授课。"
    assert section.pending is None
    with pytest.raises(LookupError, match="没有待合入"):
        drafts.merge_pending(pending_draft, "achievement:1", people["alice"], LATER, based_on=4)


def test_it_refuses_a_stale_merge(pending_draft, people):
    with pytest.raises(DraftConflict):
        drafts.merge_pending(pending_draft, "achievement:1", people["alice"], LATER, based_on=2)
    assert version_count() == 3


# --- the roll-up ---------------------------------------------------------------------------------------


def test_it_rolls_new_progress_in_and_mails_the_legal_office_once(draft, people, tracker):
    dora = make_user(Role.LEGAL, email="dora@example.gov.cn", name="法制钱")
    make_user(Role.LEGAL, email="gone@example.gov.cn", name="已调离", is_active=False)
    drafts.save_section(draft, "achievement:1", "人工润色的成效。", people["alice"], LATER, based_on=1)
    tracker.texts["achievement:1"] += "全年复议纠错3件。"
    tracker.texts["achievement:2"] = "推行“一窗通办”，群众满意率98%。"

    written = drafts.roll_up_all(NEXT_MONDAY, compose=tracker)

    assert [(v.number, v.reason, v.author) for v in written] == [(3, VersionReason.ROLLED_UP, None)]
    assert text_of(draft, "achievement:2") == "推行“一窗通办”，群众满意率98%。"
    edited = section_of(draft, "achievement:1")
    assert edited.text == "人工润色的成效。" and edited.pending.endswith("全年复议纠错3件。")
    mails = rollup_mails()
    assert sorted(m.recipient_email for m in mails) == sorted(["alice@example.gov.cn", dora.email])
    assert mails[0].subject == "【整改督办】年度报告草稿已汇入新进展"
    body = mails[0].body_text
    assert "已自动更新的部分：\n- （二）优化政务服务方面" in body
    assert f"新进展待合入的部分（已人工修改，未被覆盖，请核对后合入或暂不合入）：\n- {ACHIEVEMENT}" in body
    assert f"http://127.0.0.1:5000/reports/{draft.report_id}/draft?structure=source" in mails[0].body_text

    # Nothing new: no version, no mail.
    assert drafts.roll_up_all(NEXT_MONDAY + timedelta(days=7), compose=tracker) == []
    assert version_count() == 3 and len(rollup_mails()) == 2


def test_it_does_not_mail_about_a_change_of_title_alone(draft, tracker, monkeypatch):
    original = tracker.__call__

    def retitled(report, structure, today):
        content = original(report, structure, today)
        return DraftContent("新标题", content.sections, content.annex)

    written = drafts.roll_up_all(NEXT_MONDAY, compose=retitled)
    assert len(written) == 1 and rollup_mails() == []


@pytest.mark.parametrize(
    ("day", "weekday", "monthly", "due"),
    [
        (date(2026, 6, 8), "mon", True, True),  # a Monday
        (date(2026, 6, 9), "mon", True, False),  # a Tuesday
        (date(2026, 10, 8), "mon", True, True),  # Thursday 8 Oct 2026: first working day after 国庆
        (date(2026, 10, 1), "mon", True, False),  # a holiday
        (date(2026, 10, 8), "off", True, True),  # monthly still runs with the weekly one off
        (date(2026, 6, 8), "off", True, False),  # …but the Monday does not
        (date(2026, 6, 1), "off", True, True),  # Monday 1 June: the month's first working day
        (date(2026, 6, 1), "off", False, False),
        (date(2026, 6, 10), "wed", False, True),
    ],
)
def test_it_knows_which_days_the_roll_up_runs(day, weekday, monthly, due):
    assert drafts.rollup_due(day, WorkCalendar(), weekday=weekday, monthly=monthly) is due


def test_it_reads_the_roll_up_days_from_the_config(app, ctx):
    app.config["DRAFT_ROLLUP_WEEKDAY"] = "off"
    try:
        assert drafts.rollup_due(date(2026, 6, 1), WorkCalendar())  # first working day of June
        assert not drafts.rollup_due(date(2026, 6, 8), WorkCalendar())
    finally:
        app.config["DRAFT_ROLLUP_WEEKDAY"] = "mon"


@pytest.mark.parametrize(
    ("today", "setting", "deadline", "days"),
    [
        (date(2026, 2, 20), "03-01", date(2026, 3, 1), 9),
        (date(2026, 3, 1), "03-01", date(2026, 3, 1), 0),
        (date(2026, 3, 2), "03-01", date(2027, 3, 1), 364),
        (date(2027, 1, 1), "02-29", date(2027, 2, 28), 58),
    ],
)
def test_it_counts_down_to_the_filing_date(today, setting, deadline, days):
    assert drafts.filing_deadline(today, setting) == deadline
    assert drafts.days_to_filing(today, setting) == days


@pytest.mark.parametrize(
    ("today", "setting", "filing"),
    [
        (date(2026, 12, 7), "03-01", date(2027, 3, 1)),
        (date(2027, 2, 10), "03-01", date(2028, 3, 1)),  # not the filing three weeks away
        (date(2026, 6, 1), "02-29", date(2027, 2, 28)),
        (date(2027, 6, 1), "02-29", date(2028, 2, 29)),
    ],
)
def test_a_deadline_is_expected_before_next_years_filing(today, setting, filing):
    assert drafts.accounting_filing(today, setting) == filing


def test_it_runs_the_roll_up_job_only_on_its_days(app, draft, tracker, monkeypatch):
    tracker.texts["opening"] = "新的开头。"
    db.session.commit()
    monkeypatch.setattr(drafts, "roll_up_all", partial(drafts.roll_up_all, compose=tracker))
    lock = SchedulerLock(app)
    try:
        assert roll_up_drafts(app, lock, NEXT_MONDAY + timedelta(days=1)) == 0  # a Tuesday
        assert roll_up_drafts(app, lock, NEXT_MONDAY) == 1
        assert roll_up_drafts(app, lock, NEXT_MONDAY) == 0  # run twice: nothing new
    finally:
        lock.release()
    db.session.rollback()
    assert version_count() == 2 and len(rollup_mails()) == 1


def test_it_schedules_the_roll_up_daily_at_its_hour_in_the_office_zone(app):
    scheduler, lock = build_scheduler(app)
    job = scheduler.get_job("roll_up_drafts")
    fields = {f.name: str(f) for f in job.trigger.fields}
    assert (fields["hour"], fields["minute"], fields["day_of_week"]) == ("8", "0", "*")
    assert str(job.trigger.timezone) == "Asia/Shanghai"
    lock.release()


# --- with the real composer and exporter, on the demo data ----------------------------------------------


@pytest.fixture
def demo(app, ctx):
    """The demo (a confirmed report, 13 tasks, the legal office fazhi@demo.gov.cn) committed."""
    from tracker.demo import load_demo

    summary = load_demo(today=FROZEN_NOW.date(), now=FROZEN_NOW)
    db.session.commit()
    return summary.report


def workable_measure_tasks(report) -> list[Task]:
    return [
        task
        for task in db.session.scalars(sa.select(Task).where(Task.report_id == report.id, Task.parent_id.is_(None)))
        if task.kind == ItemKind.MEASURE
        and task.report_item_id is not None
        and task.assignment == Assignment.ACKNOWLEDGED
        and task.state in (TaskState.NOT_STARTED, TaskState.IN_PROGRESS)
    ]


def test_it_rolls_real_progress_into_an_unedited_section_and_flags_an_edited_one(demo):
    office = db.session.scalar(sa.select(User).where(User.email == "fazhi@demo.gov.cn"))
    drafts.generate(demo, SOURCE, office, FROZEN_NOW)
    draft = drafts.draft_for(demo, SOURCE)
    first, second = workable_measure_tasks(demo)[:2]
    first_key, second_key = f"measure:{first.report_item_id}", f"measure:{second.report_item_id}"
    drafts.save_section(draft, second_key, "法制部门改写的这一段。", office, LATER, based_on=1)
    db.session.commit()

    progressed = FROZEN_NOW + timedelta(days=2)
    workflow.record_progress(first, office, percent=80, text="完成全市执法案卷评查工作", files=[], now=progressed)
    workflow.record_progress(second, office, percent=60, text="组织开展集中培训三期", files=[], now=progressed)
    db.session.commit()

    written = drafts.roll_up_all(NEXT_MONDAY)
    db.session.commit()
    assert [(v.number, v.reason, v.author_id) for v in written] == [(3, VersionReason.ROLLED_UP, None)]
    assert "完成全市执法案卷评查工作" in text_of(draft, first_key)
    edited = section_of(draft, second_key)
    assert edited.text == "法制部门改写的这一段。"
    assert "组织开展集中培训三期" in edited.pending
    mails = rollup_mails()
    assert [m.recipient_email for m in mails] == ["fazhi@demo.gov.cn"]
    assert "新进展待合入" in mails[0].body_text

    # The same day again: nothing new, so no version and no mail.
    assert drafts.roll_up_all(NEXT_MONDAY + timedelta(hours=3)) == []
    db.session.commit()
    assert version_count() == 3 and len(rollup_mails()) == 1

    # A week later only the as-of date of the opening would change (and what fell overdue).
    later = drafts.roll_up_all(NEXT_MONDAY + timedelta(days=7))
    opening_changed = [v for v in later if "开头段落" in v.note]
    assert opening_changed == []


@pytest.mark.parametrize("suffix", [".docx", ".md"])
def test_the_command_writes_the_latest_version(app, runner, demo, tmp_path, suffix):
    out = tmp_path / f"草稿{suffix}"
    result = runner.invoke(args=["draft", "--report", str(demo.id), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "第1版" in result.output
    db.session.rollback()
    draft = drafts.draft_for(demo, SOURCE)
    version = drafts.latest(draft)
    assert (version.number, version.author_id) == (1, None)
    title = drafts.content_of(version).title
    if suffix == ".docx":
        from docx import Document

        document = Document(str(out))
        text = "\n".join(p.text for p in document.paragraphs)
    else:
        text = out.read_text(encoding="utf-8")
    assert title in text
    assert "一、工作情况及成效" in text

    # A second export writes the same version again, generating nothing.
    again = runner.invoke(args=["draft", "--report", str(demo.id), "--out", str(out), "--structure", "source"])
    assert again.exit_code == 0, again.output
    assert version_count() == 1


def test_the_command_exports_the_statutory_structure(runner, demo, tmp_path):
    out = tmp_path / "draft.md"
    result = runner.invoke(args=["draft", "--report", str(demo.id), "--out", str(out), "--structure", "statutory"])
    assert result.exit_code == 0, result.output
    assert "二、存在的不足和原因" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--out", "{tmp}/草稿.pdf"], "不支持的文件格式“.pdf”：请使用 .docx 或 .md。"),
        (["--report", "999", "--out", "{tmp}/草稿.md"], "没有编号为 999 的报告。"),
    ],
)
def test_the_command_refuses_and_writes_nothing(runner, demo, tmp_path, args, message):
    args = [a.format(tmp=tmp_path) for a in args]
    if "--report" not in args:
        args = ["--report", str(demo.id), *args]
    result = runner.invoke(args=["draft", *args])
    assert result.exit_code == 1
    assert message in result.stderr
    assert list(tmp_path.iterdir()) == []
    assert version_count() == 0


def test_the_command_refuses_a_report_still_in_review(runner, people, tmp_path):
    report = make_seed_report(people["alice"])
    result = runner.invoke(args=["draft", "--report", str(report.id), "--out", str(tmp_path / "a.docx")])
    assert result.exit_code == 1
    assert "尚在审核中" in result.stderr
    assert list(tmp_path.iterdir()) == [] and version_count() == 0


def test_the_roll_up_command_says_what_changed(runner, demo):
    office = db.session.scalar(sa.select(User).where(User.email == "fazhi@demo.gov.cn"))
    drafts.generate(demo, SOURCE, office, FROZEN_NOW)
    task = workable_measure_tasks(demo)[0]
    workflow.record_progress(task, office, percent=90, text="制度汇编印发", files=[], now=LATER)
    db.session.commit()
    result = runner.invoke(args=["roll-up-drafts"])
    assert result.exit_code == 0, result.output
    assert f"报告 {demo.id}《{demo.title}》（沿用来源报告结构）：第2版，更新：" in result.output
    again = runner.invoke(args=["roll-up-drafts"])
    assert again.output.strip() == "没有新的进展，草稿均未变化。"
