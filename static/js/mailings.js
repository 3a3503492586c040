// The group mail's form (templates/admin/mailings/compose.html): as the organizer changes
// whom it goes to, ask the server how many that is and say it beside the filter. Without
// this script, the "Count and preview" button does the same with a page.
(() => {
  const form = document.querySelector("[data-mailing-form]");
  if (!form) return;
  const output = form.querySelector("[data-recipient-count]");
  const names = ["status", "category", "forum_id", "seat", "checked_in", "answer"];
  let asked = 0;

  async function count() {
    const query = new URLSearchParams();
    for (const name of names) {
      const input = form.elements.namedItem(name);
      if (input && input.value) query.set(name, input.value);
    }
    const mine = ++asked;
    try {
      const response = await fetch(`${form.dataset.countUrl}?${query}`, {
        headers: { Accept: "application/json" }, credentials: "same-origin",
      });
      const answer = await response.json();
      if (mine === asked) output.textContent = answer.text;
    } catch (error) {
      // The count stays as it was; the button still counts.
    }
  }

  for (const name of names) {
    const input = form.elements.namedItem(name);
    if (input) input.addEventListener("change", count);
  }
  count();
})();
