"""Figures and lead messages: `/label stats`, `/label me`, App Home, the digests, the leads'
quality and quarantine DMs, and `/label help`, from the real view functions."""

from __future__ import annotations

import importlib
import pkgutil

from bot.preview import example_stats as figures
from bot.preview.example_data import LEAD, SAM, example
from bot.preview.shots import Post, Shot, ephemeral
from bot.views.choices import choice_label
from bot.views.digest import render_daily, render_lead_quality, render_weekly
from bot.views.help import render_help
from bot.views.home import HomeProject, render_home
from bot.views.quarantine import render_quarantine_dm, render_released
from bot.views.stats import render_my_stats, render_stats

LEAD_DM = "Labeler · direct message (to a project lead)"


def stats_shots() -> list[Shot]:
    stats = figures.project_stats()
    return [
        ephemeral(
            "stats",
            "/label stats (as a lead: per-annotator figures)",
            "bot.views.stats.render_stats",
            render_stats(stats, for_lead=True),
            main=True,
        ),
        ephemeral(
            "my-stats",
            "/label me: your figures, hours, pay and bonus",
            "bot.views.stats.render_my_stats",
            render_my_stats(figures.my_figures()),
        ),
    ]


def home_shots() -> list[Shot]:
    sentiment, support = example("review-sentiment"), example("support-intent")
    preference = example("llm-preference")
    projects = [
        HomeProject(
            project_id=sentiment.project.id,
            title=sentiment.title,
            description=sentiment.spec.description,
            complete=1876,
            total=3120,
            paused=False,
            today=23,
            mine=1204,
            guidelines_url=sentiment.spec.guidelines.url,
            available=412,
            held_by_others=6,
            lease_minutes=sentiment.spec.lease_minutes,
        ),
        HomeProject(
            project_id=support.project.id,
            title=support.title,
            description=support.spec.description,
            complete=20,
            total=20,
            paused=False,
            today=0,
            mine=14,
            guidelines_url=None,
            available=0,
            held_by_others=0,
            lease_minutes=support.spec.lease_minutes,
        ),
        HomeProject(
            project_id=preference.project.id,
            title=preference.title,
            description=preference.spec.description,
            complete=0,
            total=18,
            paused=True,
            today=0,
            mine=0,
            guidelines_url=None,
            available=18,
            held_by_others=0,
            lease_minutes=preference.spec.lease_minutes,
        ),
    ]
    return [
        Shot(
            "app-home",
            "App Home: your projects (one in progress, one finished, one paused)",
            "Labeler · Home tab",
            "bot.views.home.render_home",
            view=render_home(projects, today=23, total=1218),
            main=True,
        )
    ]


def digest_shots() -> list[Shot]:
    daily, weekly = figures.daily(), figures.weekly()
    title = daily.stats.title
    message = render_daily(daily)
    chart = Post([], "", file=(f"{title}: progress", daily.chart))
    with_model = figures.weekly_with_model()
    assert with_model.chart is not None
    learning_curve = Post([], "", file=(f"{title}: model learning curve", with_model.chart))
    quality = render_lead_quality(title, weekly.quality, weekly=True)
    flags = render_lead_quality(title, daily.flags, weekly=False)
    assert quality is not None and flags is not None
    return [
        Shot(
            "daily-digest",
            "Daily digest with its chart",
            "#sentiment-digest (the project's digest channel)",
            "bot.views.digest.render_daily, bot.charts.progress_chart",
            [Post.of(message), chart],
            main=True,
        ),
        Shot(
            "weekly-digest",
            "Weekly quality summary",
            "#sentiment-review (the project's review channel)",
            "bot.views.digest.render_weekly",
            [Post.of(render_weekly(weekly))],
        ),
        Shot(
            "weekly-digest-model",
            "Weekly quality summary of a project with its own model, and the learning curve",
            "#sentiment-review (the project's review channel)",
            "bot.views.digest.render_weekly, bot.views.model_figures.model_blocks, "
            "bot.reports.charts.learning_curve_chart",
            [Post.of(render_weekly(with_model)), learning_curve],
        ),
        Shot(
            "lead-quality-weekly",
            "Weekly annotator quality, to each lead",
            LEAD_DM,
            "bot.views.digest.render_lead_quality",
            [Post.of(quality)],
        ),
        Shot(
            "lead-quality-daily",
            "Daily calibration flags, to each lead",
            LEAD_DM,
            "bot.views.digest.render_lead_quality",
            [Post.of(flags)],
        ),
    ]


def quarantine_shots() -> list[Shot]:
    ex = example("review-sentiment")
    bar = ex.spec.quality.quarantine_below or 0.0
    held = render_quarantine_dm(
        title=ex.title,
        quarantine_id=3,
        annotator=SAM,
        accuracy=0.41,
        answers=212,
        bar=bar,
        overused=(choice_label(ex.spec, "positive"), 2.8),
    )
    return [
        Shot(
            "quarantine-dm",
            "An annotator is quarantined, to each lead",
            LEAD_DM,
            "bot.views.quarantine.render_quarantine_dm",
            [Post.of(held)],
        ),
        Shot(
            "quarantine-released",
            "The same DM after a lead pressed Release",
            LEAD_DM,
            "bot.views.quarantine.render_released",
            [Post.of(render_released(ex.title, SAM, LEAD))],
        ),
    ]


def help_shots() -> list[Shot]:
    """`/label help` for a lead: every registered subcommand, as `show_help` lists them."""
    import handlers
    from handlers.subcommands import REGISTRY

    for info in sorted(pkgutil.iter_modules(handlers.__path__), key=lambda m: m.name):
        importlib.import_module(f"handlers.{info.name}")
    rows = [(c.usage, c.summary) for c in REGISTRY.values()]
    return [
        ephemeral(
            "help", "/label help (as a lead)", "bot.views.help.render_help", render_help(rows)
        )
    ]


def report_shots() -> list[Shot]:
    return [*stats_shots(), *home_shots(), *digest_shots(), *quarantine_shots(), *help_shots()]
