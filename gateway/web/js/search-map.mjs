// « Rechercher un stage », enhanced: place suggestions for « Autour de », and the map of the
// page's results. The markers are read from the result cards (their data attributes): the map
// repeats the list, it asks nothing more. Without JavaScript the list is the page.
import {api} from "/static/js/api.mjs";
import {combobox} from "/static/js/combobox.mjs";

function placeSuggestions() {
  const input = document.querySelector("[data-place-search]");
  if (!input) return;
  const latitude = document.getElementById("f-latitude");
  const longitude = document.getElementById("f-longitude");
  const status = document.getElementById("f-autour-de-status");
  // Typing again forgets the chosen place: the server then finds what is typed.
  input.addEventListener("input", () => { latitude.value = ""; longitude.value = ""; });
  combobox({
    input,
    list: document.getElementById("f-autour-de-list"),
    status,
    minLength: 2,
    search: async query => (await api("GET", `/api/v1/places/suggestions?q=${encodeURIComponent(query)}`)).results || [],
    describe: place => place.label,
    choose: place => {
      input.value = place.label;
      latitude.value = place.latitude;
      longitude.value = place.longitude;
      status.textContent = `Lieu choisi : ${place.label}.`;
    },
  });
}

function popup(card) {
  const link = card.querySelector(".fr-card__title a");
  const content = document.createElement("div");
  const title = document.createElement("p");
  title.className = "fr-text--bold fr-mb-1v";
  title.textContent = card.dataset.title;
  const open = document.createElement("a");
  open.href = link.getAttribute("href");
  open.textContent = "Voir l'offre";
  content.append(title, open);
  return content;
}

function resultsMap() {
  const section = document.querySelector("[data-map-section]");
  const L = window.L;
  if (!section || !L || !L.markerClusterGroup) return;
  const cards = [...document.querySelectorAll("[data-offer-id][data-latitude][data-longitude]")];
  if (!cards.length) return;
  section.hidden = false;
  const container = document.getElementById("carte");
  // The clusters need the map's zoom range, which tiles would give: offline there are none.
  const map = L.map(container, {scrollWheelZoom: false, minZoom: 3, maxZoom: 18});
  const tiles = container.dataset.tilesUrl;
  if (tiles) {
    L.tileLayer(tiles, {maxZoom: 19, attribution: container.dataset.tilesAttribution || ""}).addTo(map);
  }
  // Offline (no tiles): the markers on a plain background, with a scale to read distances.
  L.control.scale({imperial: false}).addTo(map);
  const markers = L.markerClusterGroup({showCoverageOnHover: false});
  const points = cards.map(card => {
    const point = [Number(card.dataset.latitude), Number(card.dataset.longitude)];
    const marker = L.marker(point, {title: card.dataset.title, alt: card.dataset.title});
    marker.bindPopup(() => popup(card));
    markers.addLayer(marker);
    return point;
  });
  map.addLayer(markers);
  map.fitBounds(L.latLngBounds(points).pad(0.2), {maxZoom: 14});
}

placeSuggestions();
resultsMap();
