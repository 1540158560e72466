"""A fake Discord REST API (v10): the routes the adapter uses, with Discord's shapes and errors.

discord.py's `Route.BASE` (REST and interaction webhooks) points here in tests;
everything else in discord.py (its rate-limit handling, retries, error classes)
runs unchanged. Discord's `enforce_nonce` is honoured: a message repeated with
the same nonce returns the first one instead of posting again. Gateway events
are fed to discord.py's own `ConnectionState` parsers by the tests.
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

BOT_ID = 900000000000000001
APP_ID = BOT_ID
TOKEN = "MTAwMDAwMDAwMDAwMDAwMDAx.FAKE.tokenForTestsOnly"
NOW = "2026-01-05T09:00:00.000000+00:00"


def user_payload(user_id: int, username: str, *, bot: bool = False, global_name: str | None = None) -> dict[str, Any]:
    return {"id": str(user_id), "username": username, "discriminator": "0", "avatar": None,
            "global_name": global_name, "bot": bot}


BOT_USER = user_payload(BOT_ID, "tokonusa-bot", bot=True, global_name="Toko Nusa")


@dataclass
class DiscordFailure:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    stall: float = 0.0


def rate_limited(retry_after: float, *, is_global: bool = False) -> DiscordFailure:
    return DiscordFailure(
        429,
        {"message": "You are being rate limited.", "retry_after": retry_after, "global": is_global},
        {"Via": "1.1 google", "Retry-After": str(int(retry_after) + 1), "X-RateLimit-Limit": "5",
         "X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": str(retry_after),
         "X-RateLimit-Bucket": "f3a1c0ffee", "X-RateLimit-Scope": "user"},
    )


def forbidden(code: int, message: str) -> DiscordFailure:
    return DiscordFailure(403, {"message": message, "code": code})


def server_error(status: int = 503) -> DiscordFailure:
    return DiscordFailure(status, {"message": "Service Unavailable", "code": 0})


def stall(seconds: float) -> DiscordFailure:
    return DiscordFailure(504, {"message": "Gateway Timeout", "code": 0}, stall=seconds)


@dataclass
class Posted:
    method: str
    path: str
    body: Any
    query: dict[str, str]


@dataclass
class FakeDiscord:
    requests: list[Posted] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    channels: dict[int, dict[str, Any]] = field(default_factory=dict)
    failures: dict[str, list[DiscordFailure]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1300000000000000001))
    _deleted: set[int] = field(default_factory=set)
    cdn: dict[str, bytes] = field(default_factory=dict)  # "<attachment id>/<file name>" -> content

    def fail(self, route: str, failure: DiscordFailure, times: int = 1) -> None:
        """`route` as "POST /channels/{id}/messages" (the template, not the ids)."""
        self.failures.setdefault(route, []).extend([failure] * times)

    def made(self, route: str) -> list[Posted]:
        return [r for r in self.requests if f"{r.method} {r.path}" == route]

    @property
    def app(self) -> Starlette:
        routes = [
            ("GET", "/users/@me", self._me),
            ("GET", "/oauth2/applications/@me", self._application),
            ("PUT", "/applications/{app}/commands", self._commands),
            ("PUT", "/applications/{app}/guilds/{guild}/commands", self._commands),
            ("POST", "/channels/{channel}/messages", self._create_message),
            ("DELETE", "/channels/{channel}/messages/{message}", self._delete_message),
            ("GET", "/channels/{channel}", self._get_channel),
            ("PATCH", "/channels/{channel}", self._edit_channel),
            ("POST", "/channels/{channel}/threads", self._create_thread),
            ("POST", "/users/@me/channels", self._open_dm),
            ("PATCH", "/guilds/{guild}/members/{user}", self._edit_member),
            ("DELETE", "/guilds/{guild}/members/{user}", self._no_content),
            ("PUT", "/guilds/{guild}/bans/{user}", self._no_content),
            ("DELETE", "/guilds/{guild}/bans/{user}", self._no_content),
            ("POST", "/interactions/{interaction}/{token}/callback", self._interaction_callback),
            ("PATCH", "/webhooks/{app}/{token}/messages/@original", self._edit_original),
            ("DELETE", "/webhooks/{app}/{token}/messages/@original", self._no_content),
        ]
        return Starlette(routes=[
            *(Route("/api/v10" + path, self._wrap(method, path, handler), methods=[method])
              for method, path, handler in routes),
            Route("/cdn/attachments/{attachment}/{name}", self._cdn, methods=["GET"]),
        ])

    def cdn_url(self, base_url: str, attachment_id: str, name: str, content: bytes) -> str:
        """Put a file on the fake CDN; returns its (signed, in real life) link."""
        self.cdn[f"{attachment_id}/{name}"] = content
        return f"{base_url}/cdn/attachments/{attachment_id}/{name}?ex=1&is=1&hm=abc"

    async def _cdn(self, request: Request) -> Response:
        found = self.cdn.get(f"{request.path_params['attachment']}/{request.path_params['name']}")
        return Response(found, media_type="application/octet-stream") if found is not None else \
            Response(status_code=404)

    def _wrap(self, method: str, path: str, handler: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            raw = await request.body()
            content_type = request.headers.get("content-type", "")
            if content_type.startswith("multipart/form-data"):
                fields, files = parse_multipart(raw, content_type)
                body = {**json.loads(fields.get("payload_json") or "{}"), "_files": list(files.values())}
            else:
                body = json.loads(raw) if raw else None
            self.requests.append(Posted(method, path, body, dict(request.query_params)))
            if not request.headers.get("authorization", "").startswith("Bot ") and "/webhooks/" not in path \
                    and "/interactions/" not in path:
                return JSONResponse({"message": "401: Unauthorized", "code": 0}, status_code=401)
            queued = self.failures.get(f"{method} {path}")
            if queued:
                failure = queued.pop(0)
                if failure.stall:
                    await asyncio.sleep(failure.stall)
                return JSONResponse(failure.body, status_code=failure.status, headers=failure.headers)
            response: Response = await handler(request, body)
            response.headers.update({"X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "4",
                                     "X-RateLimit-Reset-After": "1.0", "X-RateLimit-Bucket": "f3a1c0ffee"})
            return response

        return endpoint

    async def _me(self, request: Request, body: Any) -> Response:
        return JSONResponse({**BOT_USER, "flags": 0, "mfa_enabled": True, "verified": True})

    async def _application(self, request: Request, body: Any) -> Response:
        return JSONResponse({"id": str(APP_ID), "name": "Toko Nusa", "description": "", "icon": None,
                             "bot_public": False, "bot_require_code_grant": False, "verify_key": "ab" * 32,
                             "owner": user_payload(1, "owner"), "flags": 0})

    async def _commands(self, request: Request, body: Any) -> Response:
        return JSONResponse([{**command, "id": str(next(self._ids)), "application_id": str(APP_ID), "version": "1"}
                             for command in body])

    async def _create_message(self, request: Request, body: Any) -> Response:
        channel = int(request.path_params["channel"])
        if body.get("enforce_nonce") and body.get("nonce"):
            for earlier in self.messages:
                if earlier["channel_id"] == str(channel) and earlier.get("nonce") == body["nonce"]:
                    return JSONResponse(earlier)  # Discord returns the first message, posts nothing
        message = self._message(channel, body)
        self.messages.append(message)
        return JSONResponse(message)

    def uploads(self) -> list[Upload]:
        """Files posted in messages, in order (`messages` says where each went)."""
        return [upload for r in self.requests if isinstance(r.body, dict) for upload in r.body.get("_files", [])]

    def _message(self, channel: int, body: dict[str, Any]) -> dict[str, Any]:
        attachments = [{"id": str(next(self._ids)), "filename": upload.filename, "size": len(upload.content),
                        "url": f"https://cdn.discordapp.com/attachments/{channel}/{upload.filename}",
                        "proxy_url": f"https://media.discordapp.net/attachments/{channel}/{upload.filename}",
                        "content_type": upload.content_type}
                       for upload in body.get("_files", [])]
        message: dict[str, Any] = {
            "id": str(next(self._ids)), "channel_id": str(channel), "author": BOT_USER,
            "content": body.get("content") or "", "timestamp": NOW, "edited_timestamp": None, "tts": False,
            "mention_everyone": False, "mentions": [], "mention_roles": [], "attachments": attachments, "embeds": [],
            "pinned": False, "type": 19 if body.get("message_reference") else 0,
            "components": body.get("components") or [], "flags": 0,
        }
        if body.get("nonce"):
            message["nonce"] = body["nonce"]
        if body.get("message_reference"):
            message["message_reference"] = {**body["message_reference"], "channel_id": str(channel)}
        return message

    async def _delete_message(self, request: Request, body: Any) -> Response:
        message = int(request.path_params["message"])
        if message in self._deleted:
            return JSONResponse({"message": "Unknown Message", "code": 10008}, status_code=404)
        self._deleted.add(message)
        return Response(status_code=204)

    async def _get_channel(self, request: Request, body: Any) -> Response:
        channel = int(request.path_params["channel"])
        if channel not in self.channels:
            return JSONResponse({"message": "Unknown Channel", "code": 10003}, status_code=404)
        return JSONResponse(self.channels[channel])

    async def _edit_channel(self, request: Request, body: Any) -> Response:
        channel = int(request.path_params["channel"])
        data = {**self.channels.get(channel, {"id": str(channel), "type": 11}), **(body or {})}
        self.channels[channel] = data
        return JSONResponse(data)

    async def _create_thread(self, request: Request, body: Any) -> Response:
        parent = request.path_params["channel"]
        thread_id = next(self._ids)
        data = {"id": str(thread_id), "type": body.get("type", 11), "parent_id": parent, "guild_id": "100",
                "name": body["name"], "owner_id": str(BOT_ID), "message_count": 0, "member_count": 1,
                "rate_limit_per_user": 0, "flags": 0,
                "thread_metadata": {"archived": False, "auto_archive_duration": body.get("auto_archive_duration"),
                                    "archive_timestamp": NOW, "locked": False}}
        self.channels[thread_id] = data
        return JSONResponse(data, status_code=201)

    async def _open_dm(self, request: Request, body: Any) -> Response:
        recipient = body["recipient_id"]
        dm_id = int(recipient) + 7
        data = {"id": str(dm_id), "type": 1, "last_message_id": None,
                "recipients": [user_payload(int(recipient), "customer")]}
        self.channels[dm_id] = data
        return JSONResponse(data)

    async def _edit_member(self, request: Request, body: Any) -> Response:
        return JSONResponse({"user": user_payload(int(request.path_params["user"]), "member"), "roles": [],
                             "joined_at": NOW, "deaf": False, "mute": False, "flags": 0,
                             "communication_disabled_until": (body or {}).get("communication_disabled_until")})

    async def _no_content(self, request: Request, body: Any) -> Response:
        return Response(status_code=204)

    async def _interaction_callback(self, request: Request, body: Any) -> Response:
        interaction = request.path_params["interaction"]
        return JSONResponse({"interaction": {"id": interaction, "type": 2,
                                             "response_message_loading": body.get("type") == 5,
                                             "response_message_ephemeral": False}})

    async def _edit_original(self, request: Request, body: Any) -> Response:
        message = self._message(300, body or {})
        self.messages.append(message)
        return JSONResponse(message)
