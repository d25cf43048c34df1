"""Measuring factdesk on public data it was not written from: claim statuses and answers."""
