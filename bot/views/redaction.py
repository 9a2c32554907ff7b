"""PII redaction applied to item text before it is shown in Slack.

Patterns favour recall on realistic formats; card numbers are confirmed with the Luhn check so
order numbers and timestamps are not blanked out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
CARD = re.compile(r"(?<![\d+])(?:\d[ -]?){12,18}\d(?!\d)")
#: International numbers (`+` and country code) allow the 1-digit and 5-6-digit groups of e.g.
#: French, German, Indian and Japanese formats; national ones need separated groups of 2-4 digits.
#: Neither may touch a time (`14:05`), so a timestamp after a date is not taken for a phone.
PHONE = re.compile(
    r"(?<![\w+])(?<!\d:)"
    r"(?:\+\d{1,3}(?:[ .-]?\(\d{1,4}\))?(?:[ .-]?\d{1,6}){1,6}"
    r"|(?:\(\d{1,4}\)[ .-]?)?\d{2,4}(?:[ .-]\d{2,4}){1,4})"
    r"(?!\w|:\d)"
)
DATE = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4}")
PLACEHOLDERS = {"email": "[email]", "phone": "[phone]", "card": "[card]"}


def _luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        number = int(char)
        if index % 2 == 1:
            number = number * 2 - 9 if number > 4 else number * 2
        total += number
    return total % 10 == 0


def _redact_cards(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group())
        # Printed card numbers group digits in 3s or more (4-4-4-4, 4-6-5); a run with shorter
        # groups is dates or amounts that happen to pass the Luhn check ("99 2026-11-20 ...").
        grouped_like_a_card = min(len(g) for g in re.split(r"[ -]", match.group())) >= 3
        if grouped_like_a_card and 13 <= len(digits) <= 19 and _luhn_valid(digits):
            return PLACEHOLDERS["card"]
        return match.group()

    return CARD.sub(replace, text)


def _redact_phones(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        candidate = match.group()
        digits = re.sub(r"\D", "", candidate)
        international = candidate.startswith(("+", "("))
        if DATE.search(candidate) or not (9 if not international else 7) <= len(digits) <= 15:
            return candidate
        return PLACEHOLDERS["phone"]

    return PHONE.sub(replace, text)


def redact(text: str, kinds: Iterable[str] = ("email", "phone", "card")) -> str:
    """Replace e-mail addresses, card numbers and phone numbers with placeholders."""
    wanted = set(kinds)
    if "email" in wanted:
        text = EMAIL.sub(PLACEHOLDERS["email"], text)
    if "card" in wanted:
        text = _redact_cards(text)
    if "phone" in wanted:
        text = _redact_phones(text)
    return text
