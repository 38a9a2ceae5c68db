// The app shell, on every page: the top bar's menu on narrow screens, the side drawers of the
// playground (sessions, parameters) with their header buttons, and Copy buttons. Esc closes what
// is open and gives focus back to the button that opened it.
const NARROW_MENU = window.matchMedia("(max-width: 1279px)");
const menuButton = document.getElementById("menu-button");
const menu = document.getElementById("topbar-menu");
const scrim = document.getElementById("scrim");
let openDrawer = null;

function toggleMenu(open) {
  if (!menuButton) return;
  menuButton.setAttribute("aria-expanded", String(open));
  menu.classList.toggle("is-open", open);
  if (open) menu.querySelector("select, a, button")?.focus();
}

menuButton?.addEventListener("click", () => toggleMenu(!menu.classList.contains("is-open")));
NARROW_MENU.addEventListener("change", () => toggleMenu(false));
document.addEventListener("click", (event) => {
  if (menu?.classList.contains("is-open") && !event.target.closest("#topbar-menu, #menu-button")) toggleMenu(false);
});

// ---- drawers ---------------------------------------------------------------------------------

const toggles = [...document.querySelectorAll("[data-drawer]")];
const buttonFor = (drawer) => toggles.find((button) => button.dataset.drawer === drawer.id);
// A pane is a drawer only while its header button shows (the CSS decides by width).
const isDrawer = (drawer) => {
  const button = buttonFor(drawer);
  return Boolean(button) && getComputedStyle(button).display !== "none";
};

export function closeDrawer({ focusButton = true } = {}) {
  if (!openDrawer) return false;
  const drawer = openDrawer;
  openDrawer = null;
  drawer.classList.remove("is-open");
  buttonFor(drawer)?.setAttribute("aria-expanded", "false");
  if (scrim) scrim.hidden = true;
  document.body.classList.remove("has-drawer");
  if (focusButton) buttonFor(drawer)?.focus();
  return true;
}

export function openDrawerOf(drawer, { focus = true } = {}) {
  if (openDrawer === drawer || !isDrawer(drawer)) return;
  closeDrawer({ focusButton: false });
  openDrawer = drawer;
  drawer.classList.add("is-open");
  buttonFor(drawer)?.setAttribute("aria-expanded", "true");
  if (scrim) scrim.hidden = false;
  document.body.classList.add("has-drawer");
  // The drawer itself takes focus (Tab goes on into it), not a field: focusing the model field
  // would keep the panel from filling in the suggested model.
  if (focus) drawer.focus({ preventScroll: true });
}

for (const button of toggles) {
  button.addEventListener("click", () => {
    const drawer = document.getElementById(button.dataset.drawer);
    if (openDrawer === drawer) closeDrawer();
    else openDrawerOf(drawer);
  });
}
document.querySelectorAll("[data-drawer-close]").forEach((button) => button.addEventListener("click", () => closeDrawer()));
scrim?.addEventListener("click", () => closeDrawer());
window.addEventListener("resize", () => {
  if (openDrawer && !isDrawer(openDrawer)) closeDrawer({ focusButton: false });
});

// Another module points at a field ("the model is missing"): open its drawer and its group.
document.addEventListener("shell:reveal", (event) => {
  const drawer = event.target.closest(".drawer");
  if (drawer && isDrawer(drawer)) openDrawerOf(drawer, { focus: false });
  for (let group = event.target.closest("details"); group; group = group.parentElement.closest("details")) group.open = true;
});

// Esc closes a drawer or the menu first (capture: before Esc stops a run). With a modal dialog open
// (View code, Raw JSON, opened from the panel's drawer) Esc is the dialog's alone: the browser closes
// it, and neither the drawer under it nor a streaming run goes with it.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  if (document.querySelector("dialog:modal")) {
    event.stopPropagation();
    return;
  }
  if (closeDrawer() || (menu?.classList.contains("is-open") && (toggleMenu(false), menuButton.focus(), true))) {
    event.preventDefault();
    event.stopPropagation();
  }
}, true);

// ---- flash messages: dismissed by their ×; the list goes when empty -------------------------

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-dismiss]");
  if (!button) return;
  const list = button.closest(".flash");
  button.closest("li").remove();
  if (list && !list.children.length) list.remove();
});

// ---- copy buttons: data-copy names the field whose value to copy -----------------------------

document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const field = document.getElementById(button.dataset.copy);
  const label = button.textContent;
  try {
    await navigator.clipboard.writeText(field.value ?? field.textContent);
    button.textContent = "Copied";
  } catch {
    field.select?.();
    button.textContent = "Press Ctrl+C";
  }
  setTimeout(() => { button.textContent = label; }, 2000);
});
