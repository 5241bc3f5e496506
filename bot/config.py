"""Settings, read from the environment (or a .env file) once, by the CLI.

There is deliberately no module-level instance: tests and tools import this module without
any environment, and `python -m bot` builds `Settings` exactly once and passes it down.
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Self

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.core.errors import ConfigError
from bot.shards import parse_shard_ids

DEFAULT_API_BASE = "https://discord.com/api/v10"
MISSING_CREDENTIAL_HELP = (
    "DISCORD_TOKEN is not set. Create an application at "
    "https://discord.com/developers/applications, open Bot > Reset Token, and set "
    "DISCORD_TOKEN=<token> in the environment or in a .env file."
)


class LogFormat(enum.StrEnum):
    TEXT = "text"
    JSON = "json"


def bundled_pathways_dir() -> Path:
    """`./pathways` when it exists (a checkout, the Docker image), else the one beside bot/."""
    here = Path("pathways")
    if here.is_dir():
        return here
    beside = Path(__file__).resolve().parent.parent / "pathways"
    return beside if beside.is_dir() else here


class Settings(BaseSettings):
    """Every setting the bot reads. Names are the environment variables, upper-cased."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="forbid", case_sensitive=False
    )

    discord_token: SecretStr | None = Field(default=None, description="The bot token (secret).")
    database_path: Path = Field(default=Path("data/pathway-bot.sqlite3"))
    # Secret: a URL usually carries the password. Set, it selects PostgreSQL over the file.
    database_url: SecretStr | None = Field(default=None, description="postgresql://... (secret).")
    pathways_dir: Path = Field(default_factory=bundled_pathways_dir)
    discord_api_base_url: str = DEFAULT_API_BASE
    discord_gateway_url: str | None = None
    dev_guild_id: int | None = None
    log_level: str = "INFO"
    log_format: LogFormat = LogFormat.TEXT
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    sweep_interval_seconds: float = Field(default=30.0, gt=0, le=3600)
    send_rate: float = Field(default=47.0, gt=0, le=1_000_000)
    # A standby process (another one holds the sender lock) sends only welcome DMs and the
    # like: its share of the token's 50/s is this, so the sender's 47 + one standby's 1 fit
    # with two requests a second to spare for timing jitter.
    standby_send_rate: float = Field(default=1.0, gt=0, le=1_000_000)
    retry_base_seconds: float = Field(default=30.0, gt=0, le=3600)
    digest_check_seconds: float = Field(default=60.0, gt=0, le=3600)
    # Sent, skipped and failed outbox rows are kept this long (for the logs' sake and
    # `/privacy export`), then the sender deletes them in small batches.
    outbox_retention_days: float = Field(default=30.0, gt=0, le=3650)
    # Neither set: one process runs every shard Discord recommends (AutoShardedBot asks).
    shard_count: int | None = Field(default=None, ge=1, le=100_000)
    # NoDecode: "0-3" is our own syntax, not the JSON pydantic-settings expects for a tuple.
    shard_ids: Annotated[tuple[int, ...] | None, NoDecode] = None
    # For tests and demos only: a file holding seconds to add to the system clock, which
    # they rewrite to pin and move a running bot's calendar (bot/clock.py FileClock).
    clock_file: Path | None = None

    @field_validator("discord_token", mode="before")
    @classmethod
    def _blank_token_is_missing(cls, v: object) -> object:
        return None if isinstance(v, str) and not v.strip() else v

    @field_validator("database_url", mode="before")
    @classmethod
    def _postgres_url(cls, v: object) -> object:
        if isinstance(v, str):
            v = v.strip()
            if not v:
                return None
            if not v.startswith(("postgresql://", "postgres://")):
                # The value is not echoed: it may hold a password.
                raise ValueError("must start with postgresql:// (or leave it unset for SQLite)")
        return v

    @field_validator(
        "discord_gateway_url",
        "dev_guild_id",
        "metrics_port",
        "shard_count",
        "clock_file",
        mode="before",
    )
    @classmethod
    def _blank_is_none(cls, v: object) -> object:
        return None if isinstance(v, str) and not v.strip() else v

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _shard_ids(cls, v: object) -> object:
        if isinstance(v, str):
            return parse_shard_ids(v) if v.strip() else None
        return v

    @model_validator(mode="after")
    def _shards_fit(self) -> Self:
        """SHARD_IDS alone would leave discord.py to guess the total, and each process could
        guess differently: every process must agree on SHARD_COUNT, so it is required."""
        if self.shard_ids is None:
            return self
        if self.shard_count is None:
            raise ValueError("SHARD_IDS needs SHARD_COUNT, the total across every process")
        if not self.shard_ids:
            raise ValueError("SHARD_IDS names no shard")
        too_big = [i for i in self.shard_ids if i >= self.shard_count]
        if too_big:
            raise ValueError(
                f"SHARD_IDS {too_big[0]} is not below SHARD_COUNT {self.shard_count}"
                " (shards are numbered from 0)"
            )
        return self

    @field_validator("discord_api_base_url")
    @classmethod
    def _base_url(cls, v: str) -> str:
        v = v.strip().rstrip("/")
        if not v.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return v

    @field_validator("log_level")
    @classmethod
    def _level(cls, v: str) -> str:
        v = v.strip().upper()
        if v not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return v

    def database_url_value(self) -> str | None:
        """The PostgreSQL URL to use, or None for the SQLite file at database_path."""
        return None if self.database_url is None else self.database_url.get_secret_value()

    def token(self) -> str:
        """The token, or a ConfigError telling the operator where to get one."""
        if self.discord_token is None:
            raise ConfigError(MISSING_CREDENTIAL_HELP)
        return self.discord_token.get_secret_value().strip()


def known_settings() -> list[str]:
    """Every setting's environment variable name."""
    return sorted(name.upper() for name in Settings.model_fields)


def misspelt_environment(environ: Mapping[str, str]) -> list[str]:
    """Environment variables that look like a misspelt setting (DATABSE_PATH, say).

    The environment holds plenty that is not ours, so only near misses are reported; the
    .env file is ours alone, so anything unknown there is an error (see load_settings).
    """
    known = known_settings()
    out = []
    for name in sorted(environ):
        upper = name.upper()
        if upper in known:
            continue
        guess = difflib.get_close_matches(upper, known, n=1, cutoff=0.85)
        if guess:
            out.append(f"{name} is not a setting: did you mean {guess[0]}?")
    return out


def load_settings() -> Settings:
    """Build Settings from the environment, turning validation errors into one clear line.

    A key in .env that is no setting is refused, naming the closest known one, so a typo
    never silently leaves a default in place.
    """
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        if first["type"] == "extra_forbidden" and first["loc"]:
            key = str(first["loc"][0]).upper()
            guess = difflib.get_close_matches(key, known_settings(), n=1, cutoff=0.6)
            hint = f" (did you mean {guess[0]}?)" if guess else ""
            raise ConfigError(
                f"unknown setting {key} in .env{hint}; the settings are listed in the README"
            ) from None
        message = first["msg"].removeprefix("Value error, ")
        if not first["loc"]:  # a rule across settings: its message names them itself
            raise ConfigError(message) from None
        name = str(first["loc"][0]).upper()
        value = first.get("input")
        shown = "" if name in ("DISCORD_TOKEN", "DATABASE_URL") else f" (got {str(value)[:40]!r})"
        raise ConfigError(f"{name}: {message}{shown}") from None
