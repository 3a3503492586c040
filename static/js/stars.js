// Starred sessions kept in this browser (localStorage), per event: on public pages the
// star buttons (hidden until this script runs) toggle them; on an attendee's own page
// the import form offers the ones their registration lacks. The key holds only session
// ids, never a private link.
(() => {
  const script = document.currentScript;
  const event = script && script.dataset.event;
  if (!event) return;
  const key = `summit:stars:${event}`;

  const read = () => {
    try {
      const ids = JSON.parse(localStorage.getItem(key) || "[]");
      return new Set(Array.isArray(ids) ? ids.filter(Number.isInteger) : []);
    } catch {
      return new Set();
    }
  };
  const write = (ids) => {
    try {
      localStorage.setItem(key, JSON.stringify([...ids].sort((a, b) => a - b)));
      return true;
    } catch {
      return false; // storage full or forbidden (private browsing in some browsers)
    }
  };

  const show = (button, starred) => {
    button.setAttribute("aria-pressed", String(starred));
    const icon = button.querySelector(".star__icon");
    if (icon) icon.textContent = starred ? "★" : "☆";
  };

  const stars = read();
  const buttons = document.querySelectorAll("button[data-star-session]");
  for (const button of buttons) {
    const id = Number(button.dataset.starSession);
    show(button, stars.has(id));
    button.hidden = false;
    button.addEventListener("click", () => {
      const now = read();
      if (now.has(id)) now.delete(id);
      else now.add(id);
      if (write(now)) show(button, now.has(id));
    });
  }
  if (buttons.length) {
    for (const hint of document.querySelectorAll("[data-star-hint]")) hint.hidden = false;
  }

  const importForm = document.querySelector("form[data-star-import]");
  if (importForm) {
    const held = new Set((importForm.dataset.starred || "").split(",").filter(Boolean).map(Number));
    const missing = [...stars].filter((id) => !held.has(id));
    if (missing.length) {
      importForm.querySelector("input[name=sessions]").value = missing.join(",");
      const count = importForm.querySelector("[data-star-count]");
      count.textContent = count.dataset[missing.length === 1 ? "one" : "many"]
        .replace("{n}", String(missing.length));
      importForm.hidden = false;
    }
  }
})();
