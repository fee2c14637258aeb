"""A notice's metadata (:class:`~assistant.records.NoticeInfo`), read from wherever it is printed.

In order of trust: a site's information table (发文字号：…), a Markdown file's front matter (as given),
the page's ``<title>`` (without the site's name), the title block at the head of the text; the 文号
under the title; a report's delivery line ("——2021年2月4日在成都市第十七届人民代表大会第五次会议上")
and speaker line ("成都市人民政府市长 王凤朝"); the signature (落款) that closes the body. A title
such as 《2020年政府工作报告》 keeps its wording; the city it lost goes to ``place``.
"""

from __future__ import annotations

import re

from assistant.parse.dates import (
    DECREE,
    NUMBER,
    is_date_line,
    iso_date,
    normalise_number,
    number_year,
    single_year,
)
from assistant.parse.noise import is_noise
from assistant.parse.numbering import CN_NUM, match_heading
from assistant.parse.parts import attachment_at
from assistant.parse.vocab import (
    COLLECTIVE,
    DOCUMENT_TYPES,
    ISSUER_SUFFIXES,
    LEVELS,
    NATIONAL,
    SPEAKERS,
    TOPIC_KINDS,
)
from assistant.records import NoticeInfo

_LEVEL = "|".join(LEVELS)
_PLACE = re.compile(rf"^([\u4e00-\u9fa5]{{2,10}}?(?:{_LEVEL}))")
#: "在成都市第十七届人民代表大会第五次会议上", "在第十四届全国人民代表大会第二次会议上".
_DELIVERY = re.compile(
    rf"在\s*(?P<place>[\u4e00-\u9fa5]{{2,12}}?(?:{_LEVEL}))?\s*第[{CN_NUM}\d]+届(?P<national>全国)?人民代表大会"
)
#: "成都市人民政府市长 罗 强", "济南市代市长 王忠林", "国务院总理 李强".
_SPEAKER = re.compile(
    rf"^(?P<who>[\u4e00-\u9fa5]{{2,24}})(?:{'|'.join(SPEAKERS)})"
    r"(?:\s*[\u4e00-\u9fa5·]{1,4}(?:\s[\u4e00-\u9fa5]{1,3})?)?$"  # the speaker's name, maybe spaced (罗 强)
)
_TYPES = "|".join(sorted(DOCUMENT_TYPES, key=len, reverse=True))
_TITLE_END = re.compile(rf"(?:{_TYPES})$")
_ISSUER_END = re.compile(rf"(?:{'|'.join(ISSUER_SUFFIXES)})$")
_WRAPPER = re.compile(r"(?:印发|转发|批转|颁布|发布)\s*《?(.+?)》?\s*的(?:通知|函|决定|通告)$")
_TRAILING_PAREN = re.compile(r"\s*[（(][^（）()]*[）)]\s*$")
_PAGE_SEPARATORS = re.compile(r"\s*(?:[_｜|]|——|\s-\s|--|(?<=[\u4e00-\u9fa5])-(?=[\u4e00-\u9fa5]))\s*")
_SENTENCE_PUNCT = re.compile(r"[。；;！？!?]")
#: The title block and the 文号 stand in the first lines after the site furniture.
HEAD = 60
#: The signature closes the body within its last lines.
TAIL = 8


def place_of(name: str) -> str:
    """The place an issuer or unit name begins with (``内蒙古自治区人民政府`` → ``内蒙古自治区``); "" if national."""
    if not name or name.startswith(NATIONAL) or name.startswith(COLLECTIVE):
        return ""
    m = _PLACE.match(name)
    return m.group(1) if m else ""


def looks_like_title(text: str) -> bool:
    """Whether a text reads as a document title: it names a kind of document (…的通知, 政府工作报告, …清单)."""
    core = _TRAILING_PAREN.sub("", text.strip()).strip("《》 ")
    return bool(core) and (bool(_TITLE_END.search(core)) or any(re.search(p, core) for _, p in TOPIC_KINDS))


def kind_of(title: str) -> str:
    """What kind of document a title names: 政府工作报告, 民生实事, 工作要点, else its document type (通知, 意见 …).

    A notice that transmits another (关于印发《X》的通知) is of X's kind.
    """
    core = _TRAILING_PAREN.sub("", title.strip()).strip("《》 ")
    m = _WRAPPER.search(core)
    inner = m.group(1) if m else core
    for kind, pattern in TOPIC_KINDS:
        if re.search(pattern, inner):
            return kind
    m = _TITLE_END.search(inner) or _TITLE_END.search(core)
    return m.group(0) if m else ""


def clean_page_title(title: str) -> str:
    """A page's ``<title>`` without the site's name (``…的通知_政府信息公开专栏`` → ``…的通知``).

    Returns "" when no part of it reads as a title (a site's name alone).
    """
    parts = [p for p in _PAGE_SEPARATORS.split(title.strip()) if p]
    return next((p for p in parts if looks_like_title(p)), "")


def _delivery(line: str) -> re.Match[str] | None:
    return _DELIVERY.search(line) if len(line) <= 80 else None


def _speaker(line: str) -> tuple[str, str] | None:
    """``(issuer, place)`` a report's speaker line names: 成都市人民政府市长 → (成都市人民政府, 成都市)."""
    m = _SPEAKER.match(line.strip()) if len(line) <= 30 else None
    if not m:
        return None
    who = re.sub(r"(代理|代)$", "", m.group("who"))
    if who.startswith(NATIONAL):
        return who, ""
    if who.endswith("人民政府"):
        return who, place_of(who)
    if re.search(rf"(?:{_LEVEL})$", who) and place_of(who) == who:
        return "", who
    return None


def _head_furniture(line: str) -> bool:
    """A head line that is not part of the title: a 文号, a date, a delivery or speaker line, a parenthesis."""
    return bool(
        is_noise(line)
        or NUMBER.fullmatch(line.strip())
        or DECREE.search(line) and len(line) < 20
        or is_date_line(line)
        or _delivery(line)
        or _speaker(line)
        or re.fullmatch(r"[（(][^（）()]{1,60}[）)]", line.strip())
        or re.fullmatch(r"(?:《[^》]{1,30}》)?附件\s*\d{0,2}\s*[.．:：]?", line.strip())
    )


def _title_block(lines: list[str]) -> tuple[list[str], int]:
    """The title's lines at the head of the text, and the index of the first body line.

    The body starts after the addressee ("各县区人民政府：", "各位代表：") or at the first numbered,
    long or sentence line; head lines between (文号, dates, delivery and speaker lines) are skipped.
    """
    title_lines: list[str] = []
    last = 0
    for i, line in enumerate(lines[:HEAD]):
        if _head_furniture(line):
            last = i + 1
            continue
        if line.endswith(("：", ":")) and len(line) < 120:
            return title_lines, i + 1
        if match_heading(line) or len(line) > 60 or _SENTENCE_PUNCT.search(line):
            return title_lines, i
        if title_lines and _TITLE_END.search("".join(title_lines)):
            continue
        if len("".join(title_lines)) < 80:
            title_lines.append(line)
            last = i + 1
    return title_lines, last if title_lines else 0


def _number(lines: list[str], head: int, fields: dict[str, str]) -> str:
    """The 文号: from the information table, else from a head line (never from a sentence of the body)."""
    m = NUMBER.search(fields.get("number", ""))
    if m:
        return normalise_number(m.group(1))
    for line in lines[: max(head, 1) + 2]:
        m = NUMBER.search(line)
        if m and (len(line) <= 40 or line.startswith(m.group(1))):
            return normalise_number(m.group(1))
    m = DECREE.search("".join(lines[:3]))
    return f"{m.group(1)}第{m.group(2)}号" if m else ""


def _signature(lines: list[str], body_start: int) -> tuple[str, str]:
    """``(issuer, date)`` of the signature that closes the body (before any attachment).

    The first issuer line with a date under it wins: a notice that transmits another (转发) prints
    its own signature first and the transmitted one's after it. Else a date among the last lines.
    """
    end = next((i for i in range(body_start, len(lines)) if attachment_at(lines, i)), len(lines))

    def issuer_at(i: int) -> str:
        line = re.sub(r"[\sA-Za-z&;]+$", "", lines[i]) if i >= body_start else ""  # "国务院办公厅  &sp;"
        return line if _ISSUER_END.search(line) and len(line) <= 30 else ""

    for i in range(body_start + 1, end):
        if is_date_line(lines[i]) and issuer_at(i - 1):
            return issuer_at(i - 1), iso_date(lines[i])
    for i in range(end - 1, max(body_start, end - TAIL) - 1, -1):
        if is_date_line(lines[i]):
            return issuer_at(i - 1), iso_date(lines[i])
    return "", ""


def read_metadata(
    lines: list[str],
    fields: dict[str, str] | None = None,
    title: str = "",
    source: str = "",
    page_title: str = "",
) -> tuple[NoticeInfo, int]:
    """Read a notice's metadata from its lines (site furniture already dropped) and what its file says.

    Args:
        lines: the notice's paragraphs, one a line.
        fields: the site's information table (:func:`assistant.parse.noise.info_fields`).
        title: a title the file itself gives (Markdown front matter), kept as given.
        source: where the notice came from (front matter or page ``source``, else the file).
        page_title: the page's ``<title>`` or a document property, used when it reads as a title.

    Returns:
        The metadata and the index of the first body line (after the title block and the addressee).
    """
    fields = fields or {}
    info = NoticeInfo(source=source)
    title_lines, body_start = _title_block(lines)
    head = lines[: body_start + 1]
    info.number = _number(lines, body_start, fields)
    info.date = iso_date(fields.get("date", ""))
    info.published = iso_date(fields.get("published", ""))
    issuer, place, delivered = fields.get("issuer", ""), "", ""
    for i, line in enumerate(head[:20]):
        m = _delivery(line)
        if m:
            place = "" if m.group("national") else m.group("place") or ""
            issuer = issuer or ("国务院" if m.group("national") else "")
            delivered = iso_date(line) or (iso_date(head[i - 1]) if i and is_date_line(head[i - 1]) else "")
        spoken = _speaker(line)
        if spoken:
            issuer = issuer or spoken[0]
            place = place or spoken[1]
    guessed = "".join(title_lines)
    if looks_like_title(fields.get("title", "")):
        info.title = fields["title"]
    elif title:
        info.title = title
    else:
        info.title = clean_page_title(page_title) or (guessed if looks_like_title(guessed) else "")
    info.title = info.title or _fallback_title(lines, body_start)
    m = re.match(r"^(.{2,40}?)(转发|批转|印发|关于|对)", info.title)
    if not issuer and m and _ISSUER_END.search(m.group(1)):
        issuer = m.group(1)
    if not issuer and info.number.startswith("国务院令"):
        issuer = "国务院"
    signed_by, signed_on = _signature(lines, body_start)
    issuer = issuer or signed_by
    info.date = info.date or signed_on or delivered
    if not info.date:  # a decree prints its date under its number, above its title
        info.date = next((iso_date(x) for x in lines[:HEAD] if is_date_line(x)), "")
    info.kind = kind_of(info.title) or kind_of(guessed)
    place = place or place_of(issuer) or _title_place(info.title) or _title_place(guessed)
    if not issuer and place and info.kind == "政府工作报告":
        issuer = f"{place}人民政府"  # a work report is delivered by the people's government of its place
    info.issuer, info.place = issuer, place
    info.year = number_year(info.number) or single_year(info.title)
    info.year = info.year or _year(info.date) or _year(info.published)
    return info, body_start


def _title_place(title: str) -> str:
    """The place a title opens with when it names its government (巴彦淖尔市政府工作报告 → 巴彦淖尔市)."""
    m = re.match(rf"^《?([\u4e00-\u9fa5]{{2,10}}?(?:{_LEVEL}))(?:人民)?政府", title)
    return m.group(1) if m and not m.group(1).startswith(NATIONAL) else ""


def _year(date: str) -> int | None:
    return int(date[:4]) if date else None


def _fallback_title(lines: list[str], body_start: int) -> str:
    """A notice that prints no title: its first short line, or its first sentence cut short (never its file)."""
    for line in lines[body_start : body_start + 5]:
        if 4 <= len(line) <= 40 and not is_date_line(line):
            return line.rstrip("：:")
    first = next((x for x in lines[body_start:] if len(x) >= 4), "")
    sentence = re.split(r"[。；;！？!?]", first)[0]
    return sentence if len(sentence) <= 40 else sentence[:40] + "…"
