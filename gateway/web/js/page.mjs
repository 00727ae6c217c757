// What every page does in the browser: focus the error summary of a refused form, and keep
// the live character counters of limited fields ("263/1000 caractères").

function focusErrorSummary() {
  const summary = document.querySelector("[data-focus-on-load]");
  if (summary) summary.focus();
}

function counters() {
  for (const field of document.querySelectorAll("[data-counter]")) {
    const counter = document.getElementById(field.dataset.counter);
    const limit = Number(field.getAttribute("maxlength"));
    if (!counter || !limit) continue;
    let timer = null;
    const update = () => { counter.textContent = `${field.value.length}/${limit} caractères`; };
    // Screen readers hear the count once typing pauses, not at every key.
    field.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(update, 400); });
    update();
  }
}

// A form whose submit asks first (data-confirm="…"): a DSFR modal when the page has one.
function confirmations() {
  for (const form of document.querySelectorAll("form[data-confirm-modal]")) {
    form.addEventListener("submit", event => {
      if (form.dataset.confirmed === "yes") return;
      const modal = document.getElementById(form.dataset.confirmModal);
      if (!modal || !window.dsfr) return;
      event.preventDefault();
      const accept = modal.querySelector("[data-confirm-accept]");
      accept.onclick = () => { form.dataset.confirmed = "yes"; window.dsfr(modal).modal.conceal(); form.requestSubmit(); };
      window.dsfr(modal).modal.disclose();
    });
  }
}

// A toggle or select with data-autosubmit sends its form as soon as it changes.
function autosubmit() {
  for (const input of document.querySelectorAll("[data-autosubmit]")) {
    input.addEventListener("change", () => input.form.requestSubmit());
  }
  for (const button of document.querySelectorAll("[data-autosubmit-hide]")) button.hidden = true;
}

focusErrorSummary();
counters();
confirmations();
autosubmit();
