/**
 * The tracking map: borough boundaries bundled with the app (works with no tile server), safe zones, devices
 * (patients as round markers, covert assets as diamonds), the selected device's trail and search rings, and the
 * fields of view of the cameras it passed.
 */
import L from "leaflet";
import type { GeoJsonObject } from "geojson";
import "leaflet/dist/leaflet.css";
import { useEffect, useRef } from "react";
import type { Camera } from "../api/types";
import { formatLondon, parseIso } from "../common/time";
import { fovPolygon } from "../map/fov";
import type { SafeZone, TrackDevice, TrackPosition } from "./api";
import { deviceKind, KIND_COLOUR, SEARCH_RINGS_M } from "./model";

const CENTRE: L.LatLngTuple = [51.4875, -0.2199]; // Charing Cross Hospital campus

async function loadGeo(name: string): Promise<GeoJsonObject | null> {
  try {
    const res = await fetch(new URL(`geo/${name}`, document.baseURI));
    return res.ok ? ((await res.json()) as GeoJsonObject) : null;
  } catch {
    return null;
  }
}

export interface TrackingMapProps {
  devices: TrackDevice[];
  zones: SafeZone[];
  trail: TrackPosition[];
  selected: number | null;
  searchFrom: [number, number] | null;
  passedCameras: Camera[];
  tileUrl?: string | null;
  onSelect?: (id: number) => void;
  label: string;
}

export function TrackingMap({ devices, zones, trail, selected, searchFrom, passedCameras, tileUrl, onSelect, label }: TrackingMapProps) {
  const el = useRef<HTMLDivElement>(null);
  const map = useRef<L.Map | null>(null);
  const layers = useRef<Record<"zones" | "devices" | "trail" | "cameras", L.LayerGroup> | null>(null);
  const fitted = useRef<number | null>(null);

  useEffect(() => {
    if (!el.current || map.current) return;
    const m = L.map(el.current, { center: CENTRE, zoom: 16 });
    m.attributionControl.setPrefix(false);
    L.control.scale({ imperial: false }).addTo(m);
    map.current = m;
    layers.current = {
      zones: L.layerGroup().addTo(m),
      cameras: L.layerGroup().addTo(m),
      trail: L.layerGroup().addTo(m),
      devices: L.layerGroup().addTo(m),
    };
    void (async () => {
      const [wards, hf] = await Promise.all([loadGeo("hf-wards.geojson"), loadGeo("hf-borough.geojson")]);
      if (map.current !== m) return;
      if (wards) L.geoJSON(wards, { interactive: false, style: { color: "#718096", weight: 1, dashArray: "3 4", fill: false } }).addTo(m);
      if (hf) L.geoJSON(hf, { interactive: false, style: { color: "#63b3ed", weight: 2.5, fill: false } }).addTo(m);
      m.attributionControl.addAttribution("Boundaries © Crown copyright, OGL v3 (ONS, London Datastore)");
    })();
    return () => {
      m.remove();
      map.current = null;
      layers.current = null;
    };
  }, []);

  useEffect(() => {
    const m = map.current;
    if (!m || !tileUrl) return;
    const layer = L.tileLayer(tileUrl, { maxZoom: 19 }).addTo(m);
    layer.bringToBack();
    return () => {
      layer.remove();
    };
  }, [tileUrl]);

  useEffect(() => {
    const g = layers.current?.zones;
    if (!g) return;
    g.clearLayers();
    for (const z of zones) {
      const colour = z.tier === "care_unit" ? "#81c784" : "#4db6ac";
      const style = { color: colour, weight: 2, fillColor: colour, fillOpacity: 0.08, className: `trk-zone trk-zone-${z.tier}` };
      const tip = `${z.name} (${z.tier === "care_unit" ? "care unit" : "campus"})${z.schedule ? ", at night" : ""}`;
      if (z.geometry.type === "Point" && z.radius_m) {
        const [lon, lat] = z.geometry.coordinates as [number, number];
        L.circle([lat, lon], { ...style, radius: z.radius_m }).bindTooltip(tip).addTo(g);
      } else {
        L.geoJSON(z.geometry, { style }).bindTooltip(tip).addTo(g);
      }
    }
  }, [zones]);

  useEffect(() => {
    const g = layers.current?.devices;
    if (!g) return;
    g.clearLayers();
    for (const d of devices) {
      const p = d.last_position;
      if (!p) continue;
      const kind = deviceKind(d);
      const sel = d.id === selected ? " trk-selected" : "";
      const icon = L.divIcon({
        className: `trk-marker trk-marker-${kind} trk-status-${d.status}${sel}`,
        html: `<span style="background:${KIND_COLOUR[kind]}"></span>`,
        iconSize: [18, 18],
      });
      const when = parseIso(p.fix_time);
      L.marker([p.latitude, p.longitude], { icon, title: d.name, keyboard: true, alt: d.name })
        .bindTooltip(`${d.name}${when ? ` — ${formatLondon(when)}` : ""}`, { direction: "top", offset: [0, -8] })
        .on("click", () => onSelect?.(d.id))
        .addTo(g);
    }
  }, [devices, selected, onSelect]);

  useEffect(() => {
    const g = layers.current?.trail;
    const m = map.current;
    if (!g || !m) return;
    g.clearLayers();
    const pts = trail.filter((p) => !p.archived).map((p) => [p.latitude, p.longitude] as L.LatLngTuple);
    if (pts.length > 0) {
      L.polyline(pts, { color: "#ffb74d", weight: 3, className: "trk-trail" }).addTo(g);
      for (const p of trail) {
        const when = parseIso(p.fix_time);
        L.circleMarker([p.latitude, p.longitude], { radius: 3, color: "#ffb74d", weight: 1, fillOpacity: 0.8 })
          .bindTooltip(when ? formatLondon(when) : p.fix_time)
          .addTo(g);
      }
    }
    if (searchFrom) {
      for (const r of SEARCH_RINGS_M)
        L.circle(searchFrom, { radius: r.radius_m, color: "#ef5350", weight: 1, dashArray: "6 6", fill: false, className: "trk-ring" })
          .bindTooltip(r.label)
          .addTo(g);
    }
    if (pts.length > 1 && fitted.current !== selected) {
      m.fitBounds(L.latLngBounds(pts), { padding: [40, 40], maxZoom: 17 });
      fitted.current = selected;
    }
  }, [trail, searchFrom, selected]);

  useEffect(() => {
    const g = layers.current?.cameras;
    if (!g) return;
    g.clearLayers();
    for (const c of passedCameras) {
      if (c.latitude == null || c.longitude == null || c.bearing_deg == null || !c.fov_deg || !c.range_m) continue;
      L.polygon(fovPolygon(c.latitude, c.longitude, c.bearing_deg, c.fov_deg, c.range_m), {
        color: "#90caf9",
        weight: 1,
        fillOpacity: 0.18,
        className: "trk-fov",
      })
        .bindTooltip(c.name)
        .addTo(g);
    }
  }, [passedCameras]);

  return <div ref={el} className="trk-map" role="application" aria-label={label} />;
}
