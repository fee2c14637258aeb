"""The parsed notices of an index folder: their metadata in memory, their work points read when first used.

``items.jsonl`` holds one notice a line; ``notices.jsonl`` holds, per notice, its metadata, its file,
its number of work points and the byte offset of its line; ``item_spans.npy`` each work point's bytes
in ``items.jsonl``. A small index reads every line when it is opened (a damaged line is refused then);
a large one reads a notice's line the first time its work points are asked for, and keeps at most
:data:`KEEP` notices read (a city's archive of a million work points would take gigabytes as Python
objects and minutes to read), and reads a single work point (a search hit) from its own bytes.

The answer layer tells work points apart by ``id(point)``; :class:`RowMap` maps each work point read
to its row for as long as the object lives, so an id never goes stale.
"""

from __future__ import annotations

import hashlib
import json
import sys
import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, overload

import numpy as np

from assistant.records import Notice, NoticeInfo, TaskLabel, WorkPoint

#: Notices kept read in a large index (the least recently used are let go; their work points stay
#: valid while anything still holds them).
KEEP = 1024
#: An ``items.jsonl`` up to this size is read whole when the index is opened.
EAGER_BYTES = 64 << 20
#: Each work point's byte range in ``items.jsonl``, by row (an index written before it was stored reads whole
#: notices instead).
SPANS = "item_spans.npy"
ITEM_SEPARATOR = b", "


def write(folder: Path, notices: Iterable[Notice]) -> list[int]:
    """Write ``items.jsonl``, ``notices.jsonl`` and ``item_spans.npy`` for these notices (read once); returns each
    one's number of work points.

    A notice's line is ``{"doc": ..., "file": ..., "items": [...]}``, each work point's object written on its own so
    that ``item_spans.npy`` can give its byte range (start, end) in the file, by row: a large index reads one work
    point without parsing the hundreds of its notice (:meth:`Records.point`).
    """
    counts: list[int] = []
    spans: list[tuple[int, int]] = []
    offset = 0
    with open(folder / "items.jsonl", "wb") as items, open(folder / "notices.jsonl", "w", encoding="utf-8") as heads:
        for notice in notices:
            opening = (f'{{"doc": {json.dumps(notice.doc.to_dict(), ensure_ascii=False)}, '
                       f'"file": {json.dumps(notice.file, ensure_ascii=False)}, "items": [').encode()
            points = [json.dumps(w.to_dict(), ensure_ascii=False).encode() for w in notice.items]
            at = offset + len(opening)
            for point in points:
                spans.append((at, at + len(point)))
                at += len(point) + len(ITEM_SEPARATOR)
            line = opening + ITEM_SEPARATOR.join(points) + b"]}\n"
            items.write(line)
            head = {"doc": notice.doc.to_dict(), "file": notice.file, "items": len(notice.items), "offset": offset,
                    "headings": notice.headings, "listed": notice.listed,
                    "tasks": [list(t) for t in notice.task_labels], "preamble": notice.preamble}
            heads.write(json.dumps(head, ensure_ascii=False) + "\n")
            offset += len(line)
            counts.append(len(notice.items))
    np.save(folder / SPANS, np.asarray(spans, dtype=np.int64).reshape(-1, 2))
    return counts


def write_windows(folder: Path, texts: list[str], vectors: np.ndarray, dtype: type = np.float32) -> None:
    """Write the figure windows: ``windows.json`` (texts), ``windows.npy`` (vectors) and ``window_keys.npy``
    (each text's 64-bit hash beside its row, sorted, for :class:`WindowVectors`)."""
    (folder / "windows.json").write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    np.save(folder / "windows.npy", np.asarray(vectors, dtype=dtype))
    keys = np.array([_key(t) for t in texts], dtype=np.int64)
    order = np.argsort(keys, kind="stable")
    np.save(folder / "window_keys.npy", np.stack([keys[order], order.astype(np.int64)], axis=1).reshape(-1, 2))


def _key(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little", signed=True)


class WindowVectors(Mapping[str, np.ndarray]):
    """The figure windows' vectors by text, looked up by hash and read from a memory map (a large index)."""

    def __init__(self, folder: Path) -> None:
        table = np.load(folder / "window_keys.npy")
        self._keys, self._rows = table[:, 0].copy(), table[:, 1].copy()
        self._vectors = np.load(folder / "windows.npy", mmap_mode="r")
        if len(self._keys) != len(self._vectors):
            raise ValueError(f"{len(self._keys)} window keys but {len(self._vectors)} vectors")

    def _row(self, text: str) -> int | None:
        key = _key(text)
        at = int(np.searchsorted(self._keys, key))
        return int(self._rows[at]) if at < len(self._keys) and self._keys[at] == key else None

    def __getitem__(self, text: str) -> np.ndarray:
        row = self._row(text)
        if row is None:
            raise KeyError(text)
        return np.asarray(self._vectors[row], dtype=np.float32)

    def __contains__(self, text: object) -> bool:
        return isinstance(text, str) and self._row(text) is not None

    def __iter__(self) -> Iterator[str]:
        raise TypeError("the windows of a large index are looked up by text, not listed")

    def __len__(self) -> int:
        return len(self._keys)


class StoredNotice(Notice):
    """A notice of an index folder whose work points are read from ``items.jsonl`` on first use."""

    def __init__(self, doc: NoticeInfo, file: str, store: Records, number: int, head: dict[str, Any] | None = None) -> None:
        self.doc, self.file = doc, file
        self._store, self._number = store, number
        self._items: list[WorkPoint] | None = None
        head = head or {}
        # Read at build (an index written before they were stored reads its work points for them instead).
        self._headings: list[str] | None = [sys.intern(h) for h in head["headings"]] if "headings" in head else None
        self._listed: list[int] | None = head.get("listed")
        tasks = head.get("tasks")
        self._tasks: list[TaskLabel] | None = (
            None if tasks is None else [TaskLabel(int(i), sys.intern(label), bool(roled), sys.intern(part))
                                        for i, label, roled, part in tasks])
        self._preamble: list[int] | None = head.get("preamble")

    @property  # type: ignore[override]
    def items(self) -> list[WorkPoint]:
        items = self._items
        return items if items is not None else self._store._read(self._number)

    @items.setter
    def items(self, value: list[WorkPoint]) -> None:
        self._items = value

    @property
    def rows(self) -> range:
        """Its work points' rows in the index, without reading them."""
        return self._store.rows_of(self._number)

    @property
    def headings(self) -> list[str]:
        return self._headings if self._headings is not None else super().headings

    @property
    def listed(self) -> list[int]:
        return self._listed if self._listed is not None else super().listed

    @property
    def task_labels(self) -> list[TaskLabel]:
        return self._tasks if self._tasks is not None else super().task_labels

    @property
    def tasks(self) -> list[WorkPoint]:
        if self._tasks is None:
            return super().tasks
        items = self.items
        return [items[t.at] for t in self._tasks]

    @property
    def preamble(self) -> list[int]:
        return self._preamble if self._preamble is not None else super().preamble

    def __repr__(self) -> str:
        return f"StoredNotice({self.doc.label!r}, file={self.file!r})"


class Records:
    """The notices of one data folder (see the module)."""

    def __init__(self, folder: Path, eager: bool | None = None) -> None:
        self.path = folder / "items.jsonl"
        heads = [json.loads(line) for line in open(folder / "notices.jsonl", encoding="utf-8") if line.strip()]
        known = NoticeInfo.__dataclass_fields__
        self.notices: list[StoredNotice] = [
            StoredNotice(NoticeInfo(**{k: v for k, v in h["doc"].items() if k in known}), h["file"], self, i, h)
            for i, h in enumerate(heads)
        ]
        counts = np.array([int(h["items"]) for h in heads], dtype=np.int64)
        self.offsets = np.array([int(h["offset"]) for h in heads] + [self.path.stat().st_size], dtype=np.int64)
        #: Each notice's first row, and the number of rows at the end.
        self.first = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self.rows = RowMap(int(self.first[-1]))
        self.entries = Entries(self)
        self._lock = threading.Lock()
        self._open: OrderedDict[int, None] = OrderedDict()
        self.eager = self.path.stat().st_size <= EAGER_BYTES if eager is None else eager
        #: Each work point's byte range in ``items.jsonl`` (:data:`SPANS`), where stored and the index is large.
        self.spans: np.ndarray | None = None
        if not self.eager and (folder / SPANS).exists():
            self.spans = np.load(folder / SPANS)
            if self.spans.shape != (len(self), 2):
                raise ValueError(f"{SPANS} has shape {self.spans.shape}, not ({len(self)}, 2)")
        #: Work points read one at a time, by row, while anything holds them (a notice read later takes them in).
        self._single: weakref.WeakValueDictionary[int, WorkPoint] = weakref.WeakValueDictionary()
        if self.eager:
            self._read_all()

    def __len__(self) -> int:
        return int(self.first[-1])

    def notice_of_row(self, row: int) -> int:
        """The number of the notice a row belongs to."""
        return int(np.searchsorted(self.first, row, side="right") - 1)

    def rows_of(self, number: int) -> range:
        """The rows of one notice."""
        return range(int(self.first[number]), int(self.first[number + 1]))

    def point(self, row: int) -> WorkPoint:
        """The work point of a row: from its notice if that is read, else from the point's own bytes (:data:`SPANS`).

        A hit needs its work point, not the hundreds beside it: at 10⁶ work points, a question's hits had read
        1,851 notices (194,632 work points parsed) to give 3,678 rows over the 284 benchmark questions.
        """
        number = self.notice_of_row(row)
        notice = self.notices[number]
        if self.spans is None:
            return notice.items[row - int(self.first[number])]
        with self._lock:
            if notice._items is not None:
                self._open.move_to_end(number)
                return notice._items[row - int(self.first[number])]
            point = self._single.get(row)
            if point is None:
                start, end = (int(x) for x in self.spans[row])
                with open(self.path, "rb") as f:
                    f.seek(start)
                    raw = f.read(end - start)
                try:
                    point = WorkPoint.from_dict(json.loads(raw))
                except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError, AttributeError) as e:
                    raise ValueError(f"work point {row} (line {number + 1}) is not a work point "
                                     f"({type(e).__name__}: {e})") from e
                self._single[row] = point
                self.rows.add(point, row)
            return point

    def _read_all(self) -> None:
        with open(self.path, "rb") as f:
            for i, line in enumerate(f):
                if i >= len(self.notices):
                    raise ValueError(f"line {i + 1} is a notice notices.jsonl does not list")
                self._keep(i, self._parse(line, i))

    def _read(self, number: int) -> list[WorkPoint]:
        with self._lock:
            notice = self.notices[number]
            if notice._items is not None:
                self._open.move_to_end(number)
                return notice._items
            start, end = int(self.offsets[number]), int(self.offsets[number + 1])
            with open(self.path, "rb") as f:
                f.seek(start)
                line = f.read(end - start)
            items = self._parse(line, number)
            self._keep(number, items)
            while not self.eager and len(self._open) > KEEP:
                old, _ = self._open.popitem(last=False)
                self.notices[old]._items = None
            return items

    def _parse(self, line: bytes, number: int) -> list[WorkPoint]:
        try:
            items = [WorkPoint.from_dict(w) for w in json.loads(line)["items"]]
        except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError, AttributeError) as e:
            raise ValueError(f"line {number + 1} is not a notice ({type(e).__name__}: {e})") from e
        expected = int(self.first[number + 1] - self.first[number])
        if len(items) != expected:
            raise ValueError(f"line {number + 1} holds {len(items)} work points, notices.jsonl says {expected}")
        return items

    def _keep(self, number: int, items: list[WorkPoint]) -> None:
        """Hold a notice's work points, taking in those already read one at a time (one object a row)."""
        self.notices[number]._items = items
        self._open[number] = None
        first = int(self.first[number])
        single = self._single
        for i, point in enumerate(items):
            known = single.get(first + i) if single else None
            if known is not None:
                items[i] = known
            else:
                self.rows.add(point, first + i)


class RowMap(Mapping[int, int]):
    """``id(point) → row`` for every work point read and still alive; its length is the number of rows."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._rows: dict[int, int] = {}

    def add(self, point: WorkPoint, row: int) -> None:
        key = id(point)
        self._rows[key] = row
        weakref.finalize(point, self._rows.pop, key, None)

    def __getitem__(self, key: int) -> int:
        return self._rows[key]

    def __contains__(self, key: object) -> bool:
        return key in self._rows

    def get(self, key: int, default: Any = None) -> Any:
        return self._rows.get(key, default)

    def __iter__(self) -> Iterator[int]:
        return iter(list(self._rows))

    def __len__(self) -> int:
        return self._size


class Entries(Sequence[tuple[Notice, WorkPoint]]):
    """Every row's ``(notice, work point)``, in row order, read on demand."""

    def __init__(self, records: Records) -> None:
        self._records = records

    def __len__(self) -> int:
        return len(self._records)

    @overload
    def __getitem__(self, row: int) -> tuple[Notice, WorkPoint]: ...
    @overload
    def __getitem__(self, row: slice) -> list[tuple[Notice, WorkPoint]]: ...

    def __getitem__(self, row: int | slice) -> tuple[Notice, WorkPoint] | list[tuple[Notice, WorkPoint]]:
        if isinstance(row, slice):
            return [self[i] for i in range(*row.indices(len(self)))]
        n = len(self)
        if row < 0:
            row += n
        if not 0 <= row < n:
            raise IndexError(row)
        records = self._records
        return records.notices[records.notice_of_row(row)], records.point(row)

    def __iter__(self) -> Iterator[tuple[Notice, WorkPoint]]:
        for notice in self._records.notices:
            for point in notice.items:
                yield notice, point

    def __bool__(self) -> bool:
        return len(self) > 0
