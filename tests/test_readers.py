"""Readers on real files: the seed notice in every format and encoding, State Council HTML, bad input."""

from __future__ import annotations

import codecs
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.errors import FileTooLargeError, UnreadableFileError
from assistant.parse.readers import SUPPORTED, RawDocument, read_document, unwrap_lines

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEED = SHARED / "corpus" / "haidong-2019-eco-civilization-work-points.txt"
STATE_COUNCIL = SHARED / "corpus" / "state-council"

# TrueType CJK fonts fpdf2 can embed (Noto CJK is CFF-based: fpdf2 writes text pypdf cannot read back).
CJK_FONTS = ("wqy-microhei.ttc", "wqy-zenhei.ttc")
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")


@pytest.fixture(scope="module")
def seed() -> RawDocument:
    return read_document(SEED)


@pytest.fixture(scope="module")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


def test_seed_txt(seed: RawDocument) -> None:
    assert (seed.format, seed.encoding, seed.title) == ("txt", "utf-8", "")
    assert seed.lines[0] == "网站无障碍 适老版"
    assert seed.lines[-1] == "相关解读"
    assert "牵头单位:市发展改革委" in seed.lines
    task = next(line for line in seed.lines if line.startswith("1. 推进实施区域协调发展战略。"))
    assert task.endswith("区域协调发展新机制。")
    assert "20198月16日" in seed.lines  # leading spaces and NBSP stripped, text unchanged
    assert all(line == line.strip() and "\n" not in line for line in seed.lines)
    assert sum(1 for line in seed.lines if line.startswith("牵头单位")) == 59


@pytest.mark.parametrize(
    ("suffix", "encode", "encoding"),
    [
        (".txt", lambda text: text.encode("gb18030"), "gb18030"),
        # GBK has no NBSP; those spaces only ever stand at line ends, so the lines stay the same.
        (".txt", lambda text: text.replace("\xa0", " ").encode("gbk"), "gb18030"),
        (".txt", lambda text: codecs.BOM_UTF8 + text.replace("\n", "\r\n").encode("utf-8"), "utf-8-sig"),
        (".md", lambda text: text.encode("utf-8"), "utf-8"),
    ],
    ids=["gb18030", "gbk", "utf8-bom-crlf", "md"],
)
def test_seed_in_other_encodings(
    tmp_path: Path,
    seed: RawDocument,
    seed_text: str,
    suffix: str,
    encode: Callable[[str], bytes],
    encoding: str,
) -> None:
    path = tmp_path / f"seed{suffix}"
    path.write_bytes(encode(seed_text))
    doc = read_document(path)
    assert doc.encoding == encoding
    assert doc.lines == seed.lines


def test_big5(tmp_path: Path) -> None:
    text = "國務院關於做好當前和今後一個時期促進就業工作的若干意見\n（一）加大穩崗支持力度。對不裁員或少裁員的參保企業，可返還其上年度實際繳納失業保險費的50%。\n"
    path = tmp_path / "big5.txt"
    path.write_bytes(text.encode("big5"))
    doc = read_document(path)
    assert doc.encoding in ("big5", "cp950", "big5hkscs")
    assert doc.lines == text.splitlines()


def test_markdown_marks(tmp_path: Path) -> None:
    path = tmp_path / "notice.md"
    path.write_text(
        "# 关于印发工作要点的通知\n\n## 一、重点任务\n\n**牵头单位**:市发展改革委\u3000\n", encoding="utf-8"
    )
    assert read_document(path).lines == ["关于印发工作要点的通知", "一、重点任务", "牵头单位:市发展改革委"]


def test_seed_docx(tmp_path: Path, seed: RawDocument) -> None:
    import docx

    document = docx.Document()
    document.core_properties.title = "海东市生态文明先行示范区建设2019年度工作要点"
    for line in seed.lines:
        document.add_paragraph(line)
    path = tmp_path / "seed.docx"
    document.save(str(path))
    doc = read_document(path)
    assert (doc.format, doc.title) == ("docx", "海东市生态文明先行示范区建设2019年度工作要点")
    assert doc.lines == seed.lines


def test_docx_tables_in_reading_order(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("附件")
    layout = document.add_table(rows=1, cols=1)
    layout.cell(0, 0).text = "一、重点任务"
    layout.cell(0, 0).add_paragraph("牵头单位：市发展改革委")
    data = document.add_table(rows=2, cols=3)
    for row, values in zip(
        data.rows, [("序号", "任务", "牵头单位"), ("1", "推进国土绿化", "市林草局")], strict=True
    ):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    document.add_paragraph("（此件公开发布）")
    path = tmp_path / "tables.docx"
    document.save(str(path))
    assert read_document(path).lines == [
        "附件",
        "一、重点任务",
        "牵头单位：市发展改革委",
        "序号\t任务\t牵头单位",
        "1\t推进国土绿化\t市林草局",
        "（此件公开发布）",
    ]


def find_cjk_font() -> Path | None:
    for folder in FONT_DIRS:
        root = Path(os.path.expanduser(folder))
        for name in CJK_FONTS:
            found = next(root.rglob(name), None) if root.is_dir() else None
            if found:
                return found
    return None


def make_seed_pdf(folder: Path, lines: list[str], indent: str) -> Path:
    """The seed notice typeset by fpdf2: wrapped lines, page breaks, a '- N -' footer."""
    font = find_cjk_font()
    if font is None:
        pytest.skip(f"no TrueType CJK font ({', '.join(CJK_FONTS)}); apt-get install fonts-wqy-microhei")
    from fpdf import FPDF

    class NumberedPDF(FPDF):
        def footer(self) -> None:
            self.set_y(-15)
            self.cell(0, 10, f"- {self.page_no()} -", align="C")

    pdf = NumberedPDF()
    pdf.add_font("cjk", fname=str(font))
    pdf.set_font("cjk", size=11)
    pdf.add_page()
    for line in lines:
        # CHAR wrapping: the default breaks "1. 推进…" after "1." as if it were an English word.
        pdf.multi_cell(0, 7, indent + line, new_x="LMARGIN", new_y="NEXT", wrapmode="CHAR", align="L")
    path = folder / "seed.pdf"
    pdf.output(str(path))
    return path


def test_seed_pdf_with_indented_paragraphs(tmp_path: Path, seed: RawDocument) -> None:
    from pypdf import PdfReader

    path = make_seed_pdf(tmp_path, seed.lines, indent="\u3000\u3000")  # 首行缩进 typed as two U+3000
    pages = [page.extract_text() for page in PdfReader(path).pages]
    assert len(pages) > 5 and "- 3 -" in pages[2]  # the fixture really wraps and numbers pages
    doc = read_document(path)
    assert doc.format == "pdf"
    assert doc.lines == seed.lines


def test_seed_pdf_without_indentation(tmp_path: Path, seed: RawDocument) -> None:
    doc = read_document(make_seed_pdf(tmp_path, seed.lines, indent=""))
    assert [line for line in doc.lines if line.startswith(("牵头单位", "责任单位"))] == [
        line for line in seed.lines if line.startswith(("牵头单位", "责任单位"))
    ]
    assert "".join(doc.lines) == "".join(seed.lines)  # nothing lost, added or reordered
    # Without indentation a wrap that falls right after 。 cannot be told from a paragraph end:
    # the reader keeps such a break (fpdf2 wraps two of the 59 tasks that way), nothing else differs.
    extra = [line for line in doc.lines if line not in seed.lines]
    assert len(extra) <= 2 * 3
    for line in seed.lines:
        assert line in doc.lines or any(line.startswith(part) and part.endswith("。") for part in extra)
    tasks = [line for line in seed.lines if line[:1].isdigit() and "。" in line]
    assert sum(line in doc.lines for line in tasks) >= len(tasks) - 3


def test_unwrap_lines_rule() -> None:
    full = "各地要对现有补贴项目进行梳理，在保持政策连续性、稳定性的基础上，进一步优化补"
    lines = [
        "海东市人民政府办公室",  # short: a title part stays alone
        "关于印发工作要点的通知",
        full,
        "贴政策，提高资金使用效益",  # joined: the line above is full and ends mid-sentence
        full + "。",
        "牵头单位：市发展改革委",  # a unit line after a full sentence
        full,
        "（二）强化就业服务。",  # a heading after a full line is never joined
    ]
    assert unwrap_lines(lines) == [
        lines[0],
        lines[1],
        full + lines[3],
        lines[4],
        lines[5],
        full,
        lines[7],
    ]


def test_unwrap_lines_by_indentation() -> None:
    full = "\u3000\u3000各地要对现有补贴项目进行梳理，在保持政策连续性、稳定性的基础上优化补贴。"
    lines = ["国务院关于印发方案的通知", full, "提高资金使用效益。", "\u3000\u3000新段落。", "国务院"]
    # Indented paragraphs: a full line is continued by an unindented one, even after 。
    assert unwrap_lines(lines) == [lines[0], full.strip() + lines[2], "新段落。", "国务院"]


def test_state_council_html() -> None:
    doc = read_document(STATE_COUNCIL / "guofa-2018-039.html")
    assert (doc.format, doc.encoding) == ("html", "utf-8")
    assert doc.title == "国务院关于做好当前和今后一个时期促进就业工作的若干意见"
    assert doc.source == "http://www.gov.cn/zhengce/content/2018-12/05/content_5345808.htm"
    assert doc.lines[:4] == [
        "国务院关于做好当前和今后一个时期",
        "促进就业工作的若干意见",
        "国发〔2018〕39号",
        "各省、自治区、直辖市人民政府，国务院各部委、各直属机构：",
    ]
    assert "一、支持企业稳定发展" in doc.lines
    item = next(line for line in doc.lines if line.startswith("（一）加大稳岗支持力度。"))
    assert item.endswith("（人力资源社会保障部、财政部负责。列第一位者为牵头单位，下同）")
    assert doc.lines[-3:] == ["国务院", "2018年11月16日", "（此件公开发布）"]


def test_state_council_articles_and_tables() -> None:
    decree = read_document(STATE_COUNCIL / "guoling-706.html")
    assert decree.lines[:2] == ["中华人民共和国国务院令", "第706号"]
    assert "总理\u3000\u3000李克强" in decree.lines and "第一章\u3000总\u3000\u3000则" in decree.lines
    assert "第三十二条\u3000本条例自2019年3月1日起施行。" in decree.lines
    table = read_document(STATE_COUNCIL / "guobanfa-2018-126.html")
    assert "序号\t改革举措\t主 要 内 容\t指导部门\t推广范围" in table.lines


def test_every_state_council_page_reads() -> None:
    for path in sorted(STATE_COUNCIL.glob("*.html")):
        doc = read_document(path)
        assert doc.title and doc.source.startswith("http://www.gov.cn/"), path
        assert any("〔" in line or line.startswith("第") for line in doc.lines[:4]), path


def test_html_blocks_inline_and_declared_charset(tmp_path: Path) -> None:
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
        "<title>测试\n通知</title><style>p {color: red}</style><script>var a = 1;</script></head>"
        "<body><noscript>请启用脚本</noscript><table><tr><td>"
        "<p><span>国务院关于</span><span>印发</span>\n<b>方案</b>的通知</p>"
        "<p>第一行<br>第二行</p><p>你局《关于合建的请\n示》收悉。</p><div>牵头单位：财政部</div>"
        "<ul><li>一项</li><li>二项</li></ul></td></tr></table></body></html>"
    )
    path = tmp_path / "page.htm"
    path.write_bytes(page.encode("gb18030"))
    doc = read_document(path)
    assert (doc.title, doc.encoding) == ("测试通知", "gb18030")
    assert doc.lines == [
        "国务院关于印发方案的通知",
        "第一行",
        "第二行",
        "你局《关于合建的请示》收悉。",
        "牵头单位：财政部",
        "一项",
        "二项",
    ]


def make_bad(kind: str, tmp_path: Path, seed: RawDocument) -> Path:
    if kind == "binary":
        path = tmp_path / "random.txt"
        path.write_bytes(bytes(range(256)) * 4 + b"\x00\x00\x89PNG")
    elif kind == "empty":
        path = tmp_path / "empty.txt"
        path.write_bytes(b"")
    elif kind == "blank":
        path = tmp_path / "blank.md"
        path.write_text(" \n\u3000\n\xa0\n", encoding="utf-8")
    elif kind == "controls":
        path = tmp_path / "controls.txt"
        path.write_bytes(bytes(range(1, 9)) * 50 + "通知".encode())
    elif kind == "truncated-docx":
        import docx

        document = docx.Document()
        for line in seed.lines:
            document.add_paragraph(line)
        document.save(str(tmp_path / "whole.docx"))
        data = (tmp_path / "whole.docx").read_bytes()
        path = tmp_path / "half.docx"
        path.write_bytes(data[: len(data) // 2])
    elif kind == "truncated-pdf":
        from fpdf import FPDF

        pdf = FPDF()
        pdf.add_page()
        pdf.set_font("helvetica", size=12)
        for number in range(200):
            pdf.cell(0, 6, f"Line {number} of a notice", new_x="LMARGIN", new_y="NEXT")
        data = bytes(pdf.output())
        path = tmp_path / "half.pdf"
        path.write_bytes(data[: len(data) // 2])
    elif kind == "no-text-pdf":
        from fpdf import FPDF

        pdf = FPDF()
        pdf.add_page()
        pdf.rect(20, 20, 50, 50)
        path = tmp_path / "scan.pdf"
        path.write_bytes(bytes(pdf.output()))
    else:
        path = tmp_path / "notice.xyz"
        path.write_text("国务院关于印发方案的通知", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("binary", "binary"),
        ("empty", "empty"),
        ("blank", "no text"),
        ("controls", "control characters"),
        ("truncated-docx", "docx"),
        ("truncated-pdf", "truncated PDF"),
        ("no-text-pdf", "OCR"),
        ("xyz", "unsupported extension '.xyz'"),
    ],
)
def test_bad_input_names_the_file(tmp_path: Path, seed: RawDocument, kind: str, reason: str) -> None:
    path = make_bad(kind, tmp_path, seed)
    with pytest.raises(UnreadableFileError) as caught:
        read_document(path)
    assert caught.value.path == str(path)
    assert str(path) in str(caught.value) and reason in caught.value.reason


def _break(data: bytes, at: int, byte: int = 0xFF) -> bytes:
    return data[:at] + bytes([byte]) + data[at + 1 :]


@pytest.mark.parametrize(
    ("suffix", "encode", "encoding", "replaced"),
    [
        # 0xFF for the lead byte of a 3-byte character: it and its two continuation bytes are bad.
        (".txt", lambda text: text.encode("utf-8"), "utf-8", 3),
        (".md", lambda text: codecs.BOM_UTF8 + text.encode("utf-8"), "utf-8-sig", 3),
        # 0xFF for the lead byte of a 2-byte character: the decoder rejects the pair, then reads on in step.
        (".txt", lambda text: text.replace("\xa0", " ").encode("gbk"), "gb18030", 2),
    ],
    ids=["utf8", "utf8-bom", "gbk"],
)
def test_a_broken_byte_is_replaced_and_counted_and_the_rest_is_kept(
    tmp_path: Path, seed: RawDocument, seed_text: str, suffix: str, encode, encoding: str, replaced: int
) -> None:
    data = encode(seed_text)
    at = data.index("牵头".encode(encoding.replace("-sig", "")))
    path = tmp_path / f"broken{suffix}"
    path.write_bytes(_break(data, at))
    doc = read_document(path)
    assert doc.encoding == encoding
    (warning,) = doc.warnings
    assert warning.startswith(f"{replaced} undecodable byte{'s' if replaced > 1 else ''} replaced with U+FFFD")
    changed = [(a, b) for a, b in zip(seed.lines, doc.lines, strict=True) if a != b]
    assert len(changed) == 1 and "\ufffd" in changed[0][1]


def test_a_short_utf8_notice_with_two_broken_characters_is_not_read_as_gbk(tmp_path: Path, seed: RawDocument) -> None:
    # UTF-8 read as GB18030 has only about 2 % of its bytes bad: a short file must not tip over to it.
    data = "\n".join(seed.lines[:8]).encode("utf-8")
    for word in ("海东", "生态"):
        data = _break(data, data.index(word.encode()))
    path = tmp_path / "short.txt"
    path.write_bytes(data)
    doc = read_document(path)
    assert doc.encoding == "utf-8" and doc.warnings[0].startswith("6 undecodable bytes")
    assert sum(a != b for a, b in zip(seed.lines[:8], doc.lines, strict=True)) <= 2


def test_a_big5_file_with_a_broken_byte_is_still_read_as_big5(tmp_path: Path) -> None:
    text = "國務院關於做好當前和今後一個時期促進就業工作的若干意見\n（一）加大穩崗支持力度。對不裁員或少裁員的參保企業，可返還其上年度實際繳納失業保險費的50%。\n"
    path = tmp_path / "big5.txt"
    path.write_bytes(_break(text.encode("big5"), 40))
    doc = read_document(path)
    assert doc.encoding in ("big5", "cp950", "big5hkscs") and len(doc.warnings) == 1
    assert doc.lines[1] == text.splitlines()[1]


def test_a_broken_byte_in_html_with_a_declared_charset(tmp_path: Path) -> None:
    page = STATE_COUNCIL / "guobanhan-2005-021.html"
    data = page.read_bytes()
    path = tmp_path / "page.html"
    path.write_bytes(_break(data, data.index("节水".encode())))
    doc = read_document(path)
    assert doc.encoding == "utf-8" and doc.warnings[0].startswith("3 undecodable bytes")
    assert len(doc.lines) == len(read_document(page).lines)


def test_a_clean_file_has_no_warnings(seed: RawDocument) -> None:
    assert seed.warnings == [] and read_document(STATE_COUNCIL / "guobanhan-2005-021.html").warnings == []


def test_bytes_that_fit_no_encoding_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "noise.txt"
    path.write_bytes(bytes(range(0x80, 0x100)) * 64)
    with pytest.raises(UnreadableFileError, match="undecodable: .* no other encoding fits; save the file as UTF-8"):
        read_document(path)


def test_a_file_above_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"\x00" * 3000)  # binary, but the size is checked first
    with pytest.raises(FileTooLargeError) as caught:
        read_document(path, max_bytes=2048)
    assert caught.value.size == 3000 and caught.value.limit == 2048 and caught.value.path == str(path)
    assert "--max-file-mb" in caught.value.reason
    assert read_document(SEED, max_bytes=SEED.stat().st_size).lines


def test_supported_extensions() -> None:
    assert SUPPORTED == (".txt", ".md", ".html", ".htm", ".docx", ".pdf")


def test_stdlib_html_parser_gives_the_same_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    path = STATE_COUNCIL / "guobanfa-2018-126.html"  # layout table, data table, <o:p>, <font>
    with_lxml = read_document(path)
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "lxml" else real_find_spec(name, *a)
    )
    assert read_document(path) == with_lxml
