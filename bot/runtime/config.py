"""Settings from the environment and an optional `.env`, validated once at start-up.

Secrets are `SecretStr`, so they never show in `repr`, logs or validation errors.
"""

from __future__ import annotations

import logging
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SLACK_API_URL = "https://slack.com/api/"

SLACK_APP_HELP = (
    "Create the Slack app from manifest.yml (api.slack.com/apps > Create New App > "
    "From an app manifest), install it to your workspace, then copy the Bot User OAuth "
    "Token (xoxb-…) to SLACK_BOT_TOKEN and the Signing Secret to SLACK_SIGNING_SECRET "
    "(Socket Mode also needs an app-level token xapp-… with connections:write in "
    "SLACK_APP_TOKEN)."
)


class ConfigError(Exception):
    """A setting is missing or invalid; the message names the variable and the fix."""


class Settings(BaseSettings):
    """Every setting the bot reads, with defaults that make a local SQLite run work."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    database_url: str = "sqlite:///labeler.db"
    projects_dir: Path = Path("projects")
    log_level: str = "INFO"
    listener_threads: int = Field(default=16, ge=1, le=256)

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp-")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url_shape(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

    @field_validator("database_url")
    @classmethod
    def _normalise_database_url(cls, value: str) -> str:
        """Accept the URLs hosting providers hand out (`postgres://`) and pick psycopg 3."""
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix) :]
        if not value.startswith(("sqlite", "postgresql+psycopg")):
            raise ValueError("must be sqlite:///PATH or postgresql+psycopg://USER@HOST/DB")
        return value

    @field_validator("log_level")
    @classmethod
    def _known_log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in logging.getLevelNamesMapping():
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR")
        return level

    def require_slack(self, *, socket_mode: bool) -> None:
        """Fail with one clear message when the tokens a run needs are absent."""
        missing = []
        if self.slack_bot_token is None:
            missing.append("SLACK_BOT_TOKEN")
        if not socket_mode and _blank(self.slack_signing_secret):
            # An empty secret would make every signature check an HMAC with an empty key,
            # which anyone can compute.
            missing.append("SLACK_SIGNING_SECRET")
        if socket_mode and self.slack_app_token is None:
            missing.append("SLACK_APP_TOKEN")
        if missing:
            raise ConfigError(f"{', '.join(missing)} not set (or empty). {SLACK_APP_HELP}")


def _blank(value: SecretStr | None) -> bool:
    return value is None or not value.get_secret_value().strip()


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning pydantic's error into a message naming each variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_input=False, include_url=False):
            variable = "_".join(str(part) for part in error["loc"]).upper()
            problems.append(f"{variable}: {error['msg']}")
        hint = SLACK_APP_HELP if any(p.startswith("SLACK_") for p in problems) else ""
        raise ConfigError(
            "Invalid configuration: " + "; ".join(problems) + (f". {hint}" if hint else "")
        ) from None
