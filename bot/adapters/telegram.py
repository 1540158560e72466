"""Telegram through python-telegram-bot: updates in, actions out.

Receiving. Long polling by default; webhooks when `telegram.mode = "webhook"`.
Both feed one path: parse (pure, `telegram_parse`), complete with rights (the
cached admin list, `telegram_rights`), hand to the core. We use PTB's `Bot` for
every call and its types for every update, but not its `Updater`/`Application`:
both acknowledge an update before our handler has committed (the updater moves
its offset when it queues an update; `update_queue` lets a webhook answer 200
first), so a crash would lose it. Our loop confirms an update to Telegram (the
next `offset`) only after the core stored it, and the webhook answers 200 only
then; a redelivery is recognised by its update id.

Sending. `execute` turns actions into Bot API calls: long texts are split at
4,096 UTF-16 units (buttons on the last part), moderation is checked against the
bot's rights first so a refusal says why, a chat migrated to a supergroup is
followed to its new id, and Telegram's errors become the sender's
(`RetryAfter`, `RecipientUnreachable`, `PermanentError`, `TransientError`, and
`AuthExpired` for a revoked token, which pauses Telegram's sending).

Nothing twice after a crash. Telegram has no idempotency key and no call that
finds a bot's message, but a chat's messages (the customer's and ours) are numbered
in one sequence, and `editMessageText` with exactly a message's own content answers
"message is not modified". So every message id seen is recorded
(`bot.storage.message_ids`), each attempt notes the chat's highest id when it began,
and `confirm` looks just above that mark for a send whose answer was lost: the
customer's ids and our other rows' ids are skipped, the rest (at most
`telegram.confirm_probes`) are edited with the same text, entities and buttons. "Not
modified" means it arrived there; "not found" or "can't be edited" means not there.
Found: recorded with its id, not sent again. Not found: sent again (never lost).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import warnings
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, TypeGuard

import telegram
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeDefault,
    ChatMember,
    ChatPermissions,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    MessageEntity,
    ReplyParameters,
    Update,
    User,
)
from telegram import error as tg_error
from telegram.request import HTTPXRequest

from bot.actions import (
    Action,
    Ban,
    Button,
    CloseThread,
    Delete,
    Kick,
    Mention,
    OpenThread,
    Restrict,
    Send,
    Unban,
    Unrestrict,
)
from bot.adapters.base import (
    AuthExpired,
    Capabilities,
    Confirmation,
    DeliveryResult,
    EventSink,
    NoAnswer,
    NotYet,
    PermanentError,
    RecipientUnreachable,
    RetryAfter,
    TransientError,
    Unsupported,
)
from bot.adapters.commands import Audience, CommandInfo
from bot.adapters.media import MediaBridge, MediaFile, named_file
from bot.adapters.telegram_parse import ALLOWED_UPDATES, TELEGRAM, BotIdentity, parse_update
from bot.adapters.telegram_rights import AdminCache, with_rights
from bot.adapters.text import split_text, utf16_len
from bot.adapters.tls import client_tls
from bot.clock import Clock
from bot.config import ConfigError, Settings
from bot.events import ChatKind, Command, Event, Media, Person, Right
from bot.ratelimit import TELEGRAM_RATES
from bot.storage import Store
from bot.storage.message_ids import note_seen

log = logging.getLogger("bot.adapters.telegram")

MAX_TEXT = 4096
MAX_CAPTION = 1024
_NO_CAPTION = ("sticker", "video_note")
MAX_CALLBACK_DATA = 64  # bytes
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram treats restrictions shorter than 30 seconds (or over 366 days) as forever.
_SHORTEST_RESTRICTION = timedelta(seconds=31)
_LONGEST_RESTRICTION = timedelta(days=366)
_DONE_ALREADY = ("message to delete not found", "topic_not_modified", "message is not modified")


class TelegramAdapter:
    platform = TELEGRAM

    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        *,
        store: Store | None = None,
        commands: Sequence[CommandInfo] = (),
    ) -> None:
        config = settings.telegram
        if config.token is None:
            raise ConfigError("telegram.token is not set")
        self.settings = settings
        self.config = config
        if config.mode == "webhook":
            self._webhook_url()  # refuse at once, before anything starts, when there is no public URL
        self.clock = clock
        self.store = store
        self.commands = tuple(commands)
        timeout = config.request_timeout_seconds
        self.bot = telegram.Bot(
            config.token.get_secret_value(),
            base_url=config.base_url,
            base_file_url=config.base_file_url,
            request=HTTPXRequest(
                connection_pool_size=64, read_timeout=timeout, write_timeout=timeout, connect_timeout=timeout,
                httpx_kwargs={"verify": client_tls()},
            ),
            get_updates_request=HTTPXRequest(
                read_timeout=timeout, connect_timeout=timeout, httpx_kwargs={"verify": client_tls()}
            ),
        )
        self.capabilities = Capabilities(
            buttons=True,
            max_buttons=100,
            max_text=MAX_TEXT,
            threads=True,
            moderation=True,
            rate_policy=TELEGRAM_RATES,
            delivery_keys=True,
            confirms_deliveries=True,
            timed_bans=True,
        )
        self.admins = AdminCache(self._fetch_admins, clock, config.admin_cache_seconds)
        self.me: BotIdentity | None = None
        self._sink: EventSink | None = None
        self._poller: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        # Parts of a split message (or a topic) already sent, by outbox key: a retry in this
        # process does not send them again.
        self._progress: OrderedDict[str, list[int]] = OrderedDict()
        self.media_bridge: MediaBridge | None = None  # files of other platforms (`link_media`)

    # ------------------------------------------------------------------ lifecycle

    async def open(self) -> BotIdentity:
        """Log in (`getMe`): enough to send, before (or without) receiving."""
        if self.me is None:
            await self.bot.initialize()
            self.me = BotIdentity(str(self.bot.id), self.bot.username)
        return self.me

    async def start(self, sink: EventSink) -> None:
        await self.open()
        await self._register_commands()
        if self.config.mode == "webhook":
            await self.bot.set_webhook(
                url=self._webhook_url(),
                secret_token=self._secret(),
                allowed_updates=list(ALLOWED_UPDATES),
            )
            self._sink = sink
            log.info("telegram webhook set", extra={"platform": TELEGRAM, "path": self.config.webhook_path})
            return
        await self.bot.delete_webhook(drop_pending_updates=False)
        self._sink = sink
        self._stopping.clear()
        self._poller = asyncio.create_task(self._poll(), name="telegram-polling")

    async def stop(self) -> None:
        """Stop receiving. Sending still works, so the outbox can be drained at shutdown."""
        self._stopping.set()
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
            self._poller = None
        self._sink = None

    async def aclose(self) -> None:
        """Release the HTTP clients (after the last delivery)."""
        await self.stop()
        with contextlib.suppress(Exception):
            await self.bot.shutdown()
        self.me = None

    def routes(self) -> list[Any]:
        if self.config.mode != "webhook":
            return []
        return [Route(self.config.webhook_path, self._webhook, methods=["POST"])]

    def _webhook_url(self) -> str:
        public = self.settings.http.public_url
        if not public:
            raise ConfigError("telegram webhook mode needs http.public_url (where Telegram can reach this bot)")
        return public.rstrip("/") + self.config.webhook_path

    def _secret(self) -> str:
        secret = self.config.secret_token
        assert secret is not None  # the settings refuse webhook mode without one
        return secret.get_secret_value()

    # ------------------------------------------------------------------ receiving

    async def _poll(self) -> None:
        """Long polling that confirms an update only after the core handled it."""
        offset: int | None = None
        failures = 0
        while not self._stopping.is_set():
            try:
                updates = await self.bot.get_updates(
                    offset=offset, timeout=self.config.poll_timeout_seconds, allowed_updates=list(ALLOWED_UPDATES)
                )
                failures = 0
            except tg_error.InvalidToken:
                log.error("telegram polling stopped: the token was refused", extra={"platform": TELEGRAM})
                return
            except tg_error.TelegramError as exc:
                failures += 1
                wait = _seconds(exc) if isinstance(exc, tg_error.RetryAfter) else min(30.0, 0.5 * 2**failures)
                log.warning("telegram polling failed", extra={"error": str(exc)[:200], "retry_in_s": wait})
                await self._pause(wait)
                continue
            for update in updates:
                while not self._stopping.is_set():
                    try:
                        await self.handle_update(update)
                        break
                    except Exception:
                        # The core could not store it (database down?): keep it unconfirmed and try again.
                        log.exception("telegram update not handled; retrying", extra={"update": update.update_id})
                        await self._pause(2.0)
                else:
                    return
                offset = update.update_id + 1

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)

    async def _webhook(self, request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret().encode()):
            log.warning(
                "telegram webhook rejected: wrong or missing secret token",
                extra={"platform": TELEGRAM, "client": request.client.host if request.client else "-"},
            )
            return Response(status_code=403)
        if self._sink is None or self.me is None:
            return Response(status_code=503)  # not started yet: Telegram will send it again
        try:
            update = Update.de_json(await request.json(), self.bot)
        except Exception:
            return Response(status_code=400)
        try:
            await self.handle_update(update)
        except Exception:
            log.exception("telegram update not handled", extra={"update": update.update_id})
            return Response(status_code=500)  # Telegram retries; the core dedupes
        return Response(status_code=200)

    async def handle_update(self, update: Update) -> None:
        """Turn one update into events and hand each to the core (raises when the core could not)."""
        assert self._sink is not None and self.me is not None
        self._notice_admin_changes(update)
        await self._note_message_id(update)
        try:
            events = parse_update(update, self.me, self.clock.now())
        except Exception:
            log.exception("telegram update not understood; skipped", extra={"update": update.update_id})
            return
        for event in events:
            await self._sink(await self.complete(event))
        if update.callback_query is not None:
            await self._answer_callback(update.callback_query.id)

    async def _note_message_id(self, update: Update) -> None:
        """Record the id of a message someone else wrote: probing after a crash skips it
        (and starts above it), since a message of ours can never have its number."""
        message = update.message or update.channel_post
        chat = getattr(message, "chat", None)
        message_id = getattr(message, "message_id", None)
        if self.store is None or chat is None or not _plausible_id(message_id) or not _plausible_id(chat.id):
            return  # a malformed update is parsed (and refused) as before; there is nothing to note
        await note_seen(self.store.database, TELEGRAM, str(chat.id), [message_id], self.clock.now())

    def _notice_admin_changes(self, update: Update) -> None:
        for change in (update.my_chat_member, update.chat_member):
            if change is None:
                continue
            statuses = {change.old_chat_member.status, change.new_chat_member.status}
            if change is update.my_chat_member or statuses & {ChatMember.ADMINISTRATOR, ChatMember.OWNER}:
                self.admins.forget(str(change.chat.id))

    async def complete(self, event: Event) -> Event:
        """Add what needs a lookup: a command's `@username` target and, in groups, everyone's rights."""
        if event.chat_kind is not ChatKind.GROUP:
            return event
        if isinstance(event, Command) and event.target is None and event.args and event.args[0].startswith("@"):
            target = await self._person_by_username(event.args[0])
            if target is not None:
                event = replace(event, target=target, args=event.args[1:])
        admins = await self.admins.get(event.address.chat_id)
        if admins is None or self.me is None:
            return event
        return with_rights(event, admins, self.me)

    async def _person_by_username(self, username: str) -> Person | None:
        if self.store is None:
            return None
        async with self.store.transaction() as tx:
            record = await tx.people.find_by_username(TELEGRAM, username)
        if record is None:
            return None
        return Person(TELEGRAM, record.user_id, name=record.name or "", username=record.username)

    async def _fetch_admins(self, chat_id: str) -> Sequence[ChatMember]:
        return await self.bot.get_chat_administrators(_chat(chat_id))

    async def _answer_callback(self, query_id: str) -> None:
        """Stop the button's spinner; losing this is harmless, so it bypasses the outbox."""
        try:
            await self.bot.answer_callback_query(query_id)
        except tg_error.TelegramError as exc:
            log.info("callback not answered", extra={"error": str(exc)[:200]})

    async def _register_commands(self) -> None:
        """Fill Telegram's command menu: customer commands for everyone, all of them for group admins."""
        if not self.commands:
            return
        languages = sorted({language for info in self.commands for language in info.descriptions})
        try:
            # One menu per language, and the default language's for everyone else.
            for code, language in [(None, self.settings.default_language), *((lang, lang) for lang in languages)]:
                menu = [(c, BotCommand(c.name, c.description(language)[:256])) for c in self.commands]
                public = [command for info, command in menu if info.audience is Audience.EVERYONE]
                await self.bot.set_my_commands(public, scope=BotCommandScopeDefault(), language_code=code)
                await self.bot.set_my_commands(
                    [command for _, command in menu], scope=BotCommandScopeAllChatAdministrators(),
                    language_code=code,
                )
        except tg_error.TelegramError as exc:
            log.warning("telegram command menu not set", extra={"error": str(exc)[:200]})

    # ------------------------------------------------------------------ sending

    async def execute(self, action: Action, *, key: str = "") -> DeliveryResult:
        try:
            return await self._execute(action, key)
        except tg_error.ChatMigrated as exc:
            # The group became a supergroup: the same action, at its new id.
            moved = replace(action, address=replace(action.address, chat_id=str(exc.new_chat_id)))
            try:
                return await self._execute(moved, key)
            except tg_error.TelegramError as again:
                raise self._translate(again, moved) from again
        except tg_error.TelegramError as exc:
            if any(phrase in exc.message.lower() for phrase in _DONE_ALREADY):
                return DeliveryResult()  # deleting what is gone, closing what is closed: done
            raise self._translate(exc, action) from exc

    async def _execute(self, action: Action, key: str) -> DeliveryResult:
        chat = _chat(action.address.chat_id)
        thread = int(action.address.thread_id) if action.address.thread_id else None
        if isinstance(action, Send):
            return await self._send(action, chat, thread, key)
        if isinstance(action, Delete):
            await self.bot.delete_message(chat, int(action.message_id))
            return DeliveryResult()
        if isinstance(action, Restrict):
            await self._check_rights(action.address.chat_id, action.user_id, "restrict")
            await self.bot.restrict_chat_member(
                chat, int(action.user_id), ChatPermissions.no_permissions(),
                until_date=self._restriction_end(action.until), use_independent_chat_permissions=True,
            )
            return DeliveryResult()
        if isinstance(action, Unrestrict):
            await self._check_rights(action.address.chat_id, action.user_id, "lift restrictions on")
            await self.bot.restrict_chat_member(
                chat, int(action.user_id), ChatPermissions.all_permissions(), use_independent_chat_permissions=True
            )
            return DeliveryResult()
        if isinstance(action, Ban):
            await self._check_rights(action.address.chat_id, action.user_id, "ban")
            await self.bot.ban_chat_member(
                chat, int(action.user_id), until_date=self._restriction_end(action.until),
                revoke_messages=action.delete_message_seconds > 0,
            )
            return DeliveryResult()
        if isinstance(action, Unban):
            await self._check_rights(action.address.chat_id, action.user_id, "unban")
            await self.bot.unban_chat_member(chat, int(action.user_id), only_if_banned=True)
            return DeliveryResult()
        if isinstance(action, Kick):
            await self._check_rights(action.address.chat_id, action.user_id, "remove")
            await self.bot.ban_chat_member(chat, int(action.user_id))
            await self.bot.unban_chat_member(chat, int(action.user_id), only_if_banned=True)
            return DeliveryResult()
        if isinstance(action, OpenThread):
            done = self._progress.get(key) if key else None
            if done:
                return DeliveryResult(thread_id=str(done[0]), sequence_ids=(done[0],))
            topic = await self.bot.create_forum_topic(chat, action.title[:128])
            self._remember(key, [topic.message_thread_id])
            # A topic's id is the id of the service message that opened it: one of the chat's numbers.
            return DeliveryResult(thread_id=str(topic.message_thread_id), sequence_ids=(topic.message_thread_id,))
        if isinstance(action, CloseThread):
            if thread is None:
                raise PermanentError("CloseThread needs a topic (address.thread_id)")
            if action.title:
                with contextlib.suppress(tg_error.BadRequest):  # unchanged name: fine
                    await self.bot.edit_forum_topic(chat, thread, name=action.title[:128])
            await self.bot.close_forum_topic(chat, thread)
            return DeliveryResult()
        raise Unsupported(f"telegram cannot carry out {action.kind}")

    async def _send(self, action: Send, chat: int | str, thread: int | None, key: str) -> DeliveryResult:
        if action.media is not None:
            return await self._send_media(action, action.media, chat, thread, key)
        parts = _text_parts(action)
        if not parts:
            raise PermanentError("empty message: Telegram sends no text-less messages")
        sent = list(self._progress.get(key, [])) if key else []
        for index, part in enumerate(parts):
            if index < len(sent):
                continue  # sent before a failure in this process: not again
            message = await self.bot.send_message(
                chat,
                part.text,
                message_thread_id=thread,
                reply_parameters=self._reply(action, index),
                reply_markup=part.markup,
                entities=part.entities,
            )
            sent.append(message.message_id)
            self._remember(key, sent)
        return DeliveryResult(message_id=str(sent[0]), sequence_ids=tuple(sent))

    async def _send_media(
        self, action: Send, media: Media, chat: int | str, thread: int | None, key: str
    ) -> DeliveryResult:
        """A file with the text as its caption; a text too long for a caption (or a sticker) goes first.

        A Telegram file goes by its `file_id`; another platform's is fetched and uploaded.
        """
        captioned = media.kind not in _NO_CAPTION and utf16_len(action.text) <= MAX_CAPTION
        texts = [] if captioned else split_text(action.text, MAX_TEXT, utf16_len)
        sent = list(self._progress.get(key, [])) if key else []
        for index, part in enumerate(texts):
            if index < len(sent):
                continue
            message = await self.bot.send_message(
                chat, part, message_thread_id=thread, reply_parameters=self._reply(action, index)
            )
            sent.append(message.message_id)
            self._remember(key, sent)
        if len(sent) <= len(texts):
            source: str | InputFile = media.file_id
            if media.platform != TELEGRAM:
                fetched = await self._fetch(media)
                source = InputFile(fetched.content, filename=fetched.file_name)
            message = await self._send_file(
                chat,
                media.kind,
                source,
                caption=action.text if captioned and action.text else None,
                thread=thread,
                reply=self._reply(action, len(texts)),
                markup=_keyboard(action.buttons),
            )
            sent.append(message.message_id)
            self._remember(key, sent)
        return DeliveryResult(message_id=str(sent[0]), sequence_ids=tuple(sent))

    # ------------------------------------------------------------------ after a crash

    async def confirm(self, action: Action, key: str, started_at: datetime) -> Confirmation:
        """Whether the send on outbox row `key`, whose answer a crash lost, reached the chat.

        Its messages were numbered just above the chat's mark noted when the attempt began:
        each part is looked for there, skipping ids known to be someone else's or another
        row's, by editing with exactly its content ("not modified": there it is). Parts found
        are not sent again; None sends the rest. A 429, 5xx or network error keeps the row
        undecided (`NotYet`) rather than guess.
        """
        if not isinstance(action, Send) or self.store is None or self.config.confirm_probes <= 0:
            return None
        async with self.store.transaction() as tx:
            lost = await tx.message_ids.lost_attempt(key)
            if lost is None or lost.probe_after is None:
                return None  # nothing known of the chat when it began: nowhere safe to look
            known = await tx.message_ids.above(TELEGRAM, action.address.chat_id, lost.probe_after)
        recorded = sorted(message_id for message_id, row in known.items() if row == lost.row_id)
        if recorded:  # its ids were stored just before the crash: no need to ask Telegram
            return DeliveryResult(message_id=str(recorded[0]), sequence_ids=tuple(recorded))
        parts = _probe_parts(action)
        found: list[int] = []
        after = lost.probe_after
        try:
            for part in parts:
                if part is None:
                    log.warning("a lost send's file cannot be looked for on Telegram: it is sent again",
                                extra={"key": key, "media": action.media.kind if action.media else ""})
                    break
                at = await self._look_for(action.address.chat_id, part, after, known, key)
                if at is None:
                    break
                found.append(at)
                after = at
        except _ProbeInterrupted as stop:
            log.warning("looking for a lost send was interrupted; it stays undecided",
                        extra={"key": key, "retry_in_s": stop.seconds, "error": stop.reason[:200]})
            return NotYet(stop.seconds)
        if found and len(found) == len(parts):
            log.info("a lost send was found on Telegram: not sent again", extra={"key": key, "message_ids": found})
            return DeliveryResult(message_id=str(found[0]), sequence_ids=tuple(found))
        if found:
            self._remember(key, found)  # `execute` sends only the parts that did not arrive
        return None

    async def _look_for(
        self, chat_id: str, part: _Part, after: int, known: dict[int, int | None], key: str
    ) -> int | None:
        """The id above `after` holding exactly `part`, trying at most `confirm_probes` ids; None: not there."""
        candidate, tried = after, 0
        while tried < self.config.confirm_probes:
            candidate += 1
            if candidate in known:
                continue  # someone else's message, or another row's: never touched
            tried += 1
            try:
                if part.caption:
                    await self.bot.edit_message_caption(
                        _chat(chat_id), candidate, caption=part.text, reply_markup=part.markup
                    )
                else:
                    await self.bot.edit_message_text(
                        part.text, _chat(chat_id), candidate, entities=part.entities, reply_markup=part.markup
                    )
            except tg_error.BadRequest as exc:
                if "message is not modified" in exc.message.lower():
                    return candidate
                continue  # not found, can't be edited (not ours), no text: not this id
            except tg_error.RetryAfter as exc:
                raise _ProbeInterrupted(_seconds(exc), exc.message) from exc
            except tg_error.TelegramError as exc:
                raise _ProbeInterrupted(_PROBE_RETRY_SECONDS, exc.message) from exc
            # Edited: a message of ours with other content sat above the mark, which per-chat
            # order should make impossible. It now shows this text, so it is not sent again.
            log.error("looking for a lost send edited another message of the bot; check for sends outside "
                      "the outbox", extra={"key": key, "chat": chat_id, "message_id": candidate})
            return candidate
        return None

    def _reply(self, action: Send, index: int) -> ReplyParameters | None:
        if index == 0 and action.reply_to and action.reply_to.isdigit():
            return ReplyParameters(int(action.reply_to), allow_sending_without_reply=True)
        return None

    async def _send_file(
        self,
        chat: int | str,
        kind: str,
        source: str | InputFile,
        *,
        caption: str | None,
        thread: int | None,
        reply: ReplyParameters | None,
        markup: InlineKeyboardMarkup | None,
    ) -> telegram.Message:
        common: dict[str, Any] = {
            "message_thread_id": thread, "reply_parameters": reply, "reply_markup": markup,
        }
        if kind == "sticker":
            return await self.bot.send_sticker(chat, source, **common)
        if kind == "video_note" and isinstance(source, str):
            return await self.bot.send_video_note(chat, source, **common)
        senders: dict[str, Any] = {
            "photo": self.bot.send_photo, "video": self.bot.send_video, "video_note": self.bot.send_video,
            "animation": self.bot.send_animation, "voice": self.bot.send_voice, "audio": self.bot.send_audio,
        }
        send: Any = senders.get(kind, self.bot.send_document)
        message: telegram.Message = await send(chat, source, caption=caption, **common)
        return message

    async def _fetch(self, media: Media) -> MediaFile:
        if self.media_bridge is None:
            raise Unsupported(f"cannot pass on a {media.platform} file: no media bridge (see bot.adapters.media)")
        return await self.media_bridge.fetch(media)

    async def download(self, media: Media) -> MediaFile:
        """A Telegram file's bytes (bots may download up to 20 MB), for another platform to upload."""
        try:
            found = await self.bot.get_file(media.file_id)
            content = bytes(await found.download_as_bytearray())
        except tg_error.RetryAfter as exc:
            raise RetryAfter(_seconds(exc), exc.message) from exc
        except tg_error.BadRequest as exc:
            raise PermanentError(f"telegram file not available: {exc.message}") from exc
        except tg_error.TelegramError as exc:
            raise TransientError(f"telegram file not fetched: {exc.message}") from exc
        return named_file(media, content, path=found.file_path)

    def _remember(self, key: str, done: list[int]) -> None:
        if not key:
            return
        self._progress[key] = list(done)
        self._progress.move_to_end(key)
        while len(self._progress) > 1000:
            self._progress.popitem(last=False)

    async def _check_rights(self, chat_id: str, user_id: str, verb: str) -> None:
        """Refuse early, with a reason staff understand, what Telegram would refuse anyway."""
        if self.me is None:
            return
        admins = await self.admins.get(chat_id)
        if admins is None:
            return  # unknown: let Telegram decide
        if Right.RESTRICT_MEMBERS not in admins.of(self.me.user_id):
            raise PermanentError(
                f"the bot may not {verb} members in this chat: make it an admin with the right to ban users"
            )
        if admins.is_admin(user_id):
            raise PermanentError(f"cannot {verb} {user_id}: they are an administrator of this chat")

    def _restriction_end(self, until: datetime | None) -> datetime | None:
        if until is None:
            return None
        left = until - self.clock.now()
        if left > _LONGEST_RESTRICTION:
            return None  # Telegram would read it as forever anyway
        return self.clock.now() + _SHORTEST_RESTRICTION if left < _SHORTEST_RESTRICTION else until

    def _translate(self, exc: tg_error.TelegramError, action: Action) -> Exception:
        """Telegram's error as the sender's: wait, retry, give up, or the person is gone."""
        message = exc.message
        private = not action.address.chat_id.startswith("-")
        if isinstance(exc, tg_error.RetryAfter):
            return RetryAfter(_seconds(exc), message)
        if isinstance(exc, tg_error.Forbidden):
            return RecipientUnreachable(message) if private else PermanentError(message)
        if isinstance(exc, tg_error.BadRequest):
            if private and "chat not found" in message.lower():
                return RecipientUnreachable(message)  # they never started the bot
            return PermanentError(message)
        if isinstance(exc, tg_error.InvalidToken):
            return AuthExpired(message)  # 401: the token was revoked; the sender pauses Telegram
        if isinstance(exc, tg_error.TimedOut):
            return NoAnswer(message)  # Telegram may have sent it: a retry is logged as a possible repeat
        return TransientError(message)  # TimedOut, NetworkError (5xx, connection), conflicts


_PROBE_RETRY_SECONDS = 5.0


def _plausible_id(value: object) -> TypeGuard[int]:
    """An id as Telegram sends them: an integer that fits the column (a forged update may hold anything)."""
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**62


class _ProbeInterrupted(Exception):
    """Telegram could not answer a probe (429, 5xx, network): the row stays undecided."""

    def __init__(self, seconds: float, reason: str) -> None:
        super().__init__(reason)
        self.seconds = seconds
        self.reason = reason


@dataclass(frozen=True, slots=True)
class _Part:
    """One message of a send, as Telegram holds it: what an edit must repeat to be "not modified"."""

    text: str
    markup: InlineKeyboardMarkup | None = None
    entities: list[MessageEntity] | None = None
    caption: bool = False


def _text_parts(action: Send) -> list[_Part]:
    """A text split at Telegram's limit; the buttons ride on the last part, mentions where they fall."""
    texts = split_text(action.text, MAX_TEXT, utf16_len)
    markup = _keyboard(action.buttons)
    starts = _starts(action.text, texts)
    return [
        _Part(text, markup if index == len(texts) - 1 else None,
              _mention_entities(action.mentions, text, starts[index]) or None)
        for index, text in enumerate(texts)
    ]


def _probe_parts(action: Send) -> list[_Part | None]:
    """The messages `execute` makes for `action`, in order; None for one that cannot be looked for
    (a file without caption: an edit cannot tell it from another)."""
    media = action.media
    if media is None:
        return list(_text_parts(action))
    if media.kind not in _NO_CAPTION and utf16_len(action.text) <= MAX_CAPTION:
        if not action.text:
            return [None]
        return [_Part(action.text, _keyboard(action.buttons), caption=True)]
    texts: list[_Part | None] = [_Part(text) for text in split_text(action.text, MAX_TEXT, utf16_len)]
    return [*texts, None]


def _chat(chat_id: str) -> int | str:
    return int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id


def _keyboard(buttons: tuple[Button, ...]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    rows = []
    for button in buttons:
        if button.url:
            rows.append([InlineKeyboardButton(button.label, url=button.url)])
            continue
        if len(button.data.encode()) > MAX_CALLBACK_DATA:
            raise PermanentError(f"button data longer than {MAX_CALLBACK_DATA} bytes: {button.data[:40]}...")
        rows.append([InlineKeyboardButton(button.label, callback_data=button.data or button.label[:64])])
    return InlineKeyboardMarkup(rows)


def _starts(text: str, parts: list[str]) -> list[int]:
    """Where each part of a split text begins in the text (parts are its pieces, in order)."""
    starts: list[int] = []
    cursor = 0
    for part in parts:
        cursor = text.find(part, cursor)
        starts.append(cursor)
        cursor += len(part)
    return starts


def _mention_entities(mentions: tuple[Mention, ...], part: str, start: int) -> list[MessageEntity]:
    """Text mentions (offsets in UTF-16 units, as Telegram counts) for the mentions inside `part`:
    they link and notify people who have no username."""
    entities: list[MessageEntity] = []
    for mention in mentions:
        local = mention.offset - start
        if local < 0 or local + mention.length > len(part) or not mention.user_id.isdigit():
            continue
        label = part[local : local + mention.length]
        entities.append(
            MessageEntity(
                MessageEntity.TEXT_MENTION,
                utf16_len(part[:local]),
                utf16_len(label),
                user=User(int(mention.user_id), label or "-", is_bot=False),
            )
        )
    return entities


def _seconds(exc: tg_error.RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that this will become a timedelta
        warnings.simplefilter("ignore")
        value: Any = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
