"""Slack's chrome around the blocks: a channel or DM with the app's messages, a modal with
its title and buttons, the App Home tab; and the HTML pages that hold them."""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping, Sequence
from typing import Any

from bot.preview.css import CSS
from bot.preview.html import BlockRenderer, esc
from bot.preview.shots import Post, Shot

APP_NAME = "Labeler"
TIME = "10:42 AM"  # fixed, so regenerated screenshots differ only where a view changed
AVATAR = '<div class="avatar">L</div>'


def png_uri(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode()


def _message(renderer: BlockRenderer, post: Post, *, first: bool) -> str:
    head = (
        f'<div class="msg-head"><span class="app-name">{APP_NAME}</span>'
        f'<span class="badge">APP</span><span class="time">{TIME}</span></div>'
    )
    ephemeral = '<div class="ephemeral">👁 Only visible to you</div>' if post.ephemeral else ""
    body = renderer.blocks(post.blocks)
    if post.file is not None:
        title, data = post.file
        body += (
            f'<div class="file"><div class="file-title">{esc(title)}</div>'
            f'<img src="{png_uri(data)}" alt="{esc(title)}"></div>'
        )
    side = AVATAR if first else '<div class="gutter"></div>'
    top = ephemeral + (head if first else "")
    css = "msg" if first else "msg cont"
    return f'<div class="{css}">{side}<div class="msg-body">{top}{body}</div></div>'


def message_frame(
    renderer: BlockRenderer, where: str, posts: Sequence[Post], *, notifications: bool = False
) -> str:
    """Consecutive posts from the app, grouped under one name as Slack groups them; with
    `notifications`, each post's `text` below as the notification Slack derives from it."""
    items = "".join(_message(renderer, post, first=i == 0) for i, post in enumerate(posts))
    bar = f'<div class="bar">{esc(where)}</div>'
    toasts = "".join(_notification(renderer, post) for post in posts if notifications)
    return f'<div class="window">{bar}<div class="messages">{items}</div>{toasts}</div>'


def _notification(renderer: BlockRenderer, post: Post) -> str:
    """The `text` field parsed as mrkdwn, as Slack does for notifications and previews."""
    return (
        '<div class="toast"><div class="toast-label">Notification</div>'
        f'<div class="toast-body">{AVATAR}<div><b>{APP_NAME}</b><br>'
        f"{renderer.mrkdwn.render(post.text)}</div></div></div>"
    )


def modal_frame(renderer: BlockRenderer, view: Mapping[str, Any]) -> str:
    title = renderer.text(view.get("title"))
    close = renderer.text(view.get("close")) or "Cancel"
    submit = view.get("submit")
    buttons = f'<span class="btn">{close}</span>'
    if submit:
        buttons += f'<span class="btn btn-primary">{renderer.text(submit)}</span>'
    return (
        '<div class="backdrop"><div class="modal">'
        f'<div class="modal-head">{AVATAR}<div class="modal-title">{title}</div>'
        '<div class="modal-x">✕</div></div>'
        f'<div class="modal-body">{renderer.blocks(view.get("blocks") or [])}</div>'
        f'<div class="modal-foot">{buttons}</div></div></div>'
    )


def home_frame(renderer: BlockRenderer, view: Mapping[str, Any]) -> str:
    tabs = '<span class="tab on">Home</span><span class="tab">Messages</span>'
    tabs += '<span class="tab">About</span>'
    return (
        f'<div class="window home"><div class="bar">{AVATAR}{APP_NAME}</div>'
        f'<div class="tabs">{tabs}</div>'
        f'<div class="home-body">{renderer.blocks(view.get("blocks") or [])}</div></div>'
    )


def shot_html(renderer: BlockRenderer, shot: Shot) -> str:
    """The shot as Slack would draw it, without captions."""
    if shot.view is None:
        where = shot.channel or shot.where
        return message_frame(renderer, where, shot.posts, notifications=shot.notifications)
    if shot.surface == "home":
        return home_frame(renderer, shot.view)
    return modal_frame(renderer, shot.view)


def page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head>"
        f"<body>{body}</body></html>\n"
    )


def shot_page(renderer: BlockRenderer, shot: Shot) -> str:
    """One shot alone on a white page: what the screenshot is taken of."""
    return page(shot.title, shot_html(renderer, shot))


def index_page(renderer: BlockRenderer, shots: Sequence[Shot]) -> str:
    """Every shot with its title, where it appears, the view that built it, and each
    message's notification text (what Slack shows in notifications and previews)."""
    parts = [
        '<div class="index"><h1>Labeler: every message the bot sends</h1>',
        '<p class="meta">Rendered from the real view functions with example data by '
        "<code>python -m bot preview</code>. Slack's own client may differ in detail.</p>",
    ]
    for shot in shots:
        parts.append(f'<h2 id="{esc(shot.name)}">{esc(shot.title)}</h2>')
        parts.append(f'<div class="meta">{esc(shot.where)} · <code>{esc(shot.source)}</code></div>')
        parts.append(shot_html(renderer, shot))
        for post in shot.posts:
            parts.append(f'<div class="notification">Notification text: {esc(post.text)}</div>')
    parts.append("</div>")
    return page("Labeler: message previews", "".join(parts))
