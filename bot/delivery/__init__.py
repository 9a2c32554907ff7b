"""Work that talks to the Slack Web API over time, outside a request: review posts and their
updates, paced channel posts, export uploads, digests, the leads' quarantine DMs and live
cards. Flows decide what to send; this package sends it and records what Slack answered."""
