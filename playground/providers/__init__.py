"""Talking to OpenAI-compatible servers: the HTTP client, SSE, typed errors, model lists."""
