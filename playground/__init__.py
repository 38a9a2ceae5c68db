"""The chat playground: a Django + Channels project for the OpenAI Chat Completions API."""
