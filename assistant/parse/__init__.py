"""Parsing notices: files → text lines (:mod:`.readers`) → site furniture dropped (:mod:`.noise`) →
metadata (:mod:`.metadata`) → parts and work points (:mod:`.parts`, :mod:`.structure`, :mod:`.units`).

:func:`parse_notice` is the one entry point the rest of the package uses.
"""

from __future__ import annotations

import os
from pathlib import Path

from assistant.errors import UnreadableFileError
from assistant.records import Notice

#: Bumped whenever parsing changes what a file yields; an index built by another version re-parses.
PARSER_VERSION = 6


def parse_notice(
    path: str | os.PathLike[str], *, warnings: list[str] | None = None, max_bytes: int | None = None
) -> Notice:
    """Read one notice file (.txt, .md, .html, .docx, .pdf) into its metadata and work points.

    Args:
        path: the file.
        warnings: if given, what was read with a loss (undecodable bytes replaced) is appended here;
            the notice is still returned.
        max_bytes: the size limit for one notice (:func:`~assistant.parse.readers.check_size`); None for none.

    Raises:
        FileTooLargeError: the file is above ``max_bytes``.
        UnreadableFileError: the file is binary, empty, truncated, of an unknown format, or
            holds no numbered or unnumbered content at all.
    """
    from assistant.parse.metadata import read_metadata
    from assistant.parse.noise import info_fields, strip_furniture
    from assistant.parse.readers import read_document
    from assistant.parse.structure import parse_structure

    raw = read_document(path, max_bytes=max_bytes)
    if warnings is not None:
        warnings.extend(raw.warnings)
    given = raw.title if raw.format == "md" else ""  # front matter is the file's own word, a page's <title> not
    lines = strip_furniture(raw.lines, title=given or raw.title)
    if not lines:
        raise UnreadableFileError(str(path), "only site navigation (menus, links, footer): no notice text")
    fields = info_fields(raw.lines)
    page_title = "" if given else raw.title
    info, body_start = read_metadata(lines, fields, given, raw.source or str(path), page_title)
    items = parse_structure(lines, info, body_start)
    if not items:
        raise UnreadableFileError(str(path), "no text that reads as a notice")
    if not info.title:
        info.title = Path(path).stem
    return Notice(doc=info, items=items, file=str(path))
