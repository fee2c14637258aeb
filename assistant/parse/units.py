"""Who does a work point: responsibility lines and parentheses, and unit names for lookup.

Notices state responsibility in a handful of styles; each is read here into an ordered
``{unit: role}`` map (lead units first):

- lines after a task: ``牵头单位:市林草局`` / ``责任单位:各县区人民政府,市财政局`` / ``配合单位:…``
- a trailing parenthesis: ``（牵头单位：…，配合单位：…）``
- the national style: ``（税务总局、财政部负责，排在第一位的部门为牵头部门）``,
  ``（…负责。列第一位者为牵头单位）``, ``（生态环境部牵头，国家发展改革委…参与）``,
  ``（…指导）``, ``（…会同有关部门负责）``.
"""

from __future__ import annotations

import re

#: Label of a responsibility line or clause → the role its units hold.
LABEL_ROLES: dict[str, str] = {
    "牵头单位": "牵头",
    "牵头部门": "牵头",
    "责任单位": "责任",
    "责任部门": "责任",
    "配合单位": "配合",
    "配合部门": "配合",
    "参与单位": "参与",
    "参与部门": "参与",
    "协办单位": "配合",
    "主办单位": "牵头",
    "指导单位": "指导",
    "指导部门": "指导",
}

_LABELS = "|".join(LABEL_ROLES)
RESPONSIBILITY_LINE = re.compile(rf"^[（(]?\s*({_LABELS})\s*[:：]\s*(.*?)[）)]?\s*$")
_CLAUSE = re.compile(rf"({_LABELS})\s*[:：]\s*(.*?)\s*(?=[，,；;。]\s*(?:{_LABELS})|$)")
_SPLIT = re.compile(r"[、,，;；/\s]+")
#: A statement that the first unit listed is the lead ("下同" makes it hold for the whole notice).
FIRST_IS_LEAD = re.compile(r"(列|排在)第一位(者|的部门|的单位)?为牵头(单位|部门)")
_VERB_ROLE = (("会同", "牵头"), ("牵头", "牵头"), ("参与", "参与"), ("配合", "配合"), ("指导", "指导"), ("负责", "负责"))
_TRAILING_PAREN = re.compile(r"[（(]([^（）()]{2,400})[）)]\s*[。．.；;]?\s*$")
_FILLER = re.compile(r"(按职责分工|按职责|分别|共同|等有关部门和单位|等有关部门|等有关单位|等部门|等单位|等)$")


def split_units(text: str) -> list[str]:
    """Split a printed list of units on 、 , ， ； and trim filler words, keeping order and names as printed."""
    out: list[str] = []
    for part in _SPLIT.split(text.strip().rstrip("。.")):
        part = _FILLER.sub("", part.strip())
        part = _FILLER.sub("", part)
        if part and part not in out and len(part) <= 40:
            out.append(part)
    return out


def parse_responsibility_line(line: str) -> dict[str, str] | None:
    """Read a ``牵头单位:…`` style line (or a parenthesis of such clauses) into ``{unit: role}``.

    Returns None when the line is not a responsibility line.
    """
    line = line.strip()
    if not RESPONSIBILITY_LINE.match(line):
        return None
    roles: dict[str, str] = {}
    for label, units in _CLAUSE.findall(line.strip("（）()")):
        for unit in split_units(units):
            roles.setdefault(unit, LABEL_ROLES[label])
    return roles


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
    if not m:
        return {}, text
    inner = m.group(1)
    if RESPONSIBILITY_LINE.match(inner) or _CLAUSE.search(inner):
        roles = {}
        for label, units in _CLAUSE.findall(inner):
            for unit in split_units(units):
                roles.setdefault(unit, LABEL_ROLES[label])
        return roles, text[: m.start()].rstrip()
    if not any(v in inner for v, _ in _VERB_ROLE):
        return {}, text
    first_is_lead = first_is_lead or bool(FIRST_IS_LEAD.search(inner))
    inner = FIRST_IS_LEAD.split(inner)[0]
    roles: dict[str, str] = {}
    pending: list[str] = []  # units listed before the clause whose verb applies to them all
    for clause in re.split(r"[。；;，,]", inner):
        clause_roles = _verb_clause(clause)
        if not clause_roles:
            pending += split_units(clause)
            continue
        role = next(iter(clause_roles.values()))
        for unit in [*pending, *clause_roles]:
            roles.setdefault(unit, clause_roles.get(unit, role))
        pending = []
    if first_is_lead and "牵头" not in roles.values():
        first = next((u for u, r in roles.items() if r == "负责"), None)
        if first:
            roles[first] = "牵头"
    if not roles:
        return {}, text
    return roles, text[: m.start()].rstrip()


def lead_and_responsible(roles: dict[str, str]) -> tuple[list[str], list[str]]:
    """Split ``{unit: role}`` into the lead units and the others, each in printed order.

    When no unit is marked 牵头, units marked 负责 share the lead.
    """
    lead = [u for u, r in roles.items() if r == "牵头"]
    if not lead:
        lead = [u for u, r in roles.items() if r == "负责"]
    responsible = [u for u in roles if u not in lead]
    return lead, responsible


_PLACE_PREFIX = re.compile(r"^(.{2,4}?)(市|州|县|区|省)")


def locality(issuer: str) -> str:
    """The place an issuer governs (``海东市人民政府办公室`` → ``海东``), or "" for national bodies."""
    m = _PLACE_PREFIX.match(issuer or "")
    if not m or issuer.startswith(("国务院", "中华人民共和国", "中共中央")):
        return ""
    return m.group(1)


def unit_key(name: str, place: str = "") -> str:
    """A lookup key for a unit name: spaces, the issuer's own place name and a leading 市 dropped.

    ``海东市工业园区管委会`` and ``海东工业园区管委会`` both become ``工业园区管委会``;
    ``市林草局`` becomes ``林草局``. The printed name is never changed, only its key.
    """
    key = re.sub(r"\s+", "", name)
    if place and key.startswith(place):
        key = key[len(place) :]
    return key[1:] if key.startswith(("市", "省")) and len(key) > 2 else key


def merge_misprints(keys: set[str]) -> dict[str, str]:
    """Map keys that are another key with one stray level prefix (``省自然资源规划局``) to that key."""
    out: dict[str, str] = {}
    for k in keys:
        if len(k) > 3 and k[0] in "市省县区" and k[1:] in keys:
            out[k] = k[1:]
    return out
