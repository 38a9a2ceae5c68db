"""A run's lifetime: start, relay to the browser, checkpoint, finish, cancel, re-attach."""
