"""Who does a work point: every printed form of responsibility, read into roles; unit names for lookup.

Notices state responsibility in a handful of forms, each read here into ``(unit, role)`` pairs:

- lines after a task: ``牵头单位:市林草局`` / ``责任单位:各县区人民政府,市财政局`` / ``配合单位:…``
  (also as table columns, which the structure parser turns into such lines);
- a parenthesis: ``（牵头单位：…，配合单位：…）``, ``（牵头责任单位：自治区教育厅）`` (a lead),
  ``（市教育局负责）`` (a lead), ``（…牵头，…配合）``, and its closing bracket alone
  (``… 牵头单位：市政数局）``);
- the national style: ``（税务总局、财政部负责，排在第一位的部门为牵头部门）``,
  ``（…负责。列第一位者为牵头单位）``, ``（生态环境部牵头，国家发展改革委…参与）``, ``（…指导）``,
  ``（…会同有关部门负责）``;
- a parenthesis inside a task, after the clause it is responsible for: each such clause's unit leads
  the task, and the clause is its quote.

A list that shares its level prefix (``市住建局、交通局``) gives each bare name the prefix
(市交通局); a name printed with its executing body (``市应急局〈市消防救援支队〉``) stays as printed,
and both names are keys for lookup (:func:`unit_keys`). A unit printed in two roles keeps both
(:class:`Responsibility`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.parse.metadata import place_of
from assistant.parse.vocab import (
    COLLECTIVE,
    LABEL_ROLES,
    LEVELS,
    NATIONAL,
    NOT_PLACES,
    OWN_BODIES,
    PLACE_MARKS,
    UNIT_SUFFIXES,
)
from assistant.records import ROLES

__all__ = ["LABEL_ROLES", "Responsibility", "parse_responsibility_line", "parse_trailing_parenthesis"]

_LABELS = "|".join(sorted(LABEL_ROLES, key=len, reverse=True))
RESPONSIBILITY_LINE = re.compile(rf"^[（(]?\s*({_LABELS})\s*[:：]\s*(.*?)[）)]?\s*$")
_CLAUSE = re.compile(rf"({_LABELS})\s*[:：]\s*(.*?)\s*(?=(?:[，,；;。]|\s)\s*(?:{_LABELS})|$)")
_SPLIT = re.compile(r"[、,，;；/\s]+")
#: A statement that the first unit listed is the lead ("下同" makes it hold for the whole notice).
FIRST_IS_LEAD = re.compile(r"(列|排在)第一位(者|的部门|的单位)?为牵头(单位|部门)")
_VERB_ROLE = (("会同", "牵头"), ("牵头", "牵头"), ("参与", "参与"), ("配合", "配合"), ("指导", "指导"), ("负责", "负责"))
_PAREN = re.compile(r"[（(]([^（）()]{2,400})[）)]")
_TRAILING_PAREN = re.compile(r"[（(]([^（）()]{2,400})[）)]\s*[。．.；;]?\s*$")
#: ``… 牵头单位：市政数局）``: a labelled clause ending a task whose opening bracket was lost.
_UNOPENED = re.compile(rf"(?:^|[。；;\s])((?:{_LABELS})\s*[:：][^（）()。]{{1,200}})[）)]\s*[。．.]?\s*$")
_FILLER = re.compile(r"(按职责分工|按职责|分别|共同|等有关部门和单位|等有关部门|等有关单位|等部门|等单位|等)$")
_INNER = re.compile(r"[〈<＜]([^〈〉<>＜＞]{2,30})[〉>＞]")
_LEVEL_PREFIX = re.compile(rf"^({'|'.join(LEVELS)})(?=[\u4e00-\u9fa5]{{2}})")
_UNIT_END = re.compile(rf"(?:{'|'.join(UNIT_SUFFIXES)})$")
#: A bare department name is at most this long (退役军人事务局, 住房公积金管理中心).
BARE_NAME = 10


def _own_prefix(unit: str) -> str:
    """The level word a unit name opens with (市住建局 → 市), "" if none (市场监管局 opens with a word)."""
    m = _LEVEL_PREFIX.match(unit)
    if not m or unit[len(m.group(1))] in "级" + PLACE_MARKS:  # 省级人民政府, 县区人民政府: collectives
        return ""
    if unit.startswith(NOT_PLACES):
        return ""
    return m.group(1)


def _is_bare(unit: str) -> bool:
    """A department named without its level (交通局, 残联, 城市园林绿化局), which a list's prefix applies to."""
    if _own_prefix(unit) or len(unit) > BARE_NAME or not _UNIT_END.search(unit):
        return False
    if unit.startswith(COLLECTIVE) or unit.startswith(NATIONAL) or any(w in unit for w in OWN_BODIES):
        return False
    core = unit
    for word in NOT_PLACES:
        core = core.replace(word, "")
    return not any(c in PLACE_MARKS for c in core)


def share_prefix(units: list[str]) -> list[str]:
    """Give each bare name in a printed list the level prefix of the name before it: 市住建局、交通局 → 市交通局."""
    out, prefix = [], ""
    for unit in units:
        own = _own_prefix(unit)
        if own:
            prefix = own
        elif prefix and _is_bare(unit):
            unit = prefix + unit
        out.append(unit)
    return out


def split_units(text: str) -> list[str]:
    """Split a printed list of units on 、 , ， ； and trim filler words, keeping order and names as printed.

    A shared level prefix is spelled out (:func:`share_prefix`).
    """
    out: list[str] = []
    for part in _SPLIT.split(text.strip().rstrip("。.")):
        part = _FILLER.sub("", part.strip())
        part = _FILLER.sub("", part)
        if part and part not in out and len(part) <= 40:
            out.append(part)
    return list(dict.fromkeys(share_prefix(out)))


def looks_like_unit(name: str) -> bool:
    """Whether a name reads as a unit (its ending is a unit's: 局, 委, 中心, 政府 …), not a phrase."""
    core = _INNER.sub("", name)
    collective = core.startswith(COLLECTIVE) and core.endswith(("部门", "单位"))
    return 2 <= len(core) <= 30 and bool(_UNIT_END.search(core) or collective)


def _pairs(units: list[str], role: str) -> list[tuple[str, str]]:
    return [(u, role) for u in units]


def parse_responsibility_line(line: str) -> list[tuple[str, str]] | None:
    """Read a ``牵头单位:…`` style line (or a parenthesis of such clauses) into ``(unit, role)`` pairs.

    Returns None when the line is not a responsibility line.
    """
    line = line.strip()
    if not RESPONSIBILITY_LINE.match(line):
        return None
    pairs: list[tuple[str, str]] = []
    for label, units in _CLAUSE.findall(line.strip("（）()")):
        pairs += _pairs(split_units(units), LABEL_ROLES[label])
    return pairs


def _verb_clause(clause: str) -> dict[str, str]:
    """Roles from one clause of the national style, e.g. ``生态环境部牵头`` or ``A、B负责``."""
    clause = clause.strip()
    for verb, role in _VERB_ROLE:
        if verb not in clause:
            continue
        head, _, tail = clause.partition(verb)
        units = split_units(head)
        if verb == "会同":
            # "A会同B负责": A leads, B share the work.
            roles = dict.fromkeys(units, "牵头")
            tail_units = split_units(re.sub(r"(负责|落实|推进)$", "", tail))
            roles.update({u: "负责" for u in tail_units if u not in roles and "有关" not in u})
            return roles
        if not units:
            return {}
        return dict.fromkeys(units, role)
    return {}


def parenthesis_roles(inner: str, first_is_lead: bool = False) -> dict[str, str]:
    """Roles a responsibility parenthesis states (its text without brackets); {} for any other parenthesis.

    The units of one parenthesis are one printed list: a bare name takes the level prefix of the
    name before it across its clauses too (``市政府办公厅牵头，司法局…分别负责`` → 市司法局).
    """
    roles = _parenthesis_roles(inner, first_is_lead)
    return dict(zip(share_prefix(list(roles)), roles.values(), strict=True))


def _parenthesis_roles(inner: str, first_is_lead: bool) -> dict[str, str]:
    if RESPONSIBILITY_LINE.match(inner) or _CLAUSE.search(inner):
        roles: dict[str, str] = {}
        for label, units in _CLAUSE.findall(inner):
            for unit in split_units(units):
                roles.setdefault(unit, LABEL_ROLES[label])
        return roles
    if not any(v in inner for v, _ in _VERB_ROLE):
        return {}
    first_is_lead = first_is_lead or bool(FIRST_IS_LEAD.search(inner))
    inner = FIRST_IS_LEAD.split(inner)[0]
    roles = {}
    pending: list[str] = []  # units listed before the clause whose verb applies to them all
    for clause in re.split(r"[。；;，,]", inner):
        clause_roles = _verb_clause(clause)
        if not clause_roles:
            pending += split_units(clause)
            continue
        role = next(iter(clause_roles.values()))
        for unit in [*share_prefix(pending), *clause_roles]:
            roles.setdefault(unit, clause_roles.get(unit, role))
        pending = []
    if first_is_lead and "牵头" not in roles.values():
        first = next((u for u, r in roles.items() if r == "负责"), None)
        if first:
            roles[first] = "牵头"
    return roles


def parse_trailing_parenthesis(text: str, first_is_lead: bool = False) -> tuple[dict[str, str], str]:
    """Read responsibility from a parenthesis that ends a measure.

    Args:
        text: the measure's text.
        first_is_lead: the notice has declared that the first unit listed is the lead
            (``列第一位者为牵头单位，下同``); a declaration inside this parenthesis also counts.

    Returns:
        ``({unit: role}, text without the parenthesis)``; empty roles and the text unchanged
        when the text ends with no responsibility parenthesis.
    """
    m = _TRAILING_PAREN.search(text)
    start = m.start() if m else 0
    if not m:
        m = _UNOPENED.search(text)
        start = m.start(1) if m else 0
    roles = parenthesis_roles(m.group(1), first_is_lead) if m else {}
    return (roles, text[:start].rstrip()) if roles else ({}, text)


@dataclass
class Group:
    """The ``(unit, role)`` pairs one printed statement of responsibility gives, and where it stands.

    ``span`` is the parenthesis' place in the task's text; None for responsibility lines and table columns.
    """

    pairs: list[tuple[str, str]]
    span: tuple[int, int] | None = None

    def leads(self) -> list[str]:
        """Its lead units: those marked 牵头; when none is, those marked 负责 share the lead."""
        lead = [u for u, r in self.pairs if r == "牵头"]
        return lead or [u for u, r in self.pairs if r == "负责"]


def read_parentheses(text: str, first_is_lead: bool = False) -> list[Group]:
    """Every responsibility parenthesis in a task's text, in order.

    A parenthesis that ends a paragraph is read as the measure's (any unit name, as the national
    style prints them); one inside a paragraph only when every name it gives reads as a unit.
    """
    groups: list[Group] = []
    for m in _PAREN.finditer(text):
        roles = parenthesis_roles(m.group(1), first_is_lead)
        if not roles:
            continue
        ends_paragraph = not text[m.end() :].split("\n", 1)[0].strip(" 。．.；;")
        if not ends_paragraph and not all(looks_like_unit(u) for u in roles):
            continue
        groups.append(Group(list(roles.items()), (m.start(), m.end())))
    if not groups or groups[-1].span[1] < len(text.rstrip(" 。．.；;\n")):  # type: ignore[index]
        m = _UNOPENED.search(text)
        if m:
            roles = parenthesis_roles(m.group(1), first_is_lead)
            if roles:
                groups.append(Group(list(roles.items()), (m.start(1), m.end())))
    return groups


@dataclass
class Responsibility:
    """A work point's units by role, read from all its statements of responsibility.

    ``roles`` maps each unit to its strongest role (records.ROLES order) and ``more_roles`` to the
    other roles it is printed in (task 48 of a notice printing 各县区人民政府 under both 牵头单位 and
    责任单位: roles 牵头, more_roles [责任]); a unit in two roles is in both ``lead`` and
    ``responsible``. ``quotes`` maps a unit named by a parenthesis inside the task to the clause it
    is responsible for.
    """

    lead: list[str] = field(default_factory=list)
    responsible: list[str] = field(default_factory=list)
    roles: dict[str, str] = field(default_factory=dict)
    more_roles: dict[str, list[str]] = field(default_factory=dict)
    quotes: dict[str, str] = field(default_factory=dict)


def summarise(groups: list[Group], text: str = "") -> Responsibility:
    """Combine a work point's statements of responsibility (each :class:`Group` leads on its own)."""
    out = Responsibility()
    printed: dict[str, list[str]] = {}
    for group in groups:
        leads = group.leads()
        for unit, role in group.pairs:
            if role not in printed.setdefault(unit, []):
                printed[unit].append(role)
            target = out.lead if unit in leads and role in ("牵头", "负责") else out.responsible
            if unit not in target:
                target.append(unit)
    rank = {r: i for i, r in enumerate(ROLES)}
    for unit, roles in printed.items():
        ordered = sorted(roles, key=lambda r: rank.get(r, len(rank)))
        out.roles[unit] = ordered[0]
        if ordered[1:]:
            out.more_roles[unit] = ordered[1:]
    spans = [g for g in groups if g.span]
    end = len(text.rstrip(" 。．.；;\n"))
    clause_level = len(spans) > 1 or bool(spans) and spans[0].span[1] < end  # type: ignore[index]
    if clause_level:
        previous = 0
        for group in spans:
            start, end = group.span  # type: ignore[misc]
            clause = re.split(r"[。；;！？\n]", text[previous:start].strip(" ，,。；;\n"))[-1].strip(" ，,")
            for unit, _ in group.pairs:
                if clause:
                    out.quotes.setdefault(unit, clause)
            previous = end
    return out


def inner_units(name: str) -> list[str]:
    """The executing body a name prints in angle brackets: 市应急局〈市消防救援支队〉 → [市消防救援支队]."""
    return _INNER.findall(name)


def locality(issuer: str) -> str:
    """The place an issuer governs without its level (``海东市人民政府办公室`` → ``海东``), or "" for national bodies."""
    place = place_of(issuer or "")
    for level in LEVELS:
        if place.endswith(level) and len(place) > len(level) + 1:
            return place[: -len(level)]
    return place


def unit_key(name: str, place: str = "") -> str:
    """A lookup key for a unit name: spaces, an executing body in brackets, the issuer's own place name
    and a leading 市 dropped.

    ``海东市工业园区管委会`` and ``海东工业园区管委会`` both become ``工业园区管委会``;
    ``市林草局`` becomes ``林草局``; ``市应急局〈市消防救援支队〉`` becomes ``应急局``. The printed
    name is never changed, only its key.
    """
    key = _INNER.sub("", re.sub(r"\s+", "", name))
    if place and key.startswith(place):
        key = key[len(place) :]
    return key[1:] if key.startswith(("市", "省")) and len(key) > 2 else key


def unit_keys(name: str, place: str = "") -> list[str]:
    """Every key a printed name is found by: its own and its bracketed executing body's."""
    return list(dict.fromkeys([unit_key(name, place), *(unit_key(u, place) for u in inner_units(name))]))


def merge_misprints(keys: set[str]) -> dict[str, str]:
    """Map keys that are another key with one stray level prefix (``省自然资源规划局``) to that key."""
    out: dict[str, str] = {}
    for k in keys:
        if len(k) > 3 and k[0] in "市省县区" and k[1:] in keys:
            out[k] = k[1:]
    return out
