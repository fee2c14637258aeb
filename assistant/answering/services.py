"""What the answerers read from one index, built once per :class:`~assistant.answering.Assistant`.

The searcher, the unit directory, the families of editions, the places the notices govern, and the
per-row caches the answerers share (word sets, IDF, the senses of one-character topic terms).
Everything here is read-only after construction, or a cache that concurrent requests may share.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.directory import UnitDirectory
from assistant.parse.units import locality
from assistant.records import Notice, NoticeInfo, WorkPoint

if TYPE_CHECKING:
    from assistant.answering.coverage import Coverage
    from assistant.search import Searcher

#: Topic lists: a word holding a one-character topic term counts when its embedding is this close
#: to the character's (measured on the seed's words with 水: 水资源 0.93, 水土流失 0.88, 水泥 0.869, 水平 0.867).
WORD_SENSE = 0.872
#: An index up to this many work points counts a word BM25 did not index in its texts; a larger one
#: leans on the word's tokens (a pass over a million texts per new word would stall the answer).
SCAN_LIMIT = 50_000
#: The most entries each per-word or per-row cache of a long-running server keeps before it starts again
#: (a row's words: four scopes of SCAN_LIMIT rows; a term's tokens and senses: far more terms than are asked).
CACHE_MAX = {"words": 4 * SCAN_LIMIT, "terms": 10_000, "passages": 20_000}
_PLACE_SUFFIX = re.compile(r"(特别行政区|自治区|自治州|自治县|地区|省|市|盟|州|县|区)$")


def place_of(doc: NoticeInfo) -> str:
    """The place a notice's issuer governs, as printed (成都市, 内蒙古自治区); "" for a national body."""
    if doc.place:
        return doc.place
    short = locality(doc.issuer)
    if not short:
        return ""
    m = re.match(rf"{re.escape(short)}(市|州|县|区|省)", doc.issuer)
    return short + (m.group(1) if m else "")


def place_names(place: str) -> set[str]:
    """The ways a question names a place: as printed and without its level (成都市 → 成都)."""
    if not place:
        return set()
    short = _PLACE_SUFFIX.sub("", place)
    return {place} | ({short} if len(short) >= 2 else set())


class Services:
    """The index-level objects and caches every answerer shares."""

    def __init__(self, searcher: Searcher) -> None:
        from assistant.answering.coverage import Coverage

        self.searcher = searcher
        self.index = searcher.index
        self.notices: list[Notice] = searcher.index.notices
        self.tokenizer = searcher.index.tokenizer
        self.rows = searcher.rows
        units = self.index.units  # worked out at build: no pass over every work point here
        self.directory = UnitDirectory.from_table(units, self.index.entries) if units is not None \
            else UnitDirectory(self.notices)
        self.coverage: Coverage = Coverage(searcher)
        self._by_doc = {id(n.doc): n for n in self.notices}
        self._idf: dict[str, float] = {}
        self._words: dict[int, set[str]] = {}
        self._sense_cache: dict[tuple[str, frozenset[str]], set[str]] = {}
        self._holding: dict[str, set[str]] = {}
        self._passage_vectors: dict[str, np.ndarray] = {}

    # ------------------------------------------------------------------ notices
    def notice_of(self, doc: NoticeInfo) -> Notice:
        """The notice a hit's or citation's metadata belongs to."""
        return self._by_doc[id(doc)]

    @cached_property
    def families(self) -> dict[int, list[Notice]]:
        """Each notice's family of editions (itself included), oldest first, keyed by ``id(notice.doc)``."""
        stored = self.index.families  # worked out at build
        groups = stored if stored is not None else _families(self.notices)
        return {id(n.doc): group for group in groups for n in group}

    def editions(self, notice: Notice) -> list[Notice]:
        """The editions of a notice's family, oldest first (just the notice when it has none)."""
        return self.families.get(id(notice.doc), [notice])

    @cached_property
    def places(self) -> dict[str, str]:
        """Every way a question may name an indexed place → the place as printed: 成都市, 成都, and in
        English its pinyin (chengdu)."""
        from pypinyin import lazy_pinyin

        out: dict[str, str] = {}
        for place in dict.fromkeys(place_of(n.doc) for n in self.notices):  # in the notices' order
            for name in place_names(place):
                out.setdefault(name, place)
                if len(name) >= 2 and not _PLACE_SUFFIX.search(name):
                    out.setdefault("".join(lazy_pinyin(name)).lower(), place)
        return out

    @cached_property
    def notice_words(self) -> frozenset[str]:
        """The words that name an indexed notice's place or year (成都市, 成都, 2019, 2019年, 19)."""
        words: set[str] = set()
        for place in {place_of(n.doc) for n in self.notices}:
            words |= place_names(place)
        for year in {n.doc.year for n in self.notices if n.doc.year}:
            words |= {str(year), f"{year}年", str(year)[2:]}
        return frozenset(words)

    # ------------------------------------------------------------------ per-row caches
    @cached_property
    def vocabulary(self) -> set[str]:
        """The words the notices print, as BM25 indexed them (with the corpus's unit names and terms)."""
        return set(self.index.postings.vocabulary) | set(self.tokenizer.words)

    @cached_property
    def texts(self) -> list[str]:
        """Each row's text and headings, lower-cased: read only for a word BM25 did not index, in a small index."""
        return [(p.text + " " + " ".join(p.path)).lower() for _, p in self.searcher.entries]

    def row(self, point: WorkPoint) -> int:
        return self.rows[id(point)]

    def notice_rows(self, notice: Notice) -> Sequence[int]:
        """A notice's rows in ``items`` order; a notice stored in a large index (:class:`assistant.store.StoredNotice`)
        gives them without reading its work points."""
        from assistant.store import StoredNotice

        return notice.rows if isinstance(notice, StoredNotice) else [self.row(p) for p in notice.items]

    def notices_of(self, points: Sequence[tuple[Notice, WorkPoint]]) -> list[Notice]:
        """The notice of each of a unit's work points (:class:`assistant.directory.UnitEntry`), from their rows
        where the index stores them, so a unit's count in each notice reads no work point."""
        rows = getattr(points, "rows", None)
        records = self.index.records
        if rows is None or records is None:
            return [n for n, _ in points]
        numbers = np.searchsorted(records.first, np.asarray(rows, dtype=np.int64), side="right") - 1
        return [records.notices[i] for i in numbers.tolist()]

    def readable(self, count: int) -> bool:
        """Whether a scope of this many work points is read point by point (up to :data:`SCAN_LIMIT`); a larger
        one is answered from what the index stores (postings, the unit table, the clause signal's best rows)."""
        return count <= SCAN_LIMIT

    def scope_size(self, scope: list[Notice]) -> int:
        """How many work points these notices hold (a large index counts them without reading them)."""
        return sum(len(self.notice_rows(n)) for n in scope)

    def scope_rows(self, scope: list[Notice]) -> list[int] | np.ndarray | None:
        """The rows of these notices' work points; None for every notice of the index. Notices stored in a large
        index give their rows as ranges, joined here as one array (a scope of half a million rows costs a
        millisecond, not a Python list of them)."""
        if len(scope) == len(self.notices):
            return None
        spans = [self.notice_rows(n) for n in scope]
        if spans and all(isinstance(r, range) and r.step == 1 for r in spans):
            lo = np.fromiter((r.start for r in spans), np.int64, len(spans))
            counts = np.fromiter((len(r) for r in spans), np.int64, len(spans))
            return np.repeat(lo - np.cumsum(counts) + counts, counts) + np.arange(int(counts.sum()))
        return [r for rows in spans for r in rows]

    def listed_rows(self, scope: list[Notice]) -> set[int]:
        """The rows a question about the task lists reads in these notices (:attr:`Notice.listed`)."""
        out: set[int] = set()
        for n in scope:
            rows = self.notice_rows(n)
            out.update(rows[i] for i in n.listed)
        return out

    def words_of(self, point: WorkPoint) -> set[str]:
        """A work point's whole words (text and title), for topic membership; read on first use, then kept."""
        row = self.rows[id(point)]
        words = self._words.get(row)
        if words is None:
            words = set(self.tokenizer.words_of(point.text + " " + point.title))
            _keep(self._words, row, words, CACHE_MAX["words"])
        return words

    def prints(self, point: WorkPoint, terms: Iterable[str]) -> bool:
        """Whether a work point's text or title holds any of these terms as printed (lower-cased, as
        :meth:`words_of` reads it). Each of its words is a stretch of that text, so a work point failing this test
        has no word holding a term: a scope's work points are segmented only where one may."""
        text = (point.text + " " + point.title).lower()
        return any(t in text for t in terms)

    def idf(self, word: str) -> float:
        """Inverse share of work points that print the word; 0 for a word none prints (cached).

        Read from the BM25 index's document frequencies; a word it did not index as one token is
        counted in the texts of a small index, and in a large one by its rarest token.
        """
        if word not in self._idf:
            n = len(self.rows)
            df = self.index.postings.count(word.lower())
            if df is None and self.readable(n):
                df = sum(word in text for text in self.texts)
            elif df is None:
                parts = [self.index.postings.count(t.lower()) for t in self.tokenizer.tokens(word)]
                df = min((d for d in parts if d is not None), default=0)
            idf = math.log((n + 1) / (df + 0.5)) if df else 0.0
            _keep(self._idf, word, idf, CACHE_MAX["terms"])
            return idf
        return self._idf[word]

    def printed(self, word: str) -> bool:
        """Whether any work point prints the word."""
        return self.idf(word) > 0

    def sense_words(self, term: str, scope: list[Notice] | None) -> set[str]:
        """Words of the notices that carry a topic term in its sense.

        A term of two or more characters is its own sense (and every longer word holding it).
        A single character is ambiguous (水 in 水资源 but not in 水平), so the words that hold it
        are kept when the model places them near the character itself (:data:`WORD_SENSE`).
        With no scope (one too large to read), the words are BM25's tokens, read from its vocabulary.
        """
        if scope is None:
            candidates = self._tokens_holding(term)
        else:
            candidates = {w for n in scope for p in n.items if self.prints(p, (term,)) for w in self.words_of(p)
                          if term in w}
        if len(term) > 1 or not candidates:
            return candidates
        key = (term, frozenset(candidates))
        if key not in self._sense_cache:
            words = sorted(candidates)
            sims = self.searcher.embedder.encode_queries([term, *words])
            keep = {w for w, v in zip(words, sims[1:], strict=True) if float(v @ sims[0]) >= WORD_SENSE}
            _keep(self._sense_cache, key, keep | {term}, CACHE_MAX["terms"])
            return keep | {term}
        return self._sense_cache[key]

    def _tokens_holding(self, term: str) -> set[str]:
        """BM25's tokens that hold a term (cached: the vocabulary is read once per term)."""
        if term not in self._holding:
            holding = {t for t in self.index.postings.vocabulary if term in t}
            _keep(self._holding, term, holding, CACHE_MAX["terms"])
            return holding
        return self._holding[term]

    def token_rows(self, tokens: set[str]) -> np.ndarray:
        """The rows whose BM25 tokens include any of these (sorted), from the postings: no work point read."""
        return self.index.postings.rows(tokens)

    def closeness(self, text: str) -> Callable[[list[str]], list[float]]:
        """Cosine of the question to each of some short passages (a figure's words), embedded on demand."""
        vector = self.searcher.query_vector(text)

        def close(passages: list[str]) -> list[float]:
            # Windows embedded at build are read from the index; others (a window of an older build) are
            # embedded once and cached. The cache is shared by concurrent requests: read from a local copy.
            built = self.index.windows
            have = {x: v for x in dict.fromkeys(passages)
                    if (v := built.get(x) if x in built else self._passage_vectors.get(x)) is not None}
            missing = [x for x in dict.fromkeys(passages) if x not in have]
            if missing:
                have.update(zip(missing, self.searcher.embedder.encode_documents(missing), strict=True))
                for x in missing:
                    _keep(self._passage_vectors, x, have[x], CACHE_MAX["passages"])
            return [float(have[x] @ vector) for x in passages]

        return close


def _families(notices: list[Notice]) -> list[list[Notice]]:
    """Groups of editions, oldest first: :func:`assistant.editions.families` where it exists."""
    try:
        from assistant.editions import families
    except ImportError:  # before editions.py: pair by the comparison's rule
        from assistant.compare import same_family

        groups: list[list[Notice]] = []
        for n in notices:
            for g in groups:
                if same_family(g[0], n):
                    g.append(n)
                    break
            else:
                groups.append([n])
        return [sorted(g, key=lambda n: (n.doc.year or 0, n.doc.date)) for g in groups]
    return families(notices)


def _keep(cache: dict[Any, Any], key: Any, value: Any, most: int) -> None:
    """Put a value in a cache, emptying it first when it holds ``most`` entries (a server's caches stay bounded)."""
    if len(cache) >= most:
        cache.clear()
    cache[key] = value
