"""The HTTP API over the app's state: REST under ``/v1`` and an OpenAI-compatible chat endpoint.

A thin translator like the CLI: each endpoint checks its input against :mod:`assistant.api_models`,
calls the core through the app's :class:`~assistant.ui.PolicyApp` (the Assistant the Gradio page
answers with, swapped after an add through either face) and sends the records' ``to_dict()``.
:func:`create_api` builds the FastAPI app; :func:`assistant.ui.web_app` mounts the page on it at ``/``.

* Errors are ``{"error": {"message", "type"}}`` (400, 401, 404, 405, 409, 413, 422; 500 for a bug),
  saying what to do next, never a stack trace or a server path (:mod:`assistant.api_guards`).
* A bearer token, when set, is needed for writes always and for reads when the server listens
  beyond localhost.
* Answers run in worker threads, at most ``concurrency`` at once: the model and the index are shared
  and read-only between writes. An add builds the new index beside the one being read and swaps it
  in, so reads never wait for it; adds take turns with each other and with the page's.
"""

from __future__ import annotations

import hmac
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import anyio
from fastapi import Depends, FastAPI, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.datastructures import FormData
from starlette.datastructures import UploadFile as StarletteUploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant import __version__
from assistant.answering import MAX_QUESTION_CHARS, Conversation, check_question
from assistant.api_guards import (
    ERROR_TYPES,
    ApiError,
    BodyLimit,
    CatchCrashes,
    Scrubber,
    handle_errors,
    is_local,
    text_safe,
)
from assistant.api_models import (
    MAX_K,
    MODEL_ID,
    AddOut,
    AnswerOut,
    AskRequest,
    ChatCompletion,
    ChatMessage,
    ChatRequest,
    CompareRequest,
    ComparisonOut,
    ErrorBody,
    Mode,
    ModelList,
    ModelOut,
    NoticeList,
    NoticeOut,
    SearchOut,
    UnitList,
    UnitOut,
    UploadError,
)
from assistant.errors import AssistantError, FileTooLargeError, IndexLockedError
from assistant.records import Answer, Notice

if TYPE_CHECKING:
    from assistant.answering import Assistant
    from assistant.directory import UnitEntry
    from assistant.library import AddResult, UploadCheck
    from assistant.ui import PolicyApp

T = TypeVar("T")

#: Room for the multipart headers around an uploaded file of the largest size allowed.
MULTIPART_SLACK = 64 << 10
#: How many earlier user messages a chat request replays to read its last one against.
REPLAY_TURNS = 10
#: Conversations kept for ``POST /v1/ask``, and how long one is kept unused.
MAX_CONVERSATIONS = 1000
CONVERSATION_IDLE_S = 3600.0
#: The bearer token as the API reads it (None when not sent); ``/docs`` offers to send one.
Credentials = Annotated[
    HTTPAuthorizationCredentials | None,
    Depends(HTTPBearer(auto_error=False, description="the server's token: --token or ASSISTANT_TOKEN")),
]
_SEND_FILE = "send the notice as the multipart field `file`, with its name and extension (curl -F file=@notice.txt)"
#: One server-sent event of a streamed chat: a ``chat.completion.chunk`` as JSON in ``data``, the last ``[DONE]``.
_SSE_EVENT = {"type": "object", "required": ["data"], "properties": {"data": {
    "type": "string", "description": "a chat.completion.chunk as JSON; the last event is [DONE]"}}}
_PROBLEM_STATUS = {"size": 413, "duplicate": 409, "format": 422, "unreadable": 422}


class Conversations:
    """Conversations of ``POST /v1/ask`` by id, so a follow-up leans on the earlier turns.

    The least recently used go past ``limit``, and any unused for ``idle_s``. A conversation keeps
    the Assistant it began on; one begun after an add sees the added notice.
    """

    def __init__(self, limit: int = MAX_CONVERSATIONS, idle_s: float = CONVERSATION_IDLE_S) -> None:
        self.limit, self.idle_s = limit, idle_s
        self._items: OrderedDict[str, tuple[Conversation, threading.Lock, float]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str | None, start: Callable[[], Conversation]) -> tuple[str, Conversation, threading.Lock]:
        """The conversation of an id (a new one for an id not seen, or none given), with its id and its lock."""
        now = time.monotonic()
        with self._lock:
            while self._items and (len(self._items) >= self.limit or now - next(iter(self._items.values()))[2] > self.idle_s):
                self._items.popitem(last=False)
            key = key or uuid.uuid4().hex
            conversation, lock, _ = self._items.pop(key, None) or (start(), threading.Lock(), now)
            self._items[key] = (conversation, lock, now)
        return key, conversation, lock


def answer_text(answer: Answer) -> str:
    """An answer as one chat message: the answer, then each citation (文号 第N项「标题」, its units) and its quote."""
    lines = [answer.answer.strip()]
    for i, c in enumerate(answer.citations, 1):
        units = "；".join(f"{label}：{'、'.join(names)}" for label, names in
                         (("牵头单位", c.point.lead), ("责任单位", c.point.responsible)) if names)
        head = " ".join(x for x in (c.doc.number or c.doc.title, c.point.ref) if x)
        lines += ["", f"[{i}] {head}「{c.point.title}」" + (f" {units}" if units else "")]
        if c.quote:
            lines.append(f"> {c.quote}")
    return "\n".join(lines)


def _message_text(message: ChatMessage) -> str:
    content = message.content
    if isinstance(content, list):
        return "\n".join(p.text for p in content if p.type == "text" and p.text)
    return content or ""


def _first_line(e: Exception) -> str:
    return str(e).split("\n")[0].rstrip(":：")


class _Api:
    """The endpoints' work, on the app's state; the routes in :func:`create_api` call these."""

    def __init__(self, state: PolicyApp, *, token: str | None, local: bool, concurrency: int | None) -> None:
        self.state = state
        self.token = token or None
        self.local = local
        self.concurrency = concurrency or max(2, os.cpu_count() or 2)
        self.conversations = Conversations()
        self.scrub = Scrubber(state.corpus_dir, state.index_dir, tempfile.gettempdir())
        self.started = int(time.time())
        self._limiters: dict[str, anyio.CapacityLimiter] = {}

    async def run(self, fn: Callable[..., T], *args: Any, pool: str = "answers") -> T:
        """Run blocking core work in a worker thread: up to ``concurrency`` answers at once, one write."""
        limiter = self._limiters.get(pool)
        if limiter is None:  # made on first use, inside the event loop
            limiter = self._limiters[pool] = anyio.CapacityLimiter(self.concurrency if pool == "answers" else 1)
        return await anyio.to_thread.run_sync(partial(fn, *args), limiter=limiter)

    # ------------------------------------------------------------------ access
    def authorize(self, credentials: HTTPAuthorizationCredentials | None, write: bool) -> None:
        """Refuse a request without the server's token where one is needed (see the module rules)."""
        if self.token is None or (not write and self.local):
            return
        given = credentials.credentials if credentials else ""
        if hmac.compare_digest(given.encode("utf-8", "replace"), self.token.encode("utf-8")):
            return
        what = "adding a notice needs" if write else "this server listens beyond localhost, so every request needs"
        raise ApiError(401, f"{'a wrong' if given else 'no'} bearer token: {what} the server's token "
                            "(its --token or ASSISTANT_TOKEN); send the header `Authorization: Bearer TOKEN`",
                       headers={"WWW-Authenticate": "Bearer"})

    # ------------------------------------------------------------------ names
    def _question(self, text: str) -> str:
        try:
            return check_question(text)
        except AssistantError as e:
            raise ApiError(400, str(e)) from None

    def _notice(self, assistant: Assistant, name: str) -> Notice:
        """An indexed notice by its title, 文号, file or year (:func:`~assistant.compare.find_notice`)."""
        from assistant.compare import find_notice

        index = assistant.searcher.index
        titled = next((n for n in index.notices if n.doc.title == name), None)
        if titled is not None:
            return titled
        try:
            return find_notice(index, name)
        except AssistantError as e:
            raise ApiError(404, f"{self._named(e)}, as GET /v1/notices lists them") from None

    def _named(self, e: AssistantError) -> str:
        """A "no notice is named …" error in one line, without the index folder."""
        return self.scrub(re.sub(r" in the index at .*? is named", " is named", _first_line(e)))

    def _doc(self, notice: Notice) -> dict[str, Any]:
        """A notice's metadata, its ``source`` without the server's folders."""
        return notice.doc.to_dict() | {"source": self.scrub(notice.doc.source)}

    def _notice_files(self, assistant: Assistant, names: Sequence[str] | None) -> list[str] | None:
        return [self._notice(assistant, name).file for name in names] if names else None

    def _units(self, assistant: Assistant, name: str) -> list[UnitEntry]:
        entry = self.state.units().get(name)
        found = [entry] if entry is not None else assistant.directory.find(name)
        if not found:
            raise ApiError(404, f"no unit in the indexed notices is named {name!r}: look it up with GET /v1/units?q=")
        return found

    # ------------------------------------------------------------------ reads
    def ask(self, body: AskRequest) -> dict[str, Any]:
        self._question(body.question)
        assistant = self.state.assistant
        notices = self._notice_files(assistant, body.notices)
        unit = self._units(assistant, body.unit)[0].name if body.unit else None
        key, conversation, lock = self.conversations.get(body.conversation_id, assistant.conversation)
        with lock:  # one turn at a time in one conversation
            answer = conversation.ask(body.question, notices, unit, explain=body.explain)
        return answer.to_dict() | {"conversation_id": key}

    def search(self, q: str, k: int, notices: list[str], unit: str | None, mode: str) -> dict[str, Any]:
        text = self._question(q)
        assistant = self.state.assistant
        files = set(self._notice_files(assistant, notices) or [])
        keep = {id(p) for e in self._units(assistant, unit) for pts in e.points.values() for _, p in pts} if unit else None

        def where(notice: Notice, point: Any) -> bool:
            return (not files or notice.file in files) and (keep is None or id(point) in keep)

        hits = assistant.searcher.search(text, k=k, mode=mode, where=where if files or keep is not None else None)
        return {"query": q, "mode": mode, "k": k, "hits": [h.to_dict() for h in hits]}

    def notices(self) -> dict[str, Any]:
        return {"notices": [
            {"id": n.file, "file": n.file, "doc": self._doc(n), "work_points": len(n.items), "tasks": len(n.tasks)}
            for n in self.state.assistant.notices
        ]}

    def notice(self, name: str) -> dict[str, Any]:
        notice = self._notice(self.state.assistant, name)
        sections: list[dict[str, Any]] = []
        for point in notice.items:
            if not sections or sections[-1]["path"] != point.path:
                sections.append({"path": point.path, "items": []})
            sections[-1]["items"].append(point.item)
        return {"id": notice.file, "file": notice.file, **notice.to_dict(), "doc": self._doc(notice),
                "tasks": len(notice.tasks), "sections": sections}

    def _unit(self, label: str, entry: UnitEntry) -> dict[str, Any]:
        roles = self.state.assistant.directory.roles_of(entry)
        return {"label": label, "name": entry.name, "place": entry.place, "names": sorted(set(entry.names)),
                "roles": {r: len(entry.points[r]) for r in roles}}

    def units(self, q: str | None) -> dict[str, Any]:
        labels = self.state.units()
        if q:
            wanted = {id(e) for e in self.state.assistant.directory.find(q)}
            labels = {label: e for label, e in labels.items() if id(e) in wanted}
        return {"units": [self._unit(label, e) for label, e in labels.items()]}

    def unit(self, name: str) -> dict[str, Any]:
        entry = self.state.department(name)
        if entry is None:
            raise ApiError(404, f"no unit in the indexed notices is named {name!r}: look it up with GET /v1/units?q=")
        label = next((label for label, e in self.state.units().items() if e is entry), entry.name)
        work = {
            role: [{"notice": {"file": n.file, "number": n.doc.number, "title": n.doc.title, "year": n.doc.year},
                    **p.to_dict()} for n, p in entry.points[role]]
            for role in self.state.assistant.directory.roles_of(entry)
        }
        return self._unit(label, entry) | {"work": work}

    def compare(self, body: CompareRequest) -> dict[str, Any]:
        from assistant.compare import compare_in_index

        assistant = self.state.assistant
        try:
            comparison = compare_in_index(assistant.searcher.index, body.a, body.b).to_dict()
        except AssistantError as e:
            for name in (body.a, body.b):
                self._notice(assistant, name)  # a 404 for a name that names no notice
            raise ApiError(400, f"{self._named(e)} (GET /v1/notices lists them)") from None
        return comparison | {side: comparison[side] | {"source": self.scrub(comparison[side].get("source", ""))}
                             for side in ("a", "b")}

    def chat(self, body: ChatRequest) -> Answer:
        """Replay the user messages through one fresh conversation and answer the last, so a follow-up
        in the same messages list is read against the turns before it."""
        if body.messages[-1].role != "user":
            raise ApiError(400, "the last message must be the user's question (role \"user\"): nothing to answer")
        questions = [t for t in (_message_text(m) for m in body.messages if m.role == "user")]
        self._question(questions[-1])
        assistant = self.state.assistant
        notices = self._notice_files(assistant, body.notices)
        unit = self._units(assistant, body.unit)[0].name if body.unit else None
        conversation = assistant.conversation()
        for question in questions[-REPLAY_TURNS:-1]:
            if question.strip():
                conversation.ask(question, notices, unit)
        return conversation.ask(questions[-1], notices, unit)

    # ------------------------------------------------------------------ writes
    def _refused(self, check: UploadCheck) -> ApiError:
        status = _PROBLEM_STATUS.get(check.problem, 422)
        kind = {"size": "request_too_large", "duplicate": "duplicate_notice"}.get(check.problem, "invalid_file")
        return ApiError(status, self.scrub(f"{check.name} cannot be added: {check.reason}"), kind,
                        check=self.scrub.tree(check.to_dict()))

    def check(self, path: Path) -> dict[str, Any]:
        from assistant.library import AddResult, check_upload

        check = check_upload(path, self.state.corpus_dir, self.state.assistant.searcher.index, self.state.max_bytes)
        if not check.ok:
            raise self._refused(check)
        return self.scrub.tree(AddResult(check, reason="checked only (dry_run): nothing was written").to_dict())

    def add(self, path: Path) -> dict[str, Any]:
        from assistant.library import add_upload

        state = self.state
        try:
            with state._write:  # the page's writer lock: an add here and one on the page take turns
                result: AddResult = add_upload(
                    path, state.corpus_dir, state.index_dir, state.embedder, state.max_bytes,
                    index=state.assistant.searcher.index,
                    on_progress=lambda line: print(f"[index] {line}", file=sys.stderr, flush=True),
                )
                if result.ok:
                    state.reload()
        except IndexLockedError as e:
            raise ApiError(409, self.scrub(str(e)), "index_busy") from None
        except AssistantError as e:
            raise ApiError(500, self.scrub(f"{path.name} was indexed, but the index could not be reloaded ({e}): "
                                           "restart the server"), "server_error") from None
        if result.check.problem:
            raise self._refused(result.check)
        if not result.ok:
            raise ApiError(422, self.scrub(f"{path.name} was not added: {result.reason}; the corpus and index are "
                                           "unchanged"), "invalid_file", check=self.scrub.tree(result.check.to_dict()))
        return self.scrub.tree(result.to_dict())

    async def read_form(self, request: Request) -> FormData:
        """The multipart form of an upload; a body that is not one is a 422 saying how to send it."""
        try:
            return await request.form(max_files=1, max_fields=10)
        except StarletteHTTPException as e:
            if e.status_code == 413:
                raise
            raise ApiError(422, f"the body is not a multipart form ({e.detail}): {_SEND_FILE}") from None

    async def save_upload(self, file: UploadFile | str | None, folder: Path) -> Path:
        """Write an upload into ``folder`` under its own file name, refusing one above the size limit."""
        if not isinstance(file, StarletteUploadFile):
            raise ApiError(422, f"the form has no file in its field `file`: {_SEND_FILE}")
        name = Path(text_safe(file.filename or "").replace("\\", "/")).name
        name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip()[-200:]
        if not name.strip("."):
            raise ApiError(422, f"the upload has no file name: {_SEND_FILE}")
        path, size, limit = folder / name, 0, self.state.max_bytes
        with open(path, "wb") as out:
            while chunk := await file.read(1 << 20):
                size += len(chunk)
                if limit is not None and size > limit:
                    reason = FileTooLargeError(name, size, limit).reason
                    raise ApiError(413, f"{name} cannot be added: {reason}", "request_too_large")
                out.write(chunk)
        return path


def create_api(
    state: PolicyApp,
    *,
    token: str | None = None,
    host: str = "127.0.0.1",
    cors: Sequence[str] = (),
    concurrency: int | None = None,
) -> FastAPI:
    """The FastAPI app of the HTTP API over an app's state (:class:`~assistant.ui.PolicyApp`).

    Args:
        state: the state the Gradio page shares: its Assistant, folders, model and writer lock.
        token: the bearer token (``--token`` or ``ASSISTANT_TOKEN``); None for none.
        host: the address the server listens on; reads need the token only beyond localhost.
        cors: origins allowed to call the API from a browser (``--cors``); none by default.
        concurrency: answers computed at once (default: the CPU count, at least 2).
    """
    api = _Api(state, token=token, local=is_local(host), concurrency=concurrency)

    def read_access(credentials: Credentials) -> None:
        api.authorize(credentials, write=False)

    def write_access(credentials: Credentials) -> None:
        api.authorize(credentials, write=True)

    app = FastAPI(
        title="政策通 API", version=__version__, docs_url="/docs", redoc_url=None, openapi_url="/openapi.json",
        description=(
            "Cited answers over the indexed policy notices, the same objects as the Python API. Errors are "
            '`{"error": {"message", "type"}}`. With a token set (`--token` or `ASSISTANT_TOKEN`), adding a notice '
            "always needs `Authorization: Bearer TOKEN`, and so does every request when the server listens "
            "beyond localhost. `POST /v1/chat/completions` speaks OpenAI's chat protocol (model "
            f"`{MODEL_ID}`)."
        ),
    )

    def errors(*codes: int, model: type = ErrorBody) -> dict[int | str, dict[str, Any]]:
        return {code: {"model": model, "description": ERROR_TYPES[code]} for code in codes}

    reads = dict(dependencies=[Depends(read_access)], response_class=JSONResponse)

    @app.post("/v1/ask", response_model=None, tags=["answers"], summary="Answer a question with cited work points",
              responses={200: {"model": AnswerOut}, **errors(400, 401, 404, 413, 422)}, **reads)
    async def ask(body: AskRequest) -> JSONResponse:
        return JSONResponse(await api.run(api.ask, body))

    @app.get("/v1/search", response_model=None, tags=["answers"], summary="Rank work points for a query",
             responses={200: {"model": SearchOut}, **errors(400, 401, 404, 422)}, **reads)
    async def search(
        q: Annotated[str, Query(min_length=1, max_length=MAX_QUESTION_CHARS, description="the query",
                                examples=["残膜回收率"])],
        k: Annotated[int, Query(ge=1, le=MAX_K)] = 10,
        notice: Annotated[list[str] | None, Query(max_length=100, description="only these notices (文号, file or year)")] = None,
        unit: Annotated[str | None, Query(min_length=1, max_length=200, description="only this unit's work points")] = None,
        mode: Annotated[Mode, Query()] = "hybrid",
    ) -> JSONResponse:
        return JSONResponse(await api.run(api.search, q, k, notice, unit, mode))

    @app.get("/v1/notices", response_model=None, tags=["notices"], summary="The indexed notices",
             responses={200: {"model": NoticeList}, **errors(401)}, **reads)
    async def notices() -> JSONResponse:
        return JSONResponse(await api.run(api.notices))

    @app.get("/v1/notices/{id:path}", response_model=None, tags=["notices"],
             summary="One notice: its sections and work points with units and targets",
             responses={200: {"model": NoticeOut}, **errors(401, 404)}, **reads)
    async def notice(id: Annotated[str, PathParam(description="its file, 文号 or year", examples=["2019"])]) -> JSONResponse:
        return JSONResponse(await api.run(api.notice, id))

    @app.get("/v1/units", response_model=None, tags=["units"], summary="Units named in the notices, most lead tasks first",
             responses={200: {"model": UnitList}, **errors(401, 422)}, **reads)
    async def units(
        q: Annotated[str | None, Query(max_length=200, description="only units this text names")] = None,
    ) -> JSONResponse:
        return JSONResponse(await api.run(api.units, q))

    @app.get("/v1/units/{name:path}", response_model=None, tags=["units"], summary="What a unit leads and shares",
             responses={200: {"model": UnitOut}, **errors(401, 404)}, **reads)
    async def unit(name: Annotated[str, PathParam(description="its name, as loose as 林草局", examples=["市林草局"])]) -> JSONResponse:
        return JSONResponse(await api.run(api.unit, name))

    @app.post("/v1/compare", response_model=None, tags=["notices"], summary="What changed between two notices",
              responses={200: {"model": ComparisonOut}, **errors(400, 401, 404, 413, 422)}, **reads)
    async def compare(body: CompareRequest) -> JSONResponse:
        return JSONResponse(await api.run(api.compare, body))

    upload_body = {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file"],
        "properties": {"file": {"type": "string", "format": "binary",
                                "description": "the notice: .txt, .md, .html, .docx or .pdf"}},
    }}}}

    # The form is read in the endpoint, after the token is checked: a refused upload is never read.
    @app.post("/v1/notices", response_model=None, tags=["notices"], status_code=201,
              summary="Add a notice: the add screen's checks, then an incremental index update",
              dependencies=[Depends(write_access)], response_class=JSONResponse,
              openapi_extra={"requestBody": upload_body},
              responses={201: {"model": AddOut}, 200: {"model": AddOut, "description": "dry_run: checked only"},
                         **errors(401, 409, 413, 422, model=UploadError), 500: {"model": ErrorBody}})
    async def add_notice(
        request: Request,
        dry_run: Annotated[bool, Query(description="only check the file and return what it holds")] = False,
    ) -> JSONResponse:
        form = await api.read_form(request)
        folder = Path(tempfile.mkdtemp(prefix="assistant-upload-"))
        try:
            path = await api.save_upload(form.get("file"), folder)
            if dry_run:
                return JSONResponse(await api.run(api.check, path, pool="writes"))
            return JSONResponse(await api.run(api.add, path, pool="writes"), status_code=201)
        finally:
            await form.close()
            shutil.rmtree(folder, ignore_errors=True)

    @app.post("/v1/chat/completions", response_model=None, tags=["openai"],
              summary="OpenAI-compatible chat: the last user message answered, with its citations",
              responses={200: {"model": ChatCompletion, "content": {"text/event-stream": {"schema": _SSE_EVENT}}},
                         **errors(400, 401, 404, 413, 422)}, **reads)
    async def chat(body: ChatRequest) -> Any:
        answer = await api.run(api.chat, body)
        text = answer_text(answer)
        extra = {"citations": [c.to_dict() for c in answer.citations], "found": answer.found, "kind": answer.kind}
        prompt = sum(len(_message_text(m)) for m in body.messages)
        usage = {"prompt_tokens": prompt, "completion_tokens": len(text), "total_tokens": prompt + len(text)}
        base = {"id": f"chatcmpl-{uuid.uuid4().hex}", "created": int(time.time()), "model": MODEL_ID}
        if not body.stream:
            choice = {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
            return JSONResponse(base | {"object": "chat.completion", "choices": [choice], "usage": usage} | extra)
        include_usage = bool(body.stream_options and body.stream_options.include_usage)

        async def events() -> AsyncIterator[str]:
            def event(choices: list[dict[str, Any]], **more: Any) -> str:
                chunk = base | {"object": "chat.completion.chunk", "choices": choices} | more
                return f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"

            yield event([{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}])
            for piece in re.findall(r"[^\n]*\n|[^\n]+", text):
                yield event([{"index": 0, "delta": {"content": piece}, "finish_reason": None}])
            yield event([{"index": 0, "delta": {}, "finish_reason": "stop"}], **extra)
            if include_usage:
                yield event([], usage=usage)
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    model = {"id": MODEL_ID, "object": "model", "created": api.started, "owned_by": "assistant"}

    @app.get("/v1/models", response_model=None, tags=["openai"], summary="The one model: the assistant",
             responses={200: {"model": ModelList}, **errors(401)}, **reads)
    async def models() -> JSONResponse:
        return JSONResponse({"object": "list", "data": [model]})

    @app.get("/v1/models/{model_id}", response_model=None, tags=["openai"], summary="The model, by its id",
             responses={200: {"model": ModelOut}, **errors(401, 404)}, **reads)
    async def get_model(model_id: Annotated[str, PathParam(examples=[MODEL_ID])]) -> JSONResponse:
        if model_id != MODEL_ID:
            raise ApiError(404, f"no model {model_id!r}: this server has one, {MODEL_ID!r}")
        return JSONResponse(model)

    @app.api_route("/v1/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
                   include_in_schema=False)
    async def unknown(request: Request, rest: str) -> None:
        path = request.url.path
        allowed = sorted({m for r in app.routes if isinstance(r, APIRoute) and r.include_in_schema
                          and r.path_regex.match(path) for m in r.methods})
        if allowed:
            raise ApiError(405, f"{request.method} is not allowed on {path}: use {', '.join(allowed)}",
                           headers={"Allow": ", ".join(allowed)})
        raise ApiError(404, f"no endpoint {path}: the endpoints are listed at /docs")

    build_schema = app.openapi

    def openapi() -> dict[str, Any]:
        """The schema, with the token marked optional on each operation that does not need it here."""
        if app.openapi_schema is None:
            schema = build_schema()
            for path, operations in schema["paths"].items():
                for method, operation in operations.items():
                    needed = api.token is not None and ((method, path) == ("post", "/v1/notices") or not api.local)
                    if "security" in operation and not needed:
                        operation["security"] = [{}, *operation["security"]]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    handle_errors(app, api.scrub)
    app.add_middleware(CatchCrashes)
    app.add_middleware(BodyLimit, upload_bytes=None if state.max_bytes is None else state.max_bytes + MULTIPART_SLACK)
    if cors:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=list(cors), allow_methods=["GET", "POST", "OPTIONS"],
                           allow_headers=["Authorization", "Content-Type"])
    return app
