"""The office's own people sheet (通讯录): read it, plan what importing it would change, apply
the plan; and write the people back out as the same sheet, or as an empty template.

A sheet has one row per person: 部门, 姓名, 职务/角色, 邮箱 and, optionally, 手机, in any order,
under a header row recognised by name (a title row above it is fine). A row with only 部门
names a department without people. People are matched by e-mail: a known address updates
that user, a new one creates a user without a password, who is sent a link to set one.

Planning writes nothing. Applying is refused while the plan has problems, and changes only what
differs, so importing the same sheet twice changes nothing the second time; it creates the new
people first, then promotes administrators, then makes the other updates, so that there is always
an administrator along the way. Nobody is ever deactivated: the active people the sheet leaves
out are only listed. The caller commits.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from sqlalchemy.orm import selectinload

from tracker.extensions import db
from tracker.models import Department, Role, User
from tracker.names import ROLE_NAMES
from tracker.services import people, sign_in_links, staffing
from tracker.services.people import (
    EMAIL_PATTERN,
    MAX_EMAIL_LENGTH,
    MAX_NAME_LENGTH,
    MAX_PHONE_LENGTH,
    HeadlessDepartment,
    PeopleError,
)

# The columns, by the name written in the header row of an export and of the template.
DEPARTMENT, NAME, ROLE, EMAIL, PHONE = "部门", "姓名", "职务/角色", "邮箱", "手机"
HEADERS = (DEPARTMENT, NAME, ROLE, EMAIL, PHONE)
# What offices write in the header row, compared after :func:`_folded` (so 邮 箱 and Ｅｍａｉｌ count).
HEADER_NAMES = {
    DEPARTMENT: ("部门", "部门名称", "所在部门"),
    NAME: ("姓名",),
    ROLE: ("职务/角色", "角色", "职务"),
    EMAIL: ("邮箱", "电子邮箱", "电子邮件", "email", "e-mail"),
    PHONE: ("手机", "手机号", "手机号码", "电话"),
}
REQUIRED_COLUMNS = (DEPARTMENT, NAME, ROLE, EMAIL)
# Besides the app's own names of the roles and their values, what a sheet may say.
ROLE_ALIASES = {
    "领导": Role.LEADER,
    "管理员": Role.ADMIN,
    "部门工作人员": Role.STAFF,
    "法制": Role.LEGAL,
    "法制科": Role.LEGAL,
}
HEADER_SEARCH_ROWS = 10  # the header row is among the first rows (a title may come first)
MAX_ROWS = 5000  # far above any office's people; a bigger sheet is a mistake, refused before planning
MAX_UNPACKED_BYTES = 50 * 1024 * 1024  # an .xlsx that inflates beyond this is no 通讯录 (a zip bomb)
CSV_ENCODINGS = ("utf-8-sig", "gb18030")  # Excel's "CSV UTF-8", then what WPS and older Excel write
EXAMPLE_ROW = ("交警支队", "张三", "部门负责人", "zhangsan@example.gov.cn", "13800000000")
SHEET_TITLE = "通讯录"


class SheetError(PeopleError):
    """The file is not a people sheet that can be read (type, encoding, header, size); ``message``
    says why, in the user's language."""


@dataclass(frozen=True)
class SheetRow:
    """One non-blank row as read: ``number`` as the spreadsheet shows it; cells trimmed, '' when blank."""

    number: int
    department: str
    name: str
    role: str
    email: str
    phone: str | None  # None when the sheet has no phone column: phones are then left alone


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass(frozen=True)
class PlannedPerson:
    """A person of the sheet: new (``user`` None), changed (``changes`` names the columns) or as is."""

    row: int
    email: str
    name: str
    role: Role
    department: str | None
    phone: str | None
    keep_phone: bool  # the sheet has no phone column
    user: User | None = None
    changes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        data = {
            "row": self.row,
            "email": self.email,
            "name": self.name,
            "role": self.role.value,
            "department": self.department,
            "phone": self.phone,
        }
        if self.user is not None:
            data["changes"] = list(self.changes)
        return data


@dataclass
class Plan:
    """What importing a sheet would do. Apply it only when ``problems`` is empty. ``warnings`` do
    not stop it: the departments the import would leave without a head while they lead open tasks."""

    new_departments: list[str] = field(default_factory=list)
    create: list[PlannedPerson] = field(default_factory=list)
    update: list[PlannedPerson] = field(default_factory=list)
    unchanged: list[PlannedPerson] = field(default_factory=list)
    missing: list[User] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[HeadlessDepartment] = field(default_factory=list)

    @property
    def changes_anything(self) -> bool:
        return bool(self.new_departments or self.create or self.update)

    def to_json(self) -> dict[str, Any]:
        return {
            "departments": self.new_departments,
            "create": [person.to_json() for person in self.create],
            "update": [person.to_json() for person in self.update],
            "unchanged": len(self.unchanged),
            "missing": [
                {
                    "email": user.email,
                    "name": user.name,
                    "department": user.department.name if user.department else None,
                }
                for user in self.missing
            ],
            "problems": [problem.to_json() for problem in self.problems],
            "warnings": [warning.message for warning in self.warnings],
        }


@dataclass(frozen=True)
class ImportResult:
    departments_created: int
    users_created: int
    users_updated: int


# --- reading ---------------------------------------------------------------------------------------


def read_sheet(data: bytes, filename: str) -> list[SheetRow]:
    """The non-blank rows under the header row of an .xlsx or .csv file. Raises :class:`SheetError`
    for another type, an unreadable file, an unknown encoding, a missing column or too many rows."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix == "xlsx":
        rows = _xlsx_rows(data)
    elif suffix == "csv":
        rows = _csv_rows(data)
    elif suffix in {"xls", "et", "wps"}:
        raise SheetError(_("不支持旧版 Excel/WPS 表格格式，请在 Excel 或 WPS 中“另存为” .xlsx 文件后再导入。"))
    else:
        raise SheetError(_("只能导入 .xlsx 或 .csv 格式的通讯录。"))
    return _sheet_rows(rows)


def _xlsx_rows(data: bytes) -> Iterator[tuple[Any, ...]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            if sum(member.file_size for member in package.infolist()) > MAX_UNPACKED_BYTES:
                raise SheetError(_("表格文件过大，无法导入。"))
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except SheetError:
        raise
    except Exception as error:  # openpyxl raises whatever its parsers meet in a damaged file
        raise SheetError(_("无法读取该 .xlsx 文件，请确认它是 Excel 或 WPS 保存的表格。")) from error
    try:
        # Read-only openpyxl parses the sheet's XML only now, row by row: a damaged one fails here.
        rows = iter(workbook.worksheets[0].iter_rows(values_only=True))
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except Exception as error:
                raise SheetError(_("无法读取该 .xlsx 文件，请确认它是 Excel 或 WPS 保存的表格。")) from error
            yield row
    finally:
        workbook.close()


def _csv_rows(data: bytes) -> Iterator[tuple[Any, ...]]:
    for encoding in CSV_ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        break
    else:
        raise SheetError(_("无法识别该 .csv 文件的编码，请另存为“CSV UTF-8”格式后再导入。"))
    if "\x00" in text:
        raise SheetError(_("无法识别该 .csv 文件的编码，请另存为“CSV UTF-8”格式后再导入。"))
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error as error:  # a cell beyond the field size limit, or a malformed one
            raise SheetError(
                _("无法读取该 .csv 文件：其中有格式错误或过长的单元格，请检查后另存为“CSV UTF-8”格式再导入。")
            ) from error
        yield tuple(row)


def _sheet_rows(rows: Iterable[tuple[Any, ...]]) -> list[SheetRow]:
    columns: dict[str, int] | None = None
    result: list[SheetRow] = []
    for number, cells in enumerate(rows, start=1):
        texts = [_cell_text(cell) for cell in cells]
        if columns is None:
            columns = _header(texts)
            if columns is None and number >= HEADER_SEARCH_ROWS:
                break
            continue
        wanted = {column: texts[index] if index < len(texts) else "" for column, index in columns.items()}
        if not any(wanted.values()):
            continue  # a blank row
        if len(result) >= MAX_ROWS:
            raise SheetError(_("表中人员超过 %(max)s 行，请分成几个表导入。", max=MAX_ROWS))
        result.append(
            SheetRow(
                number=number,
                department=wanted[DEPARTMENT],
                name=wanted[NAME],
                role=wanted[ROLE],
                email=wanted[EMAIL],
                phone=wanted[PHONE] if PHONE in columns else None,
            )
        )
    if columns is None:
        raise SheetError(
            _(
                "表中没有找到表头行：第一行（或标题下的一行）应包含“%(columns)s”等列。",
                columns="”“".join(REQUIRED_COLUMNS),
            )
        )
    return result


def _header(texts: list[str]) -> dict[str, int] | None:
    """The column of each known header in this row, or None when it is no header row (it lacks
    姓名 or 邮箱). A header row missing another required column is refused, naming the column."""
    known = {_folded(synonym): column for column, synonyms in HEADER_NAMES.items() for synonym in synonyms}
    columns: dict[str, int] = {}
    for index, text in enumerate(texts):
        column = known.get(_folded(text))
        if column is not None and column not in columns:
            columns[column] = index
    if NAME not in columns or EMAIL not in columns:
        return None
    lacking = [column for column in REQUIRED_COLUMNS if column not in columns]
    if lacking:
        raise SheetError(_("表头中缺少“%(columns)s”列。", columns="”“".join(lacking)))
    return columns


def _cell_text(cell: Any) -> str:
    """A cell as text: a phone number Excel stored as a number loses no ".0"."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return str(cell).strip()


def _folded(text: str) -> str:
    """``text`` for comparison: full-width as half-width (NFKC), without any space, in lower case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


def _role(text: str) -> Role | None:
    names = {_folded(name): role for role, name in ROLE_NAMES.items()}
    names.update({_folded(role.value): role for role in Role})
    names.update({_folded(alias): role for alias, role in ROLE_ALIASES.items()})
    return names.get(_folded(text))


# --- planning --------------------------------------------------------------------------------------


def plan_import(rows: list[SheetRow]) -> Plan:
    """What importing ``rows`` would change, and every problem that stops it. Writes nothing; a
    fixed number of queries whatever the number of rows."""
    plan = Plan()
    departments = list(db.session.scalars(sa.select(Department)))
    by_name = {d.name: d for d in departments}
    by_folded = {_folded(d.name): d for d in departments}
    users = db.session.scalars(sa.select(User).options(selectinload(User.department))).all()
    by_email = {user.email.lower(): user for user in users}
    new_departments: dict[str, str] = {}  # folded name -> the name as first written
    seen_emails: dict[str, int] = {}
    # The active administrators once the sheet is imported: users by id, new people by minus their row.
    admins_after = {user.id for user in users if user.is_active and user.role == Role.ADMIN}
    demoted: list[int] = []  # rows taking an administrator's role away

    def problem(row: SheetRow, column: str, message: str) -> None:
        plan.problems.append(Problem(row.number, column, message))

    for row in rows:
        department = _planned_department(row, by_name, by_folded, new_departments, problem)
        if not (row.name or row.role or row.email or row.phone):
            continue  # a department on its own
        before = len(plan.problems)
        for column, value in ((NAME, row.name), (ROLE, row.role), (EMAIL, row.email)):
            if not value:
                problem(row, column, _("请填写%(column)s。", column=column))
        if len(row.name) > MAX_NAME_LENGTH:
            problem(row, NAME, _("姓名不能超过 %(max)s 个字。", max=MAX_NAME_LENGTH))
        if row.phone and len(row.phone) > MAX_PHONE_LENGTH:
            problem(row, PHONE, _("手机号码不能超过 %(max)s 个字符。", max=MAX_PHONE_LENGTH))
        role = _role(row.role) if row.role else None
        if row.role and role is None:
            problem(row, ROLE, _("无法识别的角色“%(role)s”，应为：%(roles)s。", role=row.role, roles=_role_list()))
        email = row.email.lower()
        if row.email and (len(email) > MAX_EMAIL_LENGTH or not EMAIL_PATTERN.match(email)):
            problem(row, EMAIL, _("邮箱格式不正确：%(email)s。", email=row.email))
        elif email in seen_emails:
            problem(row, EMAIL, _("邮箱 %(email)s 与第 %(row)s 行重复。", email=email, row=seen_emails[email]))
        elif email:
            seen_emails[email] = row.number
        user = by_email.get(email) if email else None
        if user is not None and not user.is_active:
            problem(
                row,
                EMAIL,
                _(
                    "邮箱 %(email)s 属于已停用的用户“%(name)s”：请先在系统管理中启用该用户，或从表中删去这一行。",
                    email=email,
                    name=user.name,
                ),
            )
        if role is not None and department is not False:
            try:
                people.check_department(role, department, current=user.department if user else None)
            except PeopleError as error:
                problem(row, DEPARTMENT, error.message)
        if len(plan.problems) > before or role is None or department is False:
            continue
        if user is not None and user.role == Role.ADMIN and role != Role.ADMIN:
            admins_after.discard(user.id)
            demoted.append(row.number)
        if role == Role.ADMIN:
            admins_after.add(user.id if user is not None else -row.number)  # promoted, kept or new
        _add_person(plan, row, email, role, department, user)
    if demoted and not admins_after:
        plan.problems.append(Problem(demoted[-1], ROLE, _("这是最后一个启用的系统管理员账号，不能停用或更改其角色。")))
    plan.new_departments = list(new_departments.values())
    plan.warnings = _headless_departments(plan)
    listed = {person.email for person in plan.create + plan.update + plan.unchanged} | set(seen_emails)
    plan.missing = sorted(
        (user for user in users if user.is_active and user.email.lower() not in listed),
        key=lambda user: (user.department.name if user.department else "", user.name),
    )
    plan.problems.sort(key=lambda p: (p.row, HEADERS.index(p.column) if p.column in HEADERS else 0))
    return plan


def _planned_department(
    row: SheetRow,
    by_name: dict[str, Department],
    by_folded: dict[str, Department],
    new_departments: dict[str, str],
    problem: Any,
) -> Department | None | bool:
    """The row's department: an existing one, a stand-in for a new one (never added to the
    session), None when the cell is blank, or False when the name is a problem (reported)."""
    name = row.department
    if not name:
        return None
    if name in by_name:
        return by_name[name]
    if len(name) > MAX_NAME_LENGTH:
        problem(row, DEPARTMENT, _("部门名称不能超过 %(max)s 个字。", max=MAX_NAME_LENGTH))
        return False
    folded = _folded(name)
    existing = by_folded.get(folded)
    if existing is not None:
        problem(
            row,
            DEPARTMENT,
            _(
                "部门“%(name)s”与已有的部门“%(existing)s”只差空格、大小写或全角半角，请改用“%(existing)s”。",
                name=name,
                existing=existing.name,
            ),
        )
        return False
    first = new_departments.setdefault(folded, name)
    if first != name:
        problem(
            row,
            DEPARTMENT,
            _(
                "部门“%(name)s”与表中的“%(existing)s”只差空格、大小写或全角半角，请统一写法。",
                name=name,
                existing=first,
            ),
        )
        return False
    return Department(name=name, is_active=True)


def _add_person(
    plan: Plan, row: SheetRow, email: str, role: Role, department: Department | None, user: User | None
) -> None:
    department_name = department.name if department is not None else None
    keep_phone = row.phone is None
    phone = (row.phone or None) if not keep_phone else (user.phone if user else None)
    person = PlannedPerson(row.number, email, row.name, role, department_name, phone, keep_phone)
    if user is None:
        plan.create.append(person)
        return
    changes = tuple(
        column
        for column, now, then in (
            (NAME, user.name, row.name),
            (ROLE, user.role, role),
            (DEPARTMENT, user.department.name if user.department else None, department_name),
            (PHONE, user.phone, phone),
        )
        if now != then
    )
    person = PlannedPerson(row.number, email, row.name, role, department_name, phone, keep_phone, user, changes)
    (plan.update if changes else plan.unchanged).append(person)


def _headless_departments(plan: Plan) -> list[HeadlessDepartment]:
    """The departments that the planned updates would leave without an active head while they
    lead open tasks: the rule of :func:`people.last_head_leaving`, for the whole sheet at once (a
    head taking over in another row of the sheet keeps the department headed; so does a head the
    sheet does not move, but not one it demotes too). No query unless a head leaves."""
    leaving: dict[int, list[User]] = {}
    for person in plan.update:
        user = person.user
        assert user is not None
        if not (user.is_active and user.role == Role.HEAD and user.department is not None):
            continue
        if person.role == Role.HEAD and person.department == user.department.name:
            continue
        leaving.setdefault(user.department.id, []).append(user)
    if not leaving:
        return []
    headed = {person.department for person in plan.create + plan.update if person.role == Role.HEAD}
    heads = staffing.heads_by_department(leaving)
    warnings = []
    for department_id, users in leaving.items():
        department = users[0].department
        assert department is not None
        staying = {head.id for head in heads.get(department_id, [])} - {user.id for user in users}
        if staying or department.name in headed:
            continue
        open_tasks = staffing.open_tasks_led(department_id)
        if open_tasks:
            warnings.append(HeadlessDepartment(department, open_tasks))
    return sorted(warnings, key=lambda warning: warning.department.name)


def _role_list() -> str:
    return _("、").join(_(name) for name in ROLE_NAMES.values())


# --- applying --------------------------------------------------------------------------------------


def apply_plan(plan: Plan, *, actor: User | None, now: datetime) -> ImportResult:
    """Create the new departments and people (each sent a link to set a password), then update
    the changed people, promotions to administrator first, through the people service (audited as
    one by one): the last administrator may hand over to a new one or to a promoted one in the
    same sheet, as the plan allows. Refuses a plan with problems (:class:`PeopleError`). Flushes;
    the caller commits, or rolls back on an error."""
    if plan.problems:
        raise PeopleError(_("通讯录中还有 %(num)s 处问题，请修改后重新上传。", num=len(plan.problems)))
    departments = {d.name: d for d in db.session.scalars(sa.select(Department))}
    for name in plan.new_departments:
        departments[name] = people.create_department(name=name, actor=actor, now=now)
    for person in plan.create:
        sign_in_links.invite(
            email=person.email,
            name=person.name,
            role=person.role,
            department=departments[person.department] if person.department else None,
            phone=person.phone,
            actor=actor,
            now=now,
        )
    for person in sorted(plan.update, key=lambda person: person.role != Role.ADMIN):  # stable
        assert person.user is not None
        people.update_user(
            person.user,
            email=person.email,
            name=person.name,
            role=person.role,
            department=departments[person.department] if person.department else None,
            phone=people.KEEP_PHONE if person.keep_phone else person.phone,
            actor=actor,
            now=now,
        )
    return ImportResult(len(plan.new_departments), len(plan.create), len(plan.update))


# --- writing ---------------------------------------------------------------------------------------


def export_xlsx() -> bytes:
    """The active people, one a row, by department and name, and the active departments without
    active people as rows of their own: the sheet to correct and import back."""
    users = db.session.scalars(
        sa.select(User)
        .options(selectinload(User.department))
        .outerjoin(User.department)
        .where(User.is_active.is_(True))
        .order_by(Department.name.is_(None), Department.name, User.name, User.id)
    ).all()
    staffed = {user.department_id for user in users}
    empty = db.session.scalars(
        sa.select(Department).where(Department.is_active.is_(True)).order_by(Department.name)
    ).all()
    rows: list[tuple[str, ...]] = [
        (
            user.department.name if user.department else "",
            user.name,
            ROLE_NAMES[user.role],
            user.email,
            user.phone or "",
        )
        for user in users
    ]
    rows += [(department.name,) for department in empty if department.id not in staffed]
    return _workbook(rows)


def template_xlsx() -> bytes:
    """The headers and one example row, with the roles explained on a second sheet."""
    return _workbook([EXAMPLE_ROW], notes=True)


def _workbook(rows: list[tuple[str, ...]], notes: bool = False) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLE
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            # Text that looks like a formula stays text: a name must never run as one.
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
    for letter, width in zip("ABCDE", (20, 12, 14, 32, 16), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    if notes:
        explained = workbook.create_sheet("说明")
        explained.append(("职务/角色可填", "说明"))
        for role, name in ROLE_NAMES.items():
            need = "须填写部门" if role in people.DEPARTMENT_ROLES else "部门可不填"
            explained.append((name, f"{role.value}；{need}"))
        explained.column_dimensions["A"].width = 16
        explained.column_dimensions["B"].width = 30
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
