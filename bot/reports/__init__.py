"""Stats, timesheets, digests and charts: the figures a project reports, computed once for
the CLI, Slack and the scheduler."""
