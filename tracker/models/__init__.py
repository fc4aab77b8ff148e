"""The domain schema. Migrations in ``migrations/`` create it; nothing calls create_all outside tests."""

from tracker.models.audit import AuditEvent, SignInCounter
from tracker.models.calendar import CalendarDay
from tracker.models.drafts import Draft, DraftStructure, DraftVersion, VersionReason
from tracker.models.outbox import ListedReminder, Notification, NotificationStatus
from tracker.models.people import Department, ReminderMode, Role, User
from tracker.models.reports import (
    ItemKind,
    LinkStatus,
    ReportItem,
    ReportStatus,
    ShortcomingMeasureLink,
    SourceReport,
)
from tracker.models.search import TaskSearch
from tracker.models.settings import Setting
from tracker.models.sign_in_links import LinkPurpose, SignInLink
from tracker.models.tasks import (
    OPEN_STATES,
    WORKABLE_STATES,
    Assignment,
    EvidenceAttachment,
    ExtensionRequest,
    ExtensionStatus,
    OfflineUrge,
    Priority,
    ProgressUpdate,
    Task,
    TaskState,
    UpdateKind,
    task_co_departments,
)

__all__ = [
    "OPEN_STATES",
    "WORKABLE_STATES",
    "Assignment",
    "AuditEvent",
    "CalendarDay",
    "Department",
    "Draft",
    "DraftStructure",
    "DraftVersion",
    "EvidenceAttachment",
    "ExtensionRequest",
    "ExtensionStatus",
    "ItemKind",
    "LinkPurpose",
    "LinkStatus",
    "ListedReminder",
    "Notification",
    "NotificationStatus",
    "OfflineUrge",
    "Priority",
    "ReminderMode",
    "ProgressUpdate",
    "ReportItem",
    "ReportStatus",
    "Role",
    "Setting",
    "SignInCounter",
    "SignInLink",
    "ShortcomingMeasureLink",
    "SourceReport",
    "Task",
    "TaskSearch",
    "TaskState",
    "UpdateKind",
    "User",
    "VersionReason",
    "task_co_departments",
]
