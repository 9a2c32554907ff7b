"""The `:shortcode:` emoji the bot and the example projects use, as Unicode characters.

Slack knows thousands of codes; a preview needs only the ones its messages contain. A code
missing here is shown as its literal `:code:` text, which makes the gap visible in the
screenshot rather than silently dropping it (add it here when that happens).
"""

from __future__ import annotations

import re

EMOJI: dict[str, str] = {
    "abc": "🔤",
    "arrow_left": "⬅️",
    "arrow_right": "➡️",
    "bug": "🐛",
    "bulb": "💡",
    "bust_in_silhouette": "👤",
    "car": "🚗",
    "chart_with_upwards_trend": "📈",
    "check": "✔️",
    "clipboard": "📋",
    "credit_card": "💳",
    "eyes": "👀",
    "fork_and_knife": "🍴",
    "grey_question": "❔",
    "handshake": "🤝",
    "hourglass": "⌛",
    "house": "🏠",
    "information_source": "ℹ️",
    "key": "🔑",
    "leftwards_arrow_with_hook": "↩️",
    "mag": "🔍",
    "memo": "📝",
    "money_with_wings": "💸",
    "neutral_face": "😐",
    "no_entry": "⛔",
    "office": "🏢",
    "package": "📦",
    "paw_prints": "🐾",
    "pencil": "📝",
    "question": "❓",
    "scales": "⚖️",
    "seedling": "🌱",
    "slightly_frowning_face": "🙁",
    "slightly_smiling_face": "🙂",
    "speech_balloon": "💬",
    "star": "⭐",
    "sunny": "☀️",
    "tada": "🎉",
    "thumbsdown": "👎",
    "thumbsup": "👍",
    "triangular_flag_on_post": "🚩",
    "warning": "⚠️",
    "wave": "👋",
    "white_check_mark": "✅",
    "x": "❌",
}

_CODE = re.compile(r":([a-z0-9_+\-]+):")


def emojize(text: str) -> str:
    """Replace known `:codes:` with their characters (skin-tone suffixes are dropped)."""

    def swap(match: re.Match[str]) -> str:
        return EMOJI.get(match.group(1), match.group(0))

    return _CODE.sub(swap, text.replace(":skin-tone-2:", ""))
