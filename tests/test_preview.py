"""The preview tool: every message kind builds from the real views, the HTML renderer draws each
block type honestly and escapes text, and the command writes its HTML without Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.app import app
from bot.preview import build as build_module
from bot.preview.build import build, listing
from bot.preview.example_data import example
from bot.preview.examples import all_shots, renderer
from bot.preview.frames import index_page, shot_html
from bot.preview.html import BlockRenderer
from bot.preview.mrkdwn import Mrkdwn, markdown_html
from bot.preview.shots import Post, Shot
from bot.views.labeling_card import render_item_card

HOSTILE = "<script>alert(1)</script> <!channel> <@U0HOSTILE1> <https://evil.example|click> *x*"


@pytest.fixture(scope="module")
def shots() -> list[Shot]:
    return all_shots()


def test_every_message_kind_builds_from_the_views(shots: list[Shot]) -> None:
    names = [shot.name for shot in shots]
    assert len(names) == len(set(names)) >= 40
    for expected in ("labeling-card", "review-post", "app-home", "daily-digest", "unsure-modal"):
        assert expected in names
    for shot in shots:
        if shot.view is not None:
            assert shot.view["type"] in ("modal", "home") and shot.view["blocks"]
            continue
        assert shot.posts, shot.name
        for post in shot.posts:
            assert post.blocks or post.file, shot.name
            assert post.text or post.file, shot.name
    assert sum(shot.main for shot in shots) >= 4


def test_every_kind_renders_without_unsupported_blocks(shots: list[Shot]) -> None:
    draw = renderer()
    for shot in shots:
        html = shot_html(draw, shot)
        assert "Not drawn by the preview" not in html, shot.name
        assert "<script" not in html


def test_sections_fields_and_accessories() -> None:
    blocks = [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "*Title*"},
            "accessory": {"type": "button", "text": {"type": "plain_text", "text": "Open"}},
        },
        {
            "type": "section",
            "fields": [{"type": "mrkdwn", "text": "*A*\n1"}, {"type": "mrkdwn", "text": "_B_"}],
        },
    ]
    html = BlockRenderer().blocks(blocks)
    assert "<b>Title</b>" in html and 'class="accessory"' in html and ">Open<" in html
    assert html.count('class="field"') == 2 and "<i>B</i>" in html and "1" in html


def test_buttons_keep_their_style() -> None:
    buttons = [
        {"type": "button", "text": {"type": "plain_text", "text": t}, **extra}
        for t, extra in (("Yes", {"style": "primary"}), ("Stop", {"style": "danger"}), ("Skip", {}))
    ]
    html = BlockRenderer().block({"type": "actions", "elements": buttons})
    assert '<span class="btn btn-primary">Yes</span>' in html
    assert '<span class="btn btn-danger">Stop</span>' in html
    assert '<span class="btn">Skip</span>' in html


def test_header_divider_context_and_images() -> None:
    draw = BlockRenderer(images={"https://x.example/a.png": "data:image/png;base64,AA"})
    html = draw.blocks(
        [
            {"type": "header", "text": {"type": "plain_text", "text": "Daily :tada:"}},
            {"type": "divider"},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "small `code`"}]},
            {"type": "image", "image_url": "https://x.example/a.png", "alt_text": "a"},
            {"type": "image", "image_url": "https://x.example/b.png", "alt_text": "b"},
        ]
    )
    assert 'class="b-header">Daily 🎉<' in html and '<hr class="b-divider">' in html
    assert 'class="b-context"' in html and "<code>code</code>" in html
    assert 'src="data:image/png;base64,AA"' in html
    assert 'class="image missing"' in html and "https://x.example/b.png" in html


def test_form_controls_show_initial_values_and_placeholders() -> None:
    options = [{"text": {"type": "plain_text", "text": t}, "value": t} for t in ("a", "b")]
    draw = BlockRenderer()
    chosen = draw.element(
        {"type": "static_select", "options": options, "initial_option": options[1]}
    )
    empty = draw.element({"type": "static_select", "options": options})
    boxes = draw.element(
        {"type": "checkboxes", "options": options, "initial_options": [options[0]]}
    )
    text = draw.element({"type": "plain_text_input", "multiline": True, "initial_value": "hi"})
    assert ">b<" in chosen and "placeholder" not in chosen
    assert 'class="placeholder">Select an item<' in empty
    assert boxes.count('class="option on"') == 1 and boxes.count('class="option"') == 1
    assert 'class="text-input multiline">hi<' in text


def test_input_block_labels_optional_fields() -> None:
    block = {
        "type": "input",
        "optional": True,
        "label": {"type": "plain_text", "text": "Note"},
        "element": {"type": "plain_text_input"},
    }
    html = BlockRenderer().block(block)
    assert "Note" in html and "(optional)" in html and 'class="text-input"' in html


def test_unknown_types_are_drawn_as_visible_gaps() -> None:
    html = BlockRenderer().blocks(
        [{"type": "video"}, {"type": "actions", "elements": [{"type": "x"}]}]
    )
    assert html.count("Not drawn by the preview") == 2


def test_rich_text_and_markdown_blocks() -> None:
    rich = {
        "type": "rich_text",
        "elements": [
            {
                "type": "rich_text_section",
                "elements": [{"type": "text", "text": "bold", "style": {"bold": True}}],
            }
        ],
    }
    assert "<b>bold</b>" in BlockRenderer().block(rich)
    html = markdown_html("# Title\n**b** and [link](https://a.example)\n- item")
    assert 'md-heading">Title<' in html and "<b>b</b>" in html and "• item" in html
    assert 'href="https://a.example"' in html


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("*b* _i_ ~s~", "<b>b</b> <i>i</i> <s>s</s>"),
        ("snake_case_name", "snake_case_name"),
        ("`a *b*`", "<code>a *b*</code>"),
        ("```\nx &lt; y\n```", '<pre class="code-block">x &lt; y</pre>'),
        ("> quoted\nnot", "<blockquote>quoted</blockquote>not"),
        ("&lt;b&gt; &amp;", "&lt;b&gt; &amp;"),
        ("<https://a.example|label>", '<a class="link" href="https://a.example">label</a>'),
        ("<javascript:alert(1)|label>", "label"),
        ("<@U02ALICE001>", '<span class="mention">@Alice</span>'),
        ("<!here>", '<span class="mention broadcast">@here</span>'),
        ("<!date^1700000000^{date_short}|14 Nov 2023>", "14 Nov 2023"),
        (":tada: :not_an_emoji:", "🎉 :not_an_emoji:"),
    ],
)
def test_mrkdwn(source: str, expected: str) -> None:
    assert Mrkdwn({"U02ALICE001": "Alice"}).render(source) == expected


def test_hostile_item_text_shows_as_text_on_a_real_card() -> None:
    ex = example("review-sentiment")
    message = render_item_card(
        title=ex.title,
        spec=ex.spec,
        data={"text": HOSTILE, "product": "<!here>", "stars": "1"},
        state=ex.state(lease_id=1),
        remaining=1,
        today=0,
    )
    shot = Shot("hostile", "Hostile", "DM", "test", [Post.of(message)])
    html = shot_html(BlockRenderer(), shot)
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "mention" not in html and 'href="https://evil.example"' not in html
    page = index_page(BlockRenderer(), [shot])
    assert "<script" not in page.split("</style>", 1)[1]


def test_build_writes_html_without_chromium(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shots: list[Shot]
) -> None:
    monkeypatch.setattr(build_module, "find_chromium", lambda: None)
    monkeypatch.setattr(build_module, "all_shots", lambda: shots)
    built = build(tmp_path)
    assert built.skipped_png is not None and "Chromium not found" in built.skipped_png
    assert not list(tmp_path.glob("*.png"))
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert all(f'id="{shot.name}"' in index for shot in shots)
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == listing(shots)


def test_build_removes_screenshots_of_kinds_that_are_gone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shots: list[Shot]
) -> None:
    monkeypatch.setattr(build_module, "find_chromium", lambda: None)
    monkeypatch.setattr(build_module, "all_shots", lambda: shots)
    old = Shot("renamed-kind", "Old", "DM", "test", [])
    (tmp_path / "README.md").write_text(listing([old]), encoding="utf-8")
    (tmp_path / "renamed-kind.png").write_bytes(b"png")
    (tmp_path / "unrelated.png").write_bytes(b"png")
    build(tmp_path)
    assert not (tmp_path / "renamed-kind.png").exists()
    assert (tmp_path / "unrelated.png").exists()


def test_preview_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["preview", "--out", str(tmp_path), "--no-png"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "index.html").exists() and (tmp_path / "README.md").exists()
    unknown = runner.invoke(app, ["preview", "--out", str(tmp_path), "--only", "nope"])
    assert unknown.exit_code == 1 and "no such message kind: nope" in unknown.output


def test_listing_links_every_png(shots: list[Shot]) -> None:
    text = listing(shots)
    for shot in shots:
        assert f"]({shot.name}.png)" in text


def test_notifications_draw_the_text_field_as_slack_parses_it() -> None:
    post = Post([], "Title: <!channel> and <@U02ALICE001>")
    html = shot_html(
        BlockRenderer({"U02ALICE001": "Alice"}),
        Shot("n", "N", "DM", "test", [post], notifications=True),
    )
    assert 'class="toast"' in html
    assert '<span class="mention broadcast">@channel</span>' in html and "@Alice" in html
