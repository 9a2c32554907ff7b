"""A project's Markdown (its guidelines) as Slack mrkdwn that is safe to post.

The conversion is slackify-markdown's: a markdown-it-py renderer that turns headings into bold
lines, `**x**` into `*x*`, lists into bullets and numbers, and keeps code. That library is
made for text a bot writes itself, so it leaves `<@U…>`, `<!here>` and `<#C…>` live and copies
code and link targets as they are. Guidelines come from outside, so the renderer is narrowed
here: every text, code span and code block is escaped, and only http(s) links become links
(any other target shows just its text).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from slackify_markdown.slackify import SlackifyMarkdown

from bot.views.blocks import ELLIPSIS, MAX_TEXT, MAX_URL, escape

_LINK_TARGET = re.compile(r"https?://[^\s<>|]+\Z")
_FENCE = "```"
_HEADING = re.compile(r"\*[^\n]+\*")


class _SafeSlackify(SlackifyMarkdown):  # type: ignore[misc]
    """slackify-markdown with every piece of outside text escaped (see the module's doc)."""

    def __init__(self, markdown_text: str) -> None:
        super().__init__(markdown_text)
        self._live_links: list[bool] = []

    def text(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return escape(tokens[idx].content)

    def code_inline(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        return f"`{escape(tokens[idx].content)}`"

    def fence(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return f"{_FENCE}\n{escape(tokens[idx].content)}{_FENCE}\n"

    code_block = fence

    def link_open(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        href = str(tokens[idx].attrGet("href") or "")
        live = _live_target(href)
        self._live_links.append(live)
        if not live:
            return ""
        empty = idx + 1 < len(tokens) and tokens[idx + 1].type == "link_close"
        return f"<{escape(href)}" if empty else f"<{escape(href)}|"

    def link_close(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        live = self._live_links.pop() if self._live_links else False
        return ">" if live else ""

    def image(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        """mrkdwn has no inline images: a link to the picture, named by its alt text."""
        token = tokens[idx]
        src = str(token.attrGet("src") or "")
        label = escape(token.content or str(token.attrGet("title") or ""))
        if not _live_target(src):
            return label
        return f"<{escape(src)}|{label}>" if label else f"<{escape(src)}>"


def _live_target(url: str) -> bool:
    return len(url) <= MAX_URL and _LINK_TARGET.match(url) is not None


def to_mrkdwn(markdown: str) -> str:
    """Markdown as escaped Slack mrkdwn: no mention, broadcast or disguised link survives."""
    return str(_SafeSlackify(markdown).slackify()).strip()


def mrkdwn_chunks(text: str, limit: int) -> list[str]:
    """Converted mrkdwn in pieces of at most `limit` characters (one section block each),
    split between paragraphs where possible, then between lines, then between words; a code
    block that must be split is closed and reopened so each piece renders on its own."""
    chunks: list[str] = []
    current = ""
    for unit in _units(text):
        for piece in _fit(unit, limit):
            joined = f"{current}\n\n{piece}" if current else piece
            if len(joined) <= limit:
                current = joined
                continue
            if current:
                chunks.append(current)
            current = piece
    if current:
        chunks.append(current)
    return chunks


def shorten(text: str, limit: int) -> str:
    """The mrkdwn's first whole paragraphs (or lines, or words) within `limit`, with an
    ellipsis when something was left out."""
    if len(text) <= limit:
        return text
    return mrkdwn_chunks(text, limit - 2)[0] + f"\n{ELLIPSIS}"


def _units(text: str) -> list[str]:
    """Paragraphs that stay together: a code block with its blank lines, a heading (a bold
    line of its own) with the paragraph under it."""
    units: list[str] = []
    for paragraph in text.split("\n\n"):
        if units and (units[-1].count(_FENCE) % 2 or _HEADING.fullmatch(units[-1])):
            units[-1] += "\n\n" + paragraph
        else:
            units.append(paragraph)
    return [unit for unit in units if unit.strip()]


def _fit(unit: str, limit: int) -> list[str]:
    if len(unit) <= limit:
        return [unit]
    fenced = unit.startswith(_FENCE) and unit.endswith(_FENCE)
    if fenced:
        body = unit[len(_FENCE) : -len(_FENCE)].strip("\n")
        room = limit - 2 * (len(_FENCE) + 1)
        return [f"{_FENCE}\n{piece}\n{_FENCE}" for piece in _split(body, room)]
    return _split(unit, limit)


def _split(text: str, limit: int) -> list[str]:
    """Lines packed up to `limit`; a line that is longer is cut between words."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            head = _cut(line, limit)
            pieces.append(head)
            line = line[len(head) :].lstrip(" ")
        joined = f"{current}\n{line}" if current else line
        if len(joined) <= limit:
            current = joined
        else:
            pieces.append(current)
            current = line
    if current:
        pieces.append(current)
    return pieces


def _cut(line: str, limit: int) -> str:
    """At most `limit` characters of a line: before the last space, never inside an entity
    (`&amp;`) or a link (`<https://…|label>`), unless the line offers no other place."""
    head = line[:limit]
    space = head.rfind(" ")
    if space > limit // 2:
        head = head[:space]
    opened = head.rfind("<")
    if opened > 0 and opened > head.rfind(">"):
        head = head[:opened]
    amp = head.rfind("&")
    if amp > 0 and ";" not in head[amp:]:
        head = head[:amp]
    return head


def sections_within(markdown: str, budget: int) -> tuple[list[str], bool]:
    """Markdown converted and cut into section-sized pieces while their total stays within
    `budget` characters (Slack refuses long messages well below its documented limits);
    True when something was left out."""
    chunks = mrkdwn_chunks(to_mrkdwn(markdown), min(budget, MAX_TEXT - 100))
    kept: list[str] = []
    used = 0
    for chunk in chunks:
        if used + len(chunk) > budget:
            break
        kept.append(chunk)
        used += len(chunk)
    return kept, len(kept) < len(chunks)
