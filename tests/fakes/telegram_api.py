"""A fake Telegram Bot API: the methods the bot uses, with Telegram's JSON shapes and errors.

python-telegram-bot talks to it exactly as to api.telegram.org (its `base_url`
points here). A test can queue updates for `getUpdates`, set a chat's admins,
and make the next calls fail the way Telegram fails:

    fake.fail("sendMessage", too_many_requests(5))
    fake.fail("sendMessage", server_error(), times=2)

Message ids are numbered per chat, one sequence for the bot's messages and everyone
else's (as Telegram numbers a private chat or a supergroup): `customer_says` (or a
queued update carrying a message) takes a number too. Edits behave like Telegram's:
the same content and buttons again answer "message is not modified", an id nobody
holds "message to edit not found", someone else's message "message can't be edited".
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.multipart import Upload, parse_multipart

TOKEN = "123456789:AAEfakeTokenForTests_0123456789abc"
BOT_ID = 123456789
BOT_USERNAME = "TokoNusaBot"


@dataclass
class Failure:
    """What the fake answers instead of doing the call. `stall` waits first (a timeout for the client)."""

    status: int
    body: dict[str, Any]
    stall: float = 0.0
    then_perform: bool = False


def too_many_requests(retry_after: int) -> Failure:
    return Failure(429, {"ok": False, "error_code": 429,
                         "description": f"Too Many Requests: retry after {retry_after}",
                         "parameters": {"retry_after": retry_after}})


def blocked_by_user() -> Failure:
    return Failure(403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"})


def kicked_from_group() -> Failure:
    return Failure(403, {"ok": False, "error_code": 403,
                         "description": "Forbidden: bot was kicked from the supergroup chat"})


def bad_request(description: str) -> Failure:
    return Failure(400, {"ok": False, "error_code": 400, "description": f"Bad Request: {description}"})


def server_error(status: int = 500) -> Failure:
    return Failure(status, {"ok": False, "error_code": status, "description": "Internal Server Error"})


def migrated_to(new_chat_id: int) -> Failure:
    return Failure(400, {"ok": False, "error_code": 400,
                         "description": "Bad Request: group chat was upgraded to a supergroup chat",
                         "parameters": {"migrate_to_chat_id": new_chat_id}})


def stalled(seconds: float, *, then_perform: bool = False) -> Failure:
    """No answer for `seconds` (the client times out); with `then_perform`, the call took effect anyway."""
    return Failure(200, {}, stall=seconds, then_perform=then_perform)


def user(user_id: int, first_name: str, username: str | None = None, language: str | None = None,
         is_bot: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {"id": user_id, "is_bot": is_bot, "first_name": first_name}
    if username:
        data["username"] = username
    if language:
        data["language_code"] = language
    return data


def admin(member: dict[str, Any], *, owner: bool = False, anonymous: bool = False, can_restrict: bool = True,
          can_delete: bool = True, can_manage_topics: bool = True) -> dict[str, Any]:
    """A ChatMemberOwner or ChatMemberAdministrator as getChatAdministrators returns it."""
    if owner:
        return {"status": "creator", "user": member, "is_anonymous": anonymous}
    return {
        "status": "administrator", "user": member, "can_be_edited": False, "is_anonymous": anonymous,
        "can_manage_chat": True, "can_delete_messages": can_delete, "can_manage_video_chats": True,
        "can_restrict_members": can_restrict, "can_promote_members": False, "can_change_info": True,
        "can_invite_users": True, "can_post_stories": False, "can_edit_stories": False,
        "can_delete_stories": False, "can_pin_messages": True, "can_manage_topics": can_manage_topics,
    }


@dataclass
class Call:
    method: str
    params: dict[str, Any]


@dataclass
class FakeTelegram:
    token: str = TOKEN
    calls: list[Call] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    admins: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    failures: dict[str, list[Failure]] = field(default_factory=dict)
    webhook_url: str | None = None
    polls: list[dict[str, Any]] = field(default_factory=list)
    held: dict[str, asyncio.Event] = field(default_factory=dict)  # chat id -> calls wait until it is set
    waiting: list[Call] = field(default_factory=list)  # calls that arrived and are being held
    first_message_id: int = 500  # where each chat's numbering starts
    answer_delay: float = 0.0  # seconds between doing a call and answering it (the network's way back)
    messages: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)  # (chat, id) -> message
    _last_ids: dict[int, int] = field(default_factory=dict)
    _topic_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(70))
    _update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(9000))
    _new_update: asyncio.Event = field(default_factory=asyncio.Event)
    _deleted: set[tuple[int, int]] = field(default_factory=set)
    files: dict[str, bytes] = field(default_factory=dict)  # file_id -> content, for getFile and downloads
    file_sizes: dict[str, int] = field(default_factory=dict)  # a size to report instead of the real one

    # ---------------------------------------------------------------- test controls

    def fail(self, method: str, failure: Failure, times: int = 1) -> None:
        self.failures.setdefault(method, []).extend([failure] * times)

    def hold(self, chat_id: str | int) -> asyncio.Event:
        """Calls to this chat arrive (see `waiting`) but are not answered until the returned event is set."""
        return self.held.setdefault(str(chat_id), asyncio.Event())

    def queue_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Make an update available to getUpdates (an `update_id` is added if missing); a message
        in it holds its number in its chat."""
        update = {"update_id": next(self._update_ids), **update}
        for kind in ("message", "channel_post"):
            message = update.get(kind)
            if isinstance(message, dict) and "message_id" in message and "chat" in message:
                self._keep(int(message["chat"]["id"]), {**message, "_by_bot": False})
        self.updates.append(update)
        self._new_update.set()
        return update

    def customer_says(
        self, chat_id: int, text: str, user_id: int | None = None, message_id: int | None = None
    ) -> dict[str, Any]:
        """Someone else writes in the chat: the message (with the chat's next number, or the one
        given for a chat that starts with it), for an update."""
        sender = user_id if user_id is not None else chat_id
        number = message_id if message_id is not None else self._next_id(chat_id)
        message = {"message_id": number, "date": int(time.time()), "chat": _chat(chat_id),
                   "from": user(sender, "Customer"), "text": text}
        self._keep(chat_id, {**message, "_by_bot": False})
        return message

    def message_ids(self, chat_id: int) -> list[int]:
        """Every number taken in the chat, in order."""
        return sorted(message_id for chat, message_id in self.messages if chat == chat_id)

    def _next_id(self, chat_id: int) -> int:
        last = self._last_ids.get(chat_id, self.first_message_id - 1)
        self._last_ids[chat_id] = last + 1
        return last + 1

    def _keep(self, chat_id: int, message: dict[str, Any]) -> None:
        message_id = int(message["message_id"])
        self.messages[(chat_id, message_id)] = message
        self._last_ids[chat_id] = max(self._last_ids.get(chat_id, message_id), message_id)

    def _bot_message(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        """A message the bot sends now, numbered in its chat and kept for later edits."""
        chat_id = int(params["chat_id"])
        message: dict[str, Any] = {
            "message_id": self._next_id(chat_id),
            "date": int(time.time()),
            "chat": _chat(chat_id),
            "from": user(BOT_ID, "Toko Nusa", BOT_USERNAME, is_bot=True),
            **content,
        }
        if params.get("message_thread_id"):
            message["message_thread_id"] = int(params["message_thread_id"])
            message["is_topic_message"] = True
        if params.get("reply_markup"):
            message["reply_markup"] = _json(params["reply_markup"])
        if params.get("entities"):
            message["entities"] = _json(params["entities"])
        self._keep(chat_id, {**message, "_by_bot": True})
        return message

    def called(self, method: str) -> list[dict[str, Any]]:
        return [call.params for call in self.calls if call.method == method]

    @property
    def sent_texts(self) -> list[str]:
        return [params["text"] for params in self.called("sendMessage")]

    # ---------------------------------------------------------------- the HTTP side

    def uploads(self, method: str) -> list[Upload]:
        """Files uploaded with `method` (sendPhoto, sendDocument, ...), in order."""
        return [value for params in self.called(method) for value in params.values() if isinstance(value, Upload)]

    @property
    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/bot{token}/{method}", self._endpoint, methods=["GET", "POST"]),
            Route("/file/bot{token}/{path:path}", self._download, methods=["GET"]),
        ])

    async def _download(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return Response(status_code=401)
        file_id = request.path_params["path"].rsplit("/", 1)[-1].split(".", 1)[0]
        if file_id not in self.files:
            return Response(status_code=404)
        self.calls.append(Call("download", {"file_id": file_id}))
        return Response(self.files[file_id], media_type="application/octet-stream")

    async def _endpoint(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return JSONResponse({"ok": False, "error_code": 401, "description": "Unauthorized"}, status_code=401)
        method = request.path_params["method"]
        params = await _params(request)
        gate = self.held.get(str(params.get("chat_id", "")))
        if gate is not None and not gate.is_set():
            self.waiting.append(Call(method, params))
            await gate.wait()
        queued = self.failures.get(method)
        if queued:
            failure = queued.pop(0)
            if failure.stall:
                await asyncio.sleep(failure.stall)
                if not failure.then_perform:
                    return JSONResponse({"ok": False, "error_code": 504, "description": "Gateway Timeout"},
                                        status_code=504)
            else:
                self.calls.append(Call(f"{method}!failed", params))
                return JSONResponse(failure.body, status_code=failure.status)
        handler = getattr(self, f"_{method}", None)
        if handler is None:
            return JSONResponse({"ok": False, "error_code": 404, "description": "Not Found"}, status_code=404)
        result = await handler(params)
        if isinstance(result, Failure):
            self.calls.append(Call(f"{method}!failed", params))
            return JSONResponse(result.body, status_code=result.status)
        self.calls.append(Call(method, params))
        if self.answer_delay:
            await asyncio.sleep(self.answer_delay)  # done at Telegram; the answer is still on its way
        return JSONResponse({"ok": True, "result": result})

    # ---------------------------------------------------------------- Bot API methods

    async def _getMe(self, params: dict[str, Any]) -> Any:
        return {**user(BOT_ID, "Toko Nusa", BOT_USERNAME, is_bot=True), "can_join_groups": True,
                "can_read_all_group_messages": False, "supports_inline_queries": False,
                "can_connect_to_business": False, "has_main_web_app": False}

    async def _getUpdates(self, params: dict[str, Any]) -> Any:
        self.polls.append(params)  # seen on arrival: a long poll may wait a while before it is answered
        offset = int(params.get("offset") or 0)
        self.updates = [u for u in self.updates if u["update_id"] >= offset]
        if not self.updates:
            self._new_update.clear()
            timeout = min(float(params.get("timeout") or 0), 0.2)  # long polls stay short in tests
            try:
                await asyncio.wait_for(self._new_update.wait(), timeout=timeout)
            except TimeoutError:
                pass
        limit = int(params.get("limit") or 100)
        return [u for u in self.updates if u["update_id"] >= offset][:limit]

    async def _setWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook_url = params["url"]
        return True

    async def _deleteWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook_url = None
        return True

    async def _setMyCommands(self, params: dict[str, Any]) -> Any:
        return True

    async def _answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        return True

    async def _sendMessage(self, params: dict[str, Any]) -> Any:
        text = params.get("text", "")
        if not text:
            return bad_request("message text is empty")
        if len(text.encode("utf-16-le")) // 2 > 4096:
            return bad_request("message is too long")
        return self._bot_message(params, text=text)

    async def _editMessageText(self, params: dict[str, Any]) -> Any:
        return self._edit(params, "text")

    async def _editMessageCaption(self, params: dict[str, Any]) -> Any:
        return self._edit(params, "caption")

    def _edit(self, params: dict[str, Any], field_name: str) -> Any:
        """Telegram's answers to an edit: not found, not the bot's, no such field, not modified, or done."""
        key = (int(params["chat_id"]), int(params["message_id"]))
        message = self.messages.get(key)
        if message is None or key in self._deleted:
            return bad_request("message to edit not found")
        if not message["_by_bot"]:
            return bad_request("message can't be edited")
        if field_name == "text" and "text" not in message:
            return bad_request("there is no text in the message to edit")
        if field_name == "caption" and "text" in message:
            return bad_request("there is no caption in the message to edit")
        wanted = {
            field_name: params.get(field_name) or "",
            "entities": _json(params["entities"]) if params.get("entities") else None,
            "reply_markup": _json(params["reply_markup"]) if params.get("reply_markup") else None,
        }
        if all(message.get(name, "" if name == field_name else None) == value for name, value in wanted.items()):
            return bad_request("message is not modified: specified new message content and reply markup are "
                               "exactly the same as a current content and reply markup of the message")
        message.update({name: value for name, value in wanted.items() if value is not None})
        for name, value in wanted.items():
            if value is None:
                message.pop(name, None)
        return {name: value for name, value in message.items() if name != "_by_bot"}

    async def _getFile(self, params: dict[str, Any]) -> Any:
        file_id = str(params["file_id"])
        if file_id not in self.files:
            return bad_request("invalid file_id")
        size = self.file_sizes.get(file_id, len(self.files[file_id]))
        if size > 20 * 1024 * 1024:
            return bad_request("file is too big")
        return {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": size,
                "file_path": f"documents/{file_id}.jpg"}

    async def _sent_file(self, params: dict[str, Any], kind: str) -> Any:
        value = params.get(kind)
        if not value:
            return bad_request(f"there is no {kind} in the request")
        if isinstance(value, str) and not value.startswith("attach://") and value not in self.files:
            return bad_request("wrong file identifier/HTTP URL specified")
        caption = params.get("caption") or ""
        if len(caption.encode("utf-16-le")) // 2 > 1024:
            return bad_request("message caption is too long")
        return self._bot_message(params, **({"caption": caption} if caption else {}))

    async def _sendPhoto(self, params: dict[str, Any]) -> Any:
        return await self._sent_file(params, "photo")

    async def _sendDocument(self, params: dict[str, Any]) -> Any:
        return await self._sent_file(params, "document")

    async def _sendVideo(self, params: dict[str, Any]) -> Any:
        return await self._sent_file(params, "video")

    async def _sendVoice(self, params: dict[str, Any]) -> Any:
        return await self._sent_file(params, "voice")

    async def _sendAudio(self, params: dict[str, Any]) -> Any:
        return await self._sent_file(params, "audio")

    async def _sendSticker(self, params: dict[str, Any]) -> Any:
        return await self._sent_file(params, "sticker")

    async def _sendAnimation(self, params: dict[str, Any]) -> Any:
        return await self._sent_file(params, "animation")

    async def _deleteMessage(self, params: dict[str, Any]) -> Any:
        key = (int(params["chat_id"]), int(params["message_id"]))
        if key in self._deleted:
            return bad_request("message to delete not found")
        self._deleted.add(key)
        return True

    async def _restrictChatMember(self, params: dict[str, Any]) -> Any:
        return True

    async def _banChatMember(self, params: dict[str, Any]) -> Any:
        return True

    async def _unbanChatMember(self, params: dict[str, Any]) -> Any:
        return True

    async def _getChatAdministrators(self, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        if chat_id not in self.admins:
            return bad_request("chat not found")
        return self.admins[chat_id]

    async def _getChatMember(self, params: dict[str, Any]) -> Any:
        chat_id, user_id = int(params["chat_id"]), int(params["user_id"])
        for member in self.admins.get(chat_id, []):
            if member["user"]["id"] == user_id:
                return member
        return {"status": "member", "user": user(user_id, "Member")}

    async def _createForumTopic(self, params: dict[str, Any]) -> Any:
        return {"message_thread_id": next(self._topic_ids), "name": params["name"], "icon_color": 7322096}

    async def _editForumTopic(self, params: dict[str, Any]) -> Any:
        return True

    async def _closeForumTopic(self, params: dict[str, Any]) -> Any:
        return True


def _json(value: Any) -> Any:
    """A parameter PTB sent as JSON text (a form field) or as JSON already (a JSON body)."""
    return json.loads(value) if isinstance(value, str) else value


def _chat(chat_id: int) -> dict[str, Any]:
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": "Customer"}
    return {"id": chat_id, "type": "supergroup", "title": "Toko Nusa"}


async def _params(request: Request) -> dict[str, Any]:
    """Bot API parameters, from a query string, a form, an upload or a JSON body, as Telegram accepts them."""
    params: dict[str, Any] = dict(request.query_params)
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    if body and content_type.startswith("application/json"):
        params.update(json.loads(body))
    elif body and content_type.startswith("multipart/form-data"):
        fields, files = parse_multipart(body, content_type)
        params.update(fields)
        params.update(files)
    elif body:
        params.update(parse_qsl(body.decode(), keep_blank_values=True))
    return params
