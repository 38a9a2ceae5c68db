// The pieces inside one message of the messages editor: content parts (extra text, image URL with
// detail, an audio file read into base64) and an assistant's hand-typed tool calls. Each renders
// from its API object and reads back into one.

import { cloneTemplate, grow } from "./params-util.js";

const template = (id) => cloneTemplate(document.getElementById(id));
const AUDIO_FORMATS = { wav: "wav", mp3: "mp3", mpeg: "mp3" };

function textPart(part) {
  const box = document.createElement("div");
  box.className = "part part-text";
  const textarea = document.createElement("textarea");
  textarea.className = "part-text-content grow";
  textarea.rows = 1;
  textarea.setAttribute("aria-label", "Text part");
  textarea.value = part.text ?? "";
  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "btn btn-quiet";
  remove.dataset.action = "remove-part";
  remove.setAttribute("aria-label", "Remove this text part");
  remove.textContent = "✕";
  box.append(textarea, remove);
  box.read = () => ({ type: "text", text: textarea.value });
  return box;
}

function imagePart(part) {
  const box = template("part-image-template");
  const image = part.image_url || {};
  box.querySelector(".part-url").value = image.url ?? "";
  box.querySelector(".part-detail").value = image.detail ?? "auto";
  box.read = () => ({
    type: "image_url",
    image_url: { url: box.querySelector(".part-url").value.trim(), detail: box.querySelector(".part-detail").value },
  });
  return box;
}

function kilobytes(base64) {
  return Math.round((base64.length * 3) / 4 / 1024);
}

function audioPart(part, onLoaded) {
  const box = template("part-audio-template");
  const audio = part.input_audio || {};
  const status = box.querySelector(".part-status");
  const format = box.querySelector(".part-format");
  let data = audio.data ?? "";
  format.value = audio.format ?? "wav";
  status.textContent = data ? `${kilobytes(data)} KB of audio` : "no file yet";
  box.querySelector(".part-file").addEventListener("change", (event) => {
    const file = event.target.files[0];
    if (!file) return;
    const extension = file.name.split(".").pop().toLowerCase();
    format.value = AUDIO_FORMATS[extension] || AUDIO_FORMATS[file.type.split("/").pop()] || format.value;
    const reader = new FileReader();
    reader.addEventListener("load", () => {
      data = String(reader.result).split(",", 2)[1] || "";
      status.textContent = `${file.name} · ${kilobytes(data)} KB`;
      onLoaded();
    });
    reader.addEventListener("error", () => { status.textContent = `Could not read ${file.name}.`; });
    status.textContent = `Reading ${file.name}…`;
    reader.readAsDataURL(file);
  });
  box.read = () => ({ type: "input_audio", input_audio: { data, format: format.value } });
  return box;
}

// Parts the editor has no fields for (files, refusals) are kept as they are and shown as a note.
function keptPart(part) {
  const box = document.createElement("div");
  box.className = "part part-kept small muted";
  box.textContent = `A ${part?.type ?? "custom"} part, kept as is (edit it in Messages as JSON).`;
  box.read = () => part;
  return box;
}

export function renderPart(part, onLoaded) {
  switch (part?.type) {
    case "text": return textPart(part);
    case "image_url": return imagePart(part);
    case "input_audio": return audioPart(part, onLoaded);
    default: return keptPart(part);
  }
}

// An empty content part of an API part type ("image_url" or "input_audio").
export function newPart(type, onLoaded) {
  return renderPart(type === "image_url" ? { type, image_url: { url: "", detail: "auto" } }
    : { type, input_audio: { data: "", format: "wav" } }, onLoaded);
}

export function renderToolCall(call = {}) {
  const box = template("message-tool-call-template");
  const fn = call.function || {};
  box.querySelector(".call-id").value = call.id ?? "";
  box.querySelector(".call-name").value = fn.name ?? "";
  box.querySelector(".call-args").value = fn.arguments ?? "";
  box.read = () => ({
    id: box.querySelector(".call-id").value.trim(),
    type: "function",
    function: { name: box.querySelector(".call-name").value.trim(), arguments: box.querySelector(".call-args").value },
  });
  return box;
}

// The first text part is edited in the message's main box; every other part gets its own fields.
export function splitContent(content) {
  if (!Array.isArray(content)) return { text: content ?? "", parts: [] };
  const first = content.findIndex((part) => part?.type === "text");
  return {
    text: first >= 0 ? content[first].text ?? "" : "",
    parts: content.filter((_part, index) => index !== first),
  };
}

export function growAll(root) {
  root.querySelectorAll("textarea").forEach(grow);
}
