"""The parameter registry app: every Chat Completions request option, its form field, its rules."""
