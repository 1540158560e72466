"""Telegram updates become complete neutral events (pure parsing of captured Bot API JSON)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from telegram import ChatMember

from bot.adapters.telegram_parse import BotIdentity, parse
from bot.adapters.telegram_rights import ChatAdmins, with_rights
from bot.events import (
    Address,
    BotMembershipChanged,
    ButtonPressed,
    ChatKind,
    ChatMigrated,
    Command,
    MemberJoined,
    MemberLeft,
    Message,
    Person,
    Right,
)
from tests.adapters.payloads import payload
from tests.fakes.telegram_api import admin, user

ME = BotIdentity("123456789", "TokoNusaBot")
NOW = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
GROUP = "-1001987654321"


def events(name: str) -> list:  # type: ignore[type-arg]
    return parse(payload("telegram", name), ME, NOW)


def test_a_private_message_carries_the_customer_language_and_links() -> None:
    (event,) = events("private_text")
    assert isinstance(event, Message)
    assert event.update_id == "telegram:731000001"
    assert event.address == Address("telegram", "5012345678")
    assert event.chat_kind is ChatKind.PRIVATE
    assert (event.sender.name, event.sender.username, event.sender.language) == ("Budi Santoso", "budisan", "id")
    assert event.text.startswith("Kak, pesanan saya belum sampai")
    assert event.links == ("https://tokonusa.id/lacak",)
    assert event.at == datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def test_a_command_for_us_in_a_group_targets_the_author_of_the_replied_message() -> None:
    (event,) = events("group_command_reply")
    assert isinstance(event, Command)
    assert (event.name, event.args) == ("ban", ("spam", "link"))
    assert event.target is not None and event.target.user_id == "7011122233"
    assert event.reply_to is not None and event.reply_to.text == "MURAH!!! klik t.me/promo"
    assert event.chat_kind is ChatKind.GROUP and event.chat_title == "Komunitas Toko Nusa"


def test_a_command_addressed_to_another_bot_is_not_ours() -> None:
    assert events("group_command_other_bot") == []


def test_a_text_mention_as_first_argument_becomes_the_target() -> None:
    (event,) = events("group_command_text_mention")
    assert isinstance(event, Command)
    assert event.target is not None and event.target.user_id == "7011122233"
    assert event.args == ("10m", "flooding")


def test_an_edited_message_is_marked_so_moderation_checks_it_again() -> None:
    (event,) = events("edited_message")
    assert isinstance(event, Message) and event.edited
    assert event.text == "sekarang ada link judi slot gacor"
    assert event.at == datetime(2026, 1, 5, 9, 2, 30, tzinfo=UTC)  # when it was edited


def test_a_photo_is_media_with_its_caption_and_hidden_link() -> None:
    (event,) = events("photo_caption")
    assert isinstance(event, Message)
    assert (event.media, event.text) == ("photo", "paketnya rusak, lihat di sini")
    assert event.links == ("https://drive.example.com/foto",)


def test_a_button_press_carries_its_data_and_message() -> None:
    (event,) = events("callback_query")
    assert isinstance(event, ButtonPressed)
    assert (event.data, event.message_id, event.at) == ("sop:shipping.track", "43", NOW)
    assert event.address == Address("telegram", "5012345678")


def test_members_joining_each_get_an_event_but_the_bot_itself_does_not() -> None:
    joined = events("new_chat_members")
    assert [type(e) for e in joined] == [MemberJoined]
    assert joined[0].member.name == "Sari" and joined[0].message_id == "916"


def test_a_member_leaving() -> None:
    (event,) = events("left_chat_member")
    assert isinstance(event, MemberLeft) and event.member.username == "promomurah88"


def test_the_bot_promoted_to_admin_knows_its_new_rights() -> None:
    (event,) = events("my_chat_member_promoted")
    assert isinstance(event, BotMembershipChanged)
    assert event.status == "admin"
    assert event.bot_rights == {Right.ADMIN, Right.DELETE_MESSAGES, Right.RESTRICT_MEMBERS, Right.BAN_MEMBERS}


def test_a_group_upgraded_to_a_supergroup_is_one_migration_however_it_is_announced() -> None:
    (old_side,) = events("migrate_to")
    (new_side,) = events("migrate_from")
    for event in (old_side, new_side):
        assert isinstance(event, ChatMigrated)
        assert event.address.chat_id == "-4123456789" and event.new_chat_id == GROUP
    assert old_side.update_id == new_side.update_id  # the core handles it once


def test_a_message_in_a_forum_topic_is_addressed_to_the_topic_and_is_not_a_reply() -> None:
    (event,) = events("forum_topic_message")
    assert isinstance(event, Message)
    assert event.address == Address("telegram", "-1001555000111", "77")
    assert event.reply_to is None


def test_forwarded_messages_and_mentions_are_marked() -> None:
    (event,) = events("forwarded_with_mention")
    assert isinstance(event, Message) and event.forwarded
    assert event.mentions == ("promomurah88",)


def admins() -> ChatAdmins:
    members = [
        admin(user(5012345678, "Budi"), owner=True),
        admin(user(6098765432, "Sari"), can_restrict=False),
        admin(user(4000000001, "Anon A"), anonymous=True, can_delete=True, can_restrict=True),
        admin(user(4000000002, "Anon B"), anonymous=True, can_delete=True, can_restrict=False),
        admin(user(123456789, "Toko Nusa", is_bot=True), can_manage_topics=False),
    ]
    return ChatAdmins.from_members([ChatMember.de_json(m, None) for m in members])


def test_rights_come_from_the_admin_list_and_the_owner_outranks_everyone() -> None:
    (event,) = events("group_command_reply")
    event = with_rights(event, admins(), ME)
    assert isinstance(event, Command)
    assert Right.BAN_MEMBERS in (event.sender_rights or ())  # Budi is the owner
    assert event.bot_rights == {Right.ADMIN, Right.DELETE_MESSAGES, Right.RESTRICT_MEMBERS, Right.BAN_MEMBERS,
                                Right.MANAGE_CHAT}
    assert event.target_rights == frozenset() and event.target_outranks_sender is False


def test_an_anonymous_admin_counts_as_admin_with_what_all_anonymous_admins_may_do() -> None:
    (event,) = events("anonymous_admin_command")
    assert isinstance(event, Command) and event.sender is not None
    assert event.sender.user_id == GROUP and event.sender.name == "Komunitas Toko Nusa"
    event = with_rights(event, admins(), ME)
    assert event.sender_rights == {Right.ADMIN, Right.DELETE_MESSAGES, Right.MANAGE_CHAT, Right.MANAGE_TOPICS}


def test_an_admin_outranks_a_sender_who_is_not_the_owner() -> None:
    (event,) = events("group_command_reply")
    by_admin_on_admin = replace(event, sender=Person("telegram", "6098765432"), target=Person("telegram", "4000000001"))
    completed = with_rights(by_admin_on_admin, admins(), ME)
    assert isinstance(completed, Command) and completed.target_outranks_sender is True
    assert Right.ADMIN in (completed.target_rights or ())
