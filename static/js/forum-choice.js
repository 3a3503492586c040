// Forums that run at the same time (a fieldset with data-choose-one): ticking one unticks
// the others, so that a choice behaves like radio buttons that can still all be left empty.
// The server enforces the rule; this only saves a round trip.
document.addEventListener("change", (event) => {
  const box = event.target;
  if (!(box instanceof HTMLInputElement) || box.type !== "checkbox" || !box.checked) return;
  const group = box.closest("fieldset[data-choose-one]");
  if (!group) return;
  for (const other of group.querySelectorAll("input[type=checkbox]")) {
    if (other !== box) other.checked = false;
  }
});
