"""Parsing notices: files → text lines (:mod:`.readers`) → metadata and work points (:mod:`.structure`).

:func:`parse_notice` is the one entry point the rest of the package uses.
"""

from __future__ import annotations

import os
from pathlib import Path

from assistant.errors import UnreadableFileError
from assistant.records import Notice

#: Bumped whenever parsing changes what a file yields; an index built by another version re-parses.
PARSER_VERSION = 4


def parse_notice(path: str | os.PathLike[str]) -> Notice:
    """Read one notice file (.txt, .md, .html, .docx, .pdf) into its metadata and work points.

    Raises:
        UnreadableFileError: the file is binary, empty, truncated, of an unknown format, or
            holds no numbered or unnumbered content at all.
    """
    from assistant.parse.readers import read_document
    from assistant.parse.structure import parse_metadata, parse_structure

    raw = read_document(path)
    info, body_start = parse_metadata(raw.lines, title=raw.title, source=raw.source or str(path))
    items = parse_structure(raw.lines, info, body_start)
    if not items:
        raise UnreadableFileError(str(path), "no text that reads as a notice")
    if not info.title:
        info.title = Path(path).stem
    return Notice(doc=info, items=items, file=str(path))
