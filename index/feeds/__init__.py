"""Real news in: RSS/Atom feeds, web pages and sitemaps fetched politely into the corpus folder,
and wire copies of one story grouped.

Plain functions for the settings and CLI layers to call (`subscriptions`: the followed feeds;
`fetch`: `fetch_feeds`, `add_urls`; `reprints`: `group_reprints`); nothing here reads the
environment. Fetched articles are Markdown files under `<corpus>/feeds/<host>/`, so the ordinary
`update_index` indexes them like any other article, and only when they change. This package
module imports nothing, so that the settings can read `FetchConfig` without loading the fetcher.
"""
