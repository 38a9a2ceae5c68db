"""A fake OpenAI-compatible Chat Completions server for tests and benchmarks (real HTTP + SSE)."""
