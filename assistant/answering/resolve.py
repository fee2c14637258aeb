"""What a read question names in the index: its notices (by 文号, place, year, filter), its units,
its topic words, and a near-miss term read as the one the notices print.

The scope rules come from what the notices' metadata says, never from a list of places:

* a 文号 picks its notice; one that no notice carries is said to be not indexed;
* a place the notices govern (成都 for 成都市) keeps that place's notices; a place name the
  notices never print at all (a city not indexed) is said to be not covered;
* a year keeps the notices of that year when there are any. A list of a family's work for a year
  it has no edition of is said to be missing, naming the years it has;
* 去年 keeps each family's edition before its latest.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from assistant import vocab
from assistant.answering.context import Context
from assistant.answering.loose import Corrector, english_unit_phrase, english_units, suggest_units
from assistant.answering.question import Question
from assistant.answering.services import place_of
from assistant.parse.targets import UNITS
from assistant.parse.vocab import LEVELS
from assistant.records import Notice

if TYPE_CHECKING:
    from assistant.answering.services import Services


def _brackets(text: str) -> str:
    return re.sub(r"\s+", "", text).translate(str.maketrans("[]［］()（）", "〔〕〔〕〔〕〔〕"))


def resolve(q: Question, services: Services, notices: list[str] | None = None, unit: str | None = None) -> Context:
    """A context for the question: its scope, units, topic words and search text."""
    ctx = Context(q, services, list(services.notices), unit_filter=unit or "")
    corrector = _corrector(services)
    text, fixes = corrector.correct(q.text) if not q.english else (q.text, [])
    if fixes:
        ctx.search_text = text
        ctx.notes.append(("（按" + "、".join(f"“{right}”" for _, right in fixes) + "理解）") if not q.english else "")
        ctx.note_trace("loose", "corrected", fixes=fixes)
    ctx.words = services.tokenizer.words_of(ctx.search_text or q.text)
    _scope(ctx, notices)
    _units(ctx)
    ctx.terms = topic_terms(ctx)
    return ctx


def _corrector(services: Services) -> Corrector:
    corrector = getattr(services, "_corrector", None)
    if corrector is None:
        corrector = Corrector(services.vocabulary, services.tokenizer.segment)
        services._corrector = corrector  # type: ignore[attr-defined]
    return corrector


# ---------------------------------------------------------------------------------------- scope
def _scope(ctx: Context, names: list[str] | None) -> None:
    q, services = ctx.q, ctx.services
    scope = list(services.notices)
    if names:
        keys = {_brackets(x) for x in names} | set(names)
        scope = [n for n in scope if _brackets(n.doc.number) in keys or n.doc.title in keys or n.file in keys]
        ctx.note_trace("scope", "filter", notices=len(scope))
    if q.doc_number:
        asked = {_brackets(m.group(0)) for m in vocab.DOC_NUMBER.finditer(q.text)}
        named = [n for n in scope if n.doc.number and _brackets(n.doc.number) in asked]
        if named:
            ctx.scope = named
            ctx.note_trace("scope", "文号", number=q.doc_number)
            # The 文号 has done its work by choosing the notice; its characters are not the topic.
            ctx.search_text = vocab.DOC_NUMBER.sub(" ", ctx.search_text or q.text).strip() or q.text
            return
        indexed = "、".join(n.doc.number for n in services.notices if n.doc.number)
        ctx.refusal = (
            f"{q.doc_number} is not indexed. Indexed document numbers: {indexed or 'none'}." if q.english
            else f"所索引的通知中没有 {q.doc_number}。已索引的文号：{indexed or '（无）'}。"
        )
        ctx.note_trace("scope", "文号 not indexed", number=q.doc_number)
        ctx.scope = []
        return
    scope = _by_place(ctx, scope)
    if ctx.refusal:
        ctx.scope = []
        return
    scope = _by_year(ctx, scope)
    ctx.scope = scope
    _latent_comparison(ctx)
    if vocab.TASK_LIST_WORDS.search(q.text) and any(n.doc.task_part for n in scope):
        # "民生实事里…": the report's task list answers, not the body that mentions the same work.
        ctx.allowed = ctx.services.listed_rows(scope)
        ctx.note_trace("scope", "the task lists named", notices=sum(1 for n in scope if n.doc.task_part))


def _latent_comparison(ctx: Context) -> None:
    """"牵头单位有变化的有哪些" with two editions of one notice in scope compares them, though it names no year."""
    q = ctx.q
    ids = ctx.in_scope()
    if q.compare or not any(sum(id(e.doc) in ids for e in ctx.services.editions(n)) > 1 for n in ctx.scope):
        return
    text = q.text
    new, dropped = bool(vocab.COMPARE_NEW.search(text)), bool(vocab.COMPARE_DROPPED.search(text))
    changed = bool(re.search(r"变化|调整|变动|改变|不同|区别|changed|differ", text, re.I))
    if not (new or dropped or changed):
        return
    fields = any(p.search(text) for p in vocab.COMPARE_FIELDS.values())
    q.compare = ("new" if new and not (dropped or changed) else "dropped" if dropped and not (new or changed)
                 else "changed" if changed and not (new or dropped) and (fields or re.search("调整", text)) else "all")
    q.asks.add("compare")
    ctx.note_trace("scope", "a comparison of the editions in scope", compare=q.compare)


def named_places(text: str, services: Services) -> list[str]:
    """Indexed places a text names (成都 → 成都市), longest names first."""
    found, rest = [], text
    lower = text.lower()
    for name in sorted(services.places, key=len, reverse=True):
        if name.isascii():
            if re.search(rf"\b{re.escape(name)}\b", lower):
                found.append(services.places[name])
            continue
        if name in rest:
            found.append(services.places[name])
            rest = rest.replace(name, " ")
    return list(dict.fromkeys(found))


_ADMIN_SUFFIX = re.compile(r"(?:市|省|县|自治区|自治州|地区|盟|旗)$")
_SCOPED_AFTER = re.compile(r"\s*(?:(?:19|20)?\d{2}\s*年|市|政府|人民政府|的?(?:民生实事|实事|政府工作报告|工作报告|工作要点))")
_THIS_YEAR = re.compile(r"\s*(?:今年|明年|去年|本年)")


def _other_place(text: str, services: Services) -> tuple[str, bool]:
    """A place the question names (jieba's ns) that no indexed notice governs, and whether any notice prints it.

    Names of places inside an indexed place's own name (成都 in 成都市) are not other places.
    """
    import jieba.posseg as pseg

    known = set(services.places)
    at = 0
    for word, flag in pseg.lcut(text):
        start = text.find(word, at)
        at = start + len(word) if start >= 0 else at
        after = text[at : at + 12]
        # A place as the question's scope ("昆明市…", "西安2024年…", "昆明的民生实事"), not a river or a
        # mountain it asks about (黄河两岸, 龙泉山). Before 今年 only where it opens the question ("郑州今年…"):
        # inside one, 今年 follows a thing's name as often (南北两山今年…).
        scoped = bool(_ADMIN_SUFFIX.search(word) or _SCOPED_AFTER.match(after) or start == 0 and _THIS_YEAR.match(after))
        # A place's own name is two characters or more before its level (海东市, 西安); 城市 and 市区 are words.
        named = len(_ADMIN_SUFFIX.sub("", word)) >= 2
        if flag == "ns" and scoped and named and not any(word in k or k in word for k in known):
            printed = services.printed(word.lower()) or services.printed(re.sub(r"[市省县区州]$", "", word))
            return word, printed
    return "", False


def _by_place(ctx: Context, scope: list[Notice]) -> list[Notice]:
    q, services = ctx.q, ctx.services
    places = named_places(q.text, services)
    if places:
        kept = [n for n in scope if place_of(n.doc) in places]
        if kept and len(kept) < len(scope):
            ctx.note_trace("scope", "place", places=places, notices=len(kept))
            return kept
        return scope
    if q.english:
        return scope
    other, printed = _other_place(q.text, services)
    if not other:
        return scope
    have = "、".join(sorted({place_of(n.doc) for n in services.notices} - {""})) or "—"
    refusal = f"所索引的通知中没有{other}的文件（已索引：{have}及全国性文件），无法据此作答。"
    if not printed:
        ctx.refusal = refusal
        ctx.note_trace("scope", "place not indexed", place=other)
        return scope
    # A place no indexed notice governs: another city's own notices do not speak for it; national ones may.
    kept = [n for n in scope if not place_of(n.doc)]
    ctx.note_trace("scope", "another place: national notices only", place=other, notices=len(kept))
    if not kept:
        ctx.refusal = refusal
    return kept


#: A year a deadline names ("到2025年…要达到多少"): the year a target is set for, which notices of other years set.
_DEADLINE = r"(?:到|至|截至|截止到?)\s*"


def _of_year(n: Notice, years: list[int]) -> bool:
    """Whether a notice is one of these years: issued in one, or naming one in its title (关于2019年部分节假日安排的
    通知, issued in 2018)."""
    return n.doc.year in years or any(f"{y}年" in (n.doc.title or "") for y in years)


def _by_year(ctx: Context, scope: list[Notice]) -> list[Notice]:
    q, services = ctx.q, ctx.services
    years = list(q.years) + [y for y in q.short_years if any(n.doc.year == y for n in scope)]
    if q.wants("compare"):
        return scope  # the comparison answerer reads the years itself
    years = [y for y in years if not re.search(f"{_DEADLINE}{y}\\s*年", q.text)]
    if years:
        kept = [n for n in scope if _of_year(n, years)]
        if kept:
            if len(kept) < len(scope):
                ctx.note_trace("scope", "year", years=years, notices=len(kept))
            return kept
        # A list of a family's work for a year it has no edition of: say which years it has.
        families = {id(services.editions(n)[0].doc): services.editions(n) for n in scope}
        if len(families) == 1 and q.wants("list", "count") and not q.wants("figure"):
            family = next(iter(families.values()))
            have = "、".join(str(n.doc.year) for n in family if n.doc.year)
            ctx.refusal = (
                f"所索引的通知中没有{years[0]}年的这份文件（已索引的年份：{have}），无法据此作答。" if not q.english
                else f"No {years[0]} edition is indexed (indexed editions: {have})."
            )
            ctx.note_trace("scope", "year not indexed", year=years[0], have=have)
        return scope
    if q.last_year and not q.this_year:
        kept = []
        ids = {id(m.doc) for m in scope}
        for n in scope:
            family = [e for e in services.editions(n) if id(e.doc) in ids]
            if len(family) > 1 and n.doc is family[-2].doc or len(family) == 1:
                kept.append(n)
        if kept:
            ctx.note_trace("scope", "去年: the edition before the latest", notices=len(kept))
            return kept
    return scope


# ---------------------------------------------------------------------------------------- units
def _units(ctx: Context) -> None:
    services, q = ctx.services, ctx.q
    in_scope = ctx.in_scope()
    text = ctx.search_text or q.text
    entries = [e for e in services.directory.find(text) if _holds_in(e, in_scope, services)]
    if not entries and not q.english:
        suggestions = [e for e in suggest_units(text, services.directory) if _holds_in(e, in_scope, services)]
        if suggestions:
            ctx.suggested = suggestions
            ctx.note_trace("units", "suggested", units=[e.name for e in suggestions])
    if not entries and q.english:
        phrase = english_unit_phrase(text)
        if phrase:
            entries = [e for e in english_units(phrase, services.directory) if _holds_in(e, in_scope, services)][:1]
            if entries:
                ctx.note_trace("units", "english", phrase=phrase, units=[e.name for e in entries])
    ctx.units = entries
    if entries:
        ctx.note_trace("units", "named", units=[e.name for e in entries])


def _holds_in(entry: object, in_scope: set[int], services: Services) -> bool:
    """Whether a unit holds work points in the scope's notices (told from its rows: no notice read)."""
    return any(id(n.doc) in in_scope for pts in entry.points.values()  # type: ignore[attr-defined]
               for n in services.notices_of(pts))


# ---------------------------------------------------------------------------------------- terms
#: A word that asks how many ("几条", "多少个"): the question's ask, not its topic.
_QUANTITY = re.compile(r"(?:几|多少)[\u4e00-\u9fff]{0,2}")
_UNIT_SET = frozenset(UNITS)


def _is_noun(char: str) -> bool:
    import jieba.posseg as pseg

    return any(flag.startswith("n") for _, flag in pseg.lcut(char))


def scope_words(ctx: Context) -> set[str]:
    """Words that only name the notices (their place, their year, the kind of document)."""
    return set(vocab.DOC_KIND_WORDS) | ctx.services.notice_words


def topic_terms(ctx: Context) -> list[str]:
    """The question's words that name a topic: not cue words, not scope words, not a unit it names."""
    skip = scope_words(ctx)
    named = ctx.units or ctx.suggested[:1]
    unit_keys = [e.key for e in named] + [n for e in named for n in e.names]
    out = []
    text = ctx.search_text or ctx.q.text
    for w in ctx.words:
        if w in vocab.CUE_WORDS or w in skip or re.fullmatch(r"\d{2,4}年?", w) or _QUANTITY.fullmatch(w):
            continue
        if len(w) == 1 and (not _is_noun(w) or w in LEVELS):
            continue  # a lone 不, 比 or 个 names nothing, nor the 市 of 海东市 cut off its place; a lone 水 or 林 does
        if w in _UNIT_SET and re.search(f"(?:多少|几){re.escape(w)}", text):
            continue  # the measure word a figure is asked in ("加装多少部电梯") names no topic
        if any(w in k or k in w for k in unit_keys if len(k) >= 2):
            continue
        out.append(w)
    return out
