// « Créer un compte — élève »: the school is suggested as the pupil types (combobox on the
// schools directory); choosing one shows it as the chosen radio. Without JavaScript, the
// « Rechercher » button posts the form and the page lists the schools found.
import {api} from "/static/js/api.mjs";
import {combobox} from "/static/js/combobox.mjs";

const picker = document.querySelector("[data-school-picker]");
const results = document.querySelector("[data-school-results]");

function chosenRadio(school) {
  const fieldset = document.createElement("fieldset");
  fieldset.className = "fr-fieldset";
  fieldset.id = "f-school-results";
  fieldset.setAttribute("aria-labelledby", "f-school-results-legend");
  const legend = document.createElement("legend");
  legend.className = "fr-fieldset__legend fr-fieldset__legend--regular";
  legend.id = "f-school-results-legend";
  legend.textContent = "Établissement choisi";
  const element = document.createElement("div");
  element.className = "fr-fieldset__element";
  const group = document.createElement("div");
  group.className = "fr-radio-group";
  const radio = document.createElement("input");
  radio.type = "radio";
  radio.name = "school_uai";
  radio.value = school.uai;
  radio.id = `f-school-${school.uai}`;
  radio.checked = true;
  const label = document.createElement("label");
  label.className = "fr-label";
  label.htmlFor = radio.id;
  label.textContent = `${school.name} (${school.city}) `;
  const hint = document.createElement("span");
  hint.className = "fr-hint-text";
  hint.textContent = `Code UAI ${school.uai}`;
  label.append(hint);
  group.append(radio, label);
  element.append(group);
  fieldset.append(legend, element);
  return fieldset;
}

if (picker && results) {
  const input = picker.querySelector("[data-school-query]");
  const status = document.getElementById("f-school-query-status");
  combobox({
    input,
    list: document.getElementById("f-school-query-list"),
    status,
    search: async query => (await api("GET", `/api/v1/schools?q=${encodeURIComponent(query)}&per_page=8`)).results || [],
    describe: school => `${school.name} (${school.city}) — ${school.uai}`,
    choose: school => {
      input.value = school.name;
      results.replaceChildren(chosenRadio(school));
      status.textContent = `${school.name} (${school.city}) choisi.`;
    },
  });
}
