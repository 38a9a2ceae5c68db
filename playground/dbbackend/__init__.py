"""PostgreSQL backend that starts the embedded server (pgserver) on first connection.

Used only when DATABASE_URL is unset: a fresh machine gets a real PostgreSQL without installing
one. The server's data lives in the project's data folder and is reused across restarts.
"""
