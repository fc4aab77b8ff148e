"""The draft of next year's report, drafted from the year's progress, as one pipeline:

1. :mod:`.compose` reads what the tracker recorded for a source report (its measures, what their
   departments reported, where every task stands) and writes fresh content; it never writes to
   the database.
2. :mod:`.content` is that content: a title, sections in order, the annex table; stored as JSON
   in each version, with the text the generator last produced beside what the legal office sees.
3. :mod:`.versions` keeps the draft: every generation, hand edit, merge, restore and roll-up
   writes a new version; hand edits are never overwritten by fresh text; the filing date.
4. :mod:`.export` turns a version's content into files: the official .docx and Markdown.

Callers use the names below (``from tracker.services import drafts``; ``drafts.generate(…)``).
The composer itself is ``drafts.compose.compose``; the building blocks of each step (the merge
rule, the inline diff, the Markdown headings…) are read from their modules.
"""

from tracker.services.drafts.content import DraftContent
from tracker.services.drafts.export import to_docx, to_markdown
from tracker.services.drafts.versions import (
    STRUCTURE_LABELS,
    DraftConflict,
    DraftNotFound,
    DraftRefused,
    accounting_filing,
    content_of,
    days_to_filing,
    diff,
    dismiss_pending,
    download_name,
    draft_for,
    filing_deadline,
    generate,
    latest,
    merge_pending,
    restore,
    roll_up_all,
    rollup_due,
    save_section,
    waiting_for_merge,
)

__all__ = [
    "STRUCTURE_LABELS",
    "DraftConflict",
    "DraftContent",
    "DraftNotFound",
    "DraftRefused",
    "accounting_filing",
    "content_of",
    "days_to_filing",
    "diff",
    "dismiss_pending",
    "download_name",
    "draft_for",
    "filing_deadline",
    "generate",
    "latest",
    "merge_pending",
    "restore",
    "roll_up_all",
    "rollup_due",
    "save_section",
    "to_docx",
    "to_markdown",
    "waiting_for_merge",
]
