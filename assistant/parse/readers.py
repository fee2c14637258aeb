"""Readers: a notice file (txt, md, html, docx, pdf) → its paragraphs, one per line.

Characters are kept as they are (full-width punctuation too): headings, items and units are
for :mod:`assistant.parse.structure`. A table row with several filled cells is one line, cells
separated by a tab.
"""

from __future__ import annotations

import codecs
import importlib.util
import io
import os
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from assistant.errors import FileTooLargeError, UnreadableFileError

SUPPORTED = (".txt", ".md", ".html", ".htm", ".docx", ".pdf")
#: The default limit on one notice, in MB of text (``--max-file-mb``): a year's task list is well under
#: 1 MB, and a 50 MB file would plan hundreds of thousands of clauses.
MAX_FILE_MB = 5
MAX_FILE_BYTES = MAX_FILE_MB * 2**20
#: A .docx or .pdf may hold images besides its text: its file may be this many times the text limit,
#: and its text is held to the limit once read.
CONTAINER_FACTOR = 10
_CONTAINERS = (".docx", ".pdf")


@dataclass
class RawDocument:
    """The text of one file, before any structure is read from it."""

    path: str
    format: str  # "txt" | "md" | "html" | "docx" | "pdf"
    lines: list[str]  # paragraphs in reading order, stripped, no blank ones
    title: str = ""  # <title> of an HTML page / docx core title, if any
    source: str = ""  # <meta name="source" content=...> of an HTML page, if any
    encoding: str = ""  # detected text encoding for txt/md/html
    #: What was read with a loss, in words (undecodable bytes replaced); the notice itself is kept.
    warnings: list[str] = field(default_factory=list)


def check_size(path: str | os.PathLike[str], max_bytes: int) -> int:
    """Refuse a file above the size limit before any of it is read; returns its size in bytes.

    A .docx or .pdf may be :data:`CONTAINER_FACTOR` times the limit (images); its text is
    checked once read (:func:`read_document`).

    Raises:
        FileTooLargeError: the file is above the limit.
        UnreadableFileError: the file cannot be opened (a broken link, no permission).
    """
    name = str(path)
    try:
        size = os.stat(name).st_size
    except OSError as exc:
        raise UnreadableFileError(name, f"cannot open the file ({exc.strerror or exc})") from exc
    limit = max_bytes * (CONTAINER_FACTOR if Path(name).suffix.lower() in _CONTAINERS else 1)
    if size > limit:
        raise FileTooLargeError(name, size, limit)
    return size


def read_document(path: str | os.PathLike[str], max_bytes: int | None = None) -> RawDocument:
    """Read a notice file into its paragraphs, one per line.

    Undecodable bytes in a text file are replaced (U+FFFD) and counted in ``warnings``, so one
    bad byte does not lose a notice; binary content is still refused.

    Args:
        path: a .txt, .md, .html/.htm, .docx or .pdf file.
        max_bytes: the size limit for one notice (see :func:`check_size`); None for none.

    Returns:
        The file's lines, plus its title, source, encoding and warnings where there are any.

    Raises:
        FileTooLargeError: the file, or the text of a .docx or .pdf, is above ``max_bytes``.
        UnreadableFileError: unsupported extension, empty file, binary content (NUL bytes, mostly
            control characters, undecodable), a truncated or corrupt docx or pdf, no text at all.
    """
    name = str(path)
    ext = Path(name).suffix.lower()
    if ext not in SUPPORTED:
        raise UnreadableFileError(name, f"unsupported extension {ext!r}; use one of {', '.join(SUPPORTED)}")
    if max_bytes is not None:
        check_size(name, max_bytes)
    try:
        data = Path(name).read_bytes()
    except OSError as exc:
        raise UnreadableFileError(name, f"cannot open the file ({exc.strerror or exc})") from exc
    if not data:
        raise UnreadableFileError(name, "the file is empty")
    readers = {".docx": _read_docx, ".pdf": _read_pdf, ".html": _read_html, ".htm": _read_html}
    doc = readers.get(ext, _read_text)(name, data)
    doc.lines = _clean(doc.lines)
    if not doc.lines:
        hint = "; a scanned PDF needs OCR first" if ext == ".pdf" else ""
        raise UnreadableFileError(name, f"the document holds no text{hint}")
    if max_bytes is not None and ext in _CONTAINERS:
        text_bytes = sum(len(line.encode("utf-8")) + 1 for line in doc.lines)
        if text_bytes > max_bytes:
            raise FileTooLargeError(name, text_bytes, max_bytes)
    return doc


def _read_text(path: str, data: bytes) -> RawDocument:
    text, encoding, warnings = _decode(path, data)
    lines, kind = text.splitlines(), "md" if path.lower().endswith(".md") else "txt"
    front: dict[str, str] = {}
    if kind == "md":
        front, lines = _front_matter(lines)
        lines = [_MD_HEADING.sub("", line.strip()).replace("**", "") for line in lines]
    title, source = front.get("title", ""), front.get("source", "")
    return RawDocument(path, kind, lines, title=title, source=source, encoding=encoding, warnings=warnings)


_FRONT_FIELD = re.compile(r"^([A-Za-z_][\w-]*)\s*:\s*(.*?)\s*$")


def _front_matter(lines: list[str]) -> tuple[dict[str, str], list[str]]:
    """A Markdown file's YAML front matter (``---`` / ``title: …`` / ``source: …`` / ``---`` at the top)
    as ``{key: value}``, and the lines after it; no front matter gives ``({}, lines)``."""
    if not lines or lines[0].strip().lstrip("\ufeff") != "---":
        return {}, lines
    end = next((i for i, line in enumerate(lines[1:40], 1) if line.strip() == "---"), None)
    if end is None:
        return {}, lines
    fields = {}
    for line in lines[1:end]:
        m = _FRONT_FIELD.match(line.strip())
        if m:
            fields[m.group(1).lower()] = m.group(2).strip("'\"")
    return fields, lines[end + 1 :]


def _clean(lines: list[str]) -> list[str]:
    # str.strip() also removes U+3000 and NBSP; zero-width marks are stripped explicitly.
    stripped = (line.strip().strip("\u200b\ufeff").strip() for line in lines)
    return [line for line in stripped if line]


_GB_FAMILY = {"gb2312", "gbk", "cp936", "gb18030", "euc_cn", "euc-cn", "ms936"}
_MD_HEADING = re.compile(r"^#{1,6}\s*")


def _codec(label: str) -> str:
    """Map an encoding label to a Python codec, widening any GB guess to its superset gb18030."""
    try:
        name = codecs.lookup(label.strip()).name
        return "gb18030" if name in _GB_FAMILY or label.lower() in _GB_FAMILY else name
    except LookupError:
        return ""


def _decode(path: str, data: bytes, declared: str = "") -> tuple[str, str, list[str]]:
    """Decode text (BOMs, strict UTF-8, a declared or else a detected encoding) → (text, codec, warnings).

    A file that no encoding reads cleanly is read in the one that fits it best, its few bad bytes
    replaced (U+FFFD) and counted in a warning: one broken byte must not lose a whole notice.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        codec = "utf-16"
    elif b"\x00" in data:
        raise UnreadableFileError(path, "binary content (NUL bytes); not a text notice")
    elif data.startswith(codecs.BOM_UTF8):
        codec = "utf-8-sig"
    else:
        codec = _strict_codec(data, declared) or _best_codec(path, data, declared)
    text, bad = _decode_counting(data, codec)
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f\v")
    if controls > 0.1 * len(text):
        raise UnreadableFileError(path, "binary content (mostly control characters); not a text notice")
    replaced = sum(end - start for start, end in bad)
    warnings = [
        f"{replaced} undecodable byte{'s' if replaced > 1 else ''} replaced with U+FFFD (read as {codec}); "
        "the rest of the notice is kept: check the text there, or save the file as UTF-8 again"
    ] if replaced else []
    return text, codec, warnings


def _strict_codec(data: bytes, declared: str) -> str:
    """UTF-8, else the declared encoding, where it decodes every byte; "" if neither does."""
    for codec in dict.fromkeys(("utf-8", _codec(declared) if declared else "")):
        if codec:
            try:
                data.decode(codec)
                return codec
            except UnicodeDecodeError:
                continue
    return ""


def _best_codec(path: str, data: bytes, declared: str) -> str:
    """The encoding of a file UTF-8 does not read cleanly: UTF-8 still if few bytes are bad, else
    detection's pick, else the legacy encoding with the fewest bad bytes, confirmed by detection
    once they are cut.

    The shares are measured: GBK or Big5 read as UTF-8 has 65–85 % of its non-ASCII bytes bad
    (UTF-8 resynchronises, a legacy encoding is wrong everywhere); UTF-8 read as GB18030 has about
    2 % bad, GBK read as Big5 about 3 %.

    Raises:
        UnreadableFileError: too many bytes fit no encoding; the file is binary or badly damaged.
    """
    utf8 = _bad_bytes(_decode_counting(data, "utf-8")[1])
    if utf8 <= _tolerance(data, 0.10):
        return "utf-8"
    limit = _tolerance(data, 0.005)
    from charset_normalizer import from_bytes  # only needed for non-UTF-8 files

    best = from_bytes(data).best()
    if best is not None and _codec(best.encoding):
        return _codec(best.encoding)
    fits = {}
    for codec in dict.fromkeys((_codec(declared) if declared else "", "gb18030", "big5")):
        if codec and _bad_bytes(spans := _decode_counting(data, codec)[1]) <= limit:
            fits[codec] = spans
    if not fits:
        raise UnreadableFileError(
            path, f"undecodable: {utf8} of {len(data)} bytes are not UTF-8 and no other encoding fits; "
            "save the file as UTF-8 text"
        )
    # Big5 read as GB18030 has as few bad bytes as Big5 itself: detection, on the bytes that each
    # candidate reads cleanly, tells which is the text.
    for codec in sorted(fits, key=lambda c: _bad_bytes(fits[c])):
        cut = bytearray(data)
        for start, end in reversed(fits[codec]):
            del cut[start:end]
        best = from_bytes(bytes(cut)).best()
        if best is not None and _codec(best.encoding) in fits:
            return _codec(best.encoding)
    return min(fits, key=lambda c: _bad_bytes(fits[c]))


def _tolerance(data: bytes, share: float) -> int:
    """How many bad bytes a file may hold and still be read: a share of its non-ASCII bytes, at least one."""
    return max(1, int(len(data.translate(None, bytes(range(128)))) * share))


def _bad_bytes(spans: list[tuple[int, int]]) -> int:
    return sum(end - start for start, end in spans)


_spans = threading.local()


def _record_bad(exc: UnicodeError) -> tuple[str, int]:
    assert isinstance(exc, UnicodeDecodeError)
    _spans.found.append((exc.start, exc.end))
    return "\ufffd", exc.end


codecs.register_error("assistant-record", _record_bad)


def _decode_counting(data: bytes, codec: str) -> tuple[str, list[tuple[int, int]]]:
    """Decode with replacement → (text, the byte spans that were replaced)."""
    _spans.found = found = []
    try:
        return data.decode(codec, errors="assistant-record"), found
    finally:
        del _spans.found


_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "head", "title", "iframe", "object"})
_BLOCK_TAGS = frozenset(
    "address article aside blockquote caption center dd div dl dt fieldset figcaption figure footer "
    "form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section table tbody td tfoot th thead ul".split()
)
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", re.I)


def _read_html(path: str, data: bytes) -> RawDocument:
    from bs4 import BeautifulSoup

    declared = _META_CHARSET.search(data[:4096])
    text, encoding, warnings = _decode(path, data, declared.group(1).decode("ascii") if declared else "")
    soup = BeautifulSoup(text, "lxml" if importlib.util.find_spec("lxml") else "html.parser")
    title = _collapse(soup.title.get_text()) if soup.title else ""
    meta = soup.find("meta", attrs={"name": "source"})
    source = str(meta.get("content", "")).strip() if meta else ""
    return RawDocument(
        path, "html", _block_lines(soup), title=title, source=source, encoding=encoding, warnings=warnings
    )


def _collapse(text: str) -> str:
    """Collapse HTML white space as browsers do (CSS Text 3): a run with a line break between
    two wide (CJK) characters vanishes, any other run becomes one space."""

    def repl(match: re.Match[str]) -> str:
        pair = text[match.start() - 1 : match.start()] + text[match.end() : match.end() + 1]
        return "" if "\n" in match.group() and len(pair) == 2 and _width(pair) == 4 else " "

    return _HTML_SPACE.sub(repl, text).strip()


def _block_lines(node: object) -> list[str]:
    """Lines of an element: each block element and <br> breaks a line, inline elements join."""
    from bs4 import NavigableString, Tag

    lines: list[str] = []
    buffer: list[str] = []

    def flush() -> None:
        if line := _collapse("".join(buffer)):
            lines.append(line)
        buffer.clear()

    def walk(tag: Tag) -> None:
        for child in tag.children:
            if isinstance(child, NavigableString):
                if type(child) is NavigableString:  # not a comment, doctype or CDATA
                    buffer.append(str(child))
            elif isinstance(child, Tag) and child.name not in _SKIP_TAGS:
                if child.name in _BLOCK_TAGS or child.name in ("br", "tr"):
                    flush()
                if child.name == "tr":
                    lines.extend(_row_lines(child))
                elif child.name != "br":
                    walk(child)
                    if child.name in _BLOCK_TAGS:
                        flush()

    walk(node)  # type: ignore[arg-type]
    flush()
    return lines


def _row_lines(row: object) -> list[str]:
    """A table row: a layout row (one filled cell) keeps its paragraphs; a data row is one line."""
    cells = row.find_all(["td", "th"], recursive=False)  # type: ignore[attr-defined]
    filled = [cell for cell in cells if cell.get_text(strip=True)]
    if len(filled) <= 1:
        return [line for cell in filled for line in _block_lines(cell)]
    return ["\t".join(" ".join(_block_lines(cell)) for cell in cells).strip()]


def _read_docx(path: str, data: bytes) -> RawDocument:
    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # BadZipFile, KeyError, python-docx's PackageNotFoundError, lxml errors
        raise UnreadableFileError(path, f"truncated or corrupt .docx ({exc}); save it again") from exc

    lines: list[str] = []

    def add(block: object) -> None:
        if isinstance(block, Table):
            for row in block.rows:
                cells = list({cell._tc: cell for cell in row.cells}.values())  # merged cells repeat
                filled = [cell for cell in cells if cell.text.strip()]
                if len(filled) <= 1:
                    for cell in filled:
                        for inner in cell.iter_inner_content():
                            add(inner)
                else:
                    lines.append("\t".join(" ".join(cell.text.split("\n")) for cell in cells))
        else:
            lines.extend(block.text.split("\n"))  # type: ignore[attr-defined]  # soft breaks

    for block in document.iter_inner_content():
        add(block)
    return RawDocument(path, "docx", lines, title=(document.core_properties.title or "").strip())


_FINAL = re.compile(r"[。；：！？;:!?][”’」』》）)\]]*$")
_OPENS = re.compile(  # 一、 （一） 1. (1) ① 第X条/章 附件 牵头单位 … open a new paragraph
    r"^(?:[一二三四五六七八九十百]+[、.．]|[（(][一二三四五六七八九十百\d]+[）)]|\d+[.．、](?!\d)"
    r"|[①-⑳]|第[一二三四五六七八九十百千零〇\d]+[编章节条款]|附件"
    r"|(?:牵头|责任|配合|参与|协办|主办|指导)(?:单位|部门))"
)
_PAGE_NUMBER = re.compile(r"^(?:[-－—–] ?\d{1,4} ?[-－—–]|\d{1,4}|第 ?\d+ ?页(?: ?共 ?\d+ ?页)?|\d+/\d+)$")
_INDENT = re.compile(r"^(?:\u3000|[ \t\xa0]{2,})")


def _read_pdf(path: str, data: bytes) -> RawDocument:
    from pypdf import PdfReader

    if not data.lstrip().startswith(b"%PDF-") or b"%%EOF" not in data[-2048:]:
        raise UnreadableFileError(path, "truncated PDF or not a PDF (no %PDF- header or %%EOF end mark)")
    try:
        reader = PdfReader(io.BytesIO(data))
        locked = reader.is_encrypted and not reader.decrypt("")
        pages = [] if locked else reader.pages
        raw = [line for page in pages for line in (page.extract_text() or "").splitlines()]
    except Exception as exc:  # pypdf raises many error types for damaged files
        raise UnreadableFileError(path, f"corrupt PDF ({type(exc).__name__}: {exc})") from exc
    if locked:
        raise UnreadableFileError(path, "the PDF is password protected; save an unprotected copy")
    lines = [line for line in raw if not _PAGE_NUMBER.match(line.strip())]
    return RawDocument(path, "pdf", unwrap_lines(lines))


def _width(text: str) -> int:
    """Display width: 2 for each wide (CJK) character, 1 for the others."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def unwrap_lines(lines: list[str]) -> list[str]:
    """Join the lines a PDF wrapped mid-paragraph. A line is joined to the next only if:

    * it is *full*: display width (CJK 2, others 1) ≥ 85% of the document's 98th-percentile
      line width, so short lines (title parts, dates, signatures) always stay apart;
    * the next line does not open a heading, item, article or unit line
      (一、 （一） 1. (1) ① 第X条 附件 牵头单位 责任单位 …);
    * if the document indents paragraphs (≥ 1/5 of lines start with U+3000 or two spaces), the
      next line is not indented; otherwise the line does not end a sentence (。；：！？ or ASCII,
      maybe then a closing quote/bracket), so a wrap right after a full stop stays a break.

    Args:
        lines: the pages' text lines in order, page numbers removed, indentation kept.

    Returns:
        The paragraphs, stripped, blank lines dropped, runs of ASCII spaces made one.
    """
    lines = [line.rstrip() for line in lines if line.strip()]
    if not lines:
        return []
    indented = [bool(_INDENT.match(line)) for line in lines]
    by_indent = sum(indented) >= 0.2 * len(lines)
    text = [re.sub(" {2,}", " ", line.strip()) for line in lines]
    widths = sorted((_width(line) for line in text), reverse=True)
    full = 0.85 * widths[len(widths) // 50]
    out = [text[0]]
    for i in range(1, len(text)):
        previous, line = text[i - 1], text[i]
        new_paragraph = indented[i] if by_indent else bool(_FINAL.search(previous))
        if _width(previous) >= full and not new_paragraph and not _OPENS.match(line):
            pair = previous[-1] + line[0]  # English words wrap at a space pypdf leaves out
            out[-1] += (" " if pair.isascii() and pair.isalpha() else "") + line
        else:
            out.append(line)
    return out
