"""Chinese tokenisation for BM25 and term matching: jieba with a user dictionary from the corpus.

The dictionary holds the unit names and the quoted policy terms (“河长制湖长制”, 《…》) the
notices print, so ``市林草局`` or ``厕所革命`` stay one token instead of being cut apart.
Search mode adds the sub-words of long words (``残膜回收率`` → 残膜, 回收, 回收率) for recall.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from functools import cached_property

from assistant.records import Notice

#: Function words and question words that carry no topic.
STOPWORDS: frozenset[str] = frozenset(
    """的 了 和 与 及 以及 或 等 是 在 对 由 把 被 为 将 要 也 都 而 并 其 该 这 那 之 于 从 向 到 中 上 下
    个 项 哪 哪个 哪些 哪里 什么 多少 几 几个 谁 怎么 怎样 如何 吗 呢 吧 啊 有 有没有 是否 没有 请问 请
    一下 一些 工作 任务 要求 目标 达到 多 少 啥 么 我 我们 你 你们 他们 会 能 可以 应该 需要 进行 开展
    负责 牵头 单位 部门 涉及 相关 有关 分别 情况 方面 问题 怎么办 the a an of to in and for is are what who
    which how many much does do""".split()
)
_TOKEN = re.compile(r"[\w%‰.]+", re.UNICODE)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


def is_english(text: str) -> bool:
    """Asked in English: more than twice as many Latin letters as Chinese characters."""
    return len(_LATIN.findall(text)) > 2 * len(_CJK.findall(text))

_QUOTED = re.compile(r"[“\"《「]([^”\"》」]{2,16})[”\"》」]")


def corpus_terms(notices: Iterable[Notice]) -> list[str]:
    """Words for the user dictionary: every unit name and every short quoted term in the notices."""
    terms: dict[str, None] = {}
    for notice in notices:
        for point in notice.items:
            for unit in point.units:
                terms.setdefault(unit, None)
            for m in _QUOTED.finditer(point.text):
                terms.setdefault(m.group(1), None)
    return [t for t in terms if 2 <= len(t) <= 20 and " " not in t]


class Tokenizer:
    """jieba in search mode with the corpus's own words added, lower-cased, stopwords dropped."""

    def __init__(self, words: Iterable[str] = ()) -> None:
        self.words = list(dict.fromkeys(words))

    @cached_property
    def _jieba(self):  # noqa: ANN202 - jieba's Tokenizer has no type stubs
        import jieba

        jieba.setLogLevel(logging.WARNING)
        tok = jieba.Tokenizer()
        for word in self.words:
            tok.add_word(word, freq=2000)
        return tok

    def tokens(self, text: str) -> list[str]:
        """Tokens of a text for BM25: words and their sub-words, without stopwords or punctuation."""
        out = []
        for word in self._jieba.lcut_for_search(text.lower()):
            word = word.strip()
            if word and word not in STOPWORDS and _TOKEN.fullmatch(word):
                out.append(word)
        return out

    def segment(self, text: str) -> list[str]:
        """jieba's words of a text as printed (case kept, nothing dropped), with the corpus's own words."""
        return self._jieba.lcut(text)

    def words_of(self, text: str) -> list[str]:
        """Whole words of a text (no sub-words), for matching a question's terms against records."""
        return [w for w in self._jieba.lcut(text.lower()) if w.strip() and w not in STOPWORDS and _TOKEN.fullmatch(w)]
