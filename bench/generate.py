"""Fill a database with a synthetic province-wide load for the page benchmarks; print JSON.

    .venv/bin/python bench/generate.py --reset [--database-url URL] [--tasks 100000]
        [--departments 200] [--updates-per-task 5] [--users-per-department 3] [--reports N]
        [--seed 1] [--today 2026-12-01] [--batch-size 5000]

Without --database-url it writes the SQLite file ``bench/data/bench-<tasks>.db``. PostgreSQL:
``--database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench`` (the database is created
when missing). The schema comes from the app's migrations; rows go in with SQLAlchemy Core
executemany batches. Every account's password is ``bench-password``; the legal office signs in
as ``legal@bench.gov.cn``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import secrets
import sys
import time
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from config import Config  # noqa: E402

SHANGHAI = ZoneInfo("Asia/Shanghai")
BENCH_DIR = Path(__file__).resolve().parent
PASSWORD = "bench-password"
LEGAL_EMAIL = "legal@bench.gov.cn"
LEADER_EMAIL = "leader@bench.gov.cn"
ADMIN_EMAIL = "admin@bench.gov.cn"
DAY = 86_400.0

# ---------------------------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------------------------

CITIES = (
    "江州市", "云山市", "临川市", "青阳市", "白河市", "东平市", "安宁市", "清源市",
    "南岭市", "西溪市", "长乐市", "永和市", "金城市", "丰泽市",
)  # fmt: skip
AGENCIES = (
    "公安局", "司法局", "市场监督管理局", "生态环境局", "自然资源局", "住房和城乡建设局",
    "交通运输局", "卫生健康委员会", "应急管理局", "人力资源和社会保障局", "教育局", "农业农村局",
    "文化和旅游局", "城市管理综合执法局", "民政局", "财政局", "审计局", "医疗保障局", "水利局",
    "商务局",
)  # fmt: skip
PROVINCE_BODIES = (
    "省司法厅", "省公安厅", "省市场监督管理局", "省生态环境厅", "省自然资源厅", "省住房和城乡建设厅",
    "省交通运输厅", "省卫生健康委员会", "省应急管理厅", "省人力资源和社会保障厅", "省教育厅",
    "省农业农村厅", "省文化和旅游厅", "省民政厅", "省财政厅", "省审计厅", "省医疗保障局", "省水利厅",
    "省商务厅", "省政务服务和数据管理局",
)  # fmt: skip

MEASURES = (
    "加强执法规范化建设", "推进政务公开", "深化“放管服”改革", "健全重大行政决策程序",
    "全面落实行政执法“三项制度”", "加强规范性文件备案审查", "提升行政复议工作质效", "推进法治宣传教育",
    "加强执法人员培训", "完善行政执法监督机制", "推行包容审慎监管", "优化法治化营商环境",
    "推进“互联网+监管”", "规范涉企行政检查", "加强行政应诉工作", "落实法律顾问制度",
    "推进综合行政执法改革", "健全矛盾纠纷多元化解机制", "加强执法案卷评查", "提升政务服务“一网通办”水平",
    "推进执法信息化建设", "严格落实“谁执法谁普法”责任制", "规范行政裁量权基准", "加强合法性审查力量",
    "推进基层法治建设", "完善权责清单动态调整", "加强公共法律服务体系建设", "推行轻微违法免罚清单",
    "健全行政执法与刑事司法衔接机制", "深化政务诚信建设",
)  # fmt: skip
SHORTCOMINGS = (
    "执法规范化水平有待提高", "部分执法人员法治意识不强", "政务公开的深度和广度不够",
    "基层法治力量薄弱", "行政复议纠错率偏高", "规范性文件清理不及时", "执法信息化水平不高",
    "法治宣传针对性不强", "重大行政决策公众参与不足", "涉企检查频次偏多",
    "执法监督覆盖面不够", "行政应诉败诉案件较多",
)  # fmt: skip
DETAILS = (
    "完善执法案卷评查机制", "提升执法质量和效率", "明确责任分工和完成时限", "建立长效工作机制",
    "强化督促检查", "加强跟踪问效", "做好信息公开和解读", "推动问题整改到位", "确保各项措施落地见效",
    "健全考核评价体系", "加大培训和宣传力度", "形成可复制可推广的经验",
)  # fmt: skip
MILESTONES = (
    "制定工作方案", "完成调研摸底", "组织专项培训", "开展专项检查", "完成中期评估", "形成整改清单",
    "修订相关制度", "完成系统上线", "开展“回头看”", "形成工作总结",
)  # fmt: skip
DOCUMENTS = (
    "行政执法公示制度实施细则", "重大执法决定法制审核办法", "执法过错责任追究办法", "政务公开工作要点",
    "行政裁量权基准", "涉企行政检查规范", "法律顾问工作规则", "规范性文件管理办法",
)  # fmt: skip
PROGRESS = (
    "已组织开展专题培训{n}场，参训人员{m}人次。",
    "制定印发《{doc}》，明确责任分工和时间节点。",
    "开展专项检查{n}次，发现问题{k}个，已整改{j}个。",
    "召开工作推进会，研究部署下一阶段重点任务。",
    "完成执法案卷评查{m}宗，评查结果已在系统内通报。",
    "政务公开栏目已更新，主动公开信息{m}条。",
    "与{other}建立协作机制，联合开展执法检查{n}次。",
    "已完成调研摸底，形成问题清单{k}项。",
    "选派业务骨干{n}人参加省级业务培训，全部通过考核。",
    "修订完善内部管理制度{n}项，已提交党组会审议。",
    "督导检查发现的{k}个问题已全部整改到位。",
    "政务服务事项网上可办率提升至{p}%。",
    "本月无新的实质性进展，受人员调整影响，计划下月集中推进。",
    "已将阶段性整改情况报分管领导审阅，根据意见进一步完善。",
    "开展“以案释法”宣传活动{n}场，发放宣传资料{m}份。",
    "执法记录仪配备率达到{p}%，全过程记录制度已落实。",
)
CLOSURE = "申请办结：{n}项整改措施已全部完成，{doc}已印发，相关材料已上传，请法制部门审核。"
CLOSURE_SUMMARY = "已按要求完成全部整改措施，建立长效机制，形成工作总结报法制部门。"
RETURN_REASON = "该事项主要属于{other}职责，建议调整牵头单位。"
EXTENSION_REASON = "受机构改革和人员调整影响，需顺延一个月完成。"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文斌宇浩凯"

STATES = (  # (state, share)
    ("not_started", 0.25),
    ("in_progress", 0.40),
    ("pending_review", 0.10),
    ("done", 0.20),
    ("on_hold", 0.03),
    ("cancelled", 0.02),
)
OPEN = frozenset({"not_started", "in_progress", "pending_review"})
UPDATE_WEIGHT = {  # how many progress updates a task of that state gets, relatively
    "not_started": 0.0,
    "in_progress": 1.0,
    "pending_review": 1.2,
    "done": 1.4,
    "on_hold": 0.6,
    "cancelled": 0.3,
}


# ---------------------------------------------------------------------------------------------
# Database set-up
# ---------------------------------------------------------------------------------------------


def default_url(tasks: int) -> str:
    return f"sqlite:///{BENCH_DIR / 'data' / f'bench-{tasks}.db'}"


def absolute_url(database_url: str) -> str:
    """A relative SQLite path made absolute from the working directory (Flask-SQLAlchemy would
    otherwise resolve it inside ``instance/``)."""
    url = sa.make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        path = Path(url.database)
        if not path.is_absolute():
            return url.set(database=str(path.resolve())).render_as_string(hide_password=False)
    return database_url


def _refuse_test_database(url: sa.URL) -> None:
    if url.get_backend_name() != "sqlite" and url.database == "test":
        raise SystemExit("refusing to touch the database named 'test': other test runs use it")


def prepare_database(url: sa.URL, *, reset: bool) -> None:
    """Make sure the database exists (SQLite folder, PostgreSQL database) and, with ``reset``,
    that it is empty."""
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        path.parent.mkdir(parents=True, exist_ok=True)
        if reset:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    if url.get_backend_name() == "postgresql":
        _create_pg_database(url)
    if reset:
        engine = sa.create_engine(url)
        try:
            metadata = sa.MetaData()
            metadata.reflect(engine)
            metadata.drop_all(engine)
        finally:
            engine.dispose()


def _create_pg_database(url: sa.URL) -> None:
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database})
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
    finally:
        admin.dispose()


def bench_app(database_url: str) -> Any:
    """The app on ``database_url``: embedded-default config, no scheduler, no demo, fixed key."""
    from tracker import create_app

    return create_app(
        Config,
        {"DATABASE_URL": database_url, "SECRET_KEY": "bench-secret-key", "SCHEDULER": False, "DEMO_DATA": False},
    )


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def local_date(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


def at(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def insert_batches(conn: sa.Connection, table: sa.Table, rows: Iterable[dict[str, Any]], size: int) -> int:
    """executemany ``rows`` into ``table``, ``size`` rows at a time; returns the count."""
    batch: list[dict[str, Any]] = []
    count = 0
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            conn.execute(table.insert(), batch)
            count += len(batch)
            batch = []
    if batch:
        conn.execute(table.insert(), batch)
        count += len(batch)
    return count


def zipf_weights(n: int, s: float, rng: random.Random) -> list[float]:
    """Skewed weights (a few large, many small) in shuffled order."""
    weights = [1 / (rank + 1) ** s for rank in range(n)]
    rng.shuffle(weights)
    return weights


def department_names(count: int) -> list[str]:
    names = list(PROVINCE_BODIES)
    names += [city + agency for agency in AGENCIES for city in CITIES]
    if count > len(names):
        names += [f"{city}第{n}片区综合执法大队" for n in range(1, count) for city in CITIES]
    return names[:count]


# ---------------------------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------------------------


class Generator:
    def __init__(
        self,
        *,
        departments: int,
        tasks: int,
        updates_per_task: float,
        users_per_department: int,
        reports: int,
        seed: int,
        today: date,
        now: datetime,
        batch_size: int,
    ) -> None:
        self.rng = random.Random(seed)
        self.n_departments = departments
        self.n_tasks = tasks
        self.n_updates = round(tasks * updates_per_task)
        self.users_per_department = users_per_department
        self.n_reports = reports
        self.today = today
        self.now = now
        self.now_ts = now.timestamp()
        self.batch_size = batch_size
        self.counts: Counter[str] = Counter()

    # -- people ---------------------------------------------------------------------------

    def person_name(self) -> str:
        rng = self.rng
        return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))

    def people(self, conn: sa.Connection) -> None:
        from werkzeug.security import generate_password_hash

        from tracker.models import Department, User

        created = self.now - timedelta(days=400)
        self.department_names = department_names(self.n_departments)
        departments = [
            {"id": i, "name": name, "is_active": True, "created_at": created}
            for i, name in enumerate(self.department_names, start=1)
        ]
        self.counts["departments"] = insert_batches(conn, Department.__table__, departments, self.batch_size)

        password_hash = generate_password_hash(PASSWORD)  # one hash, shared by every account
        users: list[dict[str, Any]] = []

        def user(email: str, name: str, role: str, department_id: int | None) -> int:
            users.append(
                {
                    "id": len(users) + 1,
                    "email": email,
                    "name": name,
                    "password_hash": password_hash,
                    "role": role,
                    "department_id": department_id,
                    "is_active": True,
                    "locale": "zh",
                    "reminder_mode": "every",
                    "session_token": secrets.token_hex(16),
                    "calendar_token": None,
                    "created_at": created,
                }
            )
            return len(users)

        self.legal_id = user(LEGAL_EMAIL, "王法制", "legal", 1)
        self.leader_id = user(LEADER_EMAIL, "李厅长", "leader", None)
        user(ADMIN_EMAIL, "系统管理员", "admin", None)
        self.heads: dict[int, int] = {}
        self.staff: dict[int, list[int]] = {}
        for department_id in range(1, self.n_departments + 1):
            self.heads[department_id] = user(
                f"head.d{department_id}@bench.gov.cn", self.person_name(), "head", department_id
            )
            self.staff[department_id] = [
                user(f"staff.d{department_id}.{k}@bench.gov.cn", self.person_name(), "staff", department_id)
                for k in range(1, self.users_per_department)
            ]
        self.counts["users"] = insert_batches(conn, User.__table__, users, self.batch_size)

    # -- reports --------------------------------------------------------------------------

    def source_reports(self, conn: sa.Connection) -> None:
        from tracker.importer.labels import int_to_cn
        from tracker.models import ReportItem, SourceReport

        rng = self.rng
        issuers = ["省人民政府"] + [f"{city}人民政府" for city in CITIES] + list(PROVINCE_BODIES)
        year = self.today.year - 1
        reports: list[dict[str, Any]] = []
        items: list[dict[str, Any]] = []
        self.report_items: list[list[tuple[int, str, str]]] = []  # per report: (item id, kind, title)
        self.report_created: list[float] = []
        for r in range(1, self.n_reports + 1):
            issuer = issuers[(r - 1) % len(issuers)]
            created = self.now_ts - rng.uniform(150, 360) * DAY
            self.report_created.append(created)
            lines = [f"{issuer}{year}年法治政府建设年度报告", "", "一、工作情况及成效"]
            chosen: list[tuple[int, str, str]] = []
            for kind, phrases, count in (
                ("achievement", MEASURES, rng.randint(5, 11)),
                ("shortcoming", SHORTCOMINGS, rng.randint(3, 6)),
                ("measure", MEASURES, rng.randint(10, 30)),
            ):
                if kind == "shortcoming":
                    lines += ["", "二、存在不足及下一步工作对策", "存在的不足主要有："]
                if kind == "measure":
                    lines += ["下一步，我们将重点做好以下工作："]
                for position in range(1, count + 1):
                    phrase = rng.choice(phrases)
                    title = phrase if kind == "shortcoming" else f"{phrase}，{rng.choice(DETAILS)}"
                    if kind == "achievement":
                        title = title.replace("加强", "持续加强").replace("推进", "扎实推进")
                    body = f"围绕{phrase}，{rng.choice(DETAILS)}，{rng.choice(DETAILS)}，确保取得实效。"
                    label = f"（{int_to_cn(position)}）"
                    item_id = len(items) + 1
                    items.append(
                        {
                            "id": item_id,
                            "report_id": r,
                            "kind": kind,
                            "number_label": label,
                            "title": title,
                            "body": body,
                            "position": position,
                        }
                    )
                    lines.append(f"{label}{title}。{body}")
                    if kind != "achievement":
                        chosen.append((item_id, kind, title))
            self.report_items.append(chosen)
            lines += ["", issuer, f"{year + 1}年1月{rng.randint(5, 28)}日"]
            text = "\n".join(lines)
            reports.append(
                {
                    "id": r,
                    "title": f"{issuer}{year}年法治政府建设年度报告",
                    "issuer": issuer,
                    "year": year,
                    "report_date": local_date(at(created)),
                    "status": "confirmed",
                    "original_filename": f"bench-report-{r}.txt",
                    "original_text": text,
                    "original_file": None,
                    "content_sha256": hashlib.sha256(f"{r}:{text}".encode()).hexdigest(),
                    "imported_by_id": self.legal_id,
                    "created_at": at(created),
                }
            )
        self.counts["source_reports"] = insert_batches(conn, SourceReport.__table__, reports, self.batch_size)
        self.counts["report_items"] = insert_batches(conn, ReportItem.__table__, items, self.batch_size)

    # -- tasks: the plan ------------------------------------------------------------------

    def plan(self) -> None:
        """Decide each task's state and whether it is a milestone (of which parent), then how many
        progress updates each gets, so that the total is exactly ``n_updates``."""
        rng = self.rng
        n = self.n_tasks
        n_milestones = round(n * 0.10) if n >= 10 else 0
        self.n_top = n - n_milestones
        states = [s for s, _ in STATES]
        shares = [w for _, w in STATES]
        self.states = rng.choices(states, shares, k=n)
        # Milestones come last (they are added after the tasks they split), under open or done parents.
        # Milestones split tasks a department has taken on (so the parent was acknowledged).
        taken_on = {"in_progress", "pending_review", "done", "on_hold"}
        candidates = [i for i in range(self.n_top) if self.states[i] in taken_on] or list(range(self.n_top))
        self.parent_of: dict[int, int] = {}
        for i in range(self.n_top, n):
            parent = rng.choice(candidates)
            self.parent_of[i] = parent
            if self.states[parent] == "done":
                self.states[i] = "done"
            elif self.states[parent] == "on_hold" and self.states[i] in OPEN:
                self.states[i] = "on_hold"
        self.parents = set(self.parent_of.values())

        weights = [UPDATE_WEIGHT[s] * (0.5 if i >= self.n_top else 1.0) for i, s in enumerate(self.states)]
        minimum = [1 if s in {"done", "pending_review"} else 0 for s in self.states]
        counts = [0] * n
        # A few busy tasks with long histories (the task page benchmark opens one).
        busy = [i for i in range(self.n_top) if self.states[i] in {"in_progress", "done"}]
        n_busy = min(len(busy), max(1, n // 1000)) if self.n_updates >= 200 else 0
        for i in rng.sample(busy, n_busy):
            counts[i] = rng.randint(60, 150)
            weights[i] = 0.0
        remaining = max(0, self.n_updates - sum(counts))
        total_weight = sum(weights) or 1.0
        scale = remaining / total_weight
        for i in range(n):
            if weights[i]:
                counts[i] = max(minimum[i], round(weights[i] * scale * rng.uniform(0.3, 1.7)))
            else:
                counts[i] = max(minimum[i], counts[i])
        # Adjust to the exact total.
        eligible = [i for i in range(n) if weights[i]]
        diff = self.n_updates - sum(counts)
        while diff > 0 and eligible:
            counts[rng.choice(eligible)] += 1
            diff -= 1
        reducible = [i for i in range(n) if counts[i] > minimum[i]]
        while diff < 0 and reducible:
            i = rng.choice(reducible)
            if counts[i] > minimum[i]:
                counts[i] -= 1
                diff += 1
            else:
                reducible.remove(i)
        self.update_counts = counts

        self.department_weights = zipf_weights(self.n_departments, 1.0, rng)
        self.report_weights = [rng.uniform(0.5, 3.0) for _ in range(self.n_reports)]
        self.report_weights[0] *= 2  # the province's own report is the largest

    # -- tasks: rows ----------------------------------------------------------------------

    def pick_departments(self) -> tuple[int, list[int]]:
        rng = self.rng
        lead = rng.choices(range(1, self.n_departments + 1), self.department_weights)[0]
        co: list[int] = []
        if self.n_departments > 1 and rng.random() < 0.30:
            wanted = min(self.n_departments - 1, rng.choices((1, 2, 3), (6, 3, 1))[0])
            while len(co) < wanted:
                other = rng.randint(1, self.n_departments)
                if other != lead and other not in co:
                    co.append(other)
        return lead, co

    def deadline_offset(self) -> int:
        """Days from today: overdue, due soon or further away."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.20:
            return -rng.randint(1, 90)
        if roll < 0.28:
            return rng.randint(0, 7)
        return rng.randint(8, 300)

    def task_row(self, i: int, parent: dict[str, Any] | None) -> dict[str, Any]:
        rng = self.rng
        task_id = i + 1
        state = self.states[i]
        if parent is None:
            if rng.random() < 0.02:  # created by hand, not from a report
                report_id = item_id = None
                kind = None
                base_title = f"{rng.choice(MEASURES)}，{rng.choice(DETAILS)}"
                created = self.now_ts - rng.uniform(60, 300) * DAY
            else:
                r = rng.choices(range(self.n_reports), self.report_weights)[0]
                report_id = r + 1
                item_id, kind, base_title = rng.choice(self.report_items[r])
                created = self.report_created[r] + rng.uniform(1, 20) * DAY
            lead, co = self.pick_departments()
            title = f"{base_title}（{self.department_names[lead - 1]}）"
            description = (
                f"按照报告要求，{self.department_names[lead - 1]}牵头，{rng.choice(DETAILS)}，{rng.choice(DETAILS)}。"
            )
            priority = rng.choices(("normal", "high", "urgent"), (80, 15, 5))[0]
        else:
            report_id, item_id, kind = parent["report_id"], None, parent["kind"]
            lead, co = parent["lead_department_id"], parent["_co"]
            title = f"{rng.choice(MILESTONES)}：{parent['_base']}"
            base_title = parent["_base"]
            description = ""
            priority = parent["priority"]
            created = (parent["_ack_ts"] or parent["_created_ts"]) + rng.uniform(1, 30) * DAY
            created = min(created, self.now_ts - DAY)
        created = min(created, self.now_ts - 2 * DAY)
        start_date = local_date(at(created))

        # 交办 and 签收
        assignment = "acknowledged"
        return_reason = ""
        if state == "not_started" and parent is None:
            assignment = rng.choices(("acknowledged", "assigned", "unassigned", "returned"), (78, 14, 5, 3))[0]
        assigned_ts: float | None = created + rng.uniform(0.1, 3) * DAY
        ack_ts: float | None = assigned_ts + rng.uniform(0.1, 3) * DAY
        if state == "not_started":
            # Handed over recently, or a while ago and still not begun.
            assigned_ts = max(created, self.now_ts - rng.expovariate(1 / 20) * DAY - 3 * DAY)
            ack_ts = min(self.now_ts, assigned_ts + rng.uniform(0.1, 3) * DAY)
        if parent is not None:
            assigned_ts = created
            ack_ts = parent["_ack_ts"] if parent["_ack_ts"] is not None else created
        if assignment == "assigned":
            assigned_ts = self.now_ts - rng.uniform(0.2, 10) * DAY
            ack_ts = None
        elif assignment == "unassigned":
            assigned_ts = ack_ts = None
        elif assignment == "returned":
            ack_ts = None
            return_reason = RETURN_REASON.format(other=self.department_names[rng.randrange(self.n_departments)])
        assert created <= self.now_ts

        # Deadline, completion
        completed_ts: float | None = None
        if state == "done":
            low = (ack_ts or created) + 10 * DAY
            completed_ts = rng.uniform(min(low, self.now_ts - DAY), self.now_ts - 0.5 * DAY)
            if parent is not None and parent.get("_completed_ts"):
                completed_ts = min(completed_ts, parent["_completed_ts"] - 0.1 * DAY)
                completed_ts = max(completed_ts, created + 0.1 * DAY)
            deadline = local_date(at(completed_ts)) + timedelta(
                days=rng.choices((rng.randint(-30, -1), rng.randint(0, 60)), (2, 8))[0]
            )
        else:
            deadline = self.today + timedelta(days=self.deadline_offset())
        deadline = max(deadline, start_date + timedelta(days=14))
        if parent is not None and parent["deadline"] is not None:
            deadline = min(deadline, parent["deadline"])
            deadline = max(deadline, start_date)
        extension_count = 0
        if state != "not_started" and rng.random() < 0.10:
            extension_count = rng.choices((1, 2), (8, 2))[0]
        original_deadline = deadline - timedelta(days=30 * extension_count)

        percent = {
            "not_started": 0,
            "in_progress": rng.randrange(10, 95, 5),
            "pending_review": 100,
            "done": 100,
            "on_hold": rng.randrange(10, 65, 5),
            "cancelled": rng.randrange(0, 45, 5),
        }[state]
        sent_back = 0
        if state in {"done", "pending_review"} and rng.random() < 0.08:
            sent_back = rng.choices((1, 2), (9, 1))[0]

        assignee = None
        if assignment == "acknowledged" and rng.random() < 0.64:
            people = self.staff[lead] if self.staff[lead] and rng.random() < 0.7 else [self.heads[lead]]
            assignee = rng.choice(people)

        return {
            "id": task_id,
            "report_id": report_id,
            "report_item_id": item_id,
            "parent_id": parent["id"] if parent is not None else None,
            "kind": kind,
            "title": title,
            "description": description,
            "lead_department_id": lead,
            "assignee_id": assignee,
            "start_date": start_date,
            "deadline": deadline,
            "state": state,
            "percent_done": percent,
            "priority": priority,
            "assignment": assignment,
            "assigned_at": at(assigned_ts) if assigned_ts is not None else None,
            "acknowledged_at": at(ack_ts) if ack_ts is not None else None,
            "return_reason": return_reason,
            "original_deadline": original_deadline,
            "extension_count": extension_count,
            "sent_back_count": sent_back,
            "closure_summary": CLOSURE_SUMMARY if state in {"done", "pending_review"} else "",
            "reminder_overrides": None,
            "completed_at": at(completed_ts) if completed_ts is not None else None,
            "completed_on": local_date(at(completed_ts)) if completed_ts is not None else None,
            "last_progress_at": None,  # set from the updates below
            "created_at": at(created),
            "updated_at": at(created),
            "version": 1,
            # private, for milestones and updates; stripped before the insert
            "_co": co,
            "_base": base_title,
            "_created_ts": created,
            "_ack_ts": ack_ts,
            "_completed_ts": completed_ts,
        }

    def progress_text(self) -> str:
        """One of a few thousand varied sentences (drawn once: formatting each one is slow)."""
        if not hasattr(self, "_texts"):
            rng = self.rng
            self._texts = [
                rng.choice(PROGRESS).format(
                    n=rng.randint(1, 12),
                    m=rng.randint(20, 600),
                    k=rng.randint(3, 30),
                    j=rng.randint(1, 3),
                    p=rng.randint(80, 100),
                    doc=rng.choice(DOCUMENTS),
                    other=rng.choice(self.department_names),
                )
                for _ in range(4000)
            ]
        return self.rng.choice(self._texts)

    def updates_for(self, task: dict[str, Any], count: int, next_id: int) -> list[dict[str, Any]]:
        """``count`` updates with increasing times; sets the task's last_progress_at and updated_at."""
        if count == 0:
            return []
        rng = self.rng
        state = task["state"]
        start = (task["_ack_ts"] or task["_created_ts"]) + 3600
        if state == "done":
            end = task["_completed_ts"] - rng.uniform(0.05, 5) * DAY
        elif state == "pending_review":
            end = self.now_ts - rng.uniform(0, 10) * DAY
        elif state == "in_progress":
            end = self.now_ts - rng.expovariate(1 / 12) * DAY
        elif state == "on_hold":
            end = self.now_ts - rng.uniform(20, 90) * DAY
        else:
            end = self.now_ts - rng.uniform(10, 120) * DAY
        end = min(self.now_ts - 60, max(end, start + 3600))
        start = min(start, end - 60)
        times = sorted(rng.uniform(start, end) for _ in range(count - 1)) + [end]
        for k in range(1, count):  # strictly increasing
            if times[k] <= times[k - 1]:
                times[k] = times[k - 1] + 0.001
        closing = state in {"done", "pending_review"}
        final = task["percent_done"]
        author = task["assignee_id"] or self.heads[task["lead_department_id"]]
        rows = []
        for k, ts in enumerate(times):
            is_closure = closing and k == count - 1
            if is_closure:
                percent, kind = 100, "closure"
                text = CLOSURE.format(n=rng.randint(2, 8), doc=rng.choice(DOCUMENTS))
            else:
                top = 90 if closing else final
                percent, kind = min(top, 5 * round(top * (k + 1) / count / 5)), "progress"
                text = self.progress_text()
            rows.append(
                {
                    "id": next_id + k,
                    "task_id": task["id"],
                    "author_id": author,
                    "department_id": task["lead_department_id"],
                    "kind": kind,
                    "percent_done": percent,
                    "text": text,
                    "created_at": at(ts),
                }
            )
        task["last_progress_at"] = rows[-1]["created_at"]
        return rows

    def extension_rows(self, task: dict[str, Any], next_id: int) -> list[dict[str, Any]]:
        rng = self.rng
        rows = []
        author = task["assignee_id"] or self.heads[task["lead_department_id"]]
        current = task["original_deadline"]
        when = (task["_ack_ts"] or task["_created_ts"]) + rng.uniform(5, 40) * DAY
        when = min(when, self.now_ts - 3 * DAY)
        for k in range(task["extension_count"]):
            rows.append(
                {
                    "id": next_id + k,
                    "task_id": task["id"],
                    "requested_by_id": author,
                    "reason": EXTENSION_REASON,
                    "current_deadline": current,
                    "requested_deadline": current + timedelta(days=30),
                    "status": "approved",
                    "decided_by_id": self.legal_id,
                    "decided_at": at(when + DAY),
                    "decision_note": "同意。",
                    "created_at": at(when),
                }
            )
            current += timedelta(days=30)
            when = min(when + rng.uniform(5, 30) * DAY, self.now_ts - DAY)
        if (
            task["state"] in {"in_progress", "not_started"}
            and task["assignment"] == "acknowledged"
            and rng.random() < 0.015
        ):
            rows.append(
                {
                    "id": next_id + len(rows),
                    "task_id": task["id"],
                    "requested_by_id": author,
                    "reason": EXTENSION_REASON,
                    "current_deadline": task["deadline"],
                    "requested_deadline": task["deadline"] + timedelta(days=30),
                    "status": "pending",
                    "decided_by_id": None,
                    "decided_at": None,
                    "decision_note": "",
                    "created_at": at(self.now_ts - rng.uniform(0.1, 5) * DAY),
                }
            )
        return rows

    def audit_rows(self, task: dict[str, Any], next_id: int) -> list[dict[str, Any]]:
        rows = []

        def event(action: str, when: datetime, before: dict[str, Any], after: dict[str, Any]) -> None:
            rows.append(
                {
                    "id": next_id + len(rows),
                    "actor_id": self.legal_id,
                    "action": action,
                    "object_type": "task",
                    "object_id": task["id"],
                    "before": before,
                    "after": after,
                    "remote_addr": None,
                    "created_at": when,
                }
            )

        if task["assigned_at"] is not None:
            event(
                "task_assigned",
                task["assigned_at"],
                {"assignment": "unassigned"},
                {
                    "assignment": "assigned",
                    "lead_department_id": task["lead_department_id"],
                    "deadline": task["original_deadline"].isoformat(),
                },
            )
        if task["completed_at"] is not None:
            event("closure_verified", task["completed_at"], {"state": "pending_review"}, {"state": "done"})
        return rows

    def tasks(self, conn: sa.Connection) -> None:
        from tracker.models import AuditEvent, ExtensionRequest, ProgressUpdate, Task, TaskSearch, task_co_departments
        from tracker.models.search import SEARCHED_UPDATES, index_row, searchable_text

        next_update = next_extension = next_audit = 1
        parents: dict[int, dict[str, Any]] = {}
        size = self.batch_size
        for chunk_start in range(0, self.n_tasks, size):
            task_rows, co_rows, update_rows, extension_rows, audit_rows = [], [], [], [], []
            search_rows = []
            for i in range(chunk_start, min(self.n_tasks, chunk_start + size)):
                parent = parents.get(self.parent_of[i]) if i in self.parent_of else None
                task = self.task_row(i, parent)
                updates = self.updates_for(task, self.update_counts[i], next_update)
                next_update += len(updates)
                update_rows += updates
                # The search index as the app's flush hook would keep it: the latest updates first.
                latest = [u["text"] for u in reversed(updates[-SEARCHED_UPDATES:])]
                search_rows.append(index_row(task["id"], searchable_text(task["title"], task["description"], latest)))
                extensions = self.extension_rows(task, next_extension)
                next_extension += len(extensions)
                extension_rows += extensions
                audits = self.audit_rows(task, next_audit)
                next_audit += len(audits)
                audit_rows += audits
                co_rows += [{"task_id": task["id"], "department_id": d} for d in task["_co"]]
                moments = [task["created_at"], task["assigned_at"], task["acknowledged_at"]]
                moments += [task["last_progress_at"], task["completed_at"]]
                task["updated_at"] = max(m for m in moments if m is not None)
                if i in self.parents:
                    parents[i] = task
                task_rows.append({k: v for k, v in task.items() if not k.startswith("_")})
            self.counts["tasks"] += insert_batches(conn, Task.__table__, task_rows, size)
            self.counts["task_co_departments"] += insert_batches(conn, task_co_departments, co_rows, size)
            self.counts["progress_updates"] += insert_batches(conn, ProgressUpdate.__table__, update_rows, size)
            self.counts["extension_requests"] += insert_batches(conn, ExtensionRequest.__table__, extension_rows, size)
            self.counts["audit_events"] += insert_batches(conn, AuditEvent.__table__, audit_rows, size)
            self.counts["task_search"] += insert_batches(conn, TaskSearch.__table__, search_rows, size)

    def report_audit(self, conn: sa.Connection) -> None:
        from tracker.models import AuditEvent

        start = conn.scalar(sa.select(sa.func.coalesce(sa.func.max(AuditEvent.id), 0))) + 1
        rows = (
            {
                "id": start + r,
                "actor_id": self.legal_id,
                "action": "report_imported",
                "object_type": "source_report",
                "object_id": r + 1,
                "before": None,
                "after": {"filename": f"bench-report-{r + 1}.txt"},
                "remote_addr": "127.0.0.1",
                "created_at": at(self.report_created[r]),
            }
            for r in range(self.n_reports)
        )
        self.counts["audit_events"] += insert_batches(conn, AuditEvent.__table__, rows, self.batch_size)


def reset_sequences(conn: sa.Connection, tables: Iterable[str]) -> None:
    """Explicit ids bypass PostgreSQL's sequences: move each past the largest id."""
    for table in tables:
        conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))


def lights_and_states(today: date) -> tuple[dict[str, int], dict[str, int]]:
    """Counts by traffic light (as the app computes it on ``today``) and by state; needs an app context."""
    from tracker.extensions import db
    from tracker.models import Task
    from tracker.services.deadlines import Thresholds
    from tracker.services.workdays import WorkCalendar

    light = Thresholds.on(today, WorkCalendar.load()).light().label("light")
    lights = dict(db.session.execute(sa.select(light, sa.func.count()).select_from(Task).group_by(light)).all())
    states = dict(db.session.execute(sa.select(Task.state, sa.func.count()).group_by(Task.state)).all())
    return {k: lights[k] for k in sorted(lights)}, {str(k): v for k, v in sorted(states.items())}


def generate(
    database_url: str | None = None,
    *,
    departments: int | None = None,
    tasks: int = 100_000,
    updates_per_task: float = 5.0,
    users_per_department: int = 3,
    reports: int | None = None,
    seed: int = 1,
    today: date | None = None,
    reset: bool = False,
    batch_size: int = 5000,
) -> dict[str, Any]:
    """Migrate ``database_url`` and fill it; return a summary (counts, lights, seconds)."""
    started = time.perf_counter()
    database_url = absolute_url(database_url or default_url(tasks))
    url = sa.make_url(database_url)
    _refuse_test_database(url)
    if users_per_department < 1:
        raise SystemExit("--users-per-department must be at least 1 (the head)")
    departments = departments or max(5, round(tasks / 500))
    reports = reports or max(3, tasks // 10_000)
    real_now = datetime.now(UTC)
    today = today or local_date(real_now)
    # "Now" is the real instant on the real today, else the evening of the given day.
    now = (
        real_now if today == local_date(real_now) else datetime.combine(today, clock_time(18), SHANGHAI).astimezone(UTC)
    )

    prepare_database(url, reset=reset)
    from flask_migrate import upgrade

    from tracker.extensions import db
    from tracker.models import Task
    from tracker.models.search import GRAMS_INDEX

    app = bench_app(database_url)
    timings: dict[str, float] = {}
    with app.app_context():
        t = time.perf_counter()
        upgrade()
        timings["migrate"] = time.perf_counter() - t
        engine = db.engine
        dialect = engine.dialect.name
        with engine.connect() as conn:
            if conn.scalar(sa.select(sa.func.count()).select_from(Task.__table__)):
                raise SystemExit(f"{url.render_as_string()} already holds tasks; pass --reset to start afresh")

        generator = Generator(
            departments=departments,
            tasks=tasks,
            updates_per_task=updates_per_task,
            users_per_department=users_per_department,
            reports=reports,
            seed=seed,
            today=today,
            now=now,
            batch_size=batch_size,
        )
        t = time.perf_counter()
        with engine.begin() as conn:
            if dialect == "sqlite":
                conn.exec_driver_sql("PRAGMA synchronous=OFF")
            if dialect == "postgresql":
                GRAMS_INDEX.drop(conn)  # one build after the load is much faster than 100,000 inserts into it
            generator.people(conn)
            generator.source_reports(conn)
            generator.plan()
            generator.tasks(conn)
            generator.report_audit(conn)
            if dialect == "postgresql":
                GRAMS_INDEX.create(conn)
                reset_sequences(
                    conn,
                    ("departments", "users", "source_reports", "report_items", "tasks", "progress_updates")
                    + ("extension_requests", "audit_events"),
                )
        timings["insert"] = time.perf_counter() - t

        t = time.perf_counter()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            # VACUUM too: a bulk load leaves no visibility map, so no index-only scan would be
            # possible, unlike in a database that has been running (autovacuum keeps it).
            conn.exec_driver_sql("VACUUM ANALYZE" if dialect == "postgresql" else "ANALYZE")
            if dialect == "postgresql":
                # The planner's cost of a random read on SSD storage, as README's deployment
                # section recommends; with the default (4, for spinning disks) PostgreSQL scans
                # the whole table where the covering index would do.
                conn.exec_driver_sql(f'ALTER DATABASE "{engine.url.database}" SET random_page_cost = 1.1')
        timings["analyze"] = time.perf_counter() - t

        lights, states = lights_and_states(today)
        with engine.connect() as conn:
            biggest = conn.execute(
                sa.text(
                    "SELECT d.id, d.name, count(*) AS n FROM tasks t JOIN departments d ON d.id = t.lead_department_id "
                    "GROUP BY d.id, d.name ORDER BY n DESC, d.id LIMIT 1"
                )
            ).one()
            max_updates = conn.scalar(
                sa.text("SELECT max(n) FROM (SELECT count(*) AS n FROM progress_updates GROUP BY task_id) AS c")
            )
        db.session.remove()
        engine.dispose()

    return {
        "database": dialect,
        "url": url.render_as_string(hide_password=True),
        "today": today.isoformat(),
        "seed": seed,
        "counts": dict(sorted(generator.counts.items())),
        "top_level_tasks": generator.n_top,
        "states": states,
        "lights": lights,
        "largest_department": {"id": biggest.id, "name": biggest.name, "tasks": biggest.n},
        "max_updates_per_task": max_updates or 0,
        "seconds": {k: round(v, 2) for k, v in timings.items()} | {"total": round(time.perf_counter() - started, 2)},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="SQLAlchemy URL (default: SQLite file bench/data/bench-<tasks>.db)")
    parser.add_argument("--tasks", type=int, default=100_000, help="tasks, milestones included (10%% are milestones)")
    parser.add_argument("--departments", type=int, default=None, help="departments (default: tasks/500, at least 5)")
    parser.add_argument("--updates-per-task", type=float, default=5.0, help="progress updates per task, on average")
    parser.add_argument("--users-per-department", type=int, default=3, help="one head plus staff")
    parser.add_argument("--reports", type=int, default=None, help="source reports (default: tasks/10000, at least 3)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--today", type=date.fromisoformat, default=None, help="reference date, YYYY-MM-DD (default: today in Shanghai)"
    )
    parser.add_argument("--reset", action="store_true", help="drop every table (or delete the SQLite file) first")
    parser.add_argument("--batch-size", type=int, default=5000, help="rows per executemany")
    args = parser.parse_args(argv)
    summary = generate(
        args.database_url,
        departments=args.departments,
        tasks=args.tasks,
        updates_per_task=args.updates_per_task,
        users_per_department=args.users_per_department,
        reports=args.reports,
        seed=args.seed,
        today=args.today,
        reset=args.reset,
        batch_size=args.batch_size,
    )
    print(json.dumps(summary, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
