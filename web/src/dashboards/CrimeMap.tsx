/**
 * The crime map: a borough's LSOAs coloured by count (or count per km²), or London's boroughs coloured by
 * MOPAC 7 change (click one to drill down), with camera fields of view over the hotspots as an overlay.
 * Drawn from GeoJSON alone, like the camera map: map tiles are optional.
 */
import L from "leaflet";
import type { FeatureCollection, Polygon } from "geojson";
import "leaflet/dist/leaflet.css";
import { useEffect, useMemo, useRef, useState } from "react";
import { api } from "../api/client";
import { fovPolygon } from "../map/fov";
import type { Coverage, HotspotProps, LsoaMap, LsoaProps, Ranking } from "./crimeApi";
import {
  CHANGE_BREAKS,
  changeColour,
  DIVERGING,
  formatCount,
  formatPct,
  legendLabels,
  quantileBreaks,
  sameArea,
  sequentialColour,
} from "./scales";

export type Metric = "count" | "per_km2";
type BoroughProps = { name: string; code: string };

const CENTRE: L.LatLngTuple = [51.4927, -0.2236];

async function loadBoroughs(): Promise<FeatureCollection<Polygon, BoroughProps> | null> {
  try {
    const res = await fetch(new URL("geo/london-boroughs.geojson", document.baseURI));
    return res.ok ? ((await res.json()) as FeatureCollection<Polygon, BoroughProps>) : null;
  } catch {
    return null;
  }
}

interface Props {
  lsoa: LsoaMap | null;
  metric: Metric;
  ranking: Ranking | null;
  coverage: Coverage | null;
  selected: string;
  onPick: (borough: string) => void;
}

export function CrimeMap({ lsoa, metric, ranking, coverage, selected, onPick }: Props) {
  const el = useRef<HTMLDivElement>(null);
  const map = useRef<L.Map | null>(null);
  const [boroughs, setBoroughs] = useState<FeatureCollection<Polygon, BoroughProps> | null>(null);
  const pick = useRef(onPick);
  pick.current = onPick;

  useEffect(() => {
    if (!el.current || map.current) return;
    const m = L.map(el.current, { center: CENTRE, zoom: 13, zoomSnap: 0.25, attributionControl: true });
    m.attributionControl.setPrefix(false);
    m.attributionControl.addAttribution("Boundaries © Crown copyright, OGL v3 (ONS, London Datastore); crime: MPS, OGL v3");
    L.control.scale({ imperial: false }).addTo(m);
    m.createPane("coverage").style.zIndex = "450";
    map.current = m;
    void loadBoroughs().then(setBoroughs);
    return () => {
      m.remove();
      map.current = null;
    };
  }, []);

  useEffect(() => {
    let tiles: L.TileLayer | null = null;
    void api
      .uiSettings()
      .then((s) => {
        if (s.tile_url && map.current) tiles = L.tileLayer(s.tile_url, { maxZoom: 19, attribution: s.tile_attribution ?? "" }).addTo(map.current).bringToBack();
      })
      .catch(() => undefined);
    return () => {
      tiles?.remove();
    };
  }, []);

  const breaks = useMemo(
    () => (lsoa ? quantileBreaks(lsoa.features.map((f) => (metric === "count" ? f.properties.count : (f.properties.per_km2 ?? NaN))), 5) : []),
    [lsoa, metric],
  );

  // The choropleth: LSOAs of the selected borough, or else London's boroughs by MOPAC 7 change.
  useEffect(() => {
    const m = map.current;
    if (!m) return;
    let layer: L.GeoJSON | null = null;
    if (lsoa) {
      layer = L.geoJSON<LsoaProps, Polygon>(lsoa, {
        style: (f) => ({
          className: "dash-lsoa",
          color: "#0b0f14",
          weight: 0.6,
          fillOpacity: 0.78,
          fillColor: sequentialColour(metric === "count" ? f?.properties.count : f?.properties.per_km2, breaks),
        }),
        onEachFeature: (f, l) =>
          l.bindTooltip(
            `<strong>${f.properties.name}</strong><br>${formatCount(f.properties.count)} crimes in ${lsoa.year}` +
              `<br>${f.properties.per_km2 === null ? "–" : formatCount(f.properties.per_km2)} per km²`,
            { sticky: true },
          ),
      }).addTo(m);
    } else if (boroughs && ranking) {
      const byName = ranking.boroughs;
      layer = L.geoJSON<BoroughProps, Polygon>(boroughs, {
        style: (f) => {
          const row = byName.find((r) => sameArea(r.area, f?.properties.name ?? ""));
          const isSelected = sameArea(selected, f?.properties.name ?? "");
          return {
            className: "dash-borough",
            color: isSelected ? "#ffd54f" : "#0b0f14",
            weight: isSelected ? 2.5 : 0.8,
            fillOpacity: 0.8,
            fillColor: changeColour(row?.change_pct),
          };
        },
        onEachFeature: (f, l) => {
          const row = byName.find((r) => sameArea(r.area, f.properties.name));
          l.bindTooltip(
            row
              ? `<strong>${f.properties.name}</strong><br>MOPAC 7 ${ranking.fy}: ${formatCount(row.current)} (${formatPct(row.change_pct)})`
              : `<strong>${f.properties.name}</strong><br>not in the MPS files`,
            { sticky: true },
          );
          if (row) l.on("click", () => pick.current(row.area));
        },
      }).addTo(m);
    }
    if (layer) {
      const bounds = layer.getBounds();
      if (bounds.isValid()) m.fitBounds(bounds, { padding: [12, 12] });
    }
    return () => {
      layer?.remove();
    };
  }, [lsoa, boroughs, ranking, metric, breaks, selected]);

  // The coverage overlay: the hotspots outlined, and every camera's field of view.
  useEffect(() => {
    const m = map.current;
    if (!m || !coverage) return;
    const group = L.layerGroup().addTo(m);
    L.geoJSON<HotspotProps, Polygon>(coverage.hotspots, {
      pane: "coverage",
      style: (f) => ({
        className: f?.properties.covered_by.length ? "dash-hotspot dash-hotspot-seen" : "dash-hotspot",
        color: f?.properties.covered_by.length ? "#2ecc71" : "#ffd54f",
        weight: 2.5,
        dashArray: f?.properties.covered_by.length ? undefined : "6 4",
        fill: false,
      }),
      onEachFeature: (f, l) => {
        const p = f.properties;
        const seen = p.covered_by.length ? p.covered_by.map((c) => `${c.camera} (${c.seen_pct.toFixed(1)} %)`).join("<br>") : "no camera";
        l.bindTooltip(
          `<strong>Hotspot ${p.rank}: ${p.name}</strong><br>${formatCount(p.crimes)} crimes, ~${formatCount(p.estimated_uncovered)} out of view<br>${seen}`,
          { sticky: true },
        );
      },
    }).addTo(group);
    for (const c of coverage.cameras) {
      const seesHotspot = c.hotspots.length > 0;
      L.polygon(fovPolygon(c.latitude, c.longitude, c.bearing_deg, c.fov_deg, c.range_m), {
        pane: "coverage",
        className: "dash-fov",
        color: seesHotspot ? "#2ecc71" : "#8496a9",
        weight: 1,
        fillOpacity: 0.3,
      })
        .bindTooltip(`${c.name}${seesHotspot ? ` — sees hotspot(s) ${c.hotspots.length}` : ""}`)
        .addTo(group);
      L.circleMarker([c.latitude, c.longitude], { pane: "coverage", radius: 4, color: "#0b0f14", weight: 1, fillColor: "#fff", fillOpacity: 1 })
        .bindTooltip(c.name)
        .addTo(group);
    }
    return () => {
      group.remove();
    };
  }, [coverage]);

  const legend = lsoa
    ? {
        title: metric === "count" ? `Crimes per LSOA, ${lsoa.year}` : `Crimes per km², ${lsoa.year}`,
        rows: legendLabels(breaks).map((label, i) => ({ label, colour: sequentialColour(breaks[i], breaks) })),
      }
    : ranking
      ? {
          title: `MOPAC 7 change, ${ranking.fy} vs ${ranking.previous_fy}`,
          rows: [...CHANGE_BREAKS.map((b, i) => ({ label: i === 0 ? `≤ ${formatPct(b)}` : `${formatPct(CHANGE_BREAKS[i - 1])} to ${formatPct(b)}`, colour: DIVERGING[i] })), { label: `> ${formatPct(CHANGE_BREAKS[CHANGE_BREAKS.length - 1])}`, colour: DIVERGING[DIVERGING.length - 1] }],
        }
      : null;

  return (
    <div className="dash-map-wrap">
      <div ref={el} className="dash-map" role="application" aria-label="Map of crime by area" />
      {legend && (
        <div className="dash-legend" aria-label="Map legend">
          <strong>{legend.title}</strong>
          <ul>
            {legend.rows.map((r) => (
              <li key={r.label}>
                <span className="dash-swatch" style={{ background: r.colour }} />
                {r.label}
              </li>
            ))}
          </ul>
          {coverage && (
            <ul>
              <li>
                <span className="dash-swatch dash-swatch-line" style={{ borderColor: "#ffd54f" }} /> hotspot no camera sees
              </li>
              <li>
                <span className="dash-swatch dash-swatch-line" style={{ borderColor: "#2ecc71" }} /> hotspot partly in view
              </li>
              <li>
                <span className="dash-swatch" style={{ background: "#2ecc71" }} /> camera field of view
              </li>
            </ul>
          )}
          {!lsoa && <span className="muted small">Click a borough to open it</span>}
        </div>
      )}
    </div>
  );
}
