"""factdesk over HTTP: a JSON API (`/ask`, `/status`, `/healthz`) and one page that uses it.

`create_app` builds the Starlette application (tests build it too); `server.serve` runs it with
uvicorn for `factdesk serve`; `client.ask_server` is what `factdesk ask --server` uses.
"""
