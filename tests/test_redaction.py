"""PII redaction: realistic e-mails, phones and cards go; dates, times, prices and ids stay."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.views.redaction import redact

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.mark.parametrize(
    "email",
    [
        "jamie.lee@gmail.com",
        "jamie.lee+shop@gmail.com",
        "ap@northwind-traders.de",
        "First.Last@sub.example.co.uk",
        "oneil_99%test@mail-host.io",
        "SUPPORT@EXAMPLE.COM",
    ],
)
def test_email_addresses_are_redacted(email: str) -> None:
    assert redact(f"Please write to {email} today.") == "Please write to [email] today."


@pytest.mark.parametrize(
    "phone",
    [
        "+44 20 7946 0958",
        "+44 (0)20 7946 0958",
        "+1 (415) 555-0132",
        "+1-800-555-0199",
        "+33 1 42 68 53 00",
        "+49 30 901820",
        "+91 98765 43210",
        "+61 2 9374 4000",
        "+81 3-1234-5678",
        "+4915123456789",
        "0044 20 7946 0958",
        "020 7946 0958",
        "(415) 555-0132",
        "415-555-0132",
        "415.555.0132",
        "415 555 0132",
        "333 123 4567",
    ],
)
def test_international_and_national_phone_numbers_are_redacted(phone: str) -> None:
    assert redact(f"Call me on {phone}, thanks.") == "Call me on [phone], thanks."


@pytest.mark.parametrize(
    "card",
    [
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "4111111111111111",
        "5500 0000 0000 0004",
        "3782 822463 10005",
        "6011 1111 1111 1117",
        "3056 930902 5904",
        "6011 0000 0000 0000 001",
    ],
)
def test_luhn_valid_card_numbers_are_redacted(card: str) -> None:
    assert redact(f"I paid with {card} yesterday") == "I paid with [card] yesterday"


@pytest.mark.parametrize(
    "text",
    [
        "Charged on 2026-10-03 and again on 2026-10-04.",
        "Delivered 03/10/2026, returned 10.03.2026.",
        "Tracking last updated 2026-11-20 14:05:33.",
        "Logged at 14:05 2026-11-20 by the courier.",
        "Updated 2026-11-20T14:05:33Z",
        "Open between 10:00-12:00 and 14:30-18:00.",
        "Order #483920117 was supposed to arrive.",
        "order 483920554 ships Friday",
        "Reissue invoice INV-2026-00871 please.",
        "Ticket 88231, version 4.2.1, Android 14.",
        "VAT number DE812345678",
        "Bill went from €9 to €14, then $1,299.99, then 12.99 USD.",
        "ISBN 978-3-16-148410-0",
        "Temperature -12.5 to +30.2 degrees",
        "5+3 = 8",
        "Years 1999-2003 were better.",
        "Paid $12.99 2026-11-20 2026-11-20",
        "Log: 2026-11-20 2026-11-21 2026-11-22",
    ],
)
def test_dates_times_prices_and_reference_numbers_are_kept(text: str) -> None:
    assert redact(text) == text


@pytest.mark.parametrize(
    "number", ["4111 1111 1111 1112", "1234 5678 9012 3456", "1234567890123456"]
)
def test_sixteen_digit_numbers_failing_the_luhn_check_are_kept(number: str) -> None:
    text = f"Reference {number} on the parcel"

    assert redact(text) == text


def test_several_kinds_in_one_message_are_all_redacted() -> None:
    text = (
        "I want to cancel. I paid with card 4111 1111 1111 1111 on 2026-10-03. "
        "Reach me at marco.rossi@example.it or +39 333 123 4567 (order #483920117)."
    )

    assert redact(text) == (
        "I want to cancel. I paid with card [card] on 2026-10-03. "
        "Reach me at [email] or [phone] (order #483920117)."
    )


def test_only_the_requested_kinds_are_redacted() -> None:
    text = "mail a@b.co, call 415-555-0132, card 4111 1111 1111 1111"

    assert (
        redact(text, kinds=["email"]) == "mail [email], call 415-555-0132, card 4111 1111 1111 1111"
    )
    assert redact(text, kinds=("phone",)) == "mail a@b.co, call [phone], card 4111 1111 1111 1111"
    assert redact(text, kinds={"card"}) == "mail a@b.co, call 415-555-0132, card [card]"
    assert redact(text, kinds=[]) == text


def test_redaction_is_idempotent() -> None:
    once = redact("jamie+x@gmail.com / +44 20 7946 0958 / 4111-1111-1111-1111 / 2026-11-20")

    assert redact(once) == once == "[email] / [phone] / [card] / 2026-11-20"


def test_long_digit_runs_are_handled_quickly() -> None:
    hostile = ("+1" + " 1" * 40 + " ") * 200 + "1" * 5000

    started = time.perf_counter()
    redact(hostile)

    assert time.perf_counter() - started < 2.0


def test_support_intent_example_messages_lose_their_pii_but_keep_order_numbers() -> None:
    path = EXAMPLES / "data" / "support_messages.jsonl"
    messages = {
        row["id"]: redact(row["text"])
        for row in map(json.loads, path.read_text(encoding="utf-8").splitlines())
    }

    assert "jamie.lee+shop@gmail.com" not in messages["sup-1001"]
    assert "2026-10-03" in messages["sup-1001"]
    assert "[phone]" in messages["sup-1002"]
    assert messages["sup-1003"].startswith("Order #483920117")
    assert "14:05" in messages["sup-1003"]
    assert "[card]" in messages["sup-1005"]
    assert "(415) 555-0132" not in messages["sup-1007"]
    assert "INV-2026-00871" in messages["sup-1008"]
    assert "[phone]" in messages["sup-1013"]
    assert messages["sup-1017"].count("[") == 2
    assert "212-555-0187" not in messages["sup-1018"]


local_parts = st.from_regex(r"[a-z][a-z0-9._+-]{0,15}[a-z0-9]", fullmatch=True)
domains = st.from_regex(r"[a-z][a-z0-9-]{0,10}\.(com|de|co\.uk|io|example)", fullmatch=True)
filler = st.text(alphabet=st.sampled_from("abc XYZ,.!?"), max_size=30)


@given(before=filler, local=local_parts, domain=domains, after=filler)
def test_no_email_address_survives_whatever_surrounds_it(
    before: str, local: str, domain: str, after: str
) -> None:
    email = f"{local}@{domain}"

    redacted = redact(f"{before} {email} {after}")

    assert email not in redacted
    assert "@" not in redacted
    assert redact(redacted) == redacted


@given(words=st.lists(st.sampled_from(["order", "#4839", "on", "2026-11-20", "14:05", "$12.99"])))
def test_text_without_pii_comes_back_unchanged(words: list[str]) -> None:
    text = " ".join(words)

    assert redact(text) == text
