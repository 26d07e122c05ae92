"""JSON in and out: the error shape of API.md, the request's language, bounded bodies."""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse

from queue_server.domain.errors import DomainError, Invalid
from queue_server.domain.schedule import Lang
from queue_server.messages import invalid_detail, message

MAX_BODY = 16 * 1024
#: No request of ours nests deeper than a few levels; refusing deep input before parsing
#: keeps the parser (and anything that walks the result) far from Python's recursion limit.
MAX_DEPTH = 32


class BodyTooLarge(DomainError):
    status = 413


def language(request: HTTPConnection) -> Lang:
    """Indonesian unless the client asks for English (``?lang=en`` or Accept-Language); the
    same for a request and a WebSocket."""
    chosen = request.query_params.get("lang") or request.cookies.get("lang")
    if chosen == "id":
        return "id"
    if chosen == "en":
        return "en"
    accept = request.headers.get("accept-language", "").lower()
    for part in accept.split(","):
        tag = part.split(";")[0].strip()
        if tag.startswith("id"):
            return "id"
        if tag.startswith("en"):
            return "en"
    return "id"


def error_response(request: Request, code: str, status: int,
                   params: dict[str, Any] | None = None) -> JSONResponse:
    params = params or {}
    lang = language(request)
    body: dict[str, Any] = {"code": code, "message": message(code, lang, params)}
    body.update({k: v for k, v in params.items()
                 if not k.startswith("message_") and k != "what" and _jsonable(v)})
    what = params.get("what")
    detail = invalid_detail(what, lang, params) if isinstance(what, str) else None
    if detail is not None:
        body["detail"] = detail
    headers = {}
    retry_after = params.get("retry_after")
    if isinstance(retry_after, int) and status in {429, 503}:
        headers["Retry-After"] = str(retry_after)
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def _jsonable(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool, type(None), list, dict))


async def read_json(request: Request) -> dict[str, Any]:
    """The body as a JSON object, refusing oversized or malformed input with a clear code."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY:
        raise BodyTooLarge("too_large", limit=MAX_BODY)
    chunks = bytearray()
    async for chunk in request.stream():
        chunks += chunk
        if len(chunks) > MAX_BODY:
            raise BodyTooLarge("too_large", limit=MAX_BODY)
    if not chunks.strip():
        return {}
    data = loads(bytes(chunks))
    if not isinstance(data, dict):
        raise Invalid("invalid", what="not_object")
    return data


def nesting(text: str | bytes) -> int:
    """How deep arrays and objects nest in ``text``, not counting brackets inside strings."""
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def loads(text: str | bytes, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads`` that refuses malformed or too deeply nested input with ``bad_json``."""
    if nesting(text) > max_depth:
        raise Invalid("too_deep", limit=max_depth)
    try:
        return json.loads(text)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise Invalid("bad_json") from exc


_IDEMPOTENCY_KEY = re.compile(r"^[!-~]{1,100}\Z")


def idempotency_key(request: Request) -> str | None:
    """The ``Idempotency-Key`` header: 1-100 visible ASCII characters, or absent."""
    key = request.headers.get("idempotency-key")
    if key is not None and not _IDEMPOTENCY_KEY.match(key):
        raise Invalid("invalid", field="Idempotency-Key", what="idempotency_key")
    return key


#: the ``invalid`` detail for a value of the wrong type (``messages.INVALID_DETAILS``)
_WRONG_TYPE = {str: "not_text", int: "not_integer", bool: "not_boolean"}


def field(data: dict[str, Any], name: str, kind: type, *, required: bool = True,
          nullable: bool = False) -> Any:
    """One field of a JSON body, with an error that names it."""
    if name not in data or (data[name] is None and not required):
        if required:
            raise Invalid("invalid", field=name, what="required")
        return None
    value = data[name]
    if value is None and nullable:
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise Invalid("invalid", field=name, what=_WRONG_TYPE.get(kind, "wrong_type"),
                      kind=kind.__name__)
    if isinstance(value, str) and len(value) > 200:
        raise Invalid("invalid", field=name, what="too_long")
    return value
