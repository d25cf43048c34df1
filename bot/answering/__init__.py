"""Turning a question into a checked, cited `Answer`.

engine (the flow) -> evidence (sentences scored against the question) -> selection (extractive)
or prompt + llm + verify (generating) -> conflicts -> wording (the answer text) -> models.
"""
