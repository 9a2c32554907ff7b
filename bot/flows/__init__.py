"""Workflows that join domain steps and rendering for one kind of Slack interaction.

Handlers call these inside a unit of work and send the returned messages; nothing here talks to
Slack, so every step is testable with a session alone.
"""
