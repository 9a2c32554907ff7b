"""Settings: defaults, environment and `.env`, validation messages, and secrets kept secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.runtime.config import DEFAULT_SLACK_API_URL, ConfigError, Settings, load_settings

ALL_VARIABLES = [
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_API_URL",
    "DATABASE_URL",
    "PROJECTS_DIR",
    "LOG_LEVEL",
    "LISTENER_THREADS",
]

BOT_TOKEN = "xoxb-1111111111-2222222222222-AbCdEfGhIjKlMnOpQrStUvWx"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
APP_TOKEN = "xapp-1-A0123ABCD-3333333333-0123456789abcdef0123456789abcdef"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No inherited variables and an empty working directory, so no stray `.env` is read."""
    for name in ALL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_defaults_give_a_local_sqlite_file_and_no_slack_tokens() -> None:
    settings = load_settings()

    assert settings.database_url == "sqlite:///labeler.db"
    assert settings.slack_bot_token is None
    assert settings.slack_signing_secret is None
    assert settings.slack_app_token is None
    assert settings.slack_api_url == DEFAULT_SLACK_API_URL
    assert settings.projects_dir == Path("projects")
    assert settings.log_level == "INFO"
    assert settings.listener_threads == 16


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("DATABASE_URL", "sqlite:////var/lib/labeler/labels.db")
    monkeypatch.setenv("PROJECTS_DIR", "/srv/projects")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    monkeypatch.setenv("LISTENER_THREADS", "32")

    settings = load_settings()

    assert settings.slack_bot_token is not None
    assert settings.slack_bot_token.get_secret_value() == BOT_TOKEN
    assert settings.slack_signing_secret is not None
    assert settings.slack_signing_secret.get_secret_value() == SIGNING_SECRET
    assert settings.database_url == "sqlite:////var/lib/labeler/labels.db"
    assert settings.projects_dir == Path("/srv/projects")
    assert settings.log_level == "DEBUG"
    assert settings.listener_threads == 32


def test_dotenv_file_in_the_working_directory_is_read(clean_environment: Path) -> None:
    (clean_environment / ".env").write_text(
        f"SLACK_BOT_TOKEN={BOT_TOKEN}\nSLACK_APP_TOKEN={APP_TOKEN}\nLOG_LEVEL=warning\n",
        encoding="utf-8",
    )

    settings = load_settings()

    assert settings.slack_bot_token is not None
    assert settings.slack_bot_token.get_secret_value() == BOT_TOKEN
    assert settings.slack_app_token is not None
    assert settings.slack_app_token.get_secret_value() == APP_TOKEN
    assert settings.log_level == "WARNING"


def test_environment_variable_wins_over_dotenv_file(
    clean_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (clean_environment / ".env").write_text("LOG_LEVEL=ERROR\n", encoding="utf-8")
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")

    assert load_settings().log_level == "DEBUG"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (
            "postgres://app:pw@db.internal:5432/labels",
            "postgresql+psycopg://app:pw@db.internal:5432/labels",
        ),
        ("postgresql://app@db/labels", "postgresql+psycopg://app@db/labels"),
        ("postgresql+psycopg://app@db/labels", "postgresql+psycopg://app@db/labels"),
        ("sqlite:///relative.db", "sqlite:///relative.db"),
    ],
)
def test_database_url_is_normalised_to_the_psycopg3_driver(
    monkeypatch: pytest.MonkeyPatch, given: str, expected: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", given)

    assert load_settings().database_url == expected


def test_slack_api_url_gets_a_trailing_slash() -> None:
    assert load_settings(slack_api_url="http://127.0.0.1:8765/api").slack_api_url == (
        "http://127.0.0.1:8765/api/"
    )


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("SLACK_BOT_TOKEN", "xoxp-1234-user-token", "xoxb-"),
        ("SLACK_APP_TOKEN", "xoxb-not-an-app-token", "xapp-"),
        ("SLACK_API_URL", "slack.com/api", "http(s) URL"),
        ("DATABASE_URL", "mysql://root@localhost/labels", "sqlite:///"),
        ("LOG_LEVEL", "chatty", "DEBUG, INFO"),
        ("LISTENER_THREADS", "0", "greater than or equal to 1"),
        ("LISTENER_THREADS", "many", "integer"),
    ],
)
def test_each_invalid_setting_gives_config_error_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, problem: str
) -> None:
    monkeypatch.setenv(variable, value)

    with pytest.raises(ConfigError) as caught:
        load_settings()

    message = str(caught.value)
    assert f"{variable}: " in message
    assert problem in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_several_invalid_settings_are_reported_together(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_LEVEL", "chatty")
    monkeypatch.setenv("DATABASE_URL", "mongodb://localhost")

    with pytest.raises(ConfigError) as caught:
        load_settings()

    assert "LOG_LEVEL" in str(caught.value)
    assert "DATABASE_URL" in str(caught.value)


def test_invalid_slack_setting_points_to_the_manifest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "not-a-token")

    with pytest.raises(ConfigError, match=r"manifest\.yml"):
        load_settings()


def test_secret_in_a_wrong_shaped_token_never_appears_in_the_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user_token = "xoxp-9876543210-SUPERSECRETUSERTOKENVALUE"
    app_token = "xoxa-2-ANOTHERSECRETVALUE42"
    monkeypatch.setenv("SLACK_BOT_TOKEN", user_token)
    monkeypatch.setenv("SLACK_APP_TOKEN", app_token)

    with pytest.raises(ConfigError) as caught:
        load_settings()

    message = str(caught.value)
    assert "SLACK_BOT_TOKEN" in message and "SLACK_APP_TOKEN" in message
    for secret in (user_token, app_token, "SUPERSECRET", "ANOTHERSECRET"):
        assert secret not in message
        assert secret not in repr(caught.value)


def test_database_password_never_appears_in_a_validation_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://admin:hunter2-db-password@db/labels")

    with pytest.raises(ConfigError) as caught:
        load_settings()

    assert "hunter2-db-password" not in str(caught.value)


def test_secrets_are_masked_in_repr_and_str(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("SLACK_APP_TOKEN", APP_TOKEN)

    settings = load_settings()

    for rendered in (repr(settings), str(settings), f"{settings}", str(settings.model_dump())):
        for secret in (BOT_TOKEN, SIGNING_SECRET, APP_TOKEN):
            assert secret not in rendered
    assert "**********" in repr(settings)


def test_require_slack_over_http_needs_bot_token_and_signing_secret() -> None:
    settings = load_settings()

    with pytest.raises(ConfigError) as caught:
        settings.require_slack(socket_mode=False)

    message = str(caught.value)
    missing = message.split(" not set")[0]
    assert missing == "SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET"
    assert "manifest.yml" in message


@pytest.mark.parametrize("empty", ["", "   "])
def test_require_slack_over_http_refuses_an_empty_signing_secret(
    monkeypatch: pytest.MonkeyPatch, empty: str
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_APP_TOKEN", APP_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", empty)
    settings = load_settings()

    with pytest.raises(ConfigError) as caught:
        settings.require_slack(socket_mode=False)

    assert str(caught.value).startswith("SLACK_SIGNING_SECRET not set (or empty).")
    settings.require_slack(socket_mode=True)  # Socket Mode does not use it


def test_require_slack_in_socket_mode_needs_app_token_not_signing_secret() -> None:
    settings = load_settings(slack_bot_token=BOT_TOKEN)

    with pytest.raises(ConfigError) as caught:
        settings.require_slack(socket_mode=True)

    message = str(caught.value)
    assert message.split(" not set")[0] == "SLACK_APP_TOKEN"
    assert "manifest.yml" in message


def test_require_slack_passes_when_the_needed_tokens_are_set() -> None:
    http = load_settings(slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET)
    socket = load_settings(slack_bot_token=BOT_TOKEN, slack_app_token=APP_TOKEN)

    http.require_slack(socket_mode=False)
    socket.require_slack(socket_mode=True)


def test_settings_class_can_be_built_directly_with_keyword_values() -> None:
    settings = Settings(database_url="postgres://u@h/d")

    assert settings.database_url == "postgresql+psycopg://u@h/d"
