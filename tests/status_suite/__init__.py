"""The end-to-end status suite of issue 21: articles written for it, a question, and the status and
claimant every cited claim must have, checked through the product's own path (`factdesk index`,
then `factdesk ask --json`).

The cases are data, one YAML file per family in `families/` (format in `cases.py`); they were
written from the definitions of the statuses (README, issue 21), never from the tagger's code.
`python -m tests.status_suite` prints the held / total table per family;
`pytest -m status_suite` runs every case as a test.
"""
