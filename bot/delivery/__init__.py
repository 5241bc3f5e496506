"""What happens without a user asking: reminders and digests, swept from the database.

The database is the source of truth; a few fixed scheduler jobs sweep for what is due.
This package never imports discord: it talks to Discord through the `Notifier` protocol.
"""
