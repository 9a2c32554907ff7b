"""Previews of every message the bot sends: Block Kit rendered as Slack-like HTML, then PNG.

`python -m bot preview` (or `scripts/preview`) builds each message kind from the real view
functions with example data (`bot.preview.examples`), renders it with `bot.preview.html`, and
screenshots it with headless Chromium when one is installed (`bot.preview.shoot`). Nothing
here runs inside the bot: it exists so people can see the cards before installing the app and
so changes to the views can be looked at, not only tested.
"""
