"""WhatsApp webhooks become neutral events (pure parsing of captured Cloud API JSON), and signatures."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.actions import Button, Send
from bot.adapters.whatsapp_parse import BadDelivery, Signature, check_signature, decode, parse, parse_delivery, sign
from bot.adapters.whatsapp_send import plan_send, template_payload
from bot.events import Address, ButtonPressed, Command, DeliveryStatus, Message
from tests.adapters.payloads import payload

NUMBER = "106540352242922"
CUSTOMER = "6281234567890"


def events(name: str) -> list:  # type: ignore[type-arg]
    return parse(payload("whatsapp", name), NUMBER)


def test_a_text_message_from_a_customer() -> None:
    (event,) = events("text_message")
    assert isinstance(event, Message)
    assert event.update_id.startswith("whatsapp:wamid.HBgN")
    assert event.address == Address("whatsapp", CUSTOMER)
    assert (event.sender.name, event.sender.user_id) == ("Budi Santoso", CUSTOMER)
    assert event.links == ("https://tokonusa.id/lacak",)
    assert event.at == datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def test_reply_buttons_list_rows_and_template_buttons_are_button_presses() -> None:
    pressed = [events(name)[0] for name in ("button_reply", "list_reply", "template_button")]
    assert all(isinstance(event, ButtonPressed) for event in pressed)
    assert [event.data for event in pressed] == ["handoff:request", "sop:shipping.track", "followup:yes"]
    assert pressed[0].message_id == "wamid.HBgNOUTGOING01"


def test_media_is_marked_with_its_caption() -> None:
    (image,) = events("image_with_caption")
    (voice,) = events("voice_note")
    assert (image.media, image.text) == ("photo", "paketnya rusak kak")
    assert (voice.media, voice.text) == ("voice", "")


def test_reactions_are_not_messages_and_commands_are_commands() -> None:
    assert events("reaction") == []
    (command,) = events("command")
    assert isinstance(command, Command) and (command.name, command.args) == ("bahasa", ("en",))


def test_statuses_keep_their_message_and_error() -> None:
    read, delivered = events("statuses")
    assert isinstance(read, DeliveryStatus) and (read.status, read.message_id) == ("read", "wamid.HBgNOUTGOING01")
    assert delivered.update_id == "whatsapp:status:wamid.HBgNOUTGOING01:delivered"
    (failed,) = events("status_failed")
    assert failed.status == "failed" and failed.error.startswith("131047: Re-engagement message")


def test_every_message_of_a_batched_delivery_counts() -> None:
    first, second = events("batched")
    assert (first.sender.name, second.sender.name) == ("Budi Santoso", "Sari")
    assert (first.text, second.text) == ("halo", "halo juga")


def test_messages_for_another_number_of_the_same_app_are_ignored() -> None:
    assert events("other_number") == []


def test_the_signature_is_the_hmac_of_the_raw_body() -> None:
    body = json.dumps(payload("whatsapp", "text_message")).encode()
    secret = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
    assert check_signature(body, sign(body, secret), secret) is Signature.VALID
    assert check_signature(body, None, secret) is Signature.MISSING
    assert check_signature(body, sign(body, "another secret"), secret) is Signature.INVALID
    assert check_signature(body + b" ", sign(body, secret), secret) is Signature.INVALID  # body changed
    assert check_signature(body, "sha1=" + sign(body, secret)[7:], secret) is Signature.INVALID


def send(*labels: str, text: str = "Ada yang bisa dibantu?") -> Send:
    return Send(address=Address("whatsapp", CUSTOMER), text=text,
                buttons=tuple(Button(label, f"choice:{n}") for n, label in enumerate(labels)))


def test_up_to_three_short_choices_are_reply_buttons() -> None:
    (message,) = plan_send(send("Lacak paket", "Refund", "Hubungi CS"), "Pilih").payloads
    assert message["interactive"]["type"] == "button"
    assert [b["reply"]["title"] for b in message["interactive"]["action"]["buttons"]] == [
        "Lacak paket", "Refund", "Hubungi CS"]


def test_more_than_three_choices_or_long_titles_become_a_list() -> None:
    (four,) = plan_send(send("A", "B", "C", "D"), "Pilih").payloads
    assert four["interactive"]["type"] == "list"
    (long,) = plan_send(send("Cara mengajukan pengembalian dana"), "Pilih").payloads
    (row,) = long["interactive"]["action"]["sections"][0]["rows"]
    assert len(row["title"]) <= 24 and row["description"] == "Cara mengajukan pengembalian dana"


def test_more_than_ten_choices_become_numbered_lines() -> None:
    plan = plan_send(send(*(f"Pilihan {n}" for n in range(1, 13))), "Pilih")
    (message,) = plan.payloads
    assert message["type"] == "text" and "12. Pilihan 12" in message["text"]["body"]
    assert plan.numbered_choices == tuple(f"choice:{n}" for n in range(12))


def test_a_long_text_with_buttons_sends_the_text_first_and_the_buttons_last() -> None:
    text = ("Syarat pengembalian dana berlaku untuk semua pesanan. " * 60).strip()
    *head, last = plan_send(send("Ya", "Tidak", text=text), "Pilih").payloads
    assert head and all(part["type"] == "text" for part in head)
    assert last["type"] == "interactive" and len(last["interactive"]["body"]["text"]) <= 1024


def test_a_template_names_its_language() -> None:
    expected = {"name": "follow_up", "language": {"code": "id"}}
    assert template_payload(CUSTOMER, "follow_up", "id")["template"] == expected


def test_a_signature_with_bytes_beyond_ascii_is_invalid_not_an_error() -> None:
    body = b"{}"
    secret = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
    upper = "SHA256=" + sign(body, secret)[7:].upper()
    for header in ("sha256=\xff\xfe", "sha256=" + "é" * 64, "sha256=\udc80", upper):
        expected = Signature.VALID if header.startswith("SHA256") else Signature.INVALID
        assert check_signature(body, header, secret) is expected


def test_malformed_messages_are_skipped_and_named_and_their_neighbours_kept() -> None:
    delivery = payload("whatsapp", "batched")
    messages = delivery["entry"][0]["changes"][0]["value"]["messages"]
    messages.insert(1, dict(messages[0], id=None))
    messages.append(dict(messages[0], id="wamid.X", timestamp="soon"))
    parsed = parse_delivery(delivery, NUMBER)
    assert [event.text for event in parsed.events] == ["halo", "halo juga"]
    assert parsed.skipped == [
        "entry 0 change 0 message 1: id is not a WhatsApp message id",
        "entry 0 change 0 message 3: timestamp is not a Unix time",
    ]


def test_statuses_with_impossible_fields_are_skipped() -> None:
    delivery = payload("whatsapp", "statuses")
    statuses = delivery["entry"][0]["changes"][0]["value"]["statuses"]
    statuses[0]["status"] = "delivered" * 10
    statuses[1]["recipient_id"] = "6" * 200
    parsed = parse_delivery(delivery, NUMBER)
    assert parsed.events == [] and len(parsed.skipped) == 2


def test_text_names_and_button_data_are_cut_and_cleaned() -> None:
    delivery = payload("whatsapp", "text_message")
    value = delivery["entry"][0]["changes"][0]["value"]
    value["contacts"][0]["profile"]["name"] = "Budi\x00" + "i" * 1000
    value["messages"][0]["text"]["body"] = "halo \ud800 kak\x00" + "!" * 10_000
    (event,) = parse(delivery, NUMBER)
    assert event.text.startswith("halo \ufffd kak!") and len(event.text) == 4096 - 1  # cut, then the NUL gone
    assert event.sender.name.startswith("Budii") and len(event.sender.name) == 128 - 1


@pytest.mark.parametrize("body", [b"", b"{", b"[]", b"null", b'"x"', b"\xff", b"[" * 100_000, b"1" * 5000])
def test_a_body_that_is_not_a_json_object_is_a_bad_delivery(body: bytes) -> None:
    with pytest.raises(BadDelivery):
        decode(body)
