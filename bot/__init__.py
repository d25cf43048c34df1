"""Answering questions from the index, and the ways people reach it (CLI, Discord)."""
