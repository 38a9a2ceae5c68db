// The dataset grid: pasting several cells copied from a spreadsheet (tab- or line-separated) into a
// cell sends them to the server, which fills the grid from that cell on and adds rows as needed.

document.addEventListener("paste", (event) => {
  const input = event.target.closest(".dgrid textarea[data-column]");
  if (!input || !window.htmx) return;
  const text = event.clipboardData?.getData("text/plain") || "";
  if (!/[\t\n]/.test(text.replace(/\n$/, ""))) return; // one value: an ordinary paste
  event.preventDefault();
  const wrap = input.closest("[data-paste-url]");
  const row = input.closest("[data-row]").dataset.row;
  window.htmx.ajax("POST", wrap.dataset.pasteUrl, { target: "#dataset-grid", swap: "innerHTML", values: { text, row, column: input.dataset.column } });
});
