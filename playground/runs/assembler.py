"""Assembling a streamed answer from chat.completion.chunk payloads, per choice.

`Assembler.add_chunk` returns, for each chunk, only what is new (per choice), which is what a
frame to the browser carries. The assembler also keeps the whole answer, to checkpoint and to
store as a CreateChatCompletionResponse at the end.
"""

from dataclasses import dataclass, field


@dataclass
class ToolCallState:
    id: str = ""
    type: str = "function"
    name: str = ""
    arguments: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"id": self.id, "type": self.type, "function": {"name": self.name, "arguments": "".join(self.arguments)}}


@dataclass
class ChoiceState:
    index: int
    role: str = "assistant"
    content: list[str] = field(default_factory=list)
    refusal: list[str] = field(default_factory=list)
    tool_calls: dict[int, ToolCallState] = field(default_factory=dict)
    function_call: dict | None = None
    logprobs: list[dict] = field(default_factory=list)
    refusal_logprobs: list[dict] = field(default_factory=list)
    audio_id: str = ""
    audio_data: list[str] = field(default_factory=list)
    audio_transcript: list[str] = field(default_factory=list)
    audio_expires_at: int | None = None
    finish_reason: str | None = None

    def snapshot(self) -> dict:
        """The choice as stored in a checkpoint (and sent whole in a snapshot frame)."""
        out = {"index": self.index, "content": "".join(self.content), "finish_reason": self.finish_reason}
        if self.refusal:
            out["refusal"] = "".join(self.refusal)
        if self.tool_calls:
            out["tool_calls"] = [self.tool_calls[i].as_dict() for i in sorted(self.tool_calls)]
        if self.function_call:
            out["function_call"] = self.function_call
        if self.logprobs:
            out["logprobs"] = self.logprobs
        if self.refusal_logprobs:
            out["refusal_logprobs"] = self.refusal_logprobs
        if self.audio_data or self.audio_transcript or self.audio_id:
            out["audio"] = {
                "id": self.audio_id,
                "data": "".join(self.audio_data),
                "transcript": "".join(self.audio_transcript),
                "expires_at": self.audio_expires_at,
            }
        return out

    def message(self) -> dict:
        """The choice as a response `message` (ChatCompletionResponseMessage)."""
        content = "".join(self.content)
        message = {"role": self.role, "content": content if (content or not (self.tool_calls or self.function_call)) else None,
                   "refusal": "".join(self.refusal) or None}
        if self.tool_calls:
            message["tool_calls"] = [self.tool_calls[i].as_dict() for i in sorted(self.tool_calls)]
        if self.function_call:
            message["function_call"] = self.function_call
        if self.audio_id or self.audio_data:
            message["audio"] = {"id": self.audio_id, "data": "".join(self.audio_data),
                                "transcript": "".join(self.audio_transcript), "expires_at": self.audio_expires_at or 0}
        return message


def _apply_delta(choice: ChoiceState, delta: dict, logprobs: dict | None) -> dict:
    """Fold one choice delta into the state; return what was new, in frame form."""
    new: dict = {}
    if delta.get("role"):
        choice.role = delta["role"]
    if delta.get("content"):
        choice.content.append(delta["content"])
        new["content"] = delta["content"]
    if delta.get("refusal"):
        choice.refusal.append(delta["refusal"])
        new["refusal"] = delta["refusal"]
    for call in delta.get("tool_calls") or []:
        index = call.get("index", 0)
        state = choice.tool_calls.setdefault(index, ToolCallState())
        piece = {"index": index}
        if call.get("id"):
            state.id = piece["id"] = call["id"]
        if call.get("type"):
            state.type = call["type"]
        function = call.get("function") or {}
        if function.get("name"):
            state.name = piece["name"] = function["name"]
        if function.get("arguments"):
            state.arguments.append(function["arguments"])
            piece["arguments"] = function["arguments"]
        new.setdefault("tool_calls", []).append(piece)
    if delta.get("function_call"):
        fc = delta["function_call"]
        current = choice.function_call or {"name": "", "arguments": ""}
        current["name"] = fc.get("name") or current["name"]
        current["arguments"] += fc.get("arguments") or ""
        choice.function_call = current
        new["function_call"] = fc
    audio = delta.get("audio")
    if audio:
        if audio.get("id"):
            choice.audio_id = audio["id"]
        if audio.get("expires_at"):
            choice.audio_expires_at = audio["expires_at"]
        piece = {}
        if audio.get("data"):
            choice.audio_data.append(audio["data"])
            piece["data"] = audio["data"]
        if audio.get("transcript"):
            choice.audio_transcript.append(audio["transcript"])
            piece["transcript"] = audio["transcript"]
        if piece:
            new["audio"] = piece
    if logprobs:
        if logprobs.get("content"):
            choice.logprobs.extend(logprobs["content"])
            new["logprobs"] = logprobs["content"]
        if logprobs.get("refusal"):
            choice.refusal_logprobs.extend(logprobs["refusal"])
    return new


class Assembler:
    def __init__(self):
        self.choices: dict[int, ChoiceState] = {}
        self.id = ""
        self.model = ""
        self.created = 0
        self.system_fingerprint = None
        self.service_tier = None
        self.usage = None
        self.chunks = 0

    def _meta(self, payload: dict) -> None:
        self.id = payload.get("id") or self.id
        self.model = payload.get("model") or self.model
        self.created = payload.get("created") or self.created
        self.system_fingerprint = payload.get("system_fingerprint") or self.system_fingerprint
        self.service_tier = payload.get("service_tier") or self.service_tier
        if payload.get("usage"):
            self.usage = payload["usage"]

    def choice(self, index: int) -> ChoiceState:
        if index not in self.choices:
            self.choices[index] = ChoiceState(index)
        return self.choices[index]

    def add_chunk(self, chunk: dict) -> list[dict]:
        """Fold in one chat.completion.chunk; return the new parts as [{"index", ...}] (empty ones left out)."""
        self.chunks += 1
        self._meta(chunk)
        news = []
        for raw in chunk.get("choices") or []:
            choice = self.choice(raw.get("index", 0))
            new = _apply_delta(choice, raw.get("delta") or {}, raw.get("logprobs"))
            if raw.get("finish_reason"):
                choice.finish_reason = new["finish_reason"] = raw["finish_reason"]
            if new:
                news.append({"index": choice.index, **new})
        return news

    def add_response(self, response: dict) -> list[dict]:
        """Fold in a whole (stream: false) chat.completion response, as if it were one chunk."""
        self.chunks += 1
        self._meta(response)
        news = []
        for raw in response.get("choices") or []:
            message = dict(raw.get("message") or {})
            for i, call in enumerate(message.get("tool_calls") or []):
                call.setdefault("index", i)
            choice = self.choice(raw.get("index", 0))
            new = _apply_delta(choice, message, raw.get("logprobs"))
            if raw.get("finish_reason"):
                choice.finish_reason = new["finish_reason"] = raw["finish_reason"]
            news.append({"index": choice.index, **new})
        return news

    def snapshot(self) -> list[dict]:
        return [self.choices[i].snapshot() for i in sorted(self.choices)]

    def content_parts(self, index: int = 0) -> list[str]:
        """The pieces of a choice's text so far, in arrival order (a reader remembers how many it has
        seen, so following a stream costs only what is new)."""
        choice = self.choices.get(index)
        return choice.content if choice is not None else []

    def text_length(self) -> int:
        return sum(len(part) for c in self.choices.values() for part in c.content)

    def response(self) -> dict:
        """The whole answer in the shape of CreateChatCompletionResponse."""
        choices = []
        for i in sorted(self.choices):
            c = self.choices[i]
            logprobs = None
            if c.logprobs or c.refusal_logprobs:
                logprobs = {"content": c.logprobs or None, "refusal": c.refusal_logprobs or None}
            choices.append({"index": i, "message": c.message(), "finish_reason": c.finish_reason, "logprobs": logprobs})
        response = {"id": self.id, "object": "chat.completion", "created": self.created, "model": self.model, "choices": choices}
        if self.system_fingerprint:
            response["system_fingerprint"] = self.system_fingerprint
        if self.service_tier:
            response["service_tier"] = self.service_tier
        if self.usage:
            response["usage"] = self.usage
        return response


def merge_news(pending: dict[int, dict], news: list[dict]) -> None:
    """Merge new parts into the pending (not yet published) parts per choice, in order."""
    for new in news:
        into = pending.setdefault(new["index"], {"index": new["index"]})
        for key in ("content", "refusal"):
            if key in new:
                into[key] = into.get(key, "") + new[key]
        if "logprobs" in new:
            into["logprobs"] = into.get("logprobs", []) + new["logprobs"]
        if "finish_reason" in new:
            into["finish_reason"] = new["finish_reason"]
        if "function_call" in new:
            fc = into.setdefault("function_call", {})
            if new["function_call"].get("name"):
                fc["name"] = new["function_call"]["name"]
            fc["arguments"] = fc.get("arguments", "") + (new["function_call"].get("arguments") or "")
        if "audio" in new:
            audio = into.setdefault("audio", {})
            for key in ("data", "transcript"):
                if key in new["audio"]:
                    audio[key] = audio.get(key, "") + new["audio"][key]
        for call in new.get("tool_calls", []):
            calls = into.setdefault("tool_calls", [])
            same = next((c for c in calls if c["index"] == call["index"]), None)
            if same is None:
                calls.append(dict(call))
                continue
            for key in ("id", "name"):
                if key in call:
                    same[key] = call[key]
            if "arguments" in call:
                same["arguments"] = same.get("arguments", "") + call["arguments"]
