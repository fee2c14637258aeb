"""What stands between a request and the API's endpoints (:mod:`assistant.server`): the error format,
body limits, a guard against crashes, and the removal of server paths from what a client sees.

Every failure leaves as ``{"error": {"message", "type"}}``: an :class:`ApiError` raised by an endpoint,
FastAPI's own validation and routing errors (:func:`handle_errors`), a body over its limit
(:class:`BodyLimit`) and a bug (:class:`CatchCrashes`), which is logged with its stack trace here and
never shown.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("assistant.server")

#: The most bytes of a JSON request body; a longer one is a 413 before it is parsed.
MAX_JSON_BYTES = 1 << 20
#: The ``type`` of an error, by its status (the names OpenAI clients know, where there is one).
ERROR_TYPES = {
    400: "invalid_request_error", 401: "authentication_error", 404: "not_found_error", 405: "invalid_request_error",
    409: "conflict_error", 413: "request_too_large", 422: "invalid_request_error", 500: "server_error",
}


class ApiError(Exception):
    """An error sent as ``{"error": {"message", "type"}}`` with its HTTP status."""

    def __init__(self, status: int, message: str, type: str | None = None, *,
                 headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.message = status, message
        self.type = type or ERROR_TYPES.get(status, "invalid_request_error")
        self.headers, self.extra = headers, extra


def error_response(status: int, message: str, type: str | None = None, headers: dict[str, str] | None = None,
                   **extra: Any) -> JSONResponse:
    """The JSON error body every failure is sent as."""
    body = {"error": {"message": text_safe(message), "type": type or ERROR_TYPES.get(status, "invalid_request_error")}}
    return JSONResponse(body | extra, status_code=status, headers=headers)


def text_safe(text: str) -> str:
    """Text that encodes as UTF-8: a lone surrogate becomes U+FFFD (``?``) instead of failing the response."""
    return text.encode("utf-8", "replace").decode("utf-8")


_PATH_CHARS = r"[^\s/'\"“”‘’，。；：、:,;()（）<>\[\]]"
_ABSOLUTE = re.compile(rf"(?<![\w.:/~])/(?:{_PATH_CHARS}+/)+({_PATH_CHARS}*)")


class Scrubber:
    """Takes server paths out of what a client sees: a file in the corpus or index folder becomes its
    path inside it, the folder its name, and any other absolute path its file name."""

    def __init__(self, *folders: str | os.PathLike[str]) -> None:
        pairs: set[tuple[str, str]] = set()
        for folder in map(Path, folders):
            for form in {str(folder), str(folder.resolve())}:
                if "/" in form.strip("/"):  # a bare name such as "index" is no server path
                    pairs |= {(form.rstrip("/") + "/", ""), (form.rstrip("/"), folder.resolve().name)}
        self._pairs = sorted(pairs, key=lambda p: -len(p[0]))

    def __call__(self, text: str) -> str:
        for old, new in self._pairs:
            text = text.replace(old, new)
        return _ABSOLUTE.sub(lambda m: m.group(1), text)

    def tree(self, obj: Any) -> Any:
        """The same over every string of a JSON-like value."""
        if isinstance(obj, str):
            return self(obj)
        if isinstance(obj, dict):
            return {k: self.tree(v) for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return [self.tree(v) for v in obj]
        return obj


class BodyLimit:
    """Refuses a request body above its limit with a 413: by Content-Length before it is read, else as
    it arrives, so a huge upload is never spooled to disk. Only paths under ``/v1/``."""

    def __init__(self, app: ASGIApp, *, upload_bytes: int | None, json_bytes: int = MAX_JSON_BYTES) -> None:
        self.app, self.upload_bytes, self.json_bytes = app, upload_bytes, json_bytes

    def _message(self, upload: bool, limit: int) -> str:
        if upload:
            return (f"the upload is over {limit / 2**20:.1f} MB, above the limit for one notice: split it into its "
                    "notices, or start the server with a higher --max-file-mb")
        return f"the request body is over {limit >> 10} KB: send a shorter question or fewer messages"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        upload = scope["path"].rstrip("/") == "/v1/notices"
        limit = self.upload_bytes if upload else self.json_bytes
        if limit is None:
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length", b"")
        if length.isdigit() and int(length) > limit:
            await error_response(413, self._message(upload, limit))(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:  # FastAPI passes an HTTPException raised while it reads the body on as is
                    raise HTTPException(413, self._message(upload, limit))
            return message

        await self.app(scope, counted, send)


class CatchCrashes:
    """A bug becomes a 500 in the error format, logged here with its stack trace; the exception goes no
    further, so the server keeps the client's connection open (a re-raised one would reset it)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception:
            log.exception("%s %s failed", scope.get("method"), scope.get("path"))
            if not started:
                await error_response(500, "the server failed on this request (the server log has the details): "
                                          "try again, or report the request to whoever runs the server")(scope, receive, send)


def is_local(host: str) -> bool:
    """Whether an address to listen on is reachable from this machine only."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def handle_errors(app: FastAPI, scrub: Scrubber) -> None:
    """Every error as ``{"error": {"message", "type"}}``: ours, FastAPI's validation and routing (bugs:
    :class:`CatchCrashes`)."""

    async def on_api_error(request: Request, e: Exception) -> JSONResponse:
        assert isinstance(e, ApiError)
        return error_response(e.status, e.message, e.type, e.headers, **e.extra)

    async def on_invalid(request: Request, e: Exception) -> JSONResponse:
        assert isinstance(e, RequestValidationError)
        problems = []
        for err in e.errors()[:5]:
            if err.get("type") == "json_invalid":
                problems.append(f"the body is not valid JSON ({(err.get('ctx') or {}).get('error', 'cannot parse it')})")
                continue
            where = ".".join(str(x) for x in err.get("loc", ()) if x not in ("body", "query", "path", "header"))
            problems.append(f"{where or 'the body'}: {err.get('msg', 'invalid')}")
        return error_response(422, "; ".join(problems) + " (the request shapes are at /docs)")

    async def on_http_error(request: Request, e: Exception) -> JSONResponse:
        assert isinstance(e, StarletteHTTPException)
        message = e.detail if isinstance(e.detail, str) else "the request cannot be handled"
        if e.status_code == 400 and "parsing the body" in message:
            message = "the body cannot be read: send JSON (or, for POST /v1/notices, multipart with the field `file`)"
        return error_response(e.status_code, scrub(message), headers=getattr(e, "headers", None))

    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(RequestValidationError, on_invalid)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
