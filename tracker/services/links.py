"""Which measures address which shortcoming: suggested by text similarity, decided by the legal
office (accepted or rejected), or linked by hand.

Similarity is the cosine of character-bigram counts, weighted by how rare each bigram is among
the report's items (idf): words every item shares ("执法", "进一步") say little about which
measure answers which shortcoming. A measure's title counts twice, because the heading carries
its gist. Nothing here commits.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import aliased

from tracker.errors import Refusal
from tracker.extensions import db
from tracker.models import ItemKind, LinkStatus, ReportItem, ShortcomingMeasureLink, SourceReport, Task, User
from tracker.services.audit import record_event

SUGGESTIONS_PER_SHORTCOMING = 3
# Below this a measure is no good match and is not offered: in the seed report each shortcoming's
# own measures score 0.07–0.13 and the unrelated ones 0.02–0.06 (IDF-weighted bigram cosine).
MIN_SUGGESTED_SCORE = 0.065
# Runs of Han characters, or of Latin letters and digits; punctuation and spaces break bigrams.
TEXT_RUN = re.compile(r"[\u3400-\u9fff]+|[A-Za-z0-9]+")


class LinkError(Refusal):
    """The link cannot be made or decided; the message says why, in the user's language."""


# --- similarity ----------------------------------------------------------------------------------------


def bigrams(text: str) -> Counter[str]:
    """Character bigrams within runs of text; a run of one character counts as itself."""
    grams: Counter[str] = Counter()
    for run in TEXT_RUN.findall(text.lower()):
        if len(run) == 1:
            grams[run] += 1
        grams.update(run[i : i + 2] for i in range(len(run) - 1))
    return grams


def inverse_document_frequency(documents: Iterable[Counter[str]]) -> dict[str, float]:
    """Smoothed idf: a bigram in every document weighs 1, a rare one up to 1 + ln((1+N)/2)."""
    documents = list(documents)
    frequency: Counter[str] = Counter(gram for document in documents for gram in document)
    total = len(documents)
    return {gram: math.log((1 + total) / (1 + count)) + 1 for gram, count in frequency.items()}


def cosine(a: Counter[str], b: Counter[str], weight: dict[str, float] | None = None) -> float:
    """Cosine similarity of two bigram counts (0 to 1), each bigram scaled by ``weight``."""
    weight = weight or {}

    def scaled(gram: str, count: int) -> float:
        return count * weight.get(gram, 1.0)

    dot = sum(scaled(g, a[g]) * scaled(g, b[g]) for g in a.keys() & b.keys())
    norm_a = math.sqrt(sum(scaled(g, c) ** 2 for g, c in a.items()))
    norm_b = math.sqrt(sum(scaled(g, c) ** 2 for g, c in b.items()))
    return dot / (norm_a * norm_b) if norm_a and norm_b else 0.0


def _text(item: ReportItem) -> Counter[str]:
    grams = bigrams(f"{item.title}\n{item.body}")
    if item.kind == ItemKind.MEASURE:
        grams.update(bigrams(item.title))
    return grams


def rank_measures(report: SourceReport, shortcoming: ReportItem) -> list[tuple[ReportItem, float]]:
    """Every measure of the report with its similarity to ``shortcoming``, most similar first."""
    items = list(report.items)
    texts = {item.id: _text(item) for item in items}
    idf = inverse_document_frequency(texts.values())
    measures = [item for item in items if item.kind == ItemKind.MEASURE]
    scored = [(measure, cosine(texts[shortcoming.id], texts[measure.id], idf)) for measure in measures]
    return sorted(scored, key=lambda pair: (-pair[1], pair[0].position))


# --- suggestions and decisions -------------------------------------------------------------------------


def links_of_report(report: SourceReport) -> list[ShortcomingMeasureLink]:
    shortcoming_ids = sa.select(ReportItem.id).where(
        ReportItem.report_id == report.id, ReportItem.kind == ItemKind.SHORTCOMING
    )
    return list(
        db.session.scalars(
            sa.select(ShortcomingMeasureLink)
            .where(ShortcomingMeasureLink.shortcoming_id.in_(shortcoming_ids))
            .order_by(ShortcomingMeasureLink.score.desc().nulls_last(), ShortcomingMeasureLink.id)
        )
    )


@dataclass
class ReportLinks:
    """A report's shortcomings and measures (in the report's order), and each shortcoming's links
    by status (best score first)."""

    shortcomings: list[ReportItem]
    measures: list[ReportItem]
    by_shortcoming: dict[int, dict[LinkStatus, list[ShortcomingMeasureLink]]]

    @property
    def item_of(self) -> dict[int, ReportItem]:
        return {item.id: item for item in [*self.shortcomings, *self.measures]}

    def unlinked_measures(self, shortcoming: ReportItem) -> list[ReportItem]:
        """The measures not yet accepted for ``shortcoming``: those it can still be linked to by hand."""
        linked = {link.measure_id for link in self.by_shortcoming[shortcoming.id][LinkStatus.ACCEPTED]}
        return [measure for measure in self.measures if measure.id not in linked]


def report_links(report: SourceReport) -> ReportLinks:
    """The links of ``report``, grouped per shortcoming and status (two queries)."""
    items = db.session.scalars(
        sa.select(ReportItem)
        .where(ReportItem.report_id == report.id, ReportItem.kind.in_([ItemKind.SHORTCOMING, ItemKind.MEASURE]))
        .order_by(ReportItem.position)
    ).all()
    shortcomings = [i for i in items if i.kind == ItemKind.SHORTCOMING]
    by_shortcoming = {s.id: {status: [] for status in LinkStatus} for s in shortcomings}
    for link in links_of_report(report):
        by_shortcoming[link.shortcoming_id][link.status].append(link)
    return ReportLinks(shortcomings, [i for i in items if i.kind == ItemKind.MEASURE], by_shortcoming)


def suggest(report: SourceReport, *, now: datetime) -> list[ShortcomingMeasureLink]:
    """Store the best few measures for each shortcoming as suggested links, with their score.

    A pair already decided (accepted or rejected) is left alone, so a rejected suggestion is not
    suggested again; earlier suggestions no longer among the best are withdrawn. Returns the
    links now suggested.
    """
    existing = {(link.shortcoming_id, link.measure_id): link for link in links_of_report(report)}
    decided = {pair for pair, link in existing.items() if link.status != LinkStatus.SUGGESTED}
    suggested: list[ShortcomingMeasureLink] = []
    shortcomings = [item for item in report.items if item.kind == ItemKind.SHORTCOMING]
    for shortcoming in shortcomings:
        best = [
            (measure, score)
            for measure, score in rank_measures(report, shortcoming)
            if score >= MIN_SUGGESTED_SCORE and (shortcoming.id, measure.id) not in decided
        ][:SUGGESTIONS_PER_SHORTCOMING]
        for measure, score in best:
            link = existing.pop((shortcoming.id, measure.id), None)
            if link is None:
                link = ShortcomingMeasureLink(shortcoming=shortcoming, measure=measure, created_at=now)
                db.session.add(link)
            link.score = round(score, 4)
            suggested.append(link)
    for link in existing.values():
        if link.status == LinkStatus.SUGGESTED:
            db.session.delete(link)
    db.session.flush()
    return suggested


def decide(link: ShortcomingMeasureLink, actor: User, *, accept: bool, now: datetime) -> None:
    """Accept or reject a link (a suggestion, or a decision taken earlier and now reversed)."""
    status = LinkStatus.ACCEPTED if accept else LinkStatus.REJECTED
    if link.status == status:
        raise LinkError(_("该关联已采纳。") if accept else _("该关联已不采纳。"))
    before = link.status.value
    link.status = status
    link.decided_by_id = actor.id
    db.session.flush()
    _audit("link_accepted" if accept else "link_rejected", link, actor, now, before=before)


def link_by_hand(shortcoming: ReportItem, measure: ReportItem, actor: User, *, now: datetime) -> ShortcomingMeasureLink:
    """Link a shortcoming to a measure of the same report (accepted at once)."""
    if shortcoming.kind != ItemKind.SHORTCOMING or measure.kind != ItemKind.MEASURE:
        raise LinkError(_("只能将“存在不足”与“工作措施”关联。"))
    if shortcoming.report_id != measure.report_id:
        raise LinkError(_("只能关联同一份报告中的条目。"))
    link = db.session.scalar(
        sa.select(ShortcomingMeasureLink).where(
            ShortcomingMeasureLink.shortcoming_id == shortcoming.id, ShortcomingMeasureLink.measure_id == measure.id
        )
    )
    if link is not None and link.status == LinkStatus.ACCEPTED:
        raise LinkError(
            _("“%(shortcoming)s”与“%(measure)s”已关联。", shortcoming=shortcoming.title, measure=measure.title)
        )
    before = link.status.value if link is not None else None
    if link is None:
        link = ShortcomingMeasureLink(shortcoming=shortcoming, measure=measure, created_at=now)
        db.session.add(link)
    link.status = LinkStatus.ACCEPTED
    link.decided_by_id = actor.id
    db.session.flush()
    _audit("link_added", link, actor, now, before=before)
    return link


def _audit(action: str, link: ShortcomingMeasureLink, actor: User, now: datetime, *, before: str | None) -> None:
    record_event(
        action,
        now=now,
        actor=actor,
        object_type="source_report",
        object_id=link.shortcoming.report_id,
        before={"status": before} if before else None,
        after={
            "link_id": link.id,
            "shortcoming_id": link.shortcoming_id,
            "measure_id": link.measure_id,
            "status": link.status.value,
        },
    )


# --- what the task pages show ---------------------------------------------------------------------------


def linked_tasks(task: Task) -> list[tuple[ReportItem, Task | None]]:
    """For a shortcoming's task, the measures accepted as addressing it; for a measure's task,
    the shortcomings it addresses. Each with its own task (None before the report is confirmed),
    in report order. Two queries."""
    item_id = task.report_item_id if task.parent_id is None else (task.parent.report_item_id if task.parent else None)
    if item_id is None:
        return []
    this_side, other_side = ShortcomingMeasureLink.shortcoming_id, ShortcomingMeasureLink.measure_id
    if task.kind == ItemKind.MEASURE:
        this_side, other_side = other_side, this_side
    other = aliased(ReportItem)
    rows = db.session.execute(
        sa.select(other, Task)
        .join(ShortcomingMeasureLink, other_side == other.id)
        .outerjoin(Task, sa.and_(Task.report_item_id == other.id, Task.parent_id.is_(None)))
        .where(this_side == item_id, ShortcomingMeasureLink.status == LinkStatus.ACCEPTED)
        .order_by(other.position)
    ).all()
    return [(item, linked) for item, linked in rows]
