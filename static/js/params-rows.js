// Row editors for the map-shaped options, by kind (data-editor): token biases (token ID -> bias,
// with a word-to-token lookup) and key/value pairs (with length counters). Each writes its JSON
// textarea, which is the form field; editing that textarea (or loading a body) rebuilds the rows.
// A typed bias is passed on as typed (the server reads numbers).

import { fire, CHANGED, LOADED, parseJson, cloneTemplate, rawMarker, jsonWithRaw } from "./params-util.js";

function rowsEditor(editor, { rowFromEntry, entryFromRow, onRowChange = () => {} }) {
  const rowsList = editor.querySelector("[data-rows]");
  const canonical = editor.querySelector("[data-canonical]");
  const template = editor.querySelector("[data-row-template]");
  const addButton = editor.querySelector("[data-add-row]");
  const maxRows = Number(editor.dataset.maxRows) || Infinity;

  function rows() {
    return [...rowsList.children];
  }

  function refresh() {
    addButton.disabled = rows().length >= maxRows;
    const head = editor.querySelector("[data-rows-head]");
    if (head) head.hidden = rows().length === 0;
    const count = editor.querySelector("[data-row-count]");
    if (count) count.textContent = rows().length ? `${rows().length} of ${maxRows}` : "";
    rows().forEach(onRowChange);
  }

  function write() {
    const raws = [];
    const entries = rows().map((row) => entryFromRow(row, raws)).filter(Boolean);
    canonical.value = entries.length ? jsonWithRaw(Object.fromEntries(entries), raws) : "";
    canonical.removeAttribute("aria-invalid");
    fire(canonical, CHANGED);
  }

  function addRow(entry = ["", ""]) {
    const row = cloneTemplate(template);
    rowFromEntry(row, entry);
    rowsList.append(row);
    refresh();
    return row;
  }

  function rebuild() {
    const text = canonical.value.trim();
    const { value, error } = text ? parseJson(text) : { value: {} };
    if (error || typeof value !== "object" || value === null || Array.isArray(value)) return;
    rowsList.replaceChildren();
    Object.entries(value).forEach((entry) => addRow(entry));
    refresh();
  }

  addButton.addEventListener("click", () => {
    addRow().querySelector("input").focus();
  });
  rowsList.addEventListener("input", (event) => {
    onRowChange(event.target.closest("li"));
    write();
  });
  rowsList.addEventListener("click", (event) => {
    const remove = event.target.closest(".row-remove");
    if (!remove) return;
    remove.closest("li").remove();
    refresh();
    write();
    addButton.focus();
  });
  canonical.addEventListener("input", rebuild);
  canonical.addEventListener(LOADED, rebuild);
  rebuild();
  return { addRow, rows, write };
}

function setupTokenBias(editor) {
  const rowsApi = rowsEditor(editor, {
    rowFromEntry(row, [token, bias]) {
      row.querySelector(".row-key").value = token;
      row.querySelector(".row-value").value = bias === "" ? "" : String(bias);
      row.querySelector(".row-slider").value = bias === "" ? "0" : String(bias);
    },
    entryFromRow(row, raws) {
      const token = row.querySelector(".row-key").value.trim();
      const bias = row.querySelector(".row-value").value.trim();
      if (!token || bias === "") return null;
      raws.push(bias);
      return [token, rawMarker(raws.length - 1)];
    },
  });
  // The slider drives the number field, which is what the row reads.
  editor.addEventListener("input", (event) => {
    const row = event.target.closest("li");
    if (!row) return;
    if (event.target.matches(".row-slider")) row.querySelector(".row-value").value = event.target.value;
    if (event.target.matches(".row-value")) row.querySelector(".row-slider").value = event.target.value || "0";
  }, true);
  editor.addEventListener("click", (event) => {
    const chip = event.target.closest("[data-token-id]");
    if (!chip) return;
    const id = chip.dataset.tokenId;
    const existing = rowsApi.rows().find((row) => row.querySelector(".row-key").value === id);
    const row = existing || rowsApi.addRow([id, ""]);
    row.querySelector(".row-value").focus();
  });
}

function setupKeyValues(editor) {
  const limits = { "row-key": Number(editor.dataset.maxKey), "row-value": Number(editor.dataset.maxValue) };
  rowsEditor(editor, {
    rowFromEntry(row, [key, value]) {
      row.querySelector(".row-key").value = key;
      row.querySelector(".row-value").value = typeof value === "string" ? value : JSON.stringify(value);
    },
    entryFromRow(row) {
      const key = row.querySelector(".row-key").value;
      return key ? [key, row.querySelector(".row-value").value] : null;
    },
    onRowChange(row) {
      if (!row) return;
      for (const counter of row.querySelectorAll("[data-counter-for]")) {
        const field = row.querySelector(`.${counter.dataset.counterFor}`);
        const limit = limits[counter.dataset.counterFor];
        counter.textContent = `${field.value.length}/${limit}`;
        counter.classList.toggle("at-limit", field.value.length >= limit);
      }
    },
  });
}

export function setupRowEditors(root) {
  root.querySelectorAll('[data-editor="token-bias"]').forEach(setupTokenBias);
  root.querySelectorAll('[data-editor="key-values"]').forEach(setupKeyValues);
}
