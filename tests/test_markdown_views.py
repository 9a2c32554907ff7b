"""Guidelines are written in Markdown and shown in Slack's mrkdwn: formatting converted, every
piece of outside text escaped, long text cut where a reader would cut it."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.views.markdown import mrkdwn_chunks, sections_within, shorten, to_mrkdwn

GUIDELINES = """# Customer sentiment

Label the **overall** sentiment, not a *detail*.

## positive

- praise
- intent to buy again
  - even with a small complaint

1. Read the review.
2. Decide.

See [the style guide](https://example.com/guide?a=1&b=2) and `stars >= 4`.

```
if unsure: ask
```
"""


def test_headings_bold_italic_lists_links_and_code_become_mrkdwn() -> None:
    shown = to_mrkdwn(GUIDELINES)

    assert shown.startswith("*Customer sentiment*\n\n")
    assert "Label the *overall* sentiment, not a _detail_." in shown
    assert "\n*positive*\n" in shown and "##" not in shown and "**" not in shown
    assert "•   praise\n•   intent to buy again\n    ◦   even with a small complaint" in shown
    assert "1.  Read the review.\n2.  Decide." in shown
    assert "<https://example.com/guide?a=1&amp;b=2|the style guide>" in shown
    assert "`stars &gt;= 4`" in shown
    assert "```\nif unsure: ask\n```" in shown


def test_mentions_broadcasts_and_slack_links_in_guidelines_stay_text() -> None:
    hostile = (
        "<!channel> <!here|here> <@U0VICTIM01> <#C0SECRET01> <!subteam^S0TEAM0001> "
        "<https://evil.example|click me> & [ping](!here) [you](@U0VICTIM01) "
        "[room](#C0SECRET01) [mail](mailto:a@example.com) `<!channel>` "
        "[<!everyone>](https://example.com)\n\n```\n<@U0VICTIM01>\n```\n![x](!here)"
    )

    shown = to_mrkdwn(hostile)

    assert "&lt;!channel&gt; &lt;!here|here&gt; &lt;@U0VICTIM01&gt; &lt;#C0SECRET01&gt;" in shown
    assert "&lt;!subteam^S0TEAM0001&gt;" in shown and " &amp; " in shown
    assert "ping you room mail" in shown, "links to anything but http(s) show only their text"
    assert "`&lt;!channel&gt;`" in shown and "```\n&lt;@U0VICTIM01&gt;\n```" in shown
    assert "<https://example.com|&lt;!everyone&gt;>" in shown
    assert _live_openings(shown) == ["<https://example.com|"]


def _live_openings(mrkdwn: str) -> list[str]:
    """Every `<` Slack would parse as the start of markup, with what follows up to `|`/`>`."""
    return re.findall(r"<[^|>]*[|>]?", mrkdwn)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>!@#|&*_`[]()#-\n :/abhtps.")), max_size=80))
def test_whatever_the_markdown_only_http_links_open_markup(markdown: str) -> None:
    for opening in _live_openings(to_mrkdwn(markdown)):
        assert re.match(r"<https?://", opening), opening


def test_long_guidelines_are_cut_between_paragraphs_within_the_limit() -> None:
    paragraphs = [f"Rule {n}: " + "word " * 60 for n in range(12)]

    chunks = mrkdwn_chunks(to_mrkdwn("\n\n".join(paragraphs)), 1000)

    assert all(len(chunk) <= 1000 for chunk in chunks)
    assert [chunk.count("Rule ") for chunk in chunks] == [3, 3, 3, 3]
    assert all(chunk.startswith("Rule ") and chunk.endswith("word") for chunk in chunks)


def test_a_code_block_cut_in_two_is_closed_and_reopened() -> None:
    code = "```\n" + "\n".join(f"line {n} <x>" for n in range(200)) + "\n```"

    chunks = mrkdwn_chunks(to_mrkdwn(code), 1000)

    assert len(chunks) > 1 and all(len(chunk) <= 1000 for chunk in chunks)
    assert all(chunk.startswith("```\n") and chunk.endswith("\n```") for chunk in chunks)


def test_a_line_without_breaks_is_cut_between_words_never_inside_an_entity_or_link() -> None:
    line = "a&b " * 200 + "[tail](https://example.com/" + "x" * 100 + ")"

    chunks = mrkdwn_chunks(to_mrkdwn(line), 300)

    assert all(len(chunk) <= 300 for chunk in chunks)
    assert all(not re.search(r"&(?!amp;)", chunk) for chunk in chunks)
    assert chunks[-1].endswith(">") and chunks[-1].count("<") == 1


def test_shorten_keeps_whole_paragraphs_and_says_something_was_left_out() -> None:
    text = to_mrkdwn("First rule, short.\n\nSecond rule " + "long " * 200)

    assert shorten(text, 100) == "First rule, short.\n…"
    assert shorten("Short.", 100) == "Short."


def test_sections_stop_at_the_budget_and_report_it() -> None:
    text = "\n\n".join(f"Rule {n}. " + "word " * 100 for n in range(10))

    kept, shortened = sections_within(text, 2000)
    everything, cut = sections_within(text, 100_000)

    assert shortened and sum(len(chunk) for chunk in kept) <= 2000
    assert not cut and "Rule 9." in everything[-1]
