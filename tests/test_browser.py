"""The app as a person uses it: `python app.py` on a free port, driven in headless chromium.

Debian's chromium (``/usr/bin/chromium``, installed by ``.ci/run``) through Playwright for Python;
Playwright's own browser download is not used. Screenshots of each screen go to
``tests/artifacts/screenshots/``.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT, SEED
from test_compare import second_edition
from test_ui import EDITION_2020, EVIL, WATER, make_docx

from assistant.ui import INDEX_CHECK_S

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
SHOTS = ROOT / "tests" / "artifacts" / "screenshots"
START_TIMEOUT = 240  # first start may convert the model and embeds the seed notice on two cores
ANSWER_TIMEOUT = 60_000  # ms
BOT = "#chatbot [data-testid='bot']"
#: Every JavaScript dialog the page opens (an executed alert(1) would land here).
DIALOGS: list[str] = []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, embedder) -> Iterator[tuple[str, Path]]:
    """`python app.py` over a tmp corpus (the seed and a notice full of HTML) and a tmp index.

    Depends on ``embedder`` so that the one-time model conversion happens before the app starts.
    """
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium), as .ci/run does")
    root = tmp_path_factory.mktemp("app")
    corpus, index = root / "corpus", root / "index"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    (corpus / "evil.txt").write_text(EVIL, encoding="utf-8")
    port = free_port()
    log = open(root / "app.log", "w+", encoding="utf-8")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py"), "--corpus", str(corpus), "--index", str(index), "--port", str(port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if proc.poll() is not None:
                log.seek(0)
                pytest.fail(f"app.py exited with {proc.returncode}:\n{log.read()[-3000:]}")
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                log.seek(0)
                pytest.fail(f"app.py did not answer at {url} within {START_TIMEOUT}s:\n{log.read()[-3000:]}")
            time.sleep(0.5)
        log.seek(0)
        startup = log.read()
        assert "embedding" in startup and "work points from 2 notices" in startup  # progress shown before launch
        yield url, corpus
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def page(server: tuple[str, Path], browser):
    """One page for the module, with every JavaScript dialog recorded (none may fire)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN", accept_downloads=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server[0])  # to read back 复制答案
    pg = context.new_page()
    pg.on("dialog", lambda d: (DIALOGS.append(d.message), d.dismiss()))
    pg.set_default_timeout(30_000)
    pg.goto(server[0])
    pg.wait_for_selector("#question textarea")
    yield pg
    context.close()


def ask(page, question: str) -> None:
    """Type a question, send it, and wait for the reply."""
    before = page.locator(BOT).count()
    page.fill("#question textarea", question)
    page.click("#send")
    page.wait_for_function(f"n => document.querySelectorAll({BOT!r}).length > n", arg=before, timeout=ANSWER_TIMEOUT)


def last_reply(page) -> str:
    return page.locator(BOT).last.inner_text()


def shot(page, name: str, top: bool = True) -> None:
    """Save a screenshot of the window, scrolled to the top of the page unless ``top`` is off."""
    if top:
        page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=SHOTS / f"{name}.png")


def pick(page, dropdown: str, option: str) -> None:
    """Choose the option whose label matches ``option`` in a Gradio dropdown."""
    page.locator(f"{dropdown} input").click()
    page.get_by_role("option", name=re.compile(option)).first.click()
    page.get_by_role("listbox").wait_for(state="detached")


def has_option(page, dropdown: str, text: str) -> bool:
    """Whether a Gradio dropdown offers an option whose label contains ``text`` (typed in as a filter, then left)."""
    box = page.locator(f"{dropdown} input")
    box.click()
    box.fill(text)
    page.wait_for_timeout(300)
    found = page.get_by_role("option", name=re.compile(re.escape(text))).count() > 0
    box.fill("")
    page.keyboard.press("Escape")
    page.locator(f"{dropdown} input").blur()
    return found


def in_view(page, selector: str) -> bool:
    """Whether the element is visible inside the window (scrolled to)."""
    return page.evaluate(
        "s => { const r = document.querySelector(s).getBoundingClientRect();"
        " return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight; }", selector
    )


def test_chat_answers_who_leads_the_water_work_with_citation_cards(page) -> None:
    from playwright.sync_api import expect

    page.get_by_role("tab", name="问答").click()
    ask(page, WATER)
    expect(page.locator('#citations .cite-card[data-item="54"]')).to_have_count(1, timeout=ANSWER_TIMEOUT)
    expect(page.locator('#citations .cite-card[data-item="13"]')).to_have_count(1)
    reply = last_reply(page)
    assert "市水务局" in reply and "市生态环境局" in reply
    card = page.locator('#citations .cite-card[data-item="13"]')
    expect(card).to_contain_text("第13项")
    expect(card).to_contain_text("东政办〔2019〕138号")
    expect(card).to_contain_text("市水务局")
    expect(page.locator("#cite-count")).to_have_text(re.compile(r"引用 \d+ 项"))
    card.scroll_into_view_if_needed()  # inside the cards panel
    page.locator("#chatbot [data-testid='user']").last.scroll_into_view_if_needed()  # the question, then the answer
    shot(page, "chat")


def test_copy_gives_the_answer_as_plain_text_with_its_citations(page) -> None:
    """After the water question: 复制答案（含出处） puts the answer and every 出处 on the clipboard, as plain text."""
    from playwright.sync_api import expect

    page.click("#citations button.copy-answer")
    expect(page.locator("#citations button.copy-answer")).to_have_text("已复制")
    copied = page.evaluate("navigator.clipboard.readText()")
    answer, sources = copied.split("\n\n出处：\n")
    assert "市水务局" in answer and "**" not in copied and "&lt;" not in copied
    assert re.search(r"^\[\d+\] 东政办〔2019〕138号（2019年）《.+》 第13项 持续完善水利基础设施建设$", sources, re.M)
    assert re.search(r"^    牵头单位：市水务局；责任单位：", sources, re.M) and "原文：“" in sources
    cards = page.locator("#citations .cite-card:not(.related)").count()
    assert len(re.findall(r"^\[\d+\] ", sources, re.M)) == cards


def test_a_card_links_to_its_row_in_browse(page) -> None:
    """The card of 第13项 opens 浏览通知 on the seed notice, with row 13 opened, marked and scrolled to."""
    from playwright.sync_api import expect

    page.locator('#citations .cite-card[data-item="13"] a.cite-link').click()
    expect(page.locator("#notice-view")).to_be_visible()
    expect(page.locator("#notice-pick input")).to_have_value(re.compile("东政办〔2019〕138号"))
    row = page.locator("#notice-view tr.point-row.target")
    expect(row).to_have_count(1)
    expect(row).to_have_attribute("data-item", "13")
    expect(row.locator(".point-text")).to_be_visible()
    page.wait_for_function("() => { const r = document.querySelector('#notice-view tr.point-row.target')"
                           ".getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; }")
    assert in_view(page, "#notice-view tr.point-row.target")
    shot(page, "card-link-row13", top=False)
    page.get_by_role("tab", name="问答").click()


def test_a_follow_up_is_read_against_the_earlier_turns(page) -> None:
    """The chat sends its history: "那市水务局呢？" after the forestry bureau's tasks lists the water bureau's."""
    from playwright.sync_api import expect

    page.click("#clear")
    expect(page.locator(BOT)).to_have_count(0)
    ask(page, "市林草局牵头哪些任务？")
    expect(page.locator("#cite-count")).to_have_text("引用 6 项", timeout=ANSWER_TIMEOUT)
    ask(page, "那市水务局呢？")
    expect(page.locator("#citations .cards-q")).to_contain_text("那市水务局呢", timeout=ANSWER_TIMEOUT)
    reply = last_reply(page)
    assert "市水务局" in reply and "市林草局" not in reply
    expect(page.locator('#citations .cite-card[data-item="54"]')).to_have_count(1)
    page.locator(BOT).first.click()  # an earlier answer shows its own cards again, to look at or copy
    expect(page.locator("#citations .cards-q")).to_contain_text("市林草局牵头哪些任务", timeout=ANSWER_TIMEOUT)
    expect(page.locator("#cite-count")).to_have_text("引用 6 项")
    shot(page, "chat-follow-up")
    page.click("#clear")  # 清空对话: a new conversation, and the panel empties
    expect(page.locator(BOT)).to_have_count(0)
    expect(page.locator("#citations .cite-card")).to_have_count(0)


def test_clicking_an_example_asks_it(page) -> None:
    from playwright.sync_api import expect

    page.get_by_role("button", name="市林草局牵头哪些工作？").click()
    expect(page.locator("#citations .cite-card")).to_have_count(6, timeout=ANSWER_TIMEOUT)
    assert "市林草局" in last_reply(page)


def test_a_question_the_notices_do_not_cover_is_told_so(page) -> None:
    from playwright.sync_api import expect

    ask(page, "火星探测计划是什么？")
    expect(page.locator(BOT).last).to_contain_text("没有涉及", timeout=ANSWER_TIMEOUT)
    shot(page, "chat-not-covered")


def test_html_in_a_notice_shows_as_text_and_runs_nothing(page) -> None:
    from playwright.sync_api import expect

    ask(page, "测政办〔2020〕7号第1项是什么？")
    card = page.locator('#citations .cite-card[data-item="1"]')
    expect(card).to_contain_text("<script>alert(1)</script>", timeout=ANSWER_TIMEOUT)
    expect(card).to_contain_text("<img src=x onerror=alert(1)>")
    assert "<script>alert(1)</script>" in last_reply(page)
    assert page.locator("#citations script, #chatbot script").count() == 0
    assert page.locator('img[src="x"]').count() == 0
    shot(page, "chat-escaped")
    page.get_by_role("tab", name="浏览通知").click()
    pick(page, "#notice-pick", "测政办")
    expect(page.locator("#notice-view")).to_contain_text("<script>alert(1)</script>")
    page.wait_for_timeout(500)  # an onerror handler would fire on load
    assert page.locator('img[src="x"]').count() == 0
    assert DIALOGS == []


def test_browse_shows_the_59_tasks_of_the_haidong_notice(page) -> None:
    from playwright.sync_api import expect

    page.get_by_role("tab", name="浏览通知").click()
    pick(page, "#notice-pick", "东政办〔2019〕138号")
    expect(page.locator("#notice-view #task-count")).to_contain_text("59 项编号任务")
    rows = page.locator("#notice-view tr.point-row")
    numbers = [n for n in rows.evaluate_all("rs => rs.map(r => r.dataset.item)") if n.isdigit()]
    assert [int(n) for n in numbers] == list(range(1, 60))
    shot(page, "browse-notice")
    row = page.locator('#notice-view tr.point-row[data-item="13"]')
    row.locator("summary").click()
    expect(row.locator(".point-text")).to_contain_text("引大济湟西干渠")
    row.scroll_into_view_if_needed()
    shot(page, "browse-notice-task13", top=False)


def test_department_view_of_the_forestry_bureau_with_downloads(page, tmp_path: Path) -> None:
    from openpyxl import load_workbook
    from playwright.sync_api import expect

    page.get_by_role("tab", name="部门职责").click()
    pick(page, "#unit-pick", "^市林草局")
    expect(page.locator("#department-name")).to_have_text("市林草局")
    expect(page.locator('#unit-view tr.point-row[data-role="牵头"]')).to_have_count(6)
    expect(page.locator('#unit-view .count-box[data-role="牵头"]')).to_contain_text("6")
    pick(page, "#unit-scope", "^2019年")
    expect(page.locator("#department-scope")).to_contain_text("2019年")
    expect(page.locator('#unit-view tr.point-row[data-role="牵头"]')).to_have_count(6)
    pick(page, "#unit-scope", "^全部通知")
    expect(page.locator("#department-scope")).to_have_count(0)
    shot(page, "department")
    with page.expect_download() as download:
        page.click("#download-xlsx")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.suffix == ".xlsx"
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert sum(1 for r in rows if r[0] == "牵头单位") == 6
    with page.expect_download() as download:
        page.click("#download-csv")
    assert download.value.suggested_filename.endswith(".csv")


def test_upload_a_docx_notice_then_find_it_in_browse(page, server, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    corpus = server[1]
    page.get_by_role("tab", name="部门职责").click()  # a unit's view open: the upload must redo it
    pick(page, "#unit-pick", "^市林草局")
    page.get_by_role("tab", name="添加通知").click()
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4 not a notice")
    page.set_input_files("#upload input[type=file]", str(bad))
    expect(page.locator("#review .msg-error")).to_contain_text("无法读取")
    expect(page.locator("#add-button")).to_be_disabled()
    shot(page, "add-unreadable")
    assert sorted(p.name for p in corpus.iterdir()) == sorted([SEED.name, "evil.txt"])
    page.locator("#upload .icon-button-wrapper button").first.click()  # clear the upload

    other = page.context.new_page()  # another tab, open before the upload
    other.set_default_timeout(30_000)
    other.goto(page.url)
    other.wait_for_selector("#question textarea")
    expect(other.locator("#summary")).to_contain_text("2 份通知")

    page.set_input_files("#upload input[type=file]", str(make_docx(tmp_path / "jieshui.docx")))
    expect(page.locator("#review")).to_contain_text("试政办〔2024〕12号")
    expect(page.locator("#review")).to_contain_text("市城市节水办")
    shot(page, "add-review")
    page.click("#add-button")
    expect(page.locator("#review .msg-ok")).to_contain_text("已加入", timeout=ANSWER_TIMEOUT)
    expect(page.locator("#summary")).to_contain_text("3 份通知")
    assert (corpus / "jieshui.docx").is_file()
    shot(page, "add-done")
    check_every_tab_shows_the_added_notice(page)

    # The other tab catches up by itself, and after a reload shows it too: no restart anywhere.
    for reloaded in (False, True):
        if reloaded:
            other.reload()
            other.wait_for_selector("#question textarea")
        expect(other.locator("#summary")).to_contain_text("3 份通知", timeout=(INDEX_CHECK_S + 20) * 1000)
        other.get_by_role("tab", name="部门职责").click()
        assert has_option(other, "#unit-pick", "市城市节水办") and has_option(other, "#unit-scope", "2024年")
        other.get_by_role("tab", name="浏览通知").click()
        pick(other, "#notice-pick", "试政办")
        expect(other.locator("#notice-view tr.point-row")).to_have_count(3)
    other.close()


def check_every_tab_shows_the_added_notice(page) -> None:
    """After 试政办〔2024〕12号 went in: every tab knows it, with no restart and no reload."""
    from playwright.sync_api import expect

    page.get_by_role("tab", name="浏览通知").click()  # opened on the new notice
    expect(page.locator("#notice-pick input")).to_have_value(re.compile("试政办〔2024〕12号"))
    expect(page.locator("#notice-view #task-count")).to_contain_text("3 项编号任务")
    expect(page.locator("#notice-view tr.point-row")).to_have_count(3)
    shot(page, "browse-added")
    page.get_by_role("tab", name="部门职责").click()
    expect(page.locator("#department-name")).to_have_text("市林草局")  # the chosen unit's view, redone
    assert has_option(page, "#unit-pick", "市城市节水办")
    assert has_option(page, "#unit-scope", "2024年") and has_option(page, "#unit-scope", "试政办〔2024〕12号")
    pick(page, "#unit-pick", "^市城市节水办")
    expect(page.locator('#unit-view tr.point-row[data-role="牵头"]')).to_have_count(2)
    pick(page, "#unit-scope", "试政办〔2024〕12号")
    expect(page.locator("#department-scope")).to_contain_text("试政办〔2024〕12号")
    expect(page.locator('#unit-view tr.point-row[data-role="牵头"]')).to_have_count(2)
    shot(page, "department-added")
    pick(page, "#unit-scope", "^全部通知")
    page.get_by_role("tab", name="年度对比").click()
    assert has_option(page, "#compare-a", "试政办〔2024〕12号") and has_option(page, "#compare-b", "试政办〔2024〕12号")
    page.get_by_role("tab", name="问答").click()
    page.locator("#filters").get_by_text("检索范围（可选）").click()
    assert has_option(page, "#notice-filter", "试政办〔2024〕12号")
    assert has_option(page, "#unit-filter", "市城市节水办")
    ask(page, "再生水利用率要达到多少？")
    expect(page.locator("#citations .cite-card").first).to_contain_text("试政办〔2024〕12号", timeout=ANSWER_TIMEOUT)


def test_eight_questions_at_once_through_the_api(server) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from gradio_client import Client

    questions = [
        WATER, "市林草局牵头哪些工作？", "第13项由谁牵头？", "城市生活垃圾无害化处理率要达到多少？",
        "残膜回收率要达到多少？", "再生水利用率要达到多少？", "第54项是什么？", "火星探测计划是什么？",
    ]
    client = Client(server[0], verbose=False)
    started = time.monotonic()
    with ThreadPoolExecutor(len(questions)) as pool:
        results = list(pool.map(lambda q: client.predict(q, [], [], None, api_name="/respond"), questions))
    elapsed = time.monotonic() - started
    replies = []
    for question, (history, cards, box) in zip(questions, results, strict=True):
        assert history[-1]["role"] == "assistant" and box == "" and cards, question
        content = history[-1]["content"]  # the API sends [{"type": "text", "text": ...}]
        replies.append(content if isinstance(content, str) else "".join(c.get("text", "") for c in content))
    assert all(replies)
    assert "市水务局" in replies[0] and "市生态环境局" in replies[0]
    assert "没有涉及" in replies[-1]
    answer = client.predict("第13项由谁牵头？", [], None, api_name="/ask")
    assert answer["found"] and answer["citations"][0]["item"] == "13"
    assert elapsed < 120


def test_compare_two_years_after_adding_the_second_edition(page, tmp_path: Path) -> None:
    """Last, as it adds a notice: the constructed 2020 edition (see test_compare) goes in through 添加通知,
    the 年度对比 pickers move to 2019 → 2020 by themselves, and 比较 shows the counts and marked figures."""
    from playwright.sync_api import expect

    page.get_by_role("tab", name="年度对比").click()
    expect(page.locator("#compare-summary")).to_contain_text("添加通知")  # no two editions of one notice yet
    edition = tmp_path / EDITION_2020
    edition.write_text(second_edition(SEED.read_text(encoding="utf-8")), encoding="utf-8")
    page.get_by_role("tab", name="添加通知").click()
    page.set_input_files("#upload input[type=file]", str(edition))
    expect(page.locator("#review")).to_contain_text("东政办〔2020〕96号")
    page.click("#add-button")
    expect(page.locator("#review .msg-ok")).to_contain_text("已加入", timeout=ANSWER_TIMEOUT)

    page.get_by_role("tab", name="年度对比").click()
    expect(page.locator("#compare-a input")).to_have_value(re.compile("东政办〔2019〕138号"))
    expect(page.locator("#compare-b input")).to_have_value(re.compile("东政办〔2020〕96号"))
    page.click("#compare-button")
    counts = page.locator("#compare-counts")
    expect(counts).to_contain_text("对应 61 项")
    for text in ("有变化 5 项", "未变 56 项", "新增 2 项", "删去 3 项"):
        expect(counts).to_contain_text(text)
    row = page.locator('#compare-changed tr[data-a="37"]')
    expect(row.locator("td.new .cmp-quote mark")).to_have_text("90%")
    expect(row.locator("td.old .cmp-quote mark")).to_have_text("87%")
    expect(page.locator("#compare-tables mark", has_text="90%").first).to_be_visible()
    expect(page.locator('#compare-tables tr[data-kind="new"]')).to_have_count(2)
    expect(page.locator('#compare-tables tr[data-kind="dropped"]')).to_have_count(3)
    page.locator("#compare-summary").scroll_into_view_if_needed()
    shot(page, "compare", top=False)
    with page.expect_download() as download:
        page.click("#compare-csv")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.suffix == ".csv"
    with open(path, encoding="utf-8-sig", newline="") as f:
        kinds = [row[0] for row in csv.reader(f)][1:]
    assert kinds.count("有变化") == 5 and kinds.count("新增") == 2 and kinds.count("删去") == 3
    assert DIALOGS == []
