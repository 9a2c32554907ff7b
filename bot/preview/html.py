"""Block Kit blocks and elements as HTML that imitates the Slack client (see `css.py`).

Honest by design: every block and element is drawn from what its JSON says (a `danger`
button is red, an `initial_option` shows as chosen, a missing placeholder shows Slack's
default), and a type this module does not know is drawn as a visible red box instead of being
skipped, so a screenshot never hides what Slack would show.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from typing import Any

from bot.preview.emoji import emojize
from bot.preview.mrkdwn import Mrkdwn, markdown_html, text_html

Json = dict[str, Any]

SELECTS = {
    "static_select": "Select an item",
    "external_select": "Select an item",
    "users_select": "Select a person",
    "conversations_select": "Select a conversation",
    "channels_select": "Select a channel",
    "multi_static_select": "Select items",
    "multi_users_select": "Select people",
    "multi_conversations_select": "Select conversations",
    "multi_channels_select": "Select channels",
}
TEXT_INPUTS = {"plain_text_input", "email_text_input", "url_text_input", "number_input"}


def esc(text: object) -> str:
    return html.escape(str(text))


class BlockRenderer:
    """Turns blocks into HTML; `users` names `<@U…>` mentions, `images` maps image URLs to
    local sources (the preview runs offline; an unmapped URL is drawn as a placeholder)."""

    def __init__(
        self, users: Mapping[str, str] | None = None, images: Mapping[str, str] | None = None
    ) -> None:
        self.mrkdwn = Mrkdwn(users)
        self.images = dict(images or {})

    def blocks(self, blocks: list[Json]) -> str:
        return "".join(self.block(block) for block in blocks)

    def text(self, obj: Json | None) -> str:
        """A text object: mrkdwn is parsed, plain_text shown as is (emoji codes converted)."""
        if not obj:
            return ""
        raw = str(obj.get("text", ""))
        if obj.get("type") == "mrkdwn":
            return self.mrkdwn.render(raw)
        shown = text_html(raw)
        return emojize(shown) if obj.get("emoji", True) else shown

    def block(self, block: Json) -> str:
        kind = block.get("type")
        draw = self._drawers().get(str(kind))
        if draw is None:
            return _unsupported(f"block type {kind!r}")
        return draw(block)

    def _drawers(self) -> dict[str, Callable[[Json], str]]:
        return {
            "section": self._section,
            "header": self._header,
            "divider": lambda _: '<hr class="b-divider">',
            "context": self._context,
            "actions": self._actions,
            "image": self._image_block,
            "input": self._input,
            "rich_text": self._rich_text,
            "markdown": self._markdown,
        }

    def _header(self, block: Json) -> str:
        return f'<div class="b-header">{self.text(block.get("text"))}</div>'

    def _markdown(self, block: Json) -> str:
        return f'<div class="b-markdown">{markdown_html(str(block.get("text", "")))}</div>'

    def _section(self, block: Json) -> str:
        body = (
            f'<div class="mrkdwn">{self.text(block.get("text"))}</div>' if "text" in block else ""
        )
        fields = block.get("fields") or []
        if fields:
            cells = "".join(f'<div class="field">{self.text(f)}</div>' for f in fields)
            body += f'<div class="fields">{cells}</div>'
        accessory = block.get("accessory")
        side = f'<div class="accessory">{self.element(accessory)}</div>' if accessory else ""
        return f'<div class="b-section"><div class="section-body">{body}</div>{side}</div>'

    def _context(self, block: Json) -> str:
        parts = []
        for element in block.get("elements") or []:
            if element.get("type") == "image":
                parts.append(self._img(element, "context-img"))
            else:
                parts.append(f"<span>{self.text(element)}</span>")
        return f'<div class="b-context">{"".join(parts)}</div>'

    def _actions(self, block: Json) -> str:
        elements = "".join(self.element(e) for e in block.get("elements") or [])
        return f'<div class="b-actions">{elements}</div>'

    def _image_block(self, block: Json) -> str:
        title = block.get("title")
        caption = f'<div class="image-title">{self.text(title)} ▾</div>' if title else ""
        return f'<div class="b-image">{caption}{self._img(block, "image")}</div>'

    def _img(self, obj: Json, css: str) -> str:
        url = str(obj.get("image_url") or obj.get("url") or "")
        alt = esc(obj.get("alt_text", ""))
        source = self.images.get(url)
        if source is None:
            return (
                f'<div class="{css} missing" title="{esc(url)}">🖼 {alt}<br>'
                f"<small>{esc(url[:80])}</small></div>"
            )
        return f'<img class="{css}" src="{esc(source)}" alt="{alt}">'

    def _input(self, block: Json) -> str:
        optional = ' <span class="optional">(optional)</span>' if block.get("optional") else ""
        label = f'<div class="input-label">{self.text(block.get("label"))}{optional}</div>'
        hint = block.get("hint")
        hint_html = f'<div class="input-hint">{self.text(hint)}</div>' if hint else ""
        control = self.element(block.get("element") or {}, in_input=True)
        return f'<div class="b-input">{label}{control}{hint_html}</div>'

    def _rich_text(self, block: Json) -> str:
        return f'<div class="b-rich">{"".join(_rich(e) for e in block.get("elements") or [])}</div>'

    def element(self, element: Json, *, in_input: bool = False) -> str:
        kind = str(element.get("type"))
        if kind == "button":
            style = element.get("style")
            css = f"btn btn-{style}" if style in ("primary", "danger") else "btn"
            return f'<span class="{css}">{self.text(element.get("text"))}</span>'
        if kind in ("checkboxes", "radio_buttons"):
            return self._options(element, radio=kind == "radio_buttons")
        if kind in SELECTS:
            return self._select(element, SELECTS[kind])
        if kind in TEXT_INPUTS:
            return self._text_input(element)
        if kind == "overflow":
            return '<span class="btn overflow">⋯</span>'
        if kind == "image":
            return self._img(element, "accessory-img")
        if kind in ("datepicker", "timepicker"):
            value = element.get("initial_date") or element.get("initial_time")
            shown = esc(value) if value else self._placeholder(element, "Select a date")
            return f'<div class="select">📅 {shown}</div>'
        return _unsupported(f"element type {kind!r}")

    def _placeholder(self, element: Json, default: str) -> str:
        placeholder = element.get("placeholder")
        shown = self.text(placeholder) if placeholder else esc(default)
        return f'<span class="placeholder">{shown}</span>'

    def _options(self, element: Json, *, radio: bool) -> str:
        chosen = [o.get("value") for o in element.get("initial_options") or []]
        if element.get("initial_option"):
            chosen.append(element["initial_option"].get("value"))
        rows = []
        for option in element.get("options") or []:
            on = option.get("value") in chosen
            box = "box radio" if radio else "box"
            tick = "✓" if on and not radio else ""
            css = "option on" if on else "option"
            description = option.get("description")
            detail = (
                f'<div class="option-desc">{self.text(description)}</div>' if description else ""
            )
            rows.append(
                f'<div class="{css}"><span class="{box}">{tick}</span>'
                f"<div>{self.text(option.get('text'))}{detail}</div></div>"
            )
        return f'<div class="options">{"".join(rows)}</div>'

    def _select(self, element: Json, default: str) -> str:
        initial = element.get("initial_option")
        if initial:
            shown = self.text(initial.get("text"))
        elif element.get("initial_options"):
            shown = ", ".join(self.text(o.get("text")) for o in element["initial_options"])
        else:
            shown = self._placeholder(element, default)
        return f'<div class="select"><span class="select-value">{shown}</span><span>⌄</span></div>'

    def _text_input(self, element: Json) -> str:
        value = element.get("initial_value")
        shown = text_html(str(value)) if value else self._placeholder(element, "")
        css = "text-input multiline" if element.get("multiline") else "text-input"
        return f'<div class="{css}">{shown}</div>'


def _rich(element: Json) -> str:
    """rich_text sections, lists, quotes and preformatted text, with their inline styles."""
    kind = element.get("type")
    inner = "".join(_rich_inline(e) for e in element.get("elements") or [])
    if kind == "rich_text_list":
        items = "".join(f"<li>{_rich(e)}</li>" for e in element.get("elements") or [])
        tag = "ol" if element.get("style") == "ordered" else "ul"
        return f"<{tag}>{items}</{tag}>"
    if kind == "rich_text_quote":
        return f"<blockquote>{inner}</blockquote>"
    if kind == "rich_text_preformatted":
        return f'<pre class="code-block">{inner}</pre>'
    return f"<div>{inner}</div>"


def _rich_inline(element: Json) -> str:
    kind = element.get("type")
    if kind == "text":
        out = text_html(str(element.get("text", "")))
        style = element.get("style") or {}
        for key, tag in (("bold", "b"), ("italic", "i"), ("strike", "s"), ("code", "code")):
            if style.get(key):
                out = f"<{tag}>{out}</{tag}>"
        return out
    if kind == "link":
        return f'<a class="link">{esc(element.get("text") or element.get("url", ""))}</a>'
    if kind == "emoji":
        return emojize(f":{element.get('name', '')}:")
    if kind == "user":
        return f'<span class="mention">@{esc(element.get("user_id", ""))}</span>'
    return _unsupported(f"rich text element {kind!r}")


def _unsupported(what: str) -> str:
    return f'<div class="unsupported">Not drawn by the preview: {esc(what)}</div>'
