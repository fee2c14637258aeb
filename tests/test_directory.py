"""The unit directory's lookups by key (pure logic, no model): an archive prints each key in many places."""

from __future__ import annotations

from assistant.directory import UnitDirectory


def _directory() -> UnitDirectory:
    table = []
    for place in ("安宁", "平阳", "清河"):
        for key in ("林草局", "水务局", "农业农村局", "生态环境局"):
            table.append({"place": place, "key": key, "names": [f"{place}市{key}", f"{place}市{key}", f"市{key}"],
                          "roles": {"牵头": [len(table)]}})
    return UnitDirectory.from_table(table, [])


def test_units_by_key_come_in_the_directory_order() -> None:
    directory = _directory()
    for test in (lambda k: k.endswith("局"), lambda k: "农" in k, lambda k: k == "水务局", lambda k: "委" in k):
        assert directory.with_key(test) == [e for e in directory.units.values() if test(e.key)]


def test_a_unit_is_matched_against_each_printed_name_once() -> None:
    entry = _directory().units[("平阳", "林草局")]
    assert entry.printed == ("平阳市林草局", "市林草局")
    assert entry.spellings == ("林草局", "平阳市林草局", "市林草局")
