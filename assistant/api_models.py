"""The shapes of the HTTP API (:mod:`assistant.server`): what a request may carry, what a response holds.

Requests are checked against these models, so a wrong type, a missing field or a value above a
limit is a 422 saying which field. Responses are the records' own ``to_dict()``, sent as they
are; their models here only document them in ``/openapi.json`` (and the schema test checks the
two agree). Response models allow extra fields, so a field the core adds later breaks no client.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.answering import MAX_QUESTION_CHARS

#: The name the OpenAI-compatible endpoint answers to, as ``GET /v1/models`` lists it.
MODEL_ID = "zhengcetong"
#: The most hits one search returns.
MAX_K = 50
#: The most characters of a notice or unit name, and of one chat message.
MAX_NAME_CHARS = 200
MAX_MESSAGE_CHARS = 8000
MAX_MESSAGES = 100

Mode = Literal["hybrid", "dense", "bm25", "rrf"]
Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME_CHARS)]
ConversationId = Annotated[str, Field(pattern=r"^[A-Za-z0-9._:-]{1,128}$")]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


# ---------------------------------------------------------------------------------------- requests
class AskRequest(_Request):
    """``POST /v1/ask``: a question, optionally confined to notices or a unit, optionally in a conversation."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"question": "残膜回收率要达到多少"},
        {"question": "市林草局牵头哪些工作？", "notices": ["2019"], "conversation_id": "oa-user-7"},
    ]})

    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    notices: list[Name] | None = Field(None, max_length=100, description="confine to these notices (文号, file or year)")
    unit: Name | None = Field(None, description="confine to work points this unit holds a role in")
    conversation_id: ConversationId | None = Field(
        None, description="keep follow-ups together: send the id a previous answer returned (or your own)"
    )
    explain: bool = Field(False, description="also return how the question was read")


class CompareRequest(_Request):
    """``POST /v1/compare``: two notices, each named by 文号, file or year; ``a`` the earlier."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"a": "2019", "b": "2020"}]})

    a: Name
    b: Name


class ContentPart(_Open):
    """One part of a message's content; only ``text`` parts are read."""

    type: str = Field(max_length=50)
    text: Annotated[str, Field(max_length=MAX_MESSAGE_CHARS)] | None = None


class ChatMessage(_Open):
    """One message of an OpenAI chat request."""

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: Annotated[str, Field(max_length=MAX_MESSAGE_CHARS)] | Annotated[
        list[ContentPart], Field(max_length=50)
    ] | None = None


class StreamOptions(_Open):
    include_usage: bool = False


class ChatRequest(_Open):
    """``POST /v1/chat/completions``, as OpenAI clients send it; sampling parameters are accepted and ignored."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [
        {"model": MODEL_ID, "messages": [{"role": "user", "content": "残膜回收率要达到多少"}]},
        {"model": MODEL_ID, "stream": True, "messages": [
            {"role": "user", "content": "残膜回收率要达到多少"}, {"role": "assistant", "content": "87%"},
            {"role": "user", "content": "那它的牵头单位呢？"}]},
    ]})

    model: str = Field(MODEL_ID, max_length=MAX_NAME_CHARS)
    messages: list[ChatMessage] = Field(min_length=1, max_length=MAX_MESSAGES)
    stream: bool = False
    stream_options: StreamOptions | None = None
    notices: list[Name] | None = Field(None, max_length=100, description="confine to these notices (an extension)")
    unit: Name | None = Field(None, description="confine to this unit's work points (an extension)")


# ---------------------------------------------------------------------------------------- responses
class ErrorDetail(_Open):
    message: str
    type: str


class ErrorBody(_Open):
    """Every error: what went wrong and what to do next, never a stack trace or a server path."""

    error: ErrorDetail


class TargetOut(_Open):
    text: str
    value: str
    unit: str
    sentence: str = ""


class NoticeInfoOut(_Open):
    title: str
    number: str
    issuer: str = ""
    date: str = ""
    published: str = ""
    year: int | None = None
    source: str = ""


class DocRef(_Open):
    number: str
    title: str
    year: int | None = None


class WorkPointOut(_Open):
    item: str
    path: list[str]
    title: str
    text: str
    lead: list[str]
    responsible: list[str]
    roles: dict[str, str]
    targets: list[TargetOut]


class HitOut(_Open):
    doc: DocRef
    item: str
    path: list[str]
    title: str
    lead: list[str]
    responsible: list[str]
    file: str
    score: float


class CitationOut(_Open):
    doc: DocRef
    item: str
    path: list[str]
    title: str
    lead: list[str]
    responsible: list[str]
    roles: dict[str, str]
    text: str
    quote: str
    score: float


class AnswerOut(_Open):
    """The Answer (:meth:`~assistant.records.Answer.to_dict`) and the conversation it belongs to."""

    question: str
    answer: str
    found: bool
    kind: str
    citations: list[CitationOut]
    related: list[CitationOut]
    explain: dict[str, Any] | None = None
    conversation_id: str


class SearchOut(_Open):
    query: str
    mode: str
    k: int
    hits: list[HitOut]


class NoticeSummary(_Open):
    id: str = Field(description="the notice's file in the corpus: use it in /v1/notices/{id}")
    file: str
    doc: NoticeInfoOut
    work_points: int
    tasks: int


class NoticeList(_Open):
    notices: list[NoticeSummary]


class Section(_Open):
    path: list[str]
    items: list[str]


class NoticeOut(_Open):
    id: str
    file: str
    doc: NoticeInfoOut
    tasks: int
    sections: list[Section]
    items: list[WorkPointOut]


class UnitSummary(_Open):
    label: str = Field(description="the name to use in /v1/units/{name}; the place is added where a name is in two")
    name: str = Field(description="the name as the notices print it most often")
    place: str
    names: list[str]
    roles: dict[str, int]


class UnitList(_Open):
    units: list[UnitSummary]


class UnitWork(WorkPointOut):
    notice: dict[str, Any]


class UnitOut(UnitSummary):
    work: dict[str, list[UnitWork]] = Field(description="its work points by role, strongest role first")


class DifferenceOut(_Open):
    field: str
    old: str
    new: str


class PairOut(_Open):
    a: str
    b: str
    similarity: float
    evidence: str
    differences: list[DifferenceOut] = []


class ComparisonOut(_Open):
    a: NoticeInfoOut
    b: NoticeInfoOut
    kept: list[PairOut]
    changed: list[PairOut]
    new: list[dict[str, Any]]
    dropped: list[dict[str, Any]]


class UploadCheckOut(_Open):
    name: str
    size: int
    ok: bool
    problem: str
    reason: str
    notice: dict[str, Any] | None
    duplicate: dict[str, Any] | None
    warnings: list[str]


class AddOut(_Open):
    """What an upload did (:meth:`~assistant.library.AddResult.to_dict`); ``ok`` false on a dry run."""

    ok: bool
    file: str
    reason: str
    check: UploadCheckOut
    report: dict[str, Any] | None


class UploadError(ErrorBody):
    """An upload refused: the error, and the check that refused it."""

    check: UploadCheckOut | None = None


class ChatMessageOut(_Open):
    role: Literal["assistant"]
    content: str


class ChatChoice(_Open):
    index: int
    message: ChatMessageOut
    finish_reason: str


class Usage(_Open):
    """Characters, not tokens: there is no tokenizer to count with."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatCompletion(_Open):
    """An OpenAI chat completion, plus the answer's ``citations``, ``found`` and ``kind``."""

    id: str
    object: Literal["chat.completion"]
    created: int
    model: str
    choices: list[ChatChoice]
    usage: Usage
    citations: list[CitationOut]
    found: bool
    kind: str


class ModelOut(_Open):
    id: str
    object: Literal["model"]
    created: int
    owned_by: str


class ModelList(_Open):
    object: Literal["list"]
    data: list[ModelOut]
