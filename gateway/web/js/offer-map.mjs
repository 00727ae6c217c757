// The offer's page: a small map with one marker at the internship's place, read from the map's
// data attributes. Without JavaScript, Leaflet or tiles, the address in the text says where.
const container = document.querySelector("[data-offer-map]");
const L = window.L;
if (container && L) {
  const point = [Number(container.dataset.latitude), Number(container.dataset.longitude)];
  if (point.every(Number.isFinite)) {
    container.closest("[data-offer-map-section]").hidden = false;
    const map = L.map(container, {scrollWheelZoom: false, minZoom: 3, maxZoom: 18}).setView(point, 14);
    const tiles = container.dataset.tilesUrl;
    if (tiles) L.tileLayer(tiles, {maxZoom: 19, attribution: container.dataset.tilesAttribution || ""}).addTo(map);
    L.control.scale({imperial: false}).addTo(map);
    L.marker(point, {title: container.dataset.title, alt: container.dataset.title}).addTo(map);
  }
}
