"""factdesk on Discord: the client, the handlers behind its commands, rate limits and formatting."""
