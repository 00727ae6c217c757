// The four steps of « Déposer une offre », enhanced: blocks shown as their box is ticked,
// address suggestions, the company found from its SIRET, the hours checked live against the
// minors' working-time rules, and the schools picker. Every step works without it.
import {api} from "/static/js/api.mjs";
import {combobox} from "/static/js/combobox.mjs";

const form = document.querySelector("form.e1s-offer-form");

// A block (weeks, seconde period, schools) is shown while the box or radio naming it is ticked.
function reveals() {
  const toggles = [...form.querySelectorAll("[data-reveals]")];
  const update = () => {
    for (const toggle of toggles) {
      const block = document.getElementById(toggle.dataset.reveals);
      if (block) block.hidden = !toggle.checked;
    }
  };
  form.addEventListener("change", update);
  update();
}

function addressSuggestions() {
  const search = form.querySelector("[data-address-search]");
  if (!search) return;
  const street = form.querySelector("[data-address-street]");
  const zipcode = form.querySelector("[data-address-zipcode]");
  const city = form.querySelector("[data-address-city]");
  const latitude = form.querySelector("[data-address-latitude]");
  const longitude = form.querySelector("[data-address-longitude]");
  const input = document.getElementById("f-place-search");
  const status = document.getElementById("f-place-search-status");
  search.hidden = false;
  // This field only searches (it is not sent): Enter chooses a suggestion, never submits the step.
  input.addEventListener("keydown", event => { if (event.key === "Enter") event.preventDefault(); });
  // Coordinates belong to a chosen suggestion: typing by hand drops them (the server locates the address).
  for (const field of [street, zipcode, city]) {
    field.addEventListener("input", () => { latitude.value = ""; longitude.value = ""; });
  }
  combobox({
    input,
    list: document.getElementById("f-place-search-list"),
    status,
    minLength: 2,
    search: async query => (await api("GET", `/api/v1/places/suggestions?q=${encodeURIComponent(query)}`)).results || [],
    describe: address => address.label,
    choose: address => {
      // A commune alone (no street known) keeps the street typed so far.
      if (address.street) street.value = address.street;
      zipcode.value = address.zipcode || "";
      city.value = address.city || "";
      latitude.value = address.latitude;
      longitude.value = address.longitude;
      input.value = address.label;
      const missing = street.value.trim() ? "" : " Indiquez maintenant le numéro et la voie.";
      status.textContent = `Adresse choisie : ${address.label}.${missing}`;
      if (missing) street.focus();
    },
  });
}

// SIRET: 14 digits whose Luhn sum is a multiple of 10 (La Poste's, SIREN 356000000: digit sum multiple of 5).
function validSiret(digits) {
  if (!/^\d{14}$/.test(digits)) return false;
  if (digits.startsWith("356000000")) return [...digits].reduce((sum, digit) => sum + Number(digit), 0) % 5 === 0;
  let sum = 0;
  for (let i = 0; i < 14; i++) {
    let digit = Number(digits[13 - i]);
    if (i % 2 === 1) { digit *= 2; if (digit > 9) digit -= 9; }
    sum += digit;
  }
  return sum % 10 === 0;
}

function companyLookup() {
  const siret = form.querySelector("[data-siret]");
  if (!siret) return;
  const name = form.querySelector("[data-employer-name]");
  const status = document.getElementById("f-employer-siret-status");
  let looked = "";
  let filled = "";
  siret.addEventListener("input", async () => {
    const digits = siret.value.replace(/\s/g, "");
    if (digits.length < 14) { status.textContent = ""; looked = ""; return; }
    if (digits === looked) return;
    looked = digits;
    if (!validSiret(digits)) { status.textContent = "Ce SIRET n'est pas valide : vérifiez les 14 chiffres."; return; }
    try {
      const company = await api("GET", `/api/v1/companies/${digits}`);
      if (digits !== looked) return;
      if (!name.value.trim() || name.value === filled) { name.value = company.name; filled = company.name; }
      const sector = form.querySelector(`input[name="employer.is_public"][value="${company.is_public ? "true" : "false"}"]`);
      if (sector && company.is_public !== null && company.is_public !== undefined) sector.checked = true;
      status.textContent = `Structure trouvée : ${company.name}.`;
    } catch (error) {
      if (digits !== looked) return;
      status.textContent = error.status === 404
        ? "Structure introuvable dans l'annuaire : indiquez son nom ci-dessous."
        : error.message;
    }
  });
}

function message(kind, text) {
  const line = document.createElement("p");
  line.className = `fr-message fr-message--${kind}`;
  line.textContent = text;
  return line;
}

function workingTimeCheck() {
  const block = form.querySelector("[data-working-time]");
  if (!block) return;
  const output = document.getElementById("f-daily-hours-check");
  let timer = null;
  let asked = 0;
  const schedule = () => {
    const hours = {};
    for (const input of block.querySelectorAll("input[data-day]")) (hours[input.dataset.day] ||= []).push(input.value);
    const complete = {};
    for (const [day, [arrival, start, end, departure]] of Object.entries(hours)) {
      if (!arrival || !departure || Boolean(start) !== Boolean(end)) continue;
      complete[day] = start ? [arrival, start, end, departure] : [arrival, departure];
    }
    return complete;
  };
  const check = async () => {
    const hours = schedule();
    const mine = ++asked;
    if (!Object.keys(hours).length) { output.replaceChildren(); return; }
    try {
      const verdict = await api("POST", "/api/v1/working-time/check", {daily_hours: hours});
      if (mine !== asked) return;
      const lines = verdict.problems.map(problem => message("error", problem));
      if (!lines.length) lines.push(message("valid", `Horaires conformes aux règles pour les mineurs : ${verdict.weekly_hours} par semaine.`));
      else lines.push(message("info", `Total : ${verdict.weekly_hours} par semaine.`));
      output.replaceChildren(...lines);
    } catch (error) {
      if (mine !== asked) return;
      const texts = error.fields ? Object.values(error.fields).flat() : [error.message];
      output.replaceChildren(...texts.map(text => message("error", text)));
    }
  };
  block.addEventListener("change", () => { clearTimeout(timer); timer = setTimeout(check, 300); });
}

function schoolPicker() {
  const picker = form.querySelector("[data-school-picker]");
  if (!picker) return;
  const input = picker.querySelector("[data-school-query]");
  const status = document.getElementById("f-school-query-status");
  const chosen = form.querySelector("[data-chosen-schools]");
  const none = form.querySelector("[data-no-school]");
  const uais = () => [...chosen.querySelectorAll('input[name="reserved_for.school_uais"]')].map(field => field.value);
  const refresh = () => { none.hidden = chosen.children.length > 0; };
  chosen.addEventListener("click", event => {
    const button = event.target.closest("button[name=remove_school]");
    if (!button) return;
    event.preventDefault();
    button.closest("li").remove();
    refresh();
    status.textContent = `${button.textContent} retiré.`;
    input.focus();
  });
  combobox({
    input,
    list: document.getElementById("f-school-query-list"),
    status,
    search: async query => {
      const answer = await api("GET", `/api/v1/schools?q=${encodeURIComponent(query)}&per_page=8`);
      const taken = new Set(uais());
      return (answer.results || []).filter(school => !taken.has(school.uai));
    },
    describe: school => `${school.name} (${school.city}) — ${school.uai}`,
    choose: school => {
      const item = document.createElement("li");
      const field = document.createElement("input");
      field.type = "hidden";
      field.name = "reserved_for.school_uais";
      field.value = school.uai;
      const button = document.createElement("button");
      button.type = "submit";
      button.className = "fr-tag fr-tag--dismiss";
      button.name = "remove_school";
      button.value = school.uai;
      button.textContent = `${school.name} (${school.city})`;
      button.setAttribute("aria-label", `Retirer ${school.name}`);
      item.append(field, button);
      chosen.append(item);
      refresh();
      input.value = "";
      status.textContent = `${school.name} ajouté.`;
    },
  });
}

if (form) {
  reveals();
  addressSuggestions();
  companyLookup();
  workingTimeCheck();
  schoolPicker();
}
