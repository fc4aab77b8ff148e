"""The seed report, item by item: the one report the demo and every later feature build on."""

from datetime import date
from pathlib import Path

import pytest

from tests.seed_facts import SEED_MEASURES
from tracker.demo import seed_report_bytes
from tracker.importer import parse_report, parse_text

SEED_ACHIEVEMENTS = [
    "坚持正确政治方向方面",
    "深化“放管服”工作方面",
    "执行行政规范性文件制定程序方面",
    "推进行政决策科学民主合法方面",
    "落实“三项制度”方面",
    "加强行政权力制约监督方面",
    "推动执法权力运行机制改革方面",
    "开展法治宣传教育方面",
    "强化法治营商环境方面",
    "依法防控新冠肺炎疫情方面",
    "强化“六稳”“六保”法治保障方面",
]
SEED_SHORTCOMINGS = [
    "个别民警的规范化执法意识还不够强，执法为民的思想需进一步牢固树立",
    "公安执法工作点多、面广，执法监督力度需进一步增强",
    "新的法律法规更新速度快、违法犯罪手段不断变化，执法培训力度需进一步增强",
]
CN_NUMBERS = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一"]


@pytest.fixture(scope="module")
def seed():
    return parse_report(seed_report_bytes(), "seed_report.txt")


def test_it_ships_the_seed_report_unchanged_inside_the_package():
    shared = Path(__file__).resolve().parents[1].parent / "shared" / "seed" / "000_b0e2ae38af4c09f6.txt"
    if not shared.exists():
        pytest.skip("the shared seed folder is not beside this checkout")
    assert seed_report_bytes() == shared.read_bytes()


def test_it_reads_the_metadata(seed):
    assert seed.title == "市公安局2020年法治政府建设年度报告"
    assert seed.issuer == "汕头市公安局"
    assert seed.year == 2020
    assert seed.date == date(2020, 12, 13)


def test_it_finds_the_eleven_achievement_headings_in_order(seed):
    assert [a.title for a in seed.achievements] == SEED_ACHIEVEMENTS
    assert [a.number for a in seed.achievements] == [f"（{n}）" for n in CN_NUMBERS]


def test_it_splits_the_inline_shortcomings(seed):
    assert [s.title for s in seed.shortcomings] == SEED_SHORTCOMINGS
    assert [s.number for s in seed.shortcomings] == ["一是", "二是", "三是"]


def test_it_finds_the_ten_measures_with_heading_sentence_as_title(seed):
    assert [m.title for m in seed.measures] == list(SEED_MEASURES)
    assert [m.number for m in seed.measures] == [f"（{n}）" for n in CN_NUMBERS[:10]]
    assert seed.measures[0].body.startswith("继续把深入学习贯彻落实党的十九大")


def test_it_keeps_a_measure_that_runs_across_a_paragraph_break_whole(seed):
    body = seed.measures[1].body
    assert "提高依法办案能力，提升我市公安执法水平和执法公信力。" in body
    assert "\n" not in body


def test_it_leaves_the_signoff_out_of_the_last_measure(seed):
    last = seed.measures[-1].body
    assert last.endswith("进一步推进我市公安队伍严格规范公正文明执法水平。")
    assert "汕头市公安局" not in last and "2020年12月13日" not in last


def test_it_gives_the_contract_json(seed):
    data = seed.to_json()
    assert list(data) == ["title", "issuer", "year", "date", "achievements", "shortcomings", "measures"]
    assert data["date"] == "2020-12-13"
    assert data["achievements"][0] == {"number": "（一）", "title": "坚持正确政治方向方面"}
    assert set(data["measures"][0]) == {"number", "title", "body"}


def test_it_fingerprints_the_text_whatever_the_line_ends(seed):
    crlf = seed_report_bytes().decode("utf-8").replace("\n", "\r\n")
    assert parse_text(crlf).fingerprint == seed.fingerprint
