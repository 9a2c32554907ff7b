"""Scheduled jobs and the leader election that lets one process run them."""
