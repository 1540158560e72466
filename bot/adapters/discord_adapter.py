"""Discord through discord.py: gateway events in, REST calls out.

(Named `discord_adapter` so it never shadows the `discord` library.)

Receiving. Messages in channels and threads the bot can read (this needs the
privileged Message Content intent), DMs from customers, edits, members joining
and leaving (the privileged Server Members intent), the bot joining or leaving a
server, slash commands and button presses. A slash command is acknowledged at
once ("thinking…"); the core's first reply to that chat becomes the command's
answer, or the placeholder is removed when the core has nothing to say there.

Sending. Texts are split at 2,000 characters; buttons become components (up to
25). Every message is sent with a `nonce` derived from the outbox key and
`enforce_nonce`, so Discord itself drops a repeat of the same row: a crash after
Discord accepted a message and before we marked it sent does not produce a
duplicate here (the window Telegram and WhatsApp keep). Moderation maps onto
timeouts (at most 28 days), bans, kicks and deletes, checked first against the
bot's permissions and the role hierarchy so a refusal says why.

Rate limits: discord.py reads Discord's `X-RateLimit-*` headers and waits per
route bucket by itself; a 429 asking for more than 30 seconds comes back to the
outbox as `RetryAfter` instead of blocking a sender.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import logging
from collections import OrderedDict
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import aiohttp
import discord
from discord.http import handle_message_parameters
from discord.utils import MISSING

from bot.actions import (
    Action,
    Ban,
    Button,
    CloseThread,
    Delete,
    Kick,
    OpenThread,
    Restrict,
    Send,
    Unban,
    Unrestrict,
)
from bot.adapters.base import (
    AuthExpired,
    Capabilities,
    DeliveryResult,
    EventSink,
    PermanentError,
    RecipientUnreachable,
    RetryAfter,
    TransientError,
    Unsupported,
)
from bot.adapters.commands import CommandInfo
from bot.adapters.discord_commands import slash_commands
from bot.adapters.discord_parse import (
    DISCORD,
    bot_membership,
    member_joined,
    member_left,
    parse_interaction,
    parse_message,
)
from bot.adapters.media import MAX_BYTES, MediaBridge, MediaFile, named_file
from bot.adapters.text import split_text
from bot.clock import Clock
from bot.config import ConfigError, Settings
from bot.events import Address, Event, Media
from bot.ratelimit import DISCORD_RATES
from bot.storage import Store

log = logging.getLogger("bot.adapters.discord")

MAX_TEXT = 2000
MAX_BUTTONS = 25
LONGEST_TIMEOUT = timedelta(days=28) - timedelta(minutes=1)
_INTERACTION_LIFETIME = 14 * 60.0  # seconds a deferred answer can still be edited (Discord allows 15 min)
_MENTIONS = discord.AllowedMentions(everyone=False, roles=False, users=True, replied_user=False)
# Discord JSON error codes (discord.com/developers/docs/topics/opcodes-and-status-codes).
_CANNOT_DM = 50007
_GONE_ALREADY = {10008, 10026}  # unknown message, unknown ban


class _Events:
    """The gateway events we listen to, handed to the adapter."""

    adapter: DiscordAdapter

    async def on_message(self, message: discord.Message) -> None:
        await self.adapter.on_message(message)

    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        await self.adapter.on_edit(payload)

    async def on_member_join(self, member: discord.Member) -> None:
        await self.adapter.deliver(member_joined(member))

    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        guild = self.adapter.client.get_guild(payload.guild_id)
        if guild is not None:
            await self.adapter.deliver(member_left(guild, payload.user, self.adapter.clock.now()))

    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.adapter.deliver(bot_membership(guild, "member", self.adapter.clock.now()))

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        await self.adapter.deliver(bot_membership(guild, "left", self.adapter.clock.now()))

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        await self.adapter.on_interaction(interaction)


class _Client(_Events, discord.Client):
    pass


class _ShardedClient(_Events, discord.AutoShardedClient):
    pass


class DiscordAdapter:
    platform = DISCORD

    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        *,
        store: Store | None = None,
        commands: Sequence[CommandInfo] = (),
    ) -> None:
        config = settings.discord
        if config.token is None:
            raise ConfigError("discord.token is not set")
        self.config = config
        self.settings = settings
        self.clock = clock
        self.store = store
        self.commands = tuple(commands)
        self.capabilities = Capabilities(
            buttons=True,
            max_buttons=MAX_BUTTONS,
            max_text=MAX_TEXT,
            threads=True,
            moderation=True,
            rate_policy=DISCORD_RATES,
            delivery_keys=True,
            timed_bans=False,
        )
        intents = discord.Intents.default()
        intents.message_content = True
        intents.members = config.members_intent
        options: dict[str, Any] = {
            "intents": intents,
            "max_ratelimit_timeout": 30.0,  # longer waits come back to the outbox as RetryAfter
            "chunk_guilds_at_startup": False,
        }
        client_class: type[discord.Client] = _Client
        if config.shard_count is not None:
            client_class = _ShardedClient
            options.update(shard_count=config.shard_count,
                           shard_ids=list(config.shard_ids) if config.shard_ids else None)
        self.client = client_class(**options)
        self.client.adapter = self  # type: ignore[attr-defined]
        self._sink: EventSink | None = None
        self._gateway: asyncio.Task[None] | None = None
        self._dm_channels: dict[str, int] = {}  # user id -> DM channel id
        self._answers: dict[Address, list[tuple[discord.Interaction, float]]] = {}  # deferred slash commands
        self._progress: OrderedDict[str, list[str]] = OrderedDict()
        self.media_bridge: MediaBridge | None = None  # files of other platforms (`link_media`)

    # ------------------------------------------------------------------ lifecycle

    async def open(self) -> None:
        """Log in over REST (enough to send) without connecting to the gateway."""
        if self.client.user is None:
            await self.client.login(self.config.token.get_secret_value())  # type: ignore[union-attr]

    async def start(self, sink: EventSink) -> None:
        await self.open()
        self._sink = sink
        await self._sync_commands()
        self._gateway = asyncio.create_task(self.client.connect(reconnect=True), name="discord-gateway")

    async def stop(self) -> None:
        """Stop handing events to the core; sending still works until `aclose`."""
        self._sink = None

    async def aclose(self) -> None:
        self._sink = None
        with contextlib.suppress(Exception):
            await self.client.close()
        if self._gateway is not None:
            self._gateway.cancel()
            with contextlib.suppress(BaseException):
                await self._gateway
            self._gateway = None

    def routes(self) -> list[Any]:
        return []  # Discord comes over the gateway, not webhooks

    async def _sync_commands(self) -> None:
        if not self.config.sync_commands or not self.commands:
            return
        payload = slash_commands(self.commands, self.settings.default_language)
        application = self.client.application_id
        if application is None:
            return  # not logged in
        try:
            if self.config.guild_ids:
                for guild_id in self.config.guild_ids:
                    await self.client.http.bulk_upsert_guild_commands(application, guild_id, payload)
            else:
                await self.client.http.bulk_upsert_global_commands(application, payload)
        except discord.HTTPException as exc:
            log.warning("discord slash commands not registered", extra={"error": str(exc)[:200]})

    # ------------------------------------------------------------------ receiving

    async def deliver(self, event: Event) -> list[Action]:
        """Hand one event to the core (nothing once stopped)."""
        if self._sink is None:
            return []
        return await self._sink(event)

    async def on_message(self, message: discord.Message) -> None:
        me = self.client.user
        if self._sink is None or me is None:
            return
        if message.guild is None and not message.author.bot:
            self._dm_channels[str(message.author.id)] = message.channel.id
        for event in parse_message(message, me.id):
            await self.deliver(event)

    async def on_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        me = self.client.user
        if self._sink is None or me is None or payload.data.get("edited_timestamp") is None:
            return  # a link preview appearing is an update, not an edit
        for event in parse_message(payload.message, me.id, edited=True):
            await self.deliver(event)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        if self._sink is None:
            return
        events = parse_interaction(interaction)
        if not events:
            return
        event = events[0]
        command = interaction.type is discord.InteractionType.application_command
        try:
            await interaction.response.defer(thinking=command)  # within Discord's 3 seconds
        except discord.HTTPException as exc:
            log.warning("discord interaction not acknowledged", extra={"error": str(exc)[:200]})
            return
        if command:
            loop = asyncio.get_running_loop()
            self._answers.setdefault(event.address, []).append((interaction, loop.time()))
        actions = await self.deliver(event)
        if command and not any(isinstance(a, Send) and a.address == event.address for a in actions):
            await self._drop_answer(event.address, interaction)

    async def _drop_answer(self, address: Address, interaction: discord.Interaction) -> None:
        """The core said nothing here: remove the "thinking…" placeholder."""
        waiting = self._answers.get(address, [])
        self._answers[address] = [item for item in waiting if item[0] is not interaction]
        with contextlib.suppress(discord.HTTPException):
            await interaction.delete_original_response()

    def _take_answer(self, address: Address) -> discord.Interaction | None:
        """The oldest deferred slash command in this chat still open for an answer."""
        waiting = self._answers.get(address)
        now = asyncio.get_running_loop().time()
        while waiting:
            interaction, deferred_at = waiting.pop(0)
            if now - deferred_at < _INTERACTION_LIFETIME:
                return interaction
        self._answers.pop(address, None)
        return None

    # ------------------------------------------------------------------ sending

    async def execute(self, action: Action, *, key: str = "") -> DeliveryResult:
        try:
            return await self._execute(action, key)
        except discord.RateLimited as exc:
            raise RetryAfter(exc.retry_after, "discord rate limit") from exc
        except discord.HTTPException as exc:
            if exc.code in _GONE_ALREADY:
                return DeliveryResult()  # deleting what is gone, unbanning who is not banned: done
            raise _translate(exc) from exc
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise TransientError(f"cannot reach Discord: {exc!r}") from exc

    async def _execute(self, action: Action, key: str) -> DeliveryResult:
        http = self.client.http
        if isinstance(action, Send):
            return await self._send(action, key)
        if isinstance(action, Delete):
            channel = int(action.address.thread_id or action.address.chat_id)
            await http.delete_message(channel, int(action.message_id))
            return DeliveryResult()
        if isinstance(action, OpenThread):
            done = self._progress.get(key) if key else None
            if done:
                return DeliveryResult(thread_id=done[0])
            thread = await http.start_thread_without_message(
                int(action.address.chat_id), name=action.title[:100], auto_archive_duration=10080,
                type=discord.ChannelType.public_thread.value,
            )
            self._remember(key, [str(thread["id"])])
            return DeliveryResult(thread_id=str(thread["id"]))
        if isinstance(action, CloseThread):
            if action.address.thread_id is None:
                raise PermanentError("CloseThread needs a thread (address.thread_id)")
            changes: dict[str, Any] = {"archived": True, "locked": True}
            if action.title:
                changes["name"] = action.title[:100]
            await http.edit_channel(int(action.address.thread_id), **changes)
            return DeliveryResult()
        guild_id = await self._guild_of(action.address)
        if isinstance(action, Restrict):
            self._check(guild_id, action.user_id, "moderate_members", "time out", "Timeout Members")
            latest = self.clock.now() + LONGEST_TIMEOUT
            until = latest if action.until is None or action.until > latest else action.until
            await http.edit_member(guild_id, int(action.user_id), communication_disabled_until=until.isoformat())
            return DeliveryResult()
        if isinstance(action, Unrestrict):
            self._check(guild_id, action.user_id, "moderate_members", "lift the timeout of", "Timeout Members")
            await http.edit_member(guild_id, int(action.user_id), communication_disabled_until=None)
            return DeliveryResult()
        if isinstance(action, Ban):
            self._check(guild_id, action.user_id, "ban_members", "ban", "Ban Members")
            await http.ban(int(action.user_id), guild_id,
                           delete_message_seconds=max(0, min(action.delete_message_seconds, 604800)))
            return DeliveryResult()
        if isinstance(action, Unban):
            self._check(guild_id, action.user_id, "ban_members", "unban", "Ban Members", hierarchy=False)
            await http.unban(int(action.user_id), guild_id)
            return DeliveryResult()
        if isinstance(action, Kick):
            self._check(guild_id, action.user_id, "kick_members", "remove", "Kick Members")
            await http.kick(int(action.user_id), guild_id)
            return DeliveryResult()
        raise Unsupported(f"discord cannot carry out {action.kind}")

    async def _send(self, action: Send, key: str) -> DeliveryResult:
        if action.media is not None:
            return await self._send_media(action, action.media, key)
        text, view = _text_and_view(action.text, action.buttons)
        parts = split_text(text, MAX_TEXT)
        if not parts:
            raise PermanentError("empty message: Discord sends no text-less messages")
        sent = list(self._progress.get(key, [])) if key else []
        answer = self._take_answer(action.address) if not sent else None
        if answer is not None and view is not None:
            await self._drop_answer(action.address, answer)  # buttons go in a normal message
            answer = None
        channel_id: int | None = None
        for index, part in enumerate(parts):
            if index < len(sent):
                continue
            last = index == len(parts) - 1
            if index == 0 and answer is not None:
                message = await answer.edit_original_response(content=part, allowed_mentions=_MENTIONS)
                sent.append(str(message.id))
            else:
                channel_id = channel_id or await self._channel_of(action.address)
                reference: Any = (
                    {"message_id": int(action.reply_to), "fail_if_not_exists": False}
                    if index == 0 and action.reply_to and action.reply_to.isdigit()
                    else MISSING
                )
                params = handle_message_parameters(
                    content=part,
                    view=view if last and view is not None else MISSING,
                    nonce=_nonce(key, index) if key else None,  # with enforce_nonce: Discord drops repeats
                    message_reference=reference,
                    allowed_mentions=_MENTIONS,
                )
                data = await self.client.http.send_message(channel_id, params=params)
                sent.append(str(data["id"]))
            self._remember(key, sent)
        return DeliveryResult(message_id=sent[0])

    async def _send_media(self, action: Send, media: Media, key: str) -> DeliveryResult:
        """A file uploaded with the text as its message; a text over 2,000 characters goes first.

        Discord's own attachments are fetched from their CDN link too (it expires), others
        through the media bridge.
        """
        text, view = _text_and_view(action.text, action.buttons)
        parts = split_text(text, MAX_TEXT)
        sent = list(self._progress.get(key, [])) if key else []
        channel_id = await self._channel_of(action.address)
        for index, part in enumerate(parts[:-1]):
            if index < len(sent):
                continue
            with handle_message_parameters(
                content=part, nonce=_nonce(key, index) if key else None, allowed_mentions=_MENTIONS,
                message_reference=self._reference(action, index),
            ) as params:
                data = await self.client.http.send_message(channel_id, params=params)
            sent.append(str(data["id"]))
            self._remember(key, sent)
        last = max(len(parts) - 1, 0)
        if len(sent) <= last:
            found = await self.download(media) if media.platform == DISCORD else await self._fetch(media)
            with handle_message_parameters(
                content=parts[-1] if parts else MISSING,
                file=discord.File(io.BytesIO(found.content), filename=found.file_name),
                view=view if view is not None else MISSING,
                nonce=_nonce(key, last) if key else None,
                allowed_mentions=_MENTIONS,
                message_reference=self._reference(action, last),
            ) as params:
                data = await self.client.http.send_message(channel_id, params=params)
            sent.append(str(data["id"]))
            self._remember(key, sent)
        return DeliveryResult(message_id=sent[0])

    def _reference(self, action: Send, index: int) -> Any:
        if index == 0 and action.reply_to and action.reply_to.isdigit():
            return {"message_id": int(action.reply_to), "fail_if_not_exists": False}
        return MISSING

    async def _fetch(self, media: Media) -> MediaFile:
        if self.media_bridge is None:
            raise Unsupported(f"cannot pass on a {media.platform} file: no media bridge (see bot.adapters.media)")
        return await self.media_bridge.fetch(media)

    async def download(self, media: Media) -> MediaFile:
        """An attachment's bytes from Discord's CDN (no token needed; the signed link expires)."""
        if not media.url:
            raise PermanentError("a Discord file without its CDN link cannot be fetched")
        if media.size is not None and media.size > MAX_BYTES:
            raise PermanentError(f"the file is too large to pass on ({media.size / 1024 / 1024:.1f} MB; at most 20 MB)")
        try:
            content = await self.client.http.get_from_cdn(media.url)
        except (discord.NotFound, discord.Forbidden) as exc:
            raise PermanentError(f"the Discord file is gone or its link expired: {exc.status}") from exc
        except discord.HTTPException as exc:
            raise TransientError(f"the Discord file was not fetched: {exc.status}") from exc
        return named_file(media, content)

    def _remember(self, key: str, done: list[str]) -> None:
        if not key:
            return
        self._progress[key] = list(done)
        self._progress.move_to_end(key)
        while len(self._progress) > 1000:
            self._progress.popitem(last=False)

    async def _channel_of(self, address: Address) -> int:
        """The channel to post in: a thread, a server channel, or the DM channel of a customer."""
        if address.thread_id:
            return int(address.thread_id)
        target = int(address.chat_id)
        if self.client.get_channel(target) is not None:
            return target
        if address.chat_id in self._dm_channels:
            return self._dm_channels[address.chat_id]
        try:
            await self.client.http.get_channel(target)
            return target
        except discord.NotFound:  # not a channel: a person, whom we write to in DMs
            dm = await self.client.http.start_private_message(target)
            self._dm_channels[address.chat_id] = int(dm["id"])
            return int(dm["id"])

    async def _guild_of(self, address: Address) -> int:
        channel = self.client.get_channel(int(address.thread_id or address.chat_id))
        guild = getattr(channel, "guild", None)
        if guild is not None:
            return int(guild.id)
        if self.client.get_guild(int(address.chat_id)) is not None:
            return int(address.chat_id)
        data: Any
        try:
            data = await self.client.http.get_channel(int(address.chat_id))
        except discord.NotFound:
            data = {}
        if data.get("guild_id"):
            return int(data["guild_id"])
        raise PermanentError("moderation on Discord needs a server channel, not a DM")

    def _check(self, guild_id: int, user_id: str, permission: str, verb: str, label: str,
               *, hierarchy: bool = True) -> None:
        """Refuse early, with a reason staff understand, what Discord would refuse anyway."""
        guild = self.client.get_guild(guild_id)
        me = guild.me if guild is not None else None
        if guild is None or me is None:
            return  # not in the cache: Discord decides
        if not getattr(me.guild_permissions, permission):
            raise PermanentError(f"the bot may not {verb} members here: give its role the '{label}' permission")
        member = guild.get_member(int(user_id))
        if not hierarchy or member is None:
            return
        if member.id == guild.owner_id or member.top_role >= me.top_role:
            raise PermanentError(f"cannot {verb} {member.display_name}: their highest role is not below the bot's")
        if permission == "moderate_members" and member.guild_permissions.administrator:
            raise PermanentError(f"cannot {verb} {member.display_name}: administrators cannot be timed out")


def _text_and_view(text: str, buttons: tuple[Button, ...]) -> tuple[str, discord.ui.View | None]:
    if not buttons:
        return text, None
    if len(buttons) > MAX_BUTTONS:  # more than Discord shows: numbered lines instead
        lines = [f"{n}. {b.label}" + (f": {b.url}" if b.url else "") for n, b in enumerate(buttons, start=1)]
        return "\n\n".join([text, "\n".join(lines)]), None
    view = discord.ui.View(timeout=None)
    for button in buttons:
        if button.url:
            view.add_item(discord.ui.Button(label=button.label[:80], url=button.url))
        else:
            custom_id = (button.data or button.label)[:100]
            view.add_item(discord.ui.Button(label=button.label[:80], custom_id=custom_id,
                                            style=discord.ButtonStyle.primary))
    return text, view


def _nonce(key: str, part: int) -> str:
    """Discord nonces are at most 25 characters: a digest of the outbox key and the part."""
    return hashlib.sha256(f"{key}#{part}".encode()).hexdigest()[:25]


def _translate(exc: discord.HTTPException) -> Exception:
    text = f"{exc.status} {exc.code}: {exc.text}"
    if exc.status == 401:  # the token was reset: the sender pauses Discord
        return AuthExpired(text)
    if exc.status == 429:  # Cloudflare, or a limit discord.py could not wait out
        return RetryAfter(60.0, text)
    if isinstance(exc, discord.Forbidden) and exc.code == _CANNOT_DM:
        return RecipientUnreachable(text)
    if isinstance(exc, discord.DiscordServerError) or exc.status >= 500:
        return TransientError(text)
    return PermanentError(text)
