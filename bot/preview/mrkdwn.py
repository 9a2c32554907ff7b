"""Slack mrkdwn (and the `markdown` block's Markdown) as HTML, the way a Slack client shows it.

Slack's rules: `&amp;`, `&lt;` and `&gt;` are the only entities (shown as `&`, `<`, `>`);
`<…>` is markup (user, channel and group mentions, `@here`, dates, links); `*bold*`,
`_italic_`, `~strike~`, `` `code` ``, ``` blocks and `>` quotes at a line start; `:emoji:`.
Everything else is text, HTML-escaped here, so hostile item text shows as text in a preview
exactly as it would in Slack, and a ping the bot should not send shows as a ping.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping

from bot.preview.emoji import emojize

_ENTITY = re.compile(r"&(amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}
_CODE_BLOCK = re.compile(r"```(.*?)```", re.DOTALL)
_INLINE_CODE = re.compile(r"`([^`\n]+)`")
_MARKUP = re.compile(r"<([^<>\n]+)>")
_HOLE = re.compile(r"\x00(\d+)\x00")
_QUOTE = re.compile(r"^(?:>|&gt;) ?")
# Slack's emphasis: the marker touches the words inside it and no word character outside it.
_STYLES = [
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])"), "b"),
    (re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])"), "i"),
    (re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])"), "s"),
]
_SAFE_SCHEMES = ("https://", "http://", "mailto:")


def unescape(text: str) -> str:
    """Slack's three entities back to characters (nothing else is an entity in Slack)."""
    return _ENTITY.sub(lambda m: _ENTITIES[m.group(1)], text)


def text_html(text: str) -> str:
    """Literal text for HTML: escaped, newlines kept."""
    return html.escape(text).replace("\n", "<br>")


class Mrkdwn:
    """Renders mrkdwn; `users` gives display names for `<@U…>` (Slack looks them up)."""

    def __init__(self, users: Mapping[str, str] | None = None) -> None:
        self.users = dict(users or {})

    def render(self, source: str) -> str:
        parts: list[str] = []
        last = 0
        for match in _CODE_BLOCK.finditer(source):
            parts.append(self._lines(_trim_newline(source[last : match.start()], end=True)))
            code = unescape(match.group(1).strip("\n"))
            parts.append(f'<pre class="code-block">{html.escape(code)}</pre>')
            last = match.end()
        rest = source[last:]
        parts.append(self._lines(_trim_newline(rest) if last else rest))
        return "".join(parts)

    def _lines(self, text: str) -> str:
        """Group `>` lines into quotes; everything else is inline text with line breaks."""
        out: list[str] = []
        plain: list[str] = []
        quoted: list[str] = []
        for line in text.split("\n"):
            if _QUOTE.match(line):
                if plain:
                    out.append(self.inline("\n".join(plain)))
                    plain = []
                quoted.append(_QUOTE.sub("", line, count=1))
                continue
            if quoted:
                out.append(f"<blockquote>{self.inline(chr(10).join(quoted))}</blockquote>")
                quoted = []
            plain.append(line)
        if quoted:
            out.append(f"<blockquote>{self.inline(chr(10).join(quoted))}</blockquote>")
        if plain and any(plain):
            out.append(self.inline("\n".join(plain)))
        return "".join(out)

    def inline(self, text: str) -> str:
        holes: list[str] = []

        def hole(rendered: str) -> str:
            holes.append(rendered)
            return f"\x00{len(holes) - 1}\x00"

        text = _INLINE_CODE.sub(
            lambda m: hole(f"<code>{html.escape(unescape(m.group(1)))}</code>"), text
        )
        text = _MARKUP.sub(lambda m: hole(self._markup(m.group(1))), text)
        out = html.escape(unescape(text))
        for pattern, tag in _STYLES:
            out = pattern.sub(_wrap(tag), out)
        out = emojize(out).replace("\n", "<br>")
        return _HOLE.sub(lambda m: holes[int(m.group(1))], out)

    def _markup(self, inner: str) -> str:
        """One `<…>` sequence: a mention, a broadcast, a date, or a link."""
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            name = label or self.users.get(target[1:], target[1:])
            return _chip("@" + name.lstrip("@"))
        if target.startswith("#"):
            return _chip("#" + (label or target[1:]))
        if target in ("!here", "!channel", "!everyone"):
            return _chip("@" + target[1:], broadcast=True)
        if target.startswith("!subteam^"):
            return _chip("@" + (label or target.split("^", 1)[1]).lstrip("@"))
        if target.startswith("!date^"):
            return html.escape(unescape(label or target))  # the fallback text
        if target.startswith("!"):
            return html.escape(unescape(label or target[1:]))
        url = unescape(target)
        shown = html.escape(unescape(label or target))
        if not url.startswith(_SAFE_SCHEMES):
            return shown
        return f'<a class="link" href="{html.escape(url, quote=True)}">{shown}</a>'


def _wrap(tag: str) -> Callable[[re.Match[str]], str]:
    return lambda match: f"<{tag}>{match.group(1)}</{tag}>"


def _trim_newline(text: str, *, end: bool = False) -> str:
    """The line break beside a code block belongs to the block, not to the text."""
    if end:
        return text[:-1] if text.endswith("\n") else text
    return text[1:] if text.startswith("\n") else text


def _chip(text: str, *, broadcast: bool = False) -> str:
    kind = "mention broadcast" if broadcast else "mention"
    return f'<span class="{kind}">{html.escape(unescape(text))}</span>'


# Standard Markdown, for Slack's `markdown` block (it renders headings, lists and links).
_MD_HEADING = re.compile(r"^#{1,6}\s+(.*)$")
_MD_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.*)$")
_MD_RULES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"\*\*(.+?)\*\*|__(.+?)__"), lambda m: f"<b>{m.group(1) or m.group(2)}</b>"),
    (re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?!\w)"), lambda m: f"<i>{m.group(1)}</i>"),
    (re.compile(r"(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)"), lambda m: f"<i>{m.group(1)}</i>"),
    (re.compile(r"~~(.+?)~~"), lambda m: f"<s>{m.group(1)}</s>"),
]
_MD_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")


def markdown_html(source: str) -> str:
    """A small Markdown renderer: headings, lists, emphasis, code, links, paragraphs."""
    out: list[str] = []
    for line in source.split("\n"):
        heading = _MD_HEADING.match(line)
        bullet = _MD_BULLET.match(line)
        if heading:
            out.append(f'<div class="md-heading">{_md_inline(heading.group(1))}</div>')
        elif bullet:
            out.append(f'<div class="md-bullet">• {_md_inline(bullet.group(1))}</div>')
        elif line.strip():
            out.append(f"<div>{_md_inline(line)}</div>")
        else:
            out.append('<div class="md-gap"></div>')
    return "".join(out)


def _md_inline(text: str) -> str:
    codes: list[str] = []

    def keep(match: re.Match[str]) -> str:
        codes.append(f"<code>{html.escape(match.group(1))}</code>")
        return f"\x00{len(codes) - 1}\x00"

    out = html.escape(_INLINE_CODE.sub(keep, text))
    out = _MD_LINK.sub(lambda m: f'<a class="link" href="{m.group(2)}">{m.group(1)}</a>', out)
    for pattern, replace in _MD_RULES:
        out = pattern.sub(replace, out)
    return _HOLE.sub(lambda m: codes[int(m.group(1))], emojize(out))
