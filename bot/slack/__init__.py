"""The Slack server and its guards: the Bolt app, the HTTP endpoint, request checks,
the Web API client and every id the app declares."""
