"""Slack-native data-annotation assistant: domain, views, CLI and composition root."""
