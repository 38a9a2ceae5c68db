"""A realistic value for every request option, used to build bodies in the params tests.

JSON options use the registry's own examples, so those examples are tested too.
"""

from playground.params.registry import PARAMS

BASE = {"model": "gpt-4o", "messages": [{"role": "user", "content": "Say hi in JSON."}]}

_SCALARS = {
    "model": "gpt-4.1-mini",
    "temperature": 0.7,
    "top_p": 0.9,
    "frequency_penalty": 0.5,
    "presence_penalty": -0.25,
    "seed": 42,
    "max_completion_tokens": 256,
    "max_tokens": 128,
    "n": 2,
    "top_logprobs": 5,
    "stop": ["\n\n", "END\t", "back\\slash"],
    "stream": True,
    "logprobs": True,
    "store": False,
    "parallel_tool_calls": False,
    "modalities": ["text", "audio"],
    "verbosity": "low",
    "reasoning_effort": "high",
    "service_tier": "flex",
    "prompt_cache_retention": "24h",
    "prompt_cache_key": "support-bot-v2",
    "safety_identifier": "user-5f2a",
    "user": "user-1234",
    "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
}

SAMPLES = {
    param.name: _SCALARS[param.name] if param.name in _SCALARS else param.example
    for param in PARAMS
}

# Sets of options that make sense together: each, added to BASE, must pass every check.
COMBINATIONS = (
    ("temperature", "frequency_penalty", "presence_penalty", "seed", "logit_bias", "n"),
    ("top_p", "stream", "stream_options", "logprobs", "top_logprobs", "max_completion_tokens", "stop"),
    ("tools", "tool_choice", "parallel_tool_calls", "response_format", "store", "metadata"),
    ("modalities", "audio", "service_tier", "safety_identifier", "moderation"),
    ("functions", "function_call", "max_tokens", "user", "prompt_cache_retention"),
    ("reasoning_effort", "verbosity", "web_search_options", "prompt_cache_key",
     "prompt_cache_options", "prediction", "model", "messages"),
)


def body_with(*names: str) -> dict:
    return {**BASE, **{name: SAMPLES[name] for name in names}}

