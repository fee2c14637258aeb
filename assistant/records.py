"""The domain records every other module reads: notices, work points, targets, hits, answers.

Plain dataclasses with one ``to_dict()`` each, so the CLI, the app and the tests all see the
same objects and the same JSON. This module imports nothing from the package.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple

#: Roles a unit can hold on a work point, strongest first.
ROLES: tuple[str, ...] = ("牵头", "负责", "责任", "配合", "参与", "指导")


@dataclass
class Target:
    """A figure the notice sets: ``text`` as printed (``40%以上``), its ``value`` and ``unit``.

    ``sentence`` is the sentence it stands in, so an answer can quote it.
    """

    text: str
    value: str
    unit: str
    sentence: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class WorkPoint:
    """One numbered unit of a notice that carries content (a task, a measure, an article).

    ``item`` is the label as printed ("44", "九", "（五）", "第十二条"); ``path`` the headings
    above it, outermost first. ``lead`` and ``responsible`` keep unit names as printed;
    ``roles`` maps each unit to its role (one of :data:`ROLES`).
    """

    item: str
    path: list[str]
    title: str
    text: str
    lead: list[str] = field(default_factory=list)
    responsible: list[str] = field(default_factory=list)
    roles: dict[str, str] = field(default_factory=dict)
    targets: list[Target] = field(default_factory=list)
    #: Which part of the document it stands in: "正文" (a report's body), an attachment's label as
    #: printed ("附件1", "附件"), or a closing task list's own title where it prints no label; "" in a
    #: notice printed in one part.
    part: str = ""
    #: Roles a unit is printed in besides its strongest one (``roles``), strongest first: a unit printed
    #: under both 牵头单位 and 责任单位 has roles 牵头 and more_roles [责任], and is in ``lead`` and ``responsible``.
    more_roles: dict[str, list[str]] = field(default_factory=dict)
    #: For a unit named by a parenthesis inside the task (``…49所中小学校（市教育局负责）。…``): the
    #: clause it is responsible for, which an answer quotes for it. Units of the whole task have none.
    quotes: dict[str, str] = field(default_factory=dict)

    @property
    def ref(self) -> str:
        """How staff name it: 第37项 for a numbered task, else the label as printed (第十条, （五）, 三)."""
        return f"第{self.item}项" if self.item.isdigit() else self.item

    @property
    def units(self) -> list[str]:
        """Every unit named on the work point, lead units first."""
        return list(dict.fromkeys([*self.lead, *self.responsible, *self.roles]))

    def role_pairs(self) -> list[tuple[str, str]]:
        """Every ``(unit, role)`` printed, strongest role first for each unit; a unit printed with its
        executing body in angle brackets (市应急局〈市消防救援支队〉) also gives that body in its roles."""
        out = []
        for unit, role in self.roles.items():
            for r in [role, *self.more_roles.get(unit, [])]:
                out.append((unit, r))
                out += [(inner, r) for inner in re.findall(r"[〈<＜]([^〈〉<>＜＞]{2,30})[〉>＞]", unit)]
        return list(dict.fromkeys(out))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["targets"] = [t.to_dict() for t in self.targets]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> WorkPoint:
        return cls(
            item=d["item"],
            path=list(d.get("path", [])),
            title=d.get("title", ""),
            text=d.get("text", ""),
            lead=list(d.get("lead", [])),
            responsible=list(d.get("responsible", [])),
            roles=dict(d.get("roles", {})),
            targets=[Target(**t) for t in d.get("targets", [])],
            part=d.get("part", ""),
            more_roles={u: list(r) for u, r in d.get("more_roles", {}).items()},
            quotes=dict(d.get("quotes", {})),
        )


@dataclass
class NoticeInfo:
    """A notice's metadata: title, 发文字号, issuer, dates (ISO), year and where it came from."""

    title: str = ""
    number: str = ""
    issuer: str = ""
    date: str = ""
    published: str = ""
    year: int | None = None
    source: str = ""
    #: The place the issuer governs, as printed (成都市, 内蒙古自治区); "" for national bodies.
    place: str = ""
    #: What kind of document it is (政府工作报告, 工作要点, 民生实事, 通知, 意见 …), read from its title.
    kind: str = ""
    #: The part (WorkPoint.part) that holds the notice's task list, e.g. a report's "附件1"; "" when the
    #: tasks are the notice's own numbered items.
    task_part: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def label(self) -> str:
        """A short human name: the 文号 when printed, else the title."""
        return self.number or self.title


class TaskLabel(NamedTuple):
    """A numbered task as a notice's index of tasks holds it (:attr:`Notice.task_labels`)."""

    at: int  # its position in the notice's items
    label: str  # the number as printed (37, （五）, 第十二条)
    roled: bool  # whether it prints its units
    part: str  # the part it stands in (WorkPoint.part)


@dataclass
class Notice:
    """A parsed notice: its metadata, its work points in document order, and the file it came from."""

    doc: NoticeInfo
    items: list[WorkPoint]
    file: str = ""

    @property
    def tasks(self) -> list[WorkPoint]:
        """The numbered tasks: work points of the most common numbering style (no 导语, no 第N段 paragraph),
        within the task list's part where the notice prints one (``doc.task_part``).

        The Haidong notice has 59 (1–59) besides its four 工作要求 (（一）–（四））; a work report's tasks
        are those of its 民生实事 list, not the sections of its body.
        """
        styles: dict[str, list[WorkPoint]] = {}
        for p in self.items:
            if p.item == "导语" or p.item.startswith("第") and p.item.endswith("段"):
                continue
            if self.doc.task_part and p.part != self.doc.task_part:
                continue
            style = (
                "arabic" if p.item.isdigit()
                else "article" if p.item.endswith("条")
                else "paren" if p.item.startswith(("（", "("))
                else "other"
            )
            styles.setdefault(style, []).append(p)
        return max(styles.values(), key=len) if styles else []

    @property
    def task_labels(self) -> list[TaskLabel]:
        """Each numbered task (:attr:`tasks`) by position, label, units and part: what finding "第N项" or a topic's
        work points needs, stored by an index so a large one answers them without reading the notice."""
        at = {id(p): i for i, p in enumerate(self.items)}
        return [TaskLabel(at[id(p)], p.item, bool(p.roles), p.part) for p in self.tasks]

    @property
    def preamble(self) -> list[int]:
        """Positions (in ``items``) of its 导语, the lead-in before the numbered work."""
        return [i for i, p in enumerate(self.items) if p.item == "导语"]

    @property
    def headings(self) -> list[str]:
        """Every heading its work points stand under, once each, in document order."""
        return list(dict.fromkeys(h for p in self.items for h in p.path))

    @property
    def listed(self) -> list[int]:
        """Positions (in ``items``) of what a question about its task list reads: its tasks where it prints a
        task list (``doc.task_part``), else every work point."""
        if not self.doc.task_part:
            return list(range(len(self.items)))
        at = {id(p): i for i, p in enumerate(self.items)}
        return [at[id(p)] for p in self.tasks]

    def to_dict(self) -> dict[str, Any]:
        return {"doc": self.doc.to_dict(), "items": [w.to_dict() for w in self.items]}

    @classmethod
    def from_dict(cls, d: dict[str, Any], file: str = "") -> Notice:
        known = NoticeInfo.__dataclass_fields__
        return cls(
            doc=NoticeInfo(**{k: v for k, v in d["doc"].items() if k in known}),
            items=[WorkPoint.from_dict(w) for w in d["items"]],
            file=file or d.get("file", ""),
        )


def _where(doc: NoticeInfo, point: WorkPoint) -> dict[str, Any]:
    """Which notice and work point a hit or citation is: the fields both print."""
    return {
        "doc": {"number": doc.number, "title": doc.title, "year": doc.year},
        "item": point.item,
        "path": point.path,
        "title": point.title,
        "lead": point.lead,
        "responsible": point.responsible,
    }


@dataclass
class Hit:
    """A search result: one work point of one notice, with its score and rank sources."""

    doc: NoticeInfo
    point: WorkPoint
    score: float
    file: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {**_where(self.doc, self.point), "file": self.file, "score": round(float(self.score), 4)}


@dataclass
class Citation:
    """A work point an answer rests on, with the sentence(s) quoted from it."""

    doc: NoticeInfo
    point: WorkPoint
    quote: str
    score: float
    file: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            **_where(self.doc, self.point),
            "roles": self.point.roles,
            "text": self.point.text,
            "quote": self.quote,
            "score": round(float(self.score), 4),
        }


@dataclass
class Answer:
    """A short Markdown answer, whether the notices cover the question, and its citations."""

    question: str
    answer: str
    found: bool
    citations: list[Citation] = field(default_factory=list)
    related: list[Citation] = field(default_factory=list)
    kind: str = ""
    #: How the question was read and why this kind of answer won (``assistant ask --explain``); None unless asked.
    explain: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        d = {
            "question": self.question,
            "answer": self.answer,
            "found": self.found,
            "kind": self.kind,
            "citations": [c.to_dict() for c in self.citations],
            "related": [c.to_dict() for c in self.related],
        }
        if self.explain is not None:
            d["explain"] = self.explain
        return d
