"""Following a question: tell people when what they asked about is confirmed, denied or changes.

A follow keeps the question, its filters and the claims of the answer last announced. After
every index update (`notice`), each follow whose terms meet the new or changed articles is
answered again and compared with that answer (`compare`); what changed is recorded with its
deliveries in one transaction (`store`) and then sent: posted by the Discord bot, listed by
`factdesk follows --changes` and `GET /follows/{id}/changes`, and POSTed to an optional
webhook (`webhook`). A delivery is marked sent only after it went out, so a crash in between
loses nothing; what is sent carries a stable id, so a crash after sending cannot post it twice.
"""
