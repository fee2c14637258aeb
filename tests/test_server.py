"""The HTTP API on a real server on 127.0.0.1 over the real seed index and model.

The official ``openai`` client against ``/v1/chat/completions``; httpx against every endpoint,
uploads with and without the token, bad inputs and 32 concurrent asks; schemathesis over
``/openapi.json``. Every error must be the JSON error format, with no stack trace and no server path.
"""

from __future__ import annotations

import concurrent.futures
import json
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import SEED

pytest.importorskip("openai")

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
MAX_BYTES = 1 << 20  # the server's upload limit in these tests (--max-file-mb 1)
NUMBER = "东政办〔2019〕138号"
SMALL_NOTICE = """发文字号: 试政办〔2024〕12号
成文日期: 2024年05月06日
试点市人民政府办公室
关于印发试点市节水型城市建设工作要点的通知

一、重点任务
1. 推进公共机构节水改造。完成市直机关节水器具更换，年底前节水器具普及率达到100%。
牵头单位:市机关事务局
责任单位:各区人民政府
2. 加强再生水利用。新建再生水管网20公里，再生水利用率达到25%以上。
牵头单位:市城市节水办
责任单位:市住房建设局、市财政局
"""
#: Requests schemathesis makes per operation (valid and invalid together).
SCHEMA_EXAMPLES = 12
#: Questions with a word the right answer must hold, for the concurrency test.
KNOWN = [
    ("残膜回收率要达到多少", "87%"),
    ("第13项由谁牵头？", "市水务局"),
    ("城市生活垃圾无害化处理率要达到多少？", "92%"),
    ("市林草局牵头哪些工作？", "市林草局"),
]


@contextmanager
def running(app: Any) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on a free port of 127.0.0.1, in a thread; yields its base URL."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture(scope="module")
def state(seed_index: Path, embedder, tmp_path_factory: pytest.TempPathFactory):
    """The app's state over a copy of the seed corpus and index (the upload tests add to it)."""
    from assistant.ui import PolicyApp, open_assistant

    root = tmp_path_factory.mktemp("server")
    corpus, index = root / "corpus", root / "index"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    shutil.copytree(seed_index, index)
    return PolicyApp(open_assistant(index, embedder), corpus, index, embedder, max_bytes=MAX_BYTES)


@pytest.fixture(scope="module")
def url(state) -> Iterator[str]:
    """The server ``assistant serve --token`` runs: the API, with the Gradio app mounted at /, on localhost."""
    from assistant.ui import web_app

    with running(web_app(state, token=TOKEN)) as base:
        yield base


@pytest.fixture(scope="module")
def remote_url(state) -> Iterator[str]:
    """The API as it behaves when told to listen beyond localhost (it still binds 127.0.0.1), with CORS on."""
    from assistant.server import create_api

    with running(create_api(state, token=TOKEN, host="0.0.0.0", cors=["https://oa.example"])) as base:
        yield base


@pytest.fixture(scope="module")
def client(url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=url, timeout=120) as c:
        yield c


def error_of(response: httpx.Response, status: int) -> str:
    """The message of a JSON error of the given status, checked for the format and for leaks."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body["error"]) >= {"message", "type"} and body["error"]["message"], body
    for leak in ("Traceback", 'File "', "/tmp/", "/work/", "/home/", "site-packages"):
        assert leak not in response.text, response.text
    return body["error"]["message"]


# ------------------------------------------------------------------------------------ openai client
@pytest.fixture(scope="module")
def openai_client(url: str):
    from openai import OpenAI

    return OpenAI(base_url=f"{url}/v1", api_key=TOKEN, max_retries=0, timeout=120)


def test_the_openai_client_gets_87_percent_with_its_citation(openai_client) -> None:
    from assistant.api_models import MODEL_ID

    assert [m.id for m in openai_client.models.list()] == [MODEL_ID]
    completion = openai_client.chat.completions.create(
        model=MODEL_ID, messages=[{"role": "user", "content": "残膜回收率要达到多少"}]
    )
    text = completion.choices[0].message.content
    assert completion.choices[0].message.role == "assistant" and completion.choices[0].finish_reason == "stop"
    assert "87%" in text and NUMBER in text and "第37项" in text and "市农业农村局" in text
    assert "残膜回收率达到87%" in text  # the quote
    citations = completion.model_dump()["citations"]
    assert citations[0]["item"] == "37" and citations[0]["doc"]["number"] == NUMBER
    assert "87%" in citations[0]["quote"]


def test_the_openai_client_streams_the_same_message(openai_client) -> None:
    from assistant.api_models import MODEL_ID

    messages = [{"role": "system", "content": "你是助手"}, {"role": "user", "content": "残膜回收率要达到多少"}]
    whole = openai_client.chat.completions.create(model=MODEL_ID, messages=messages).choices[0].message.content
    chunks = list(openai_client.chat.completions.create(model=MODEL_ID, messages=messages, stream=True,
                                                         stream_options={"include_usage": True}))
    assert len(chunks) > 3
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == whole
    last = [c for c in chunks if c.choices][-1]
    assert last.choices[0].finish_reason == "stop" and last.model_dump()["citations"][0]["item"] == "37"
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == len(whole)


def test_a_follow_up_in_the_same_messages_list_is_understood(openai_client) -> None:
    from assistant.api_models import MODEL_ID

    first = openai_client.chat.completions.create(
        model=MODEL_ID, messages=[{"role": "user", "content": "残膜回收率要达到多少"}]
    ).choices[0].message.content
    follow_up = openai_client.chat.completions.create(model=MODEL_ID, messages=[
        {"role": "user", "content": "残膜回收率要达到多少"},
        {"role": "assistant", "content": first},
        {"role": "user", "content": [{"type": "text", "text": "那它的牵头单位呢？"}]},
    ])
    assert follow_up.model_dump()["citations"][0]["item"] == "37"
    assert "市农业农村局" in follow_up.choices[0].message.content
    alone = openai_client.chat.completions.create(model=MODEL_ID, messages=[{"role": "user", "content": "那它的牵头单位呢？"}])
    assert [c["item"] for c in alone.model_dump()["citations"]][:1] != ["37"]  # read on its own, it is another question


def test_the_openai_client_sees_the_error_format(openai_client) -> None:
    import openai

    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.chat.completions.create(model="zhengcetong", messages=[{"role": "user", "content": "？？？"}])
    assert "words" in str(caught.value)


# ------------------------------------------------------------------------------------ reads
def test_ask_answers_with_citations_and_keeps_a_conversation(client: httpx.Client) -> None:
    r = client.post("/v1/ask", json={"question": "残膜回收率要达到多少"})
    assert r.status_code == 200
    body = r.json()
    assert body["found"] and body["kind"] == "figure" and "87%" in body["answer"]
    assert body["citations"][0]["item"] == "37" and body["citations"][0]["roles"]["市农业农村局"] == "牵头"
    follow = client.post("/v1/ask", json={"question": "那它的责任单位呢？", "conversation_id": body["conversation_id"]}).json()
    assert follow["conversation_id"] == body["conversation_id"]
    assert follow["citations"][0]["item"] == "37" and "各县区人民政府" in follow["answer"]
    mine = client.post("/v1/ask", json={"question": "第13项由谁牵头？", "conversation_id": "oa-user-7", "explain": True}).json()
    assert mine["conversation_id"] == "oa-user-7" and "市水务局" in mine["answer"] and mine["explain"]["question"]


def test_ask_is_confined_to_notices_and_units(client: httpx.Client) -> None:
    r = client.post("/v1/ask", json={"question": "残膜回收率要达到多少", "notices": ["2019"], "unit": "市农业农村局"})
    assert r.status_code == 200 and "87%" in r.json()["answer"]
    assert "nope" in error_of(client.post("/v1/ask", json={"question": "残膜", "notices": ["nope"]}), 404)
    assert "GET /v1/units" in error_of(client.post("/v1/ask", json={"question": "残膜", "unit": "不存在的局"}), 404)


def test_search_ranks_work_points_with_filters(client: httpx.Client) -> None:
    body = client.get("/v1/search", params={"q": "残膜回收率", "k": 3}).json()
    assert body["mode"] == "hybrid" and len(body["hits"]) == 3 and body["hits"][0]["item"] == "37"
    assert {"doc", "item", "path", "title", "lead", "responsible", "file", "score"} <= set(body["hits"][0])
    bm25 = client.get("/v1/search", params={"q": "残膜回收率", "mode": "bm25", "notice": NUMBER}).json()
    assert bm25["hits"][0]["item"] == "37" and all(h["doc"]["number"] == NUMBER for h in bm25["hits"])
    forestry = client.get("/v1/search", params={"q": "森林", "unit": "市林草局", "k": 50}).json()["hits"]
    assert forestry and all("市林草局" in h["lead"] + h["responsible"] for h in forestry)
    assert "GET /v1/notices" in error_of(client.get("/v1/search", params={"q": "森林", "notice": "nope"}), 404)
    for params in ({"q": "森林", "k": 0}, {"q": "森林", "k": 51}, {"q": "森林", "mode": "fuzzy"}, {"q": ""}, {}):
        error_of(client.get("/v1/search", params=params), 422)


def test_notices_list_and_one_notice_with_sections_units_and_targets(client: httpx.Client) -> None:
    notices = client.get("/v1/notices").json()["notices"]
    seed = next(n for n in notices if n["doc"]["number"] == NUMBER)
    assert seed["work_points"] == 64 and seed["tasks"] == 59 and seed["id"] == SEED.name
    by_id = client.get(f"/v1/notices/{seed['id']}").json()
    assert client.get(f"/v1/notices/{NUMBER}").json() == by_id == client.get("/v1/notices/2019").json()
    assert by_id["tasks"] == 59 and len(by_id["items"]) == 64 and len(by_id["sections"]) >= 7
    assert sum(len(s["items"]) for s in by_id["sections"]) == 64
    task = next(p for p in by_id["items"] if p["item"] == "37")
    assert task["lead"] == ["市农业农村局"] and any(t["text"] == "87%" for t in task["targets"])
    assert "GET /v1/notices" in error_of(client.get("/v1/notices/nope.txt"), 404)


def test_units_list_and_one_unit_with_what_it_leads_and_shares(client: httpx.Client) -> None:
    units = client.get("/v1/units").json()["units"]
    assert len(units) > 10 and units[0]["roles"].get("牵头", 0) >= units[-1]["roles"].get("牵头", 0)
    found = client.get("/v1/units", params={"q": "林草局"}).json()["units"]
    assert [u["name"] for u in found] == ["市林草局"]
    unit = client.get("/v1/units/市林草局").json()
    assert unit["roles"]["牵头"] == 6 and len(unit["work"]["牵头"]) == 6 and "责任" in unit["work"]
    assert {p["item"] for p in unit["work"]["牵头"]} >= {"8", "10"} and unit["work"]["牵头"][0]["notice"]["number"] == NUMBER
    assert client.get("/v1/units/林草局").json()["name"] == "市林草局"  # a loose name
    assert "GET /v1/units" in error_of(client.get("/v1/units/不存在的局"), 404)


def test_models_and_the_documentation(client: httpx.Client) -> None:
    assert client.get("/v1/models/zhengcetong").json()["id"] == "zhengcetong"
    error_of(client.get("/v1/models/gpt-4"), 404)
    schema = client.get("/openapi.json").json()
    paths = set(schema["paths"])
    assert paths >= {"/v1/ask", "/v1/search", "/v1/notices", "/v1/notices/{id}", "/v1/units", "/v1/units/{name}",
                     "/v1/compare", "/v1/chat/completions", "/v1/models"}
    assert "post" in schema["paths"]["/v1/notices"] and "get" in schema["paths"]["/v1/notices"]
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_the_gradio_app_is_mounted_at_the_root(client: httpx.Client) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert client.get("/config").json()["title"] == "政策通"


# ------------------------------------------------------------------------------------ access
def test_reads_need_the_token_beyond_localhost_and_cors_is_opt_in(remote_url: str, client: httpx.Client) -> None:
    with httpx.Client(base_url=remote_url, timeout=60) as remote:
        assert "Bearer" in error_of(remote.get("/v1/notices"), 401)
        assert remote.get("/v1/notices").headers["www-authenticate"] == "Bearer"
        error_of(remote.get("/v1/notices", headers={"Authorization": "Bearer wrong"}), 401)
        error_of(remote.post("/v1/ask", json={"question": "残膜回收率要达到多少"}), 401)
        assert remote.get("/v1/notices", headers=AUTH).status_code == 200
        assert remote.get("/openapi.json").status_code == 200
        preflight = remote.options("/v1/ask", headers={"Origin": "https://oa.example", "Access-Control-Request-Method": "POST"})
        assert preflight.headers["access-control-allow-origin"] == "https://oa.example"
        other = remote.options("/v1/ask", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
        assert "access-control-allow-origin" not in other.headers
    # On localhost, reads need no token, and no CORS header is sent unless --cors names the origin.
    local = client.get("/v1/notices", headers={"Origin": "https://oa.example"})
    assert local.status_code == 200 and "access-control-allow-origin" not in local.headers


def test_the_cli_serves_on_localhost_with_the_token_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.cli import main

    seen: dict[str, Any] = {}
    monkeypatch.setattr("assistant.ui.serve", lambda corpus, index, **kw: seen.update(corpus=corpus, index=index, **kw))
    monkeypatch.setenv("ASSISTANT_TOKEN", "from-env")
    assert main(["serve", "--index", "i"]) == 0
    assert seen["host"] == "127.0.0.1" and seen["port"] is None and seen["token"] == "from-env" and seen["cors"] == []
    assert main(["serve", "--token", "t", "--cors", "https://a", "--cors", "https://b", "--port", "8000"]) == 0
    assert seen["token"] == "t" and seen["cors"] == ["https://a", "https://b"] and seen["port"] == 8000


def test_is_local_and_the_scrubber() -> None:
    from assistant.api_guards import Scrubber, is_local

    assert is_local("127.0.0.1") and is_local("localhost") and is_local("::1")
    assert not is_local("0.0.0.0") and not is_local("192.168.1.5") and not is_local("oa.example")
    scrub = Scrubber("/srv/data/corpus", "/srv/data/index")
    assert scrub("cannot read /srv/data/corpus/a/b.txt: empty") == "cannot read a/b.txt: empty"
    assert scrub("the index at /srv/data/index is damaged") == "the index at index is damaged"
    assert scrub("cannot open /tmp/assistant-upload-x/通知.txt") == "cannot open 通知.txt"
    assert scrub("率达到87%，吨/年 and 1/2") == "率达到87%，吨/年 and 1/2"


def test_conversations_are_kept_by_id_and_the_oldest_go() -> None:
    from assistant.server import Conversations

    store, made = Conversations(limit=2, idle_s=3600), []

    def start() -> Any:
        made.append(object())
        return made[-1]

    key, first, _ = store.get(None, start)
    assert store.get(key, start)[1] is first and len(made) == 1
    store.get("b", start)
    store.get("c", start)  # over the limit: the least recently used ("key") goes
    assert store.get(key, start)[1] is not first and len(made) == 4
    assert Conversations(idle_s=0).get("x", start)[0] == "x"


# ------------------------------------------------------------------------------------ uploads
def test_an_upload_needs_the_token_is_checked_and_is_seen_by_both_faces(
    client: httpx.Client, state, tmp_path: Path
) -> None:
    from assistant.api_models import AddOut, UploadError

    files = {"file": ("节水工作要点.txt", SMALL_NOTICE.encode("utf-8"), "text/plain")}
    assert "Bearer" in error_of(client.post("/v1/notices", files=files), 401)
    error_of(client.post("/v1/notices", files=files, headers={"Authorization": "Bearer wrong"}), 401)
    assert not (state.corpus_dir / "节水工作要点.txt").exists()

    dry = client.post("/v1/notices", files=files, headers=AUTH, params={"dry_run": True})
    assert dry.status_code == 200 and not dry.json()["ok"]
    AddOut.model_validate(dry.json())  # the schema /openapi.json documents (schemathesis cannot add notices)
    assert dry.json()["check"]["ok"] and dry.json()["check"]["notice"]["doc"]["number"] == "试政办〔2024〕12号"
    assert not (state.corpus_dir / "节水工作要点.txt").exists()

    added = client.post("/v1/notices", files=files, headers=AUTH)
    assert added.status_code == 201, added.text
    AddOut.model_validate(added.json())
    assert added.json()["ok"] and added.json()["file"] == "节水工作要点.txt" and added.json()["report"]["added"]
    assert "/tmp/" not in added.text and (state.corpus_dir / "节水工作要点.txt").exists()
    # The API and the Gradio app's state both see it.
    assert any(n["doc"]["number"] == "试政办〔2024〕12号" for n in client.get("/v1/notices").json()["notices"])
    assert "节水工作要点.txt" in [file for _, file in state.notice_choices()]
    answer = client.post("/v1/ask", json={"question": "再生水利用率要达到多少？"}).json()
    assert "25%" in answer["answer"] and answer["citations"][0]["doc"]["number"] == "试政办〔2024〕12号"
    comparison = client.post("/v1/compare", json={"a": NUMBER, "b": "试政办〔2024〕12号"})
    assert comparison.status_code == 200 and comparison.json()["b"]["number"] == "试政办〔2024〕12号"
    assert "/tmp/" not in comparison.text

    again = client.post("/v1/notices", files={"file": ("副本.txt", SMALL_NOTICE.encode("utf-8"))}, headers=AUTH)
    assert "试政办〔2024〕12号" in error_of(again, 409) and again.json()["check"]["problem"] == "duplicate"
    UploadError.model_validate(again.json())

    # A notice added on the page (PolicyApp.add_notice) is seen through the API.
    page_file = tmp_path / "页面上传.txt"
    page_file.write_text(SMALL_NOTICE.replace("12号", "13号").replace("20公里", "30公里"), encoding="utf-8")
    assert state.add_notice(str(page_file)).ok
    numbers = [n["doc"]["number"] for n in client.get("/v1/notices").json()["notices"]]
    assert "试政办〔2024〕13号" in numbers


def test_bad_uploads_are_refused_and_change_nothing(client: httpx.Client, state) -> None:
    before = sorted(p.name for p in state.corpus_dir.iterdir())
    assert ".exe" in error_of(client.post("/v1/notices", files={"file": ("x.exe", b"MZ")}, headers=AUTH), 422)
    error_of(client.post("/v1/notices", files={"file": ("empty.txt", b"")}, headers=AUTH), 422)
    error_of(client.post("/v1/notices", files={"file": ("binary.pdf", bytes(range(256)) * 4)}, headers=AUTH), 422)
    error_of(client.post("/v1/notices", files={"file": ("..", b"abc")}, headers=AUTH), 422)
    error_of(client.post("/v1/notices", data={"other": "x"}, headers=AUTH), 422)
    error_of(client.post("/v1/notices", json={"file": "x"}, headers=AUTH), 422)
    huge = b"\xe4\xb8\x80" * (MAX_BYTES // 3 + 10_000)  # just above the limit: the file check refuses it
    assert "MB" in error_of(client.post("/v1/notices", files={"file": ("huge.txt", huge)}, headers=AUTH), 413)
    bigger = b"x" * (3 * MAX_BYTES)  # refused by its Content-Length, before it is read
    assert "--max-file-mb" in error_of(client.post("/v1/notices", files={"file": ("big.txt", bigger)}, headers=AUTH), 413)

    def chunked() -> Iterator[bytes]:  # no Content-Length: refused as it arrives
        yield b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.txt\"\r\n\r\n"
        for _ in range(3 * MAX_BYTES // 65536):
            yield b"x" * 65536

    streamed = client.post("/v1/notices", content=chunked(),
                           headers=AUTH | {"Content-Type": "multipart/form-data; boundary=b"})
    error_of(streamed, 413)
    assert sorted(p.name for p in state.corpus_dir.iterdir()) == before


# ------------------------------------------------------------------------------------ bad input
BAD_JSON = [
    ("/v1/ask", {"question": ""}, 422),
    ("/v1/ask", {"question": "   "}, 400),
    ("/v1/ask", {"question": "？！……"}, 400),
    ("/v1/ask", {"question": "残膜" * 50_000}, 422),
    ("/v1/ask", {"question": 5}, 422),
    ("/v1/ask", {"question": ["残膜"]}, 422),
    ("/v1/ask", {"question": None}, 422),
    ("/v1/ask", {"q": "残膜回收率"}, 422),
    ("/v1/ask", {"question": "残膜", "notices": "2019"}, 422),
    ("/v1/ask", {"question": "残膜", "conversation_id": "../../etc"}, 422),
    ("/v1/ask", {"question": "残膜", "explain": "maybe"}, 422),
    ("/v1/ask", [], 422),
    ("/v1/compare", {"a": 2019, "b": 2020}, 422),
    ("/v1/compare", {"a": "2019"}, 422),
    ("/v1/compare", {"a": "2019", "b": "2019"}, 400),
    ("/v1/compare", {"a": "2019", "b": "nope"}, 404),
    ("/v1/chat/completions", {"messages": []}, 422),
    ("/v1/chat/completions", {"messages": [{"role": "robot", "content": "hi"}]}, 422),
    ("/v1/chat/completions", {"messages": [{"role": "user", "content": 5}]}, 422),
    ("/v1/chat/completions", {"messages": [{"role": "user", "content": "残膜"}, {"role": "assistant", "content": "好"}]}, 400),
    ("/v1/chat/completions", {"messages": [{"role": "user", "content": ""}]}, 400),
    ("/v1/chat/completions", {"messages": [{"role": "user", "content": "残膜" * 50_000}]}, 422),
    ("/v1/chat/completions", {"model": "zhengcetong"}, 422),
]


@pytest.mark.parametrize(("path", "body", "status"), BAD_JSON, ids=[f"{p} {json.dumps(b)[:40]}" for p, b, _ in BAD_JSON])
def test_bad_json_gets_an_error_that_says_what_to_do(client: httpx.Client, path: str, body: Any, status: int) -> None:
    error_of(client.post(path, json=body), status)


def test_broken_bodies_lone_surrogates_and_wrong_methods(client: httpx.Client) -> None:
    raw = {"Content-Type": "application/json"}
    assert "unicode" in error_of(client.post("/v1/ask", content=b'{"question": "\\ud800\\udfff\\ud800"}', headers=raw), 422)
    error_of(client.post("/v1/ask", content=b'{"question": "\xed\xa0\x80"}', headers=raw), 422)  # a surrogate as UTF-8
    error_of(client.post("/v1/chat/completions", content=b'{"messages": [{"role": "user", "content": "\\udc80"}]}',
                         headers=raw), 422)
    assert "JSON" in error_of(client.post("/v1/ask", content=b'{"question": ', headers=raw), 422)
    error_of(client.post("/v1/ask", content=b"question=x", headers={"Content-Type": "application/x-www-form-urlencoded"}), 422)
    error_of(client.post("/v1/ask"), 422)
    assert "KB" in error_of(client.post("/v1/ask", content=b" " * (2 << 20), headers=raw), 413)
    # A lone surrogate's bytes in the query string are read as U+FFFD.
    assert client.get("/v1/search?q=%ED%B2%80%E6%AE%8B%E8%86%9C").status_code == 200
    error_of(client.get("/v1/search?q=%ED%A0%80"), 400)
    error_of(client.get("/v1/search", params={"q": "残" * 600}), 422)
    assert "POST" in error_of(client.get("/v1/ask"), 405)
    error_of(client.delete("/v1/notices"), 405)
    assert "/docs" in error_of(client.get("/v1/nothing/here"), 404)


def test_32_concurrent_asks_are_all_answered_right(url: str) -> None:
    def ask(i: int) -> tuple[int, str, str]:
        question, expected = KNOWN[i % len(KNOWN)]
        with httpx.Client(base_url=url, timeout=300) as c:
            r = c.post("/v1/ask", json={"question": question})
        return r.status_code, r.json().get("answer", r.text), expected

    with concurrent.futures.ThreadPoolExecutor(32) as pool:
        results = list(pool.map(ask, range(32)))
    assert [status for status, _, _ in results] == [200] * 32
    assert all(expected in answer for _, answer, expected in results), results


# ------------------------------------------------------------------------------------ schema
def test_the_openapi_schema_holds(url: str) -> None:
    """Requests schemathesis makes from /openapi.json for every operation, valid and invalid ones (a bounded
    number each): no server error, and every status, content type and response body as the schema says.

    Each operation runs as a Hypothesis test of its own (schemathesis's pytest plugin does not run on
    this pytest); the upload is refused for want of the token, so nothing is added.
    """
    schemathesis = pytest.importorskip("schemathesis")
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from schemathesis import GenerationMode
    from schemathesis.checks import (
        content_type_conformance,
        not_a_server_error,
        response_schema_conformance,
        status_code_conformance,
    )

    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 11
    for operation in operations:
        examples = operation.get_strategies_from_examples()  # the schema's own examples: the answered path
        fuzzed = st.one_of(operation.as_strategy(), operation.as_strategy(GenerationMode.NEGATIVE))
        for cases, count in ((st.one_of(*examples), 3), (fuzzed, SCHEMA_EXAMPLES))[0 if examples else 1:]:

            @given(case=cases)
            @settings(max_examples=count, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck))
            def holds(case: Any) -> None:
                case.call_and_validate(checks=checks, timeout=120)

            holds()
