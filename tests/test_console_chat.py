"""`bot chat` with piped input, as a person would run it from the README."""

from __future__ import annotations

from pathlib import Path

from tests.test_config import run_cli


def test_piped_chat_answers_each_line_and_exits_zero(tmp_path: Path) -> None:
    result = run_cli(
        "chat",
        stdin="halo\nbagaimana cara refund?\nhow long does shipping to Surabaya take?\n",
        env={"BOT_DATABASE_URL": f"sqlite:///{tmp_path / 'chat.db'}"},
    )
    assert result.returncode == 0, result.stderr
    replies = [line for line in result.stdout.splitlines() if line.startswith("bot> ")]
    assert len(replies) == 3
    assert "Ada yang bisa saya bantu" in replies[0]
    assert "Ajukan Pengembalian" in result.stdout
    # "Surabaya" is a word no entry has, so the bot offers the close entries instead of
    # guessing; the delivery-time entry must be among them
    assert "days" in replies[2] or "How long does delivery take?" in result.stdout
    assert "Traceback" not in result.stderr


def test_chat_uses_the_same_database_across_sessions(tmp_path: Path) -> None:
    env = {"BOT_DATABASE_URL": f"sqlite:///{tmp_path / 'chat.db'}"}
    first = run_cli("chat", stdin="/language en\n", env=env)
    assert first.returncode == 0 and "reply in English" in first.stdout
    second = run_cli("chat", stdin="/help\n", env=env)
    assert "Commands you can use" in second.stdout


def test_a_broken_sop_is_reported_with_file_and_line(tmp_path: Path) -> None:
    sop = tmp_path / "sop"
    sop.mkdir()
    (sop / "bad.yaml").write_text(
        "entries:\n  - id: x\n    title: X\n    questions: {id: [a], en: [b]}\n    answer: {id: '', en: b}\n"
    )
    result = run_cli("chat", stdin="halo\n", env={"BOT_DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}",
                                                   "BOT_SUPPORT__SOP_DIR": str(sop)})
    assert result.returncode == 2
    assert "bad.yaml:5" in result.stderr and "Traceback" not in result.stderr


CONVO_SOP = Path(__file__).parent / "data" / "sop_convo"


SHIPPING = {
    "Ongkir reguler": "bot> Ongkir reguler dihitung otomatis di checkout sesuai berat dan alamat, Kak.",
    "Ongkir gratis": "bot> Gratis ongkir untuk belanja minimal Rp100.000, Kak.",
}


def test_a_typed_number_picks_only_from_the_menu_just_shown(tmp_path: Path) -> None:
    env = {"BOT_DATABASE_URL": f"sqlite:///{tmp_path / 'chat.db'}", "BOT_SUPPORT__SOP_DIR": str(CONVO_SOP)}
    result = run_cli("chat", stdin="ongkir\n5\n2\nhalo\n2\n", env=env)
    assert result.returncode == 0, result.stderr
    replies = [line for line in result.stdout.splitlines() if line.startswith("bot> ")]
    # both shipping entries fit "ongkir" alike: either may be shown second
    option_two = next(line.split("] ", 1)[1] for line in result.stdout.splitlines() if line.startswith("  [2] "))
    assert replies == [
        "bot> Maksud Kakak yang mana? Pilih salah satu:",
        "bot> Tidak ada pilihan nomor 5. Ketik nomor 1 sampai 3, atau tulis pertanyaan Kakak dengan kalimat.",
        SHIPPING[option_two],
        "bot> Halo! 😊 Ada yang bisa saya bantu?",
        # the menu was answered and the customer moved on: "2" no longer picks from it
        "bot> Maaf, saat ini tidak ada pilihan bernomor yang bisa dipilih. "
        "Silakan tulis pertanyaan Kakak dengan kalimat, ya.",
    ]
    assert "  [3] Lainnya" in result.stdout


def test_asking_for_cs_in_the_console_gives_the_sample_sops_contacts(tmp_path: Path) -> None:
    result = run_cli("chat", stdin="mau ngomong sama cs\n",
                     env={"BOT_DATABASE_URL": f"sqlite:///{tmp_path / 'chat.db'}"})
    assert result.returncode == 0, result.stderr
    assert "Tim CS kami melayani Senin–Sabtu pukul 08.00–20.00 WIB" in result.stdout
    assert "coba lagi nanti" not in result.stdout
