"""Which measures address which shortcoming: similarity, suggestions, decisions, the task pages."""

from __future__ import annotations

from collections import Counter

import pytest
import sqlalchemy as sa

from tests.factories import FROZEN_NOW, make_seed_report
from tracker.extensions import db
from tracker.models import ItemKind, LinkStatus, ReportItem, ShortcomingMeasureLink, SourceReport, Task, User
from tracker.services import links, review

NOW = FROZEN_NOW
TRAINING_SHORTCOMING = "执法培训力度需进一步增强"
TRAINING_MEASURE = "加强培训，增强法治意识"


@pytest.fixture
def alice(ctx, personas) -> User:
    return db.session.get(User, personas.alice.id)


@pytest.fixture
def report(alice) -> SourceReport:
    return make_seed_report(imported_by=alice, now=NOW)


def find(report: SourceReport, kind: ItemKind, title_part: str) -> ReportItem:
    return next(i for i in report.items if i.kind == kind and title_part in i.title)


def link_between(report: SourceReport, shortcoming: ReportItem, measure_title: str) -> ShortcomingMeasureLink:
    return next(
        link
        for link in links.links_of_report(report)
        if link.shortcoming_id == shortcoming.id and link.measure.title == measure_title
    )


def suggested_titles(shortcoming: ReportItem) -> list[str]:
    return [
        link.measure.title
        for link in db.session.scalars(
            sa.select(ShortcomingMeasureLink).where(
                ShortcomingMeasureLink.shortcoming_id == shortcoming.id,
                ShortcomingMeasureLink.status == LinkStatus.SUGGESTED,
            )
        )
    ]


def test_it_counts_character_bigrams_within_runs_of_text():
    assert links.bigrams("加强培训，增强") == Counter({"加强": 1, "强培": 1, "培训": 1, "增强": 1})
    assert links.bigrams("A 级") == Counter({"a": 1, "级": 1})


def test_it_scores_the_same_text_one_and_unrelated_text_zero():
    training = links.bigrams("加强执法培训")
    assert links.cosine(training, training) == pytest.approx(1.0)
    assert links.cosine(training, links.bigrams("优化营商环境")) == 0.0
    assert links.cosine(training, Counter()) == 0.0


def test_it_ranks_the_training_measure_near_the_top_for_the_training_shortcoming(report):
    shortcoming = find(report, ItemKind.SHORTCOMING, TRAINING_SHORTCOMING)

    ranked = [measure.title for measure, _score in links.rank_measures(report, shortcoming)]

    assert len(ranked) == 10
    assert TRAINING_MEASURE in ranked[:2]


def test_it_stores_the_best_few_measures_as_suggestions_with_their_scores(report):
    suggested = links.suggest(report, now=NOW)
    db.session.commit()

    assert suggested
    assert all(link.status == LinkStatus.SUGGESTED and link.score > 0 for link in suggested)
    by_shortcoming = Counter(link.shortcoming_id for link in suggested)
    assert max(by_shortcoming.values()) <= links.SUGGESTIONS_PER_SHORTCOMING
    assert TRAINING_MEASURE in suggested_titles(find(report, ItemKind.SHORTCOMING, TRAINING_SHORTCOMING))


def test_it_does_not_suggest_a_rejected_link_again(report, alice):
    shortcoming = find(report, ItemKind.SHORTCOMING, TRAINING_SHORTCOMING)
    links.suggest(report, now=NOW)
    rejected = link_between(report, shortcoming, TRAINING_MEASURE)
    links.decide(rejected, alice, accept=False, now=NOW)

    links.suggest(report, now=NOW)
    links.suggest(report, now=NOW)

    assert TRAINING_MEASURE not in suggested_titles(shortcoming)
    assert rejected.status == LinkStatus.REJECTED
    assert 1 <= len(suggested_titles(shortcoming)) <= links.SUGGESTIONS_PER_SHORTCOMING


def test_it_offers_no_measure_below_a_useful_similarity(report):
    suggested = links.suggest(report, now=NOW)
    assert all(link.score >= links.MIN_SUGGESTED_SCORE for link in suggested)
    # "执法监督力度" shares little with "强化巡查，提升执法质量" (0.056 in the seed): not offered.
    shortcoming = find(report, ItemKind.SHORTCOMING, "执法监督力度需进一步增强")
    assert "强化巡查，提升执法质量" not in suggested_titles(shortcoming)
    assert "实行警务公开，增强执法透明度" in suggested_titles(shortcoming)


def test_it_keeps_accepted_links_and_suggests_others_beside_them(report, alice):
    shortcoming = find(report, ItemKind.SHORTCOMING, TRAINING_SHORTCOMING)
    links.suggest(report, now=NOW)
    accepted = link_between(report, shortcoming, TRAINING_MEASURE)
    links.decide(accepted, alice, accept=True, now=NOW)

    links.suggest(report, now=NOW)

    assert accepted.status == LinkStatus.ACCEPTED and accepted.decided_by_id == alice.id
    assert TRAINING_MEASURE not in suggested_titles(shortcoming)


def test_it_refuses_to_decide_a_link_the_same_way_twice(report, alice):
    link = links.suggest(report, now=NOW)[0]
    links.decide(link, alice, accept=True, now=NOW)

    with pytest.raises(links.LinkError, match="已采纳"):
        links.decide(link, alice, accept=True, now=NOW)


def test_it_links_by_hand_even_a_pair_it_was_told_to_forget(report, alice):
    shortcoming = find(report, ItemKind.SHORTCOMING, TRAINING_SHORTCOMING)
    measure = find(report, ItemKind.MEASURE, "强化巡查")

    link = links.link_by_hand(shortcoming, measure, alice, now=NOW)
    links.decide(link, alice, accept=False, now=NOW)
    again = links.link_by_hand(shortcoming, measure, alice, now=NOW)

    assert again.id == link.id and again.status == LinkStatus.ACCEPTED
    with pytest.raises(links.LinkError, match="已关联"):
        links.link_by_hand(shortcoming, measure, alice, now=NOW)


def test_it_refuses_to_link_two_measures(report, alice):
    first, second = (find(report, ItemKind.MEASURE, t) for t in ("提高站位", "加强培训"))

    with pytest.raises(links.LinkError, match="只能将“存在不足”与“工作措施”关联"):
        links.link_by_hand(first, second, alice, now=NOW)


def test_it_shows_accepted_links_from_both_sides_with_their_tasks(report, alice):
    review.confirm(report, alice, now=NOW)
    shortcoming = find(report, ItemKind.SHORTCOMING, TRAINING_SHORTCOMING)
    training, patrol = (find(report, ItemKind.MEASURE, t) for t in ("加强培训", "强化巡查"))
    for measure in (training, patrol):
        existing = db.session.scalar(
            sa.select(ShortcomingMeasureLink).where(
                ShortcomingMeasureLink.shortcoming_id == shortcoming.id, ShortcomingMeasureLink.measure_id == measure.id
            )
        )
        if existing is None or existing.status != LinkStatus.ACCEPTED:
            links.link_by_hand(shortcoming, measure, alice, now=NOW)
    task_of = {t.report_item_id: t for t in db.session.scalars(sa.select(Task))}

    from_shortcoming = links.linked_tasks(task_of[shortcoming.id])
    from_measure = links.linked_tasks(task_of[training.id])

    assert [(item.title, task) for item, task in from_shortcoming] == [
        (TRAINING_MEASURE, task_of[training.id]),
        ("强化巡查，提升执法质量", task_of[patrol.id]),
    ]
    assert [(item.id, task) for item, task in from_measure] == [(shortcoming.id, task_of[shortcoming.id])]
