// The experiment's set-up page: message editors (the template, a variant's own version) keep a
// hidden JSON field up to date; the check form shows the fields of the chosen kind; the variables
// a template uses are asked of the server as it is edited.

function serialize(editor) {
  const messages = [...editor.querySelectorAll(".msg")].map((item) => {
    const text = item.querySelector("[data-content]").value;
    let content = text;
    if (item.hasAttribute("data-json")) {
      try { content = JSON.parse(text); } catch { content = text; }
    }
    let extra = {};
    try { extra = JSON.parse(item.dataset.extra || "{}"); } catch { extra = {}; }
    return { ...extra, role: item.querySelector("[data-role]").value, content };
  });
  const field = document.getElementById(editor.dataset.target);
  if (field) field.value = JSON.stringify(messages);
  return field;
}

let variablesTimer = null;
function askVariables(editor) {
  const form = editor.closest("[data-template-form]");
  if (!form || !window.htmx) return;
  clearTimeout(variablesTimer);
  variablesTimer = setTimeout(() => {
    const field = serialize(editor);
    window.htmx.ajax("POST", form.dataset.variablesUrl, { target: "#template-variables", swap: "outerHTML", values: { messages: field.value } });
  }, 350);
}

document.addEventListener("click", (event) => {
  const add = event.target.closest("[data-add-message]");
  if (add) {
    const editor = add.closest("[data-messages-editor]");
    const template = editor.querySelector("template[data-message-template]");
    editor.querySelector(".msg-list").append(template.content.cloneNode(true));
    editor.querySelector(".msg-list .msg:last-child [data-content]").focus();
    serialize(editor);
    return;
  }
  const remove = event.target.closest("[data-remove-message]");
  if (remove) {
    const editor = remove.closest("[data-messages-editor]");
    remove.closest(".msg").remove();
    serialize(editor);
    askVariables(editor);
  }
});

document.addEventListener("input", (event) => {
  const editor = event.target.closest("[data-messages-editor]");
  if (editor) {
    serialize(editor);
    askVariables(editor);
  }
});
document.addEventListener("change", (event) => {
  const editor = event.target.closest("[data-messages-editor]");
  if (editor) serialize(editor);
});
document.addEventListener("submit", (event) => {
  event.target.querySelectorAll("[data-messages-editor]").forEach(serialize);
});

function showKindFields(form) {
  const kind = form.querySelector("[data-check-kind]").value;
  form.querySelectorAll("[data-for-kinds]").forEach((element) => {
    const on = element.dataset.forKinds.split(" ").includes(kind);
    element.hidden = !on;
    element.querySelectorAll("input, select, textarea").forEach((input) => { input.disabled = !on; });
  });
}
document.querySelectorAll("[data-check-form]").forEach((form) => {
  showKindFields(form);
  form.querySelector("[data-check-kind]").addEventListener("change", () => showKindFields(form));
});
