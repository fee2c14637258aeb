"""Who does what: every unit named in the indexed notices, with the work points it holds by role.

Unit names are looked up by :func:`~assistant.parse.units.unit_key`, so 海东市工业园区管委会 and
海东工业园区管委会 are one unit and a misprint such as 市省自然资源规划局 joins its unit,
while answers keep printing the names as the notices print them. A question may name a unit
loosely (林草局, 自然资源局): :meth:`UnitDirectory.find` matches the longest key it contains,
then a key whose characters cover the named word.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from assistant.parse.units import locality, merge_misprints, unit_key
from assistant.records import Notice, WorkPoint

#: Collective names ("各县区人民政府", "市政府有关部门") are not one unit a person would ask about.
_COLLECTIVE = re.compile(r"^(各|相关|有关|其他)|有关部门|有关单位|各有关")
_SUFFIX_END = re.compile(r"(局|委|办|厅|部|署|院|行|会|中心|政府)")


@dataclass
class UnitEntry:
    """One unit: the names it is printed under and its work points by role."""

    key: str
    place: str = ""
    names: list[str] = field(default_factory=list)
    points: dict[str, list[tuple[Notice, WorkPoint]]] = field(default_factory=lambda: defaultdict(list))

    @property
    def name(self) -> str:
        """The name printed most often."""
        return max(self.names, key=self.names.count) if self.names else self.key

    def count(self, roles: tuple[str, ...] | None = None) -> int:
        return sum(len(v) for r, v in self.points.items() if roles is None or r in roles)

    @cached_property
    def printed(self) -> tuple[str, ...]:
        """Each name it is printed under, once (``names`` holds a name each time it is printed)."""
        return tuple(dict.fromkeys(self.names))

    @property
    def spellings(self) -> tuple[str, ...]:
        """Its key and :attr:`printed`, what a loose name is matched against."""
        return (self.key, *self.printed)


def unit_table(notices: Iterable[Notice]) -> list[dict[str, Any]]:
    """Every unit of these notices as plain data (what :meth:`UnitDirectory.from_table` reads): its place, key,
    the names it is printed under (each time) and, by role, the rows of its work points (notices' work points
    numbered in order). An index stores it, so a large index need not read every work point to start."""
    # Keyed by (place, key): a city's 市发展改革委 is not the national 发展改革委.
    raw: list[tuple[str, str, str, str, int]] = []
    row = 0
    for notice in notices:
        place = locality(notice.doc.issuer)
        for point in notice.items:
            # Every role printed (a unit under both 牵头 and 责任 keeps both), and a bracketed
            # executing body (市应急局〈市消防救援支队〉) as a unit of its own too.
            for name, role in point.role_pairs():
                raw.append((place, unit_key(name, place), name, role, row))
            row += 1
    keys: dict[str, set[str]] = defaultdict(set)
    for place, key, *_ in raw:
        keys[place].add(key)
    merged = {place: merge_misprints(k) for place, k in keys.items()}
    units: dict[tuple[str, str], dict[str, Any]] = {}
    for place, key, name, role, row in raw:
        key = merged[place].get(key, key)
        unit = units.setdefault((place, key), {"place": place, "key": key, "names": [], "roles": {}})
        unit["names"].append(name)
        rows = unit["roles"].setdefault(role, [])
        if not rows or rows[-1] != row:  # a row's role pairs come together: a repeat is the last one
            rows.append(row)
    return list(units.values())


class UnitDirectory:
    """Every unit of a set of notices, looked up by loose name."""

    def __init__(self, notices: list[Notice]) -> None:
        self._from(unit_table(notices), [(n, p) for n in notices for p in n.items])

    @classmethod
    def from_table(cls, table: list[dict[str, Any]], entries: Sequence[tuple[Notice, WorkPoint]]) -> UnitDirectory:
        """The directory of an index from its stored :func:`unit_table`; a unit's work points are read from
        ``entries`` when first listed."""
        directory = cls.__new__(cls)
        directory._from(table, entries)
        return directory

    def _from(self, table: list[dict[str, Any]], entries: Sequence[tuple[Notice, WorkPoint]]) -> None:
        self.units: dict[tuple[str, str], UnitEntry] = {}
        for unit in table:
            points = defaultdict(list, {r: _Points(rows, entries) for r, rows in unit["roles"].items()})
            self.units[(unit["place"], unit["key"])] = UnitEntry(unit["key"], unit["place"], list(unit["names"]), points)
        self._by_key: dict[str, list[UnitEntry]] = defaultdict(list)
        for entry in self.units.values():
            self._by_key[entry.key].append(entry)
        self._keys = sorted(self._by_key, key=len, reverse=True)
        self._order = {id(e): i for i, e in enumerate(self.units.values())}

    def with_key(self, test: Callable[[str], bool]) -> list[UnitEntry]:
        """The units whose key passes a test, in the directory's order. The test runs once a key, not once a unit:
        an archive of many places prints each key in many of them."""
        keys = [k for k in self._by_key if test(k)]
        return sorted((e for k in keys for e in self._by_key[k]), key=lambda e: self._order[id(e)])

    def find(self, text: str) -> list[UnitEntry]:
        """Units a text names, longest names first; collective names only when spelled out in full."""
        found: list[UnitEntry] = []
        rest = text
        for key in self._keys:
            if len(key) >= 2 and key in rest and (not _COLLECTIVE.search(key) or key in text):
                found += self._by_key[key]
                rest = rest.replace(key, " ")
        if found:
            return found
        # A loose name: a word ending like a unit name whose characters, in order, spell most of a key.
        for m in _SUFFIX_END.finditer(text):
            end = m.end()
            best, best_cover = None, 0.0
            for start in range(max(0, end - 9), end - 2):
                word = re.sub(r"^(市|省|县|区)", "", text[start:end])
                for key in self._keys:
                    if key[-1] == word[-1] and not _COLLECTIVE.search(key):
                        cover = _cover(word, key)
                        if cover > best_cover or (cover == best_cover and best and len(key) < len(best)):
                            best, best_cover = key, cover
            if best and best_cover >= 0.8:
                found += [e for e in self._by_key[best] if e not in found]
        return found

    def roles_of(self, entry: UnitEntry) -> list[str]:
        """Roles the unit holds, strongest first."""
        order = ["牵头", "负责", "责任", "配合", "参与", "指导"]
        return sorted(entry.points, key=lambda r: order.index(r) if r in order else len(order))


class _Points(Sequence[tuple[Notice, WorkPoint]]):
    """A unit's work points in one role, by row, read from the index's entries each time they are listed (a
    large index keeps only the notices read last, :mod:`assistant.store`)."""

    def __init__(self, rows: list[int], entries: Sequence[tuple[Notice, WorkPoint]]) -> None:
        self.rows, self._entries = rows, entries

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i):  # noqa: ANN001, ANN204 - Sequence's int and slice forms
        if isinstance(i, slice):
            return [self._entries[r] for r in self.rows[i]]
        return self._entries[self.rows[i]]

    def __iter__(self) -> Iterator[tuple[Notice, WorkPoint]]:
        entries = self._entries
        return (entries[r] for r in self.rows)

    def __repr__(self) -> str:
        return f"_Points({len(self.rows)} rows)"


def _cover(word: str, key: str) -> float:
    """Share of the word's characters, in order, found in the key (a loose abbreviation match)."""
    i = 0
    for c in key:
        if i < len(word) and c == word[i]:
            i += 1
    return i / len(word) if len(word) >= 3 and i == len(word) or i >= 4 else 0.0
