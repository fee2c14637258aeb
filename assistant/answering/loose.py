"""Loose input: a near-miss term or unit name read as the one the notices print.

People type with a pinyin input method, so a wrong character is usually a homophone of the
right one (厕所革名 for 厕所革命, 公基金 for 公积金). :class:`Corrector` finds a stretch of the
question that the notices never print but that differs by one homophone character from a word
they do print (three characters or longer, so two-character words are never "corrected").
:func:`suggest_units` finds the units a loosely named one most likely means (林业局 → 市林草局),
and :func:`english_unit_phrase` the unit an English question names (the forestry bureau).
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.directory import UnitDirectory, UnitEntry

_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{3,}")
#: The last character of a unit name (局, 委, 办 …) or its last two (中心).
_UNIT_END = re.compile(r"(?:局|委|办|厅|部|署|院|会|站|队|所|中心|公司|集团|政府|管委会|银行|支队|大队)")
_EN_UNIT = re.compile(
    r"((?:[a-z]+(?:[ -](?:and|of|for|&))?[ -]){0,6}?[a-z]+)[ -](bureau|department|commission|office|committee|"
    r"administration|center|centre|agency|authority|council|corps|government)\b",
    re.I,
)
MIN_LENGTH = 3
#: Least likeness (Dice of characters) of a loosely named unit to the unit it suggests.
UNIT_LIKENESS = 0.6


@lru_cache(maxsize=4096)
def _sound(ch: str) -> str:
    """A character's pinyin without tone (several readings joined), for homophone checks."""
    from pypinyin import Style, pinyin

    return "|".join(sorted(set(pinyin(ch, style=Style.NORMAL, heteronym=True)[0])))


def homophones(a: str, b: str) -> bool:
    """Whether two characters share a reading (tones ignored): 名 and 命, 基 and 积."""
    sa, sb = set(_sound(a).split("|")), set(_sound(b).split("|"))
    return bool(sa & sb)


class Corrector:
    """Corrects one-character homophone slips against the words a corpus prints."""

    def __init__(self, words: Iterable[str], segment: Callable[[str], list[str]] | None = None) -> None:
        self.vocabulary = set(words)
        self._segment = segment
        self.words = {w for w in self.vocabulary if len(w) >= MIN_LENGTH and _CJK_RUN.fullmatch(w)}
        self._masked: dict[str, list[str]] = defaultdict(list)
        for w in self.words:
            for i in range(len(w)):
                self._masked[w[:i] + "?" + w[i + 1 :]].append(w)

    def corrections(self, text: str) -> list[tuple[str, str]]:
        """``[(as typed, as printed)]`` for each stretch of the text the corpus does not print but
        a homophone slip away from a word it does (longest first, non-overlapping).

        Only a stretch touching a word the corpus never prints (or a lone character, where a word
        failed to segment) is looked at: "推动教育发展" reads as words the corpus prints and is left alone.
        """
        if self._segment is None:
            import jieba

            jieba.setLogLevel(logging.WARNING)
            self._segment = jieba.lcut
        suspect = [False] * len(text)
        at = 0
        for word in self._segment(text):
            start = text.find(word, at)
            if start < 0:
                continue
            at = start + len(word)
            if re.fullmatch(r"[\u4e00-\u9fff]+", word) and (len(word) == 1 or word not in self.vocabulary):
                for i in range(start, at):
                    suspect[i] = True
        found: list[tuple[int, int, str]] = []
        for run in _CJK_RUN.finditer(text):
            s = run.group()
            for length in range(min(len(s), 8), MIN_LENGTH - 1, -1):
                for start in range(len(s) - length + 1):
                    window = s[start : start + length]
                    if window in self.words:
                        continue
                    a, b = run.start() + start, run.start() + start + length
                    if not any(suspect[a:b]) or any(a < e and b > st for st, e, _ in found):
                        continue
                    fix = self._fix(window)
                    if fix:
                        found.append((a, b, fix))
        return [(text[a:b], fix) for a, b, fix in sorted(found)]

    def _fix(self, window: str) -> str:
        candidates = []
        for i in range(len(window)):
            for w in self._masked.get(window[:i] + "?" + window[i + 1 :], ()):
                if w != window and homophones(w[i], window[i]):
                    candidates.append(w)
        return candidates[0] if len(set(candidates)) == 1 else ""

    def correct(self, text: str) -> tuple[str, list[tuple[str, str]]]:
        """The text with each correction applied, and the corrections."""
        fixes = self.corrections(text)
        for wrong, right in fixes:
            text = text.replace(wrong, right)
        return text, fixes


def _likeness(a: str, b: str) -> float:
    """Dice of two names' characters, level prefixes (市, 省) aside."""
    a, b = re.sub(r"^[市省县区]", "", a), re.sub(r"^[市省县区]", "", b)
    sa, sb = set(a), set(b)
    return 2 * len(sa & sb) / (len(sa) + len(sb)) if sa or sb else 0.0


def unit_like_words(text: str) -> list[str]:
    """Stretches of the text that end like a unit name (…局, …委, …中心), longest reading first."""
    out = []
    for m in _UNIT_END.finditer(text):
        for start in range(max(0, m.start() - 8), m.start()):
            word = text[start : m.end()]
            if re.fullmatch(r"[\u4e00-\u9fff]{2,12}", word):
                out.append(word)
                break
    return out


def suggest_units(text: str, directory: UnitDirectory) -> list[UnitEntry]:
    """Units a question most likely means when it names none exactly (林业局 → 市林草局), best first.

    A candidate ends with the same unit character and shares most of the named word's characters.
    """
    best: list[tuple[float, UnitEntry]] = []
    for word in unit_like_words(text):
        end = word[-2:] if word.endswith("中心") else word[-1]
        scored = []
        for entry in directory.with_key(lambda key, end=end: key.endswith(end)):
            like = max(_likeness(word, name) for name in entry.spellings)
            if like >= UNIT_LIKENESS:
                scored.append((like, entry))
        best += sorted(scored, key=lambda x: (-x[0], -x[1].count()))
    # "气象部门", "公积金管理单位": the unit whose name holds the words before 部门/单位.
    for m in re.finditer(r"([\u4e00-\u9fff]{2,8})(?:部门|单位|机构)", text):
        stem = m.group(1)
        for start in range(len(stem) - 1):
            word = re.sub(r"^[市省县区]", "", stem[start:])
            holders = directory.with_key(lambda key, word=word: word in key) if len(word) >= 2 else []
            if holders:
                best += [(1.0, e) for e in sorted(holders, key=lambda e: -e.count())]
                break
    seen: list[UnitEntry] = []
    for _, entry in sorted(best, key=lambda x: -x[0]):
        if entry not in seen:
            seen.append(entry)
    return seen[:3]


def english_units(phrase: str, directory: UnitDirectory) -> list[UnitEntry]:
    """Units whose Chinese name prints every word of an English unit name (:data:`~assistant.vocab.EN_UNIT_WORDS`),
    most work points first; none when fewer than two of its words are known."""
    from assistant.vocab import EN_UNIT_WORDS

    parts = [EN_UNIT_WORDS[w] for w in re.findall(r"[a-z]+", phrase.lower()) if w in EN_UNIT_WORDS]
    if len(parts) < 2:
        return []
    found = [e for e in directory.units.values() if all(any(p in n for n in e.spellings) for p in parts)]
    return sorted(found, key=lambda e: (-e.count(("牵头", "负责")), -e.count()))


def english_unit_phrase(text: str) -> str:
    """The unit an English question names ("the forestry and grassland bureau"), or ""."""
    m = _EN_UNIT.search(text)
    if not m:
        return ""
    words = re.sub(r"^(?:which|what|tasks?|does|do|the|is|are|of|for|by|led|lead)\s+", "", m.group(0).lower())
    while True:
        stripped = re.sub(r"^(?:which|what|tasks?|does|do|the|is|are|of|for|by|led|lead|city|municipal)\s+", "", words)
        if stripped == words:
            return words.strip()
        words = stripped
