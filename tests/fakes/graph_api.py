"""A fake WhatsApp Cloud API (Graph API): `POST /{version}/{phone_number_id}/messages`, and media:
`GET /{version}/{media_id}` (the download URL of a customer's file), the download itself,
and `POST /{version}/{phone_number_id}/media` (an upload, answered with its media id).

It checks the bearer token and WhatsApp's limits (3 reply buttons with titles of
at most 20 characters, 10 list rows, 1,024 characters of interactive text, 4,096
of plain text) and answers with the real shapes, errors included:

    fake.fail(graph_error(131047, "Re-engagement message"))
    fake.fail(graph_error(130429, "Rate limit hit", status=400))
"""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.multipart import Upload, parse_multipart

ACCESS_TOKEN = "EAAGm0PX4ZCpsBAFakeTokenForTests"
PHONE_NUMBER_ID = "106540352242922"
APP_SECRET = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
VERIFY_TOKEN = "tokonusa-verify-2026"
VERSION = "v21.0"


@dataclass
class GraphFailure:
    status: int
    body: dict[str, Any]
    stall: float = 0.0


def graph_error(code: int, message: str, *, status: int = 400, details: str | None = None) -> GraphFailure:
    error: dict[str, Any] = {"message": f"(#{code}) {message}", "type": "OAuthException", "code": code,
                             "fbtrace_id": "AbCdEfGhIjK"}
    if details:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    return GraphFailure(status, {"error": error})


def graph_server_error() -> GraphFailure:
    return GraphFailure(500, {"error": {"message": "An unknown error has occurred.", "type": "OAuthException",
                                        "code": 1, "fbtrace_id": "AbCdEfGhIjK"}})


def graph_stall(seconds: float) -> GraphFailure:
    return GraphFailure(504, {}, stall=seconds)


@dataclass
class FakeGraph:
    messages: list[dict[str, Any]] = field(default_factory=list)
    failures: list[GraphFailure] = field(default_factory=list)
    refused: list[dict[str, Any]] = field(default_factory=list)
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # media id -> (content, MIME type)
    uploads: dict[str, Upload] = field(default_factory=dict)  # media id -> what was uploaded
    downloads: list[str] = field(default_factory=list)  # media ids whose bytes were fetched
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def fail(self, failure: GraphFailure, times: int = 1) -> None:
        self.failures.extend([failure] * times)

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [message for message in self.messages if message["type"] == kind]

    @property
    def texts(self) -> list[str]:
        return [message["text"]["body"] for message in self.of_type("text")]

    @property
    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/lookaside/{media_id}", self._download, methods=["GET"]),
            Route("/{version}/{phone_number_id}/messages", self._messages, methods=["POST"]),
            Route("/{version}/{phone_number_id}/media", self._upload, methods=["POST"]),
            Route("/{version}/{media_id}", self._media_url, methods=["GET"]),
        ])

    def _authorised(self, request: Request) -> bool:
        return request.headers.get("authorization") == f"Bearer {ACCESS_TOKEN}"

    async def _media_url(self, request: Request) -> Response:
        if not self._authorised(request):
            return JSONResponse(graph_error(190, "Invalid OAuth access token.", status=401).body, status_code=401)
        media_id = request.path_params["media_id"]
        if media_id not in self.media:
            return JSONResponse(graph_error(100, "Invalid parameter", details="unknown media id").body,
                                status_code=400)
        content, mime = self.media[media_id]
        return JSONResponse({"messaging_product": "whatsapp", "url": f"{request.base_url}lookaside/{media_id}",
                             "mime_type": mime, "sha256": "x", "file_size": len(content), "id": media_id})

    async def _download(self, request: Request) -> Response:
        if not self._authorised(request):  # Meta's media URLs need the token too
            return Response(status_code=401)
        media_id = request.path_params["media_id"]
        if media_id not in self.media:
            return Response(status_code=404)
        self.downloads.append(media_id)
        content, mime = self.media[media_id]
        return Response(content, media_type=mime)

    async def _upload(self, request: Request) -> Response:
        if not self._authorised(request):
            return JSONResponse(graph_error(190, "Invalid OAuth access token.", status=401).body, status_code=401)
        fields, files = parse_multipart(await request.body(), request.headers.get("content-type", ""))
        upload = files.get("file")
        if fields.get("messaging_product") != "whatsapp" or upload is None or not fields.get("type"):
            return JSONResponse(graph_error(100, "Invalid parameter", details="file, type and messaging_product")
                                .body, status_code=400)
        media_id = f"{next(self._ids) + 9000000}"
        self.uploads[media_id] = upload
        return JSONResponse({"id": media_id})

    async def _messages(self, request: Request) -> Response:
        if request.headers.get("authorization") != f"Bearer {ACCESS_TOKEN}":
            return JSONResponse(graph_error(190, "Invalid OAuth access token.", status=401).body, status_code=401)
        if request.path_params["phone_number_id"] != PHONE_NUMBER_ID:
            return JSONResponse(graph_error(100, "Invalid parameter").body, status_code=400)
        payload = json.loads(await request.body())
        if self.failures:
            failure = self.failures.pop(0)
            if failure.stall:
                await asyncio.sleep(failure.stall)
            self.refused.append(payload)
            return JSONResponse(failure.body, status_code=failure.status)
        problem = _invalid(payload)
        kind = payload.get("type", "")
        media_id = (payload.get(kind) or {}).get("id") if isinstance(payload.get(kind), dict) else None
        if not problem and media_id and media_id not in self.uploads and media_id not in self.media:
            problem = f"unknown media id {media_id}"
        if problem:
            self.refused.append(payload)
            return JSONResponse(graph_error(131009, "Parameter value is not valid", details=problem).body,
                                status_code=400)
        self.messages.append(payload)
        wamid = f"wamid.FAKE{next(self._ids):06d}"
        return JSONResponse({"messaging_product": "whatsapp",
                             "contacts": [{"input": payload["to"], "wa_id": payload["to"]}],
                             "messages": [{"id": wamid}]})


def _invalid(payload: dict[str, Any]) -> str | None:
    """What WhatsApp would refuse in this payload, or None."""
    if payload.get("messaging_product") != "whatsapp":
        return "messaging_product must be whatsapp"
    kind = payload.get("type")
    if kind == "text":
        body = payload["text"]["body"]
        return "text too long" if len(body) > 4096 else ("text empty" if not body else None)
    if kind == "interactive":
        interactive = payload["interactive"]
        if len(interactive["body"]["text"]) > 1024:
            return "interactive body longer than 1024"
        if interactive["type"] == "button":
            buttons = interactive["action"]["buttons"]
            if len(buttons) > 3:
                return "at most 3 buttons"
            if any(len(b["reply"]["title"]) > 20 for b in buttons):
                return "button title longer than 20"
        if interactive["type"] == "list":
            rows = [row for section in interactive["action"]["sections"] for row in section["rows"]]
            if len(rows) > 10:
                return "at most 10 rows"
            if any(len(row["title"]) > 24 or len(row.get("description", "")) > 72 for row in rows):
                return "row title or description too long"
            if len(interactive["action"]["button"]) > 20:
                return "list button longer than 20"
        return None
    if kind == "template":
        return None if payload["template"].get("name") else "template name missing"
    if kind in ("image", "video", "document", "audio", "sticker"):
        body = payload.get(kind) or {}
        if not (body.get("id") or body.get("link")):
            return f"{kind} needs an id or a link"
        if "caption" in body and (kind in ("audio", "sticker") or len(body["caption"]) > 1024):
            return f"no caption of this length on {kind}"
        return None
    return f"unknown type {kind}"
