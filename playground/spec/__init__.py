"""The official Chat Completions JSON Schema (prose stripped) and validators built from it."""
