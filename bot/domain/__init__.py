"""Domain rules and workflows. Nothing here imports Slack."""
