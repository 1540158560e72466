"""The SOP improvement loop as a conversation: a gap, a proposal, a review, an answer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import Settings
from bot.roles import Role
from bot.sop.loader import load_sop
from bot.sop_sync import sync_library
from tests.support.harness import Harness
from tests.test_config import run_cli

ABROAD = "apakah tokonusa melayani pemesanan tiket pesawat?"


@pytest.fixture
async def bot(settings: Settings) -> AsyncIterator[Harness]:
    harness = await Harness.open(settings)
    async with harness.runtime.store.transaction() as tx:
        await tx.roles.grant("telegram", "agent1", Role.AGENT, harness.clock.now())
        await tx.roles.grant("telegram", "sup1", Role.SUPERVISOR, harness.clock.now())
    yield harness
    await harness.close()


async def test_an_unanswered_question_is_counted_as_a_gap_with_personal_data_masked(bot: Harness) -> None:
    await bot.say(ABROAD, user="c1")
    await bot.say("Apakah TokoNusa melayani pemesanan tiket pesawat??", user="c2")
    await bot.say("tiket pesawat bisa dipesan disini? email saya a@b.co", user="c3")
    gaps = await bot.command("gaps", user="agent1")
    assert "×2" in gaps.text and "tiket pesawat" in gaps.text.lower()
    assert "a@b.co" not in gaps.text and "[email]" in gaps.text


async def test_a_proposal_approved_by_a_supervisor_answers_customers_at_once(bot: Harness) -> None:
    before = await bot.say(ABROAD, user="c1")
    assert "belum ada di panduan" in before.text
    async with bot.runtime.store.transaction() as tx:
        (gap,) = await tx.sop.top_gaps()
    answer = "Maaf Kak, TokoNusa tidak menjual tiket pesawat."
    proposed = await bot.command("propose", f"#{gap.id}", "|", *answer.split(), user="agent1")
    assert "Usulan #1 tersimpan" in proposed.text
    drafts = await bot.command("drafts", user="sup1")
    assert "#1" in drafts.text and "tiket pesawat" in drafts.text.lower()
    approved = await bot.command("approve", "1", "flight-tickets", user="sup1")
    assert 'entri "flight-tickets"' in approved.text
    after = await bot.say(ABROAD, user="c9")
    assert after.text == answer
    assert "tiket pesawat" not in (await bot.command("gaps", user="agent1")).text.lower()


async def test_a_paraphrase_teaches_an_existing_entry_a_new_question(bot: Harness) -> None:
    odd = "brp duit buat nganter ke merauke"
    proposed = await bot.command("paraphrase", "shipping-cost", *odd.split(), user="agent1")
    assert "Usulan #1" in proposed.text
    await bot.command("approve", "1", user="sup1")
    entry = bot.runtime.library.current.get("shipping-cost")
    assert entry is not None and odd in entry.questions["id"]
    reply = await bot.say(odd)
    assert reply.text == entry.answers["id"]


async def test_a_supervisor_can_edit_or_reject_a_proposal(bot: Harness) -> None:
    await bot.command("propose", "Ada", "kantor", "di", "Medan?", "|", "Ya", "ada", user="agent1")
    edited = await bot.command("editdraft", "1", "answer.id", "|", "Belum", "ada,", "Kak.", user="sup1")
    assert "diubah" in edited.text
    missing_reason = await bot.command("reject", "1", user="sup1")
    assert "Sebutkan alasannya" in missing_reason.text
    rejected = await bot.command("reject", "1", "belum", "dikonfirmasi", "tim", "ops", user="sup1")
    assert "ditolak" in rejected.text
    again = await bot.command("approve", "1", user="sup1")
    assert "Tidak ada usulan 1" in again.text


async def test_customers_and_agents_cannot_approve(bot: Harness) -> None:
    await bot.command("propose", "x?", "|", "y", user="agent1")
    assert "peran supervisor" in (await bot.command("approve", "1", user="agent1")).text
    assert "peran agent" in (await bot.command("propose", "a", "|", "b", user="c1")).text
    assert "peran agent" in (await bot.command("gaps", user="c1")).text


async def test_bad_proposals_get_usage_help(bot: Harness) -> None:
    assert "Format: /propose" in (await bot.command("propose", "no", "answer", user="agent1")).text
    assert "Gap #99 tidak ditemukan" in (await bot.command("propose", "#99", "|", "x", user="agent1")).text
    assert 'Entri SOP "nope" tidak ada' in (await bot.command("paraphrase", "nope", "q", user="agent1")).text


async def test_an_approval_reaches_other_workers_through_the_database(settings: Settings) -> None:
    first, second = await Harness.open(settings), await Harness.open(settings)
    try:
        async with first.runtime.store.transaction() as tx:
            await tx.roles.grant("telegram", "sup1", Role.SUPERVISOR, first.clock.now())
        await first.command("propose", *ABROAD.split(), "|", "Belum", "bisa,", "Kak.", user="sup1")
        await first.command("approve", "1", user="sup1")
        assert second.runtime.library.current.get("apakah-tokonusa-jual-tiket-pesawat-ke") is None
        await sync_library(second.runtime.store, second.runtime.library)
        assert (await second.say(ABROAD)).text == "Belum bisa, Kak."
    finally:
        await first.close()
        await second.close()


async def test_export_writes_the_approved_entries_as_sop_files(bot: Harness, tmp_path: Path) -> None:
    await bot.command("propose", *ABROAD.split(), "|", "Belum", "bisa,", "Kak.", user="sup1")
    await bot.command("approve", "1", "flight-tickets", user="sup1")
    out = tmp_path / "exported"
    result = run_cli("sop", "export", str(out), env={"BOT_DATABASE_URL": bot.runtime.settings.database_url})
    assert result.returncode == 0, result.stderr
    entries = {entry.id: entry for entry in load_sop(out, ("id",)).entries}
    assert entries["flight-tickets"].answers["id"] == "Belum bisa, Kak."
    assert "refund-how" in entries


def test_cli_reload_refuses_a_broken_sop(tmp_path: Path) -> None:
    sop = tmp_path / "sop"
    sop.mkdir()
    (sop / "a.yaml").write_text("entries:\n  - id: Bad Id\n")
    result = run_cli("sop", "reload", env={"BOT_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
                                          "BOT_SUPPORT__SOP_DIR": str(sop)})
    assert result.returncode == 1 and "a.yaml:2" in result.stdout
    assert "keeps its current SOP" in result.stderr


def test_cli_check_reports_problems_with_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        "entries:\n  - id: one\n    title: One\n    questions: {id: [halo kak], en: [hi]}\n"
        "    answer: {id: Satu, en: One}\n  - id: one\n    title: Dup\n"
        "    questions: {id: [halo kak], en: [hello]}\n    answer: {id: '', en: Two}\n"
    )
    result = run_cli("sop", "check", str(tmp_path))
    assert result.returncode == 1
    assert "a.yaml:6" in result.stdout  # the duplicate id
    assert "Traceback" not in result.stderr
    good = run_cli("sop", "check", str(Path(__file__).resolve().parents[2] / "examples" / "sop"))
    assert good.returncode == 0 and "no problems" in good.stdout
