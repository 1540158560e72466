"""The Telegram adapter against a fake Bot API: what reaches Telegram, and Telegram's errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from bot.actions import Ban, Button, CloseThread, Delete, Kick, OpenThread, Restrict, Send, Unban
from bot.adapters.base import PermanentError, RecipientUnreachable, RetryAfter, TransientError
from bot.adapters.telegram import TelegramAdapter
from bot.clock import ManualClock
from bot.config import Settings
from bot.events import Address, ChatKind, Command, Message, Person, Right
from tests.adapters.conftest import adapter_settings
from tests.fakes.telegram_api import (
    BOT_ID,
    TOKEN,
    FakeTelegram,
    admin,
    bad_request,
    blocked_by_user,
    kicked_from_group,
    migrated_to,
    server_error,
    stalled,
    too_many_requests,
    user,
)

GROUP = "-1001987654321"
CUSTOMER = "5012345678"


def telegram_settings(fake: FakeTelegram, database_url: str, **telegram: Any) -> Settings:
    return adapter_settings(
        database_url,
        telegram={"token": TOKEN, "base_url": f"{fake.base_url}/bot",  # type: ignore[attr-defined]
                  "request_timeout_seconds": 2.0, "poll_timeout_seconds": 1, **telegram},
    )


@pytest.fixture
async def telegram(fake_telegram: FakeTelegram, sqlite_database_url: str) -> AsyncIterator[TelegramAdapter]:
    adapter = TelegramAdapter(telegram_settings(fake_telegram, sqlite_database_url), ManualClock())
    await adapter.open()
    yield adapter
    await adapter.aclose()


def group_admins(fake: FakeTelegram, *, bot_may_restrict: bool = True) -> None:
    fake.admins[int(GROUP)] = [
        admin(user(5012345678, "Budi"), owner=True),
        admin(user(6098765432, "Sari"), can_restrict=False),
        admin(user(BOT_ID, "Toko Nusa", is_bot=True), can_restrict=bot_may_restrict),
    ]


async def test_a_long_reply_is_split_under_the_limit_with_buttons_on_the_last_part(
    telegram: TelegramAdapter, fake_telegram: FakeTelegram
) -> None:
    paragraph = "Kak, untuk pengembalian dana mohon siapkan nomor pesanan dan foto produk. " * 20
    text = "\n\n".join([paragraph.strip()] * 4)  # about 6,000 characters
    result = await telegram.execute(
        Send(address=Address("telegram", CUSTOMER), text=text, buttons=(Button("Hubungi CS", "handoff:request"),),
             reply_to="41")
    )
    first, second = fake_telegram.called("sendMessage")
    assert len(first["text"]) <= 4096 and len(second["text"]) <= 4096
    assert first["text"] + "\n\n" + second["text"] == text
    assert "reply_markup" not in first and "handoff:request" in second["reply_markup"]
    assert '"message_id": 41' in first["reply_parameters"] and "reply_parameters" not in second
    assert result.message_id == "500"


async def test_emoji_count_twice_towards_telegrams_limit(
    telegram: TelegramAdapter, fake_telegram: FakeTelegram
) -> None:
    await telegram.execute(Send(address=Address("telegram", CUSTOMER), text="🙏" * 3000))
    assert [len(text) for text in fake_telegram.sent_texts] == [2048, 952]


async def test_a_reply_in_a_forum_topic_goes_to_that_topic(
    telegram: TelegramAdapter, fake_telegram: FakeTelegram
) -> None:
    await telegram.execute(Send(address=Address("telegram", "-1001555000111", "77"), text="Tiket dibuka"))
    (sent,) = fake_telegram.called("sendMessage")
    assert (sent["chat_id"], sent["message_thread_id"]) == ("-1001555000111", "77")


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        (too_many_requests(5), RetryAfter),
        (blocked_by_user(), RecipientUnreachable),
        (bad_request("chat not found"), RecipientUnreachable),
        (bad_request("can't parse entities"), PermanentError),
        (server_error(500), TransientError),
        (server_error(502), TransientError),
    ],
)
async def test_telegram_errors_tell_the_sender_what_to_do(
    telegram: TelegramAdapter, fake_telegram: FakeTelegram, failure: Any, expected: type[Exception]
) -> None:
    fake_telegram.fail("sendMessage", failure)
    with pytest.raises(expected) as caught:
        await telegram.execute(Send(address=Address("telegram", CUSTOMER), text="halo"))
    if expected is RetryAfter:
        assert caught.value.seconds == 5  # type: ignore[attr-defined]
    if expected is RecipientUnreachable:
        assert not isinstance(caught.value, TransientError)


async def test_no_answer_in_time_is_worth_retrying(fake_telegram: FakeTelegram, sqlite_database_url: str) -> None:
    settings = telegram_settings(fake_telegram, sqlite_database_url, request_timeout_seconds=0.3)
    adapter = TelegramAdapter(settings, ManualClock())
    await adapter.open()
    fake_telegram.fail("sendMessage", stalled(0.5))
    try:
        with pytest.raises(TransientError):
            await adapter.execute(Send(address=Address("telegram", CUSTOMER), text="halo"))
    finally:
        await adapter.aclose()


async def test_being_kicked_from_a_group_is_not_the_groups_fault(
    telegram: TelegramAdapter, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.fail("sendMessage", kicked_from_group())
    with pytest.raises(PermanentError) as caught:
        await telegram.execute(Send(address=Address("telegram", GROUP), text="halo"))
    assert not isinstance(caught.value, RecipientUnreachable)


async def test_a_message_to_a_migrated_group_follows_it_to_the_supergroup(
    telegram: TelegramAdapter, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.fail("sendMessage", migrated_to(-1001987654321))
    await telegram.execute(Send(address=Address("telegram", "-4123456789"), text="Selamat datang"))
    assert [p["chat_id"] for p in fake_telegram.called("sendMessage")] == [GROUP]


async def test_a_split_reply_interrupted_midway_is_resumed_not_repeated(
    telegram: TelegramAdapter, fake_telegram: FakeTelegram
) -> None:
    action = Send(address=Address("telegram", CUSTOMER), text=("a" * 4000) + "\n\n" + ("b" * 4090) + "\n\n" + "c" * 10)
    original = fake_telegram._sendMessage
    calls = 0

    async def second_part_fails_once(params: dict[str, Any]) -> Any:
        nonlocal calls
        calls += 1
        return server_error() if calls == 2 else await original(params)

    fake_telegram._sendMessage = second_part_fails_once  # type: ignore[method-assign]
    with pytest.raises(TransientError):
        await telegram.execute(action, key="telegram:1#0")
    await telegram.execute(action, key="telegram:1#0")
    assert [text[0] for text in fake_telegram.sent_texts] == ["a", "b", "c"]


async def test_moderation_needs_the_bots_right_and_never_touches_admins(
    telegram: TelegramAdapter, fake_telegram: FakeTelegram
) -> None:
    group = Address("telegram", GROUP)
    group_admins(fake_telegram, bot_may_restrict=False)
    with pytest.raises(PermanentError, match="make it an admin with the right to ban"):
        await telegram.execute(Restrict(address=group, user_id="7011122233"))
    telegram.admins.forget(GROUP)
    group_admins(fake_telegram)
    with pytest.raises(PermanentError, match="administrator"):
        await telegram.execute(Ban(address=group, user_id="6098765432"))
    assert fake_telegram.called("restrictChatMember") == fake_telegram.called("banChatMember") == []


async def test_a_short_mute_is_not_mistaken_for_forever(telegram: TelegramAdapter, fake_telegram: FakeTelegram) -> None:
    group_admins(fake_telegram)
    now = telegram.clock.now()
    await telegram.execute(Restrict(address=Address("telegram", GROUP), user_id="7011122233",
                                    until=now + timedelta(seconds=10)))
    (call,) = fake_telegram.called("restrictChatMember")
    assert int(call["until_date"]) == int((now + timedelta(seconds=31)).timestamp())
    assert '"can_send_messages": false' in call["permissions"]


async def test_ban_unban_kick_and_delete(telegram: TelegramAdapter, fake_telegram: FakeTelegram) -> None:
    group = Address("telegram", GROUP)
    group_admins(fake_telegram)
    await telegram.execute(Ban(address=group, user_id="7011122233", delete_message_seconds=86400))
    await telegram.execute(Unban(address=group, user_id="7011122233"))
    await telegram.execute(Kick(address=group, user_id="7011122234"))
    await telegram.execute(Delete(address=group, message_id="910"))
    await telegram.execute(Delete(address=group, message_id="910"))  # already gone: fine
    assert [c["user_id"] for c in fake_telegram.called("banChatMember")] == ["7011122233", "7011122234"]
    assert fake_telegram.called("banChatMember")[0]["revoke_messages"] == "true"
    assert [c["only_if_banned"] for c in fake_telegram.called("unbanChatMember")] == ["true", "true"]
    assert len(fake_telegram.called("getChatAdministrators")) == 1  # cached


async def test_staff_topics_open_and_close(telegram: TelegramAdapter, fake_telegram: FakeTelegram) -> None:
    staff = Address("telegram", "-1001555000111")
    opened = await telegram.execute(OpenThread(address=staff, title="Tiket #12 Budi", ref="ticket:12"), key="k#0")
    again = await telegram.execute(OpenThread(address=staff, title="Tiket #12 Budi", ref="ticket:12"), key="k#0")
    assert opened.thread_id == again.thread_id == "70"  # a retry does not open a second topic
    await telegram.execute(CloseThread(address=staff.in_thread("70"), title="[Selesai] Tiket #12 Budi"))
    assert [c["name"] for c in fake_telegram.called("editForumTopic")] == ["[Selesai] Tiket #12 Budi"]
    assert fake_telegram.called("closeForumTopic")[0]["message_thread_id"] == "70"


async def test_group_events_get_rights_from_one_cached_admin_lookup(
    telegram: TelegramAdapter, fake_telegram: FakeTelegram
) -> None:
    group_admins(fake_telegram)
    common = {"address": Address("telegram", GROUP), "at": telegram.clock.now(), "chat_kind": ChatKind.GROUP}
    message = await telegram.complete(
        Message(update_id="telegram:1", sender=Person("telegram", "6098765432"), message_id="1", text="hi", **common)
    )
    command = await telegram.complete(
        Command(update_id="telegram:2", sender=Person("telegram", "7011122233"), name="ban",
                target=Person("telegram", "5012345678"), **common)
    )
    assert message.sender_rights == {Right.ADMIN, Right.DELETE_MESSAGES, Right.MANAGE_CHAT, Right.MANAGE_TOPICS}
    assert command.sender_rights == frozenset() and command.target_outranks_sender is True  # type: ignore[attr-defined]
    assert Right.BAN_MEMBERS in (command.bot_rights or ())
    assert len(fake_telegram.called("getChatAdministrators")) == 1
