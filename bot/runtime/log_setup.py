"""Logging with secrets masked: every record passes a filter that hides tokens and secrets."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

TOKEN_PATTERN = re.compile(r"\bx(?:ox[abpre]|app)-[A-Za-z0-9-]+")
MASK = "[redacted]"


class SecretFilter(logging.Filter):
    """Replace Slack tokens (any `xox?-`/`xapp-` string) and the configured secrets."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if len(s) >= 8]

    def mask(self, text: str) -> str:
        text = TOKEN_PATTERN.sub(MASK, text)
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = self.mask(message)
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = self.mask(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        if masked != message or record.args:
            record.msg, record.args = masked, None
        return True


#: Libraries whose INFO lines are routine: APScheduler logs every job run (the upkeep jobs run
#: every minute in every process, leader or not) and every job it adds. Warnings still show.
CHATTY = ("apscheduler",)


def quiet_libraries(level: str) -> None:
    """Keep routine library INFO lines out of the log unless the operator asked for DEBUG."""
    for name in CHATTY:
        logging.getLogger(name).setLevel(logging.NOTSET if level == "DEBUG" else logging.WARNING)


def configure_logging(level: str, secrets: Iterable[str] = ()) -> SecretFilter:
    handler = logging.StreamHandler()
    secret_filter = SecretFilter(secrets)
    handler.addFilter(secret_filter)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    quiet_libraries(level)
    return secret_filter
