"""Compose the draft of next year's report from what the tracker recorded: the source report's
measures, what their departments reported, and where every task stands.

``compose`` reads and never writes. It runs five queries whatever the number of tasks, each
reading plain columns rather than ORM objects (a province's report has 17,000 tasks and 100,000
updates): the report's items; its top-level tasks with their lead departments' names and their
report items' labels; their milestones likewise (by deadline, then in the order they were made);
their co-departments' names; and every progress update of those tasks and milestones, oldest
first, with the name of the department that reported it. One pass then gives each task its
milestones and its updates.

A task's paragraph tells the lead department's progress; what its co-departments reported of their
own part (协办反馈) follows under each one's name ("配合单位治安支队：6月2日，…。"). The percent is
always the task's, which only the lead department sets.

Dates. Inside the chronicle of a measure ("3月10日，…；5月20日，…") a date is written without
its year when the reader already knows it: the chronicle starts in the draft's own year (the
source report's year + 1), and a date in another year is written in full and becomes the year
the following dates are read in. Every other date (the "截至" of the opening, "已于…办结", a
milestone's completion, "应于…前完成") stands in a sentence of its own and is written in full.
Updates are dated by the office's calendar (``tracker.clock.local_date``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from tracker.clock import local_zone
from tracker.extensions import db
from tracker.importer.labels import int_to_cn
from tracker.models import (
    OPEN_STATES,
    Department,
    DraftStructure,
    ItemKind,
    ProgressUpdate,
    ReportItem,
    SourceReport,
    Task,
    TaskState,
    UpdateKind,
    task_co_departments,
)
from tracker.names import STATE_NAMES
from tracker.services.drafts.content import Annex, AnnexRow, DraftContent, Section

# Stripped from the end (and start) of a title or an update before it is put into a sentence.
CLAUSE_EDGES = "。；，、.;,：:！!？? \t\r\n\u3000\xa0"
# A run of Chinese punctuation left by a careless update ("完成。。", "已印发；。") keeps its first mark.
_PUNCTUATION_RUN = re.compile(r"([。；，、：！？])[。；，、：！？]+")
_CJK = r"\u3400-\u9fff\u3000-\u303f\uff00-\uffef“”‘’"
# Spaces typed around Chinese text ("参训民警 120 人"): official text has none.
_SPACE_BY_CJK = re.compile(rf"(?<=[{_CJK}])[ \t\u3000\xa0]+|[ \t\u3000\xa0]+(?=[{_CJK}])")
_LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")

ACHIEVEMENTS_HEADING = "一、工作情况及成效"
SHORTCOMINGS_AND_MEASURES_HEADING = "二、存在不足及下一步工作对策"
OPEN_SHORTCOMINGS_HEADING = "（一）存在的不足"
CARRIED_OVER_HEADING = "（二）继续推进的工作"
NEW_MEASURES_HEADING = "（三）下一年度工作措施"
STATUTORY_HEADINGS = (
    "一、主要举措和成效",
    "二、存在的不足和原因",
    "三、党政主要负责人履行推进法治建设第一责任人职责情况",
    "四、下一年度推进法治政府建设的主要安排",
    "五、其他需要报告的情况",
)
CAUSES_PLACEHOLDER = "【请补充不足的原因分析】"
RESPONSIBLE_LEADER_PLACEHOLDER = "【此部分由法制部门根据主要负责人履职情况填写】"
# When the source report has that part, the draft starts from its text.
RESPONSIBLE_LEADER_FROM_SOURCE = "【以下为上一年度报告所述履职情况，请按本年度情况改写】"
OTHER_MATTERS_PLACEHOLDER = "【如无其他需要报告的情况，可删除本部分】"
NO_PROGRESS = "本年度未报送该项工作的进展情况。"
NO_LEAD_PROGRESS = "本年度牵头单位未报送该项工作的进展情况。"  # while a co-department did

KIND_ORDER = {ItemKind.MEASURE: 0, ItemKind.SHORTCOMING: 1}

# How a task's state closes its paragraph; done, and open past the deadline, are said with dates.
STATE_SENTENCES = {
    TaskState.IN_PROGRESS: "目前该项工作正在推进，完成进度{percent}%。",
    TaskState.NOT_STARTED: "该项工作尚未启动。",
    TaskState.CLOSURE_PENDING: "该项工作已申请办结，正在审核。",
    TaskState.ON_HOLD: "该项工作暂缓实施。",
    TaskState.CANCELLED: "该项工作已撤销。",
}
MILESTONE_PHRASES = {
    TaskState.IN_PROGRESS: "正在推进",
    TaskState.NOT_STARTED: "尚未启动",
    TaskState.CLOSURE_PENDING: "已申请办结，正在审核",
    TaskState.ON_HOLD: "暂缓实施",
    TaskState.CANCELLED: "已撤销",
}
SHORTCOMING_PHRASES = {
    TaskState.IN_PROGRESS: "目前正在整改，完成进度{percent}%",
    TaskState.NOT_STARTED: "整改尚未启动",
    TaskState.CLOSURE_PENDING: "整改已申请办结，正在审核",
    TaskState.ON_HOLD: "整改暂缓实施",
}
CARRIED_PHRASES = {
    TaskState.IN_PROGRESS: "目前完成进度{percent}%，将继续推进",
    TaskState.NOT_STARTED: "目前尚未启动，将抓紧推进",
    TaskState.CLOSURE_PENDING: "已申请办结，正在审核",
    TaskState.ON_HOLD: "目前暂缓实施，将视情况适时推进",
}


@dataclass(frozen=True, slots=True)
class UpdateRecord:
    """A progress update as the draft tells it: the office's date of it, its text fitted into a
    sentence (``clause``, may be empty), its kind, and the name of the department that reported
    it (None when unknown)."""

    day: date
    text: str
    kind: UpdateKind
    department: str | None


@dataclass(slots=True)
class TaskRecord:
    """A top-level task or a milestone, read as columns: what the draft says of it."""

    id: int
    title: str
    kind: ItemKind | None
    state: TaskState
    percent_done: int
    deadline: date | None
    completed_on: date | None
    closure_summary: str
    report_item_id: int | None
    lead_department: str | None  # the name; None when not yet assigned
    label: str  # its report item's number label ("（三）"), "" without one
    position: int | None  # its report item's position, None without one
    co_departments: list[str] = field(default_factory=list)  # names, sorted (top-level tasks only)
    milestones: list[TaskRecord] = field(default_factory=list)
    updates: list[UpdateRecord] = field(default_factory=list)  # its own and its milestones', oldest first


@dataclass
class _Item:
    """A measure or shortcoming of the report with the top-level tasks that carry it out (usually
    one; none when it was never turned into a task)."""

    title: str
    label: str
    tasks: list[TaskRecord] = field(default_factory=list)
    key: str = ""

    @property
    def live_tasks(self) -> list[TaskRecord]:
        return [t for t in self.tasks if t.state != TaskState.CANCELLED]

    @property
    def state(self) -> TaskState:
        """One state for the item: done when every live task is, in progress when any work was
        done, cancelled when every task was, not started when there is no task."""
        if not self.tasks:
            return TaskState.NOT_STARTED
        states = {t.state for t in self.live_tasks}
        if not states:
            return TaskState.CANCELLED
        for single in (TaskState.DONE, TaskState.ON_HOLD):
            if states == {single}:
                return single
        if states <= {TaskState.DONE, TaskState.CLOSURE_PENDING}:
            return TaskState.CLOSURE_PENDING
        if states & {TaskState.IN_PROGRESS, TaskState.CLOSURE_PENDING, TaskState.DONE}:
            return TaskState.IN_PROGRESS
        return TaskState.NOT_STARTED if TaskState.NOT_STARTED in states else TaskState.ON_HOLD

    @property
    def percent(self) -> int:
        live = self.live_tasks
        return round(sum(t.percent_done for t in live) / len(live)) if live else 0

    def overdue(self, today: date) -> bool:
        return any(_overdue(t, today) for t in self.live_tasks)


@dataclass
class _Records:
    measures: list[_Item]
    shortcomings: list[_Item]
    annex_tasks: list[TaskRecord]  # top-level, in annex order
    leader_duties: str  # the source report's part on the principal leaders' duties, or ""


def compose(report: SourceReport, structure: DraftStructure, today: date) -> DraftContent:
    """A fresh draft of the report that follows ``report``, in ``structure``, as of ``today``.

    Every section's ``generated`` equals its ``text`` and ``pending`` is None. The report year Y
    is ``report.year``, else the year of ``report.report_date``, else the year before ``today``;
    the draft is the report of Y+1.
    """
    year = report.year or (report.report_date.year if report.report_date else today.year - 1)
    records = _read(report)
    composer = _Composer(report.issuer, year, today, records)
    statutory = structure == DraftStructure.STATUTORY
    sections = composer.statutory_sections() if statutory else composer.source_sections()
    return DraftContent(
        title=f"{report.issuer}{year + 1}年法治政府建设年度报告（草稿）",
        sections=sections,
        annex=build_annex(records.annex_tasks, today),
    )


# --- reading ----------------------------------------------------------------------------------


# A task's or milestone's columns, with its lead department's name and its report item's label
# and position (outer joins: either may be missing).
_TASK_COLUMNS = (
    sa.select(
        Task.id,
        Task.parent_id,
        Task.title,
        Task.kind,
        Task.state,
        Task.percent_done,
        Task.deadline,
        Task.completed_on,
        Task.closure_summary,
        Task.report_item_id,
        Department.name,
        ReportItem.number_label,
        ReportItem.position,
    )
    .outerjoin(Department, Department.id == Task.lead_department_id)
    .outerjoin(ReportItem, ReportItem.id == Task.report_item_id)
)


def _read(report: SourceReport) -> _Records:
    items = db.session.execute(
        sa.select(ReportItem.id, ReportItem.kind, ReportItem.number_label, ReportItem.title, ReportItem.body)
        .where(ReportItem.report_id == report.id, ReportItem.kind.in_([*KIND_ORDER, ItemKind.LEADER_DUTIES]))
        .order_by(ReportItem.position, ReportItem.id)
    ).all()
    top_level = sa.and_(Task.report_id == report.id, Task.parent_id.is_(None))
    top_level_ids = sa.select(Task.id).where(top_level)
    tasks = [
        _record(row) for row in db.session.execute(_TASK_COLUMNS.where(top_level).order_by(Task.created_at, Task.id))
    ]
    by_id = {task.id: task for task in tasks}
    # Milestones are asked for through their parent: one without the report's id is still told.
    owner = dict(by_id)  # the top-level task whose paragraph tells a task's or milestone's updates
    for row in db.session.execute(
        _TASK_COLUMNS.where(Task.parent_id.in_(top_level_ids)).order_by(Task.deadline, Task.id)
    ):
        milestone = _record(row)
        by_id[row.parent_id].milestones.append(milestone)
        owner[milestone.id] = by_id[row.parent_id]
    co_departments = db.session.execute(
        sa.select(task_co_departments.c.task_id, Department.name)
        .join(Department, Department.id == task_co_departments.c.department_id)
        .where(task_co_departments.c.task_id.in_(top_level_ids))
    )
    for task_id, name in co_departments:
        by_id[task_id].co_departments.append(name)
    for task in tasks:
        task.co_departments.sort()

    told_ids = sa.select(Task.id).where(sa.or_(top_level, Task.parent_id.in_(top_level_ids)))
    updates = db.session.execute(
        sa.select(
            ProgressUpdate.task_id, ProgressUpdate.created_at, ProgressUpdate.kind, ProgressUpdate.text, Department.name
        )
        .outerjoin(Department, Department.id == ProgressUpdate.department_id)
        .where(ProgressUpdate.task_id.in_(told_ids))
        .order_by(ProgressUpdate.created_at, ProgressUpdate.id)
    )
    zone = local_zone()
    for task_id, created_at, kind, text, department in updates:
        owner[task_id].updates.append(UpdateRecord(_local_date(created_at, zone), clause(text), kind, department))

    by_item: dict[int, list[TaskRecord]] = defaultdict(list)
    loose: dict[ItemKind, list[TaskRecord]] = defaultdict(list)  # a measure or shortcoming task without its item
    for task in tasks:
        if task.report_item_id is not None:
            by_item[task.report_item_id].append(task)
        elif task.kind in KIND_ORDER:
            loose[task.kind].append(task)

    def gather(kind: ItemKind) -> list[_Item]:
        gathered = [
            _Item(item.title, item.number_label, by_item.get(item.id, []), f"measure:{item.id}")
            for item in items
            if item.kind == kind
        ]
        gathered += [_Item(t.title, "", [t], f"measure:task:{t.id}") for t in loose[kind]]
        return gathered

    return _Records(
        measures=gather(ItemKind.MEASURE),
        shortcomings=gather(ItemKind.SHORTCOMING),
        annex_tasks=sorted(tasks, key=_annex_order),
        leader_duties=next((item.body for item in items if item.kind == ItemKind.LEADER_DUTIES), ""),
    )


def _record(row: sa.Row) -> TaskRecord:
    return TaskRecord(
        id=row.id,
        title=row.title,
        kind=row.kind,
        state=row.state,
        percent_done=row.percent_done,
        deadline=row.deadline,
        completed_on=row.completed_on,
        closure_summary=row.closure_summary or "",
        report_item_id=row.report_item_id,
        lead_department=row.name,
        label=row.number_label or "",
        position=row.position,
    )


def _local_date(moment: datetime, zone: ZoneInfo) -> date:
    """``tracker.clock.local_date`` with the zone looked up once, not once per update."""
    return moment.astimezone(zone).date()


def _annex_order(task: TaskRecord) -> tuple[int, int, int]:
    """Measures, then shortcomings, each in report order; then everything else (tasks created by
    hand for the report) as they were created (the query's order, which sorted() keeps)."""
    kind_rank = KIND_ORDER.get(task.kind, len(KIND_ORDER)) if task.kind is not None else len(KIND_ORDER)
    if kind_rank == len(KIND_ORDER):
        return (kind_rank, 0, 0)
    position = task.position if task.position is not None else 10**9
    return (kind_rank, position, 0)


# --- the annex --------------------------------------------------------------------------------


def build_annex(tasks: Sequence[TaskRecord], today: date) -> Annex:
    """One row per top-level task, numbered from 1, and totals:

    - ``tasks``: rows;
    - ``done``, ``open`` (未开始, 进行中 and 待审核), ``on_hold``, ``cancelled``: rows by state,
      which add up to ``tasks``;
    - ``on_time``: rows marked "按期" — done, with ``completed_on`` on or before the deadline (or
      no deadline);
    - ``late``: rows marked "逾期" — done after the deadline, or open with the deadline before
      ``today``.
    """
    rows = []
    for number, task in enumerate(tasks, start=1):
        closed_on = task.completed_on if task.state == TaskState.DONE else None
        rows.append(
            AnnexRow(
                number=number,
                title=task.title,  # the annex numbers its rows: "（一）" or "三是" would number them twice
                lead_department=task.lead_department if task.lead_department is not None else "未交办",
                deadline=task.deadline.isoformat() if task.deadline else "",
                state=STATE_NAMES[task.state],
                closed_on=closed_on.isoformat() if closed_on else "",
                timeliness=_timeliness(task, today),
            )
        )
    totals = {
        "tasks": len(tasks),
        "done": sum(t.state == TaskState.DONE for t in tasks),
        "on_time": sum(r.timeliness == "按期" for r in rows),
        "late": sum(r.timeliness == "逾期" for r in rows),
        "open": sum(t.state in OPEN_STATES for t in tasks),
        "on_hold": sum(t.state == TaskState.ON_HOLD for t in tasks),
        "cancelled": sum(t.state == TaskState.CANCELLED for t in tasks),
    }
    return Annex(rows=rows, totals=totals)


def _timeliness(task: TaskRecord, today: date) -> str:
    if task.state == TaskState.DONE and task.completed_on is not None:
        return "逾期" if task.deadline is not None and task.completed_on > task.deadline else "按期"
    return "逾期" if _overdue(task, today) else ""


def _overdue(task: TaskRecord, today: date) -> bool:
    return task.state in OPEN_STATES and task.deadline is not None and task.deadline < today


# --- wording ----------------------------------------------------------------------------------


def clause(text: str) -> str:
    """``text`` made fit to sit inside a sentence: one line, no spaces around Chinese, no runs of
    punctuation, no full stop inside, no punctuation at either end. May be empty."""
    text = _LINE_BREAKS.sub("；", text.strip())
    text = _SPACE_BY_CJK.sub("", text)
    text = _PUNCTUATION_RUN.sub(r"\1", text).strip(CLAUSE_EDGES)
    # A full stop inside would end the sentence before the date that follows it.
    return _PUNCTUATION_RUN.sub(r"\1", text.replace("。", "，"))


def full_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def measure_heading(number: int, title: str) -> str:
    """ "（三）深化改革，力保落实到位方面。" — without doubling a 方面 the title already ends with."""
    title = clause(title)
    suffix = "" if title.endswith("方面") else "方面"
    return f"（{int_to_cn(number)}）{title}{suffix}。"


def _chronicle(events: Iterable[tuple[date, str]], draft_year: int) -> str:
    """ "3月10日，A；5月20日，B" (no final mark); a date shared with the event before is not repeated."""
    parts = []
    year, previous = draft_year, None
    for day, text in events:
        if day == previous:
            parts.append(text)
            continue
        written = f"{day.month}月{day.day}日" if day.year == year else full_date(day)
        parts.append(f"{written}，{text}")
        year, previous = day.year, day
    return "；".join(parts)


class _Composer:
    def __init__(self, issuer: str, year: int, today: date, records: _Records) -> None:
        self.issuer = issuer
        self.year = year  # the source report's year; the draft reports on year + 1
        self.today = today
        self.records = records

    # --- structures

    def source_sections(self) -> list[Section]:
        return [
            _section("opening", "", 0, self.opening()),
            _section("achievements", ACHIEVEMENTS_HEADING, 1, ""),
            *self.measure_sections(),
            _section("shortcomings_and_measures", SHORTCOMINGS_AND_MEASURES_HEADING, 1, self.lead_in()),
            _section("open_shortcomings", OPEN_SHORTCOMINGS_HEADING, 2, self.open_shortcomings()),
            _section("carried_over", CARRIED_OVER_HEADING, 2, self.carried_over()),
            _section("new_measures", NEW_MEASURES_HEADING, 2, self.new_measures_placeholder(), placeholder=True),
        ]

    def statutory_sections(self) -> list[Section]:
        one, two, three, four, five = STATUTORY_HEADINGS
        return [
            _section("opening", "", 0, self.opening()),
            _section("part1", one, 1, ""),
            *self.measure_sections(),
            _section("part2", two, 1, f"{self.open_shortcomings()}\n{CAUSES_PLACEHOLDER}"),
            _section("part3", three, 1, self.leader_duties(), placeholder=True),
            _section("part4", four, 1, f"{self.carried_over()}\n{self.new_measures_placeholder()}"),
            _section("part5", five, 1, OTHER_MATTERS_PLACEHOLDER, placeholder=True),
        ]

    # --- sections

    def opening(self) -> str:
        intro = f"{self.year + 1}年，{self.issuer}认真落实{self.year}年度法治政府建设年度报告确定的各项工作措施"
        closing = "现将有关情况报告如下："
        measures = self.records.measures
        if not measures:
            return f"{intro}。{closing}"
        states = [m.state for m in measures]
        counts = (
            ("已办结", states.count(TaskState.DONE)),
            ("正在推进", states.count(TaskState.IN_PROGRESS) + states.count(TaskState.CLOSURE_PENDING)),
            ("尚未启动", states.count(TaskState.NOT_STARTED)),
            ("暂缓实施", states.count(TaskState.ON_HOLD)),
            ("已撤销", states.count(TaskState.CANCELLED)),
        )
        if counts[0][1] == len(measures):
            standing = f"{len(measures)}项措施均已办结"
        else:
            standing = "，".join(f"{words}{n}项" for words, n in counts if n)
        return f"{intro}，围绕{len(measures)}项整改措施逐项推进，截至{full_date(self.today)}，{standing}。{closing}"

    def measure_sections(self) -> list[Section]:
        return [
            _section(measure.key, measure_heading(n, measure.title), 2, self.measure_text(measure))
            for n, measure in enumerate(self.records.measures, start=1)
        ]

    def measure_text(self, measure: _Item) -> str:
        if not measure.tasks:
            return f"该项工作尚未交办。{NO_PROGRESS}"
        if len(measure.tasks) == 1:
            return self.task_paragraph(measure.tasks[0], "该项工作")
        # Several tasks carry one measure: a paragraph each, named by its title.
        return "\n".join(self.task_paragraph(t, f"“{clause(t.title)}”") for t in measure.tasks)

    def task_paragraph(self, task: TaskRecord, subject: str) -> str:
        if task.lead_department is not None:
            co = task.co_departments
            owners = f"{subject}由{task.lead_department}牵头" + (f"，{'、'.join(co)}配合" if co else "") + "。"
        else:
            owners = f"{subject}尚未明确牵头单位。"
        chronicle = _chronicle(self.events(task), self.year + 1)
        assisted = self.co_department_sentences(task)
        if chronicle:
            sentences = [owners, f"{chronicle}。", *assisted]
        else:
            sentences = [owners, NO_LEAD_PROGRESS if assisted else NO_PROGRESS, *assisted]
        if task.milestones:
            sentences.append("其中，" + "；".join(self.milestone_clause(m) for m in task.milestones) + "。")
        sentences.append(self.state_sentence(task))
        return "".join(sentences)

    def events(self, task: TaskRecord) -> list[tuple[date, str]]:
        """What the lead department reported of the task and its milestones, oldest first; the
        closure summary last when no update carries it (a task closed before closures were
        recorded as updates)."""
        events = [(u.day, u.text) for u in task.updates if u.kind != UpdateKind.ASSIST]
        summary = clause(task.closure_summary or "")
        if summary and task.completed_on is not None and summary not in {text for _, text in events}:
            events.append((task.completed_on, summary))
        return [(day, text) for day, text in events if text]

    def co_department_sentences(self, task: TaskRecord) -> list[str]:
        """ "配合单位治安支队：6月2日，A；7月1日，B。" for each co-department that reported its part
        of the task or its milestones (协办反馈), by department name."""
        events: dict[str, list[tuple[date, str]]] = defaultdict(list)
        for update in task.updates:
            if update.kind == UpdateKind.ASSIST and update.department is not None and update.text:
                events[update.department].append((update.day, update.text))
        return [f"配合单位{name}：{_chronicle(told, self.year + 1)}。" for name, told in sorted(events.items())]

    def milestone_clause(self, milestone: TaskRecord) -> str:
        title = f"“{clause(milestone.title)}”"
        owner = f"由{milestone.lead_department}负责，" if milestone.lead_department is not None else ""
        if milestone.state == TaskState.DONE:
            phrase = f"已于{full_date(milestone.completed_on)}完成" if milestone.completed_on else "已完成"
        else:
            phrase = MILESTONE_PHRASES[milestone.state]
        if _overdue(milestone, self.today):
            phrase += "，已超过完成时限"
        return f"{title}{owner}{phrase}"

    def state_sentence(self, task: TaskRecord) -> str:
        if task.state == TaskState.DONE:
            return f"该项工作已于{full_date(task.completed_on)}办结。" if task.completed_on else "该项工作已办结。"
        sentence = STATE_SENTENCES[task.state].format(percent=task.percent_done)
        if _overdue(task, self.today):
            assert task.deadline is not None
            sentence += f"按计划应于{full_date(task.deadline)}前完成，已超过完成时限，尚未办结。"
        return sentence

    def lead_in(self) -> str:
        return (
            f"{self.year + 1}年，{self.issuer}法治政府建设工作取得了一定成效，但对照上级的部署要求仍存在一些不足。"
            "下一步，将针对存在的不足，继续推进尚未完成的工作，研究确定新一年度的工作措施。"
        )

    def open_shortcomings(self) -> str:
        """ "一是…，目前正在整改，完成进度30%；二是…。" for every shortcoming not yet done."""
        counted = [s for s in self.records.shortcomings if s.state != TaskState.CANCELLED]
        remaining = [s for s in counted if s.state != TaskState.DONE]
        if not counted:
            return f"{self.year}年度报告未列出需要整改的不足。"
        if not remaining:
            return f"{self.year}年度报告查找的问题均已整改到位。"
        fixed = len(counted) - len(remaining)
        if fixed:
            intro = (
                f"{self.year}年度报告查找的{len(counted)}个方面不足中，{fixed}个已整改到位，"
                f"尚有{len(remaining)}个未整改到位："
            )
        else:
            intro = f"{self.year}年度报告查找的{len(counted)}个方面不足尚未整改到位："
        clauses = []
        for n, shortcoming in enumerate(remaining, start=1):
            if shortcoming.tasks:
                phrase = SHORTCOMING_PHRASES[shortcoming.state].format(percent=shortcoming.percent)
            else:
                phrase = "整改尚未交办"
            if shortcoming.overdue(self.today):
                phrase += "，已超过整改时限"
            clauses.append(f"{int_to_cn(n)}是{clause(shortcoming.title)}，{phrase}")
        return intro + "；".join(clauses) + "。"

    def carried_over(self) -> str:
        """ "一是…，目前完成进度40%，将继续推进。" for every measure neither done nor cancelled."""
        measures = self.records.measures
        carried = [m for m in measures if m.state not in (TaskState.DONE, TaskState.CANCELLED)]
        if not measures:
            return f"{self.year}年度报告未确定具体的工作措施。"
        if not carried:
            return f"{self.year}年度确定的工作措施均已完成。"
        sentences = [f"对{self.year}年度确定但尚未完成的{len(carried)}项工作措施，继续抓好落实。"]
        for n, measure in enumerate(carried, start=1):
            if not measure.tasks:
                phrase = "目前尚未交办，将抓紧推进"
            elif measure.state == TaskState.IN_PROGRESS and measure.overdue(self.today):
                phrase = f"目前完成进度{measure.percent}%，已超过完成时限，将加快推进"
            else:
                phrase = CARRIED_PHRASES[measure.state].format(percent=measure.percent)
            sentences.append(f"{int_to_cn(n)}是{clause(measure.title)}，{phrase}。")
        return "".join(sentences)

    def leader_duties(self) -> str:
        """Part 3: last year's account of the principal leaders' duties to rewrite, when the
        source report gave one, else a place to fill."""
        if not self.records.leader_duties:
            return RESPONSIBLE_LEADER_PLACEHOLDER
        return f"{RESPONSIBLE_LEADER_FROM_SOURCE}\n{self.records.leader_duties}"

    def new_measures_placeholder(self) -> str:
        # The draft reports on year Y+1, so its "next year" is Y+2.
        return f"【请在此填写{self.year + 2}年度新的工作措施】"


def _section(key: str, heading: str, level: int, text: str, *, placeholder: bool = False) -> Section:
    """A freshly composed section: nothing edited, nothing pending."""
    return Section(key=key, heading=heading, level=level, text=text, generated=text, placeholder=placeholder)
