"""The shell of the app: the playground page, health check, base socket consumer, security headers."""
