// An accessible combobox (ARIA 1.2 pattern): a text input that lists suggestions in a listbox
// as the user types; ↓/↑ move through them, Enter chooses, Escape closes. The input stays a
// plain field that the form posts when no suggestion is chosen (or without JavaScript).

export function combobox({input, list, status, minLength = 3, search, describe, choose}) {
  let options = [];
  let active = -1;
  let timer = null;
  let asked = 0;
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);
  input.setAttribute("autocomplete", "off");

  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  };
  const highlight = index => {
    active = index;
    [...list.children].forEach((item, i) => item.setAttribute("aria-selected", String(i === index)));
    const item = list.children[index];
    if (!item) return;
    input.setAttribute("aria-activedescendant", item.id);
    item.scrollIntoView({block: "nearest"});
  };
  const pick = index => {
    const chosen = options[index];
    close();
    if (chosen) choose(chosen);
  };
  const show = items => {
    options = items;
    list.replaceChildren(...items.map((item, index) => {
      const option = document.createElement("li");
      option.id = `${list.id}-${index}`;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.textContent = describe(item);
      option.addEventListener("mousedown", event => event.preventDefault());  // keep the focus in the input
      option.addEventListener("click", () => pick(index));
      return option;
    }));
    if (items.length) {
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      status.textContent = `${items.length} suggestion${items.length > 1 ? "s" : ""} : flèches haut et bas pour parcourir, Entrée pour choisir.`;
    } else {
      close();
      status.textContent = "Aucune suggestion.";
    }
  };

  input.addEventListener("input", () => {
    clearTimeout(timer);
    const query = input.value.trim();
    if (query.length < minLength) { close(); return; }
    timer = setTimeout(async () => {
      const mine = ++asked;
      try {
        const items = await search(query);
        if (mine === asked && document.activeElement === input) show(items);
      } catch (error) {
        if (mine === asked) { close(); status.textContent = error.message; }
      }
    }, 250);
  });
  input.addEventListener("keydown", event => {
    if (event.key === "ArrowDown" && options.length) {
      event.preventDefault();
      if (list.hidden) { list.hidden = false; input.setAttribute("aria-expanded", "true"); }
      highlight(Math.min(active + 1, options.length - 1));
    } else if (event.key === "ArrowUp" && !list.hidden) {
      event.preventDefault();
      highlight(Math.max(active - 1, 0));
    } else if (event.key === "Enter" && !list.hidden && active >= 0) {
      event.preventDefault();
      pick(active);
    } else if (event.key === "Escape" && !list.hidden) {
      event.preventDefault();
      close();
    }
  });
  input.addEventListener("blur", close);
}
