// The event's own questions on a form (templates/registration/questions.html): a question
// asked of some categories only, or only after a given answer to an earlier question, is
// hidden (and its inputs disabled, so the browser sends nothing for it) while it is not
// asked. The server decides the same way and drops what a hidden question would send.
(() => {
  const questions = [...document.querySelectorAll("[data-question]")];
  if (!questions.length) return;
  const form = questions[0].closest("form");

  function answerOf(name) {
    const block = form.querySelector(`[data-question="${name}"]`);
    if (!block || block.hidden) return [];
    return [...block.querySelectorAll("input, select, textarea")]
      .filter((input) => (input.type === "radio" || input.type === "checkbox") ? input.checked : true)
      .map((input) => input.value)
      .filter((value) => value !== "");
  }

  function update() {
    const category = form.querySelector("[name=category]");
    for (const block of questions) {
      let asked = true;
      const categories = block.dataset.categories;
      if (categories && category) asked = categories.split(" ").includes(category.value);
      const condition = block.dataset.condition;
      if (asked && condition) asked = answerOf(condition).includes(block.dataset.conditionValue);
      block.hidden = !asked;
      for (const input of block.querySelectorAll("input, select, textarea")) input.disabled = !asked;
    }
  }

  form.addEventListener("change", update);
  update();
})();
