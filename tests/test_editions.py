"""Editions: notices of one family recognised from their issuer, kind and content, on the real notices.

The reports of one city are one family (Chengdu 2018, 2019, 2021–2024; Jinan 2016 and 2017); the
Haidong 工作要点 and its constructed 2020 edition (tests/test_compare.py) are one family; two
民生实事 lists of one city under different titles (the real 2023 and 2024 lists of Chengdu under the
titles the issue cites) are one family by their content; unrelated 通知 of one issuer are not.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SEED, SHARED, STATE_COUNCIL

from assistant.editions import (
    FAMILY_CONTENT,
    content_likeness,
    families,
    family_key,
    same_family,
    title_core,
)
from assistant.parse import parse_notice

LOCAL = SHARED / "corpus" / "local"
CHENGDU = [f"chengdu-{year}-government-work-report.md" for year in (2018, 2019, 2021, 2022, 2023, 2024)]
JINAN = ["jinan-2016-government-work-report.md", "jinan-2017-government-work-report.md"]
BAYANNUR = ["bayannur-2025-government-work-report.md"]


@pytest.fixture(scope="module")
def reports():
    return [parse_notice(LOCAL / name) for name in [*BAYANNUR, *JINAN[::-1], *CHENGDU[::-1]]]


def _names(family) -> list[str]:
    return [Path(n.file).name for n in family]


def test_the_reports_of_each_city_are_one_family_oldest_first(reports):
    found = families(reports)
    assert sorted(map(_names, found)) == sorted([BAYANNUR, JINAN, CHENGDU])
    assert family_key(reports[0]) == ("巴彦淖尔市", "政府工作报告")
    chengdu = next(f for f in found if len(f) == 6)
    assert [n.doc.year for n in chengdu] == [2018, 2019, 2021, 2022, 2023, 2024]
    # 2018年政府工作报告 (front matter) and 2021年成都市人民政府工作报告 are one title once the city is set aside.
    assert {title_core(n) for n in chengdu} == {"工作报告"}


def test_reports_of_two_cities_are_not_editions(reports):
    by = {Path(n.file).name: n for n in reports}
    assert not same_family(by[JINAN[1]], by[CHENGDU[0]])
    assert not same_family(by[BAYANNUR[0]], by[CHENGDU[-1]])


def _list_notice(tmp_path: Path, report: str, title: str, number: str, date: str) -> Path:
    """A city's 民生实事 list issued on its own: the real list of a report under a notice's head."""
    lines = (LOCAL / report).read_text(encoding="utf-8").replace("**", "").splitlines()
    start = lines.index("附件1") + 2  # the attachment's label and its own title
    end = lines.index("附件2")
    head = ["成都市人民政府办公厅", title, number, "各区（市）县政府，市级各部门：", "现将有关事项印发给你们，请认真组织实施。"]
    path = tmp_path / f"{number}.txt"
    path.write_text("\n".join([*head, *lines[start:end], "成都市人民政府办公厅", date]), encoding="utf-8")
    return path


def test_two_lists_of_one_city_under_other_titles_are_editions_by_their_content(tmp_path):
    a = parse_notice(_list_notice(tmp_path, "chengdu-2023-government-work-report.md",
                                  "关于印发成都市2023年43件民生实事项目及牵头责任单位的通知", "成办发〔2023〕5号", "2023年2月28日"))
    b = parse_notice(_list_notice(tmp_path, "chengdu-2024-government-work-report.md",
                                  "关于印发成都市2024年33件民生实事清单的通知", "成办发〔2024〕6号", "2024年2月27日"))
    assert family_key(a) == family_key(b) == ("成都市", "民生实事")
    assert title_core(a) != title_core(b)  # the titles differ ...
    assert content_likeness(a, b) >= FAMILY_CONTENT  # ... the tasks do not
    assert same_family(a, b) and same_family(b, a)
    assert _names(families([b, a])[0]) == [Path(a.file).name, Path(b.file).name]


def test_the_seed_and_its_next_edition_are_one_family(tmp_path):
    from test_compare import second_edition

    path = tmp_path / "haidong-2020-constructed.txt"
    path.write_text(second_edition(SEED.read_text(encoding="utf-8")), encoding="utf-8")
    seed, later = parse_notice(SEED), parse_notice(path)
    assert (later.doc.year, later.doc.kind) == (2020, "工作要点")
    assert same_family(seed, later)
    assert not same_family(seed, seed)  # one notice is no edition of itself


def test_unrelated_notices_of_one_issuer_are_not_a_family():
    kindergartens = parse_notice(STATE_COUNCIL / "guobanfa-2019-003.html")  # 国办发〔2019〕3号
    for other in ("guobanfa-2018-127.html", "guobanfa-2018-126.html", "guobanfa-2018-109.html"):
        notice = parse_notice(STATE_COUNCIL / other)
        assert family_key(notice) == family_key(kindergartens) == ("国务院", "通知")
        assert not same_family(kindergartens, notice), other
    everything = [parse_notice(p) for p in sorted(STATE_COUNCIL.glob("*.html"))]
    assert all(len(f) == 1 for f in families(everything))
