"""The `factdesk` command and how its output looks in a terminal."""
