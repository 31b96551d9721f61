/**
 * The borough map: boundaries bundled with the app, every camera with its field of view coloured by status.
 * Map tiles are optional (a setting); with none, or with the tile server unreachable, the map still works.
 */
import L from "leaflet";
import type { GeoJsonObject } from "geojson";
import "leaflet/dist/leaflet.css";
import { useEffect, useMemo, useRef, useState } from "react";
import { api } from "../api/client";
import type { Camera, UiSettings } from "../api/types";
import { STATUS_LABEL, useCameras, type DisplayStatus } from "../camera/cameras";
import { navigate, useRoute } from "../common/router";
import { StateOverlay } from "../common/StateOverlay";
import { VideoTile } from "../player/VideoTile";
import { wall } from "../wall/wallStore";
import { applyFilter, filterHash, readFilter, type MapFilter, type Owned } from "./filters";
import { fovPolygon, STATUS_COLOUR } from "./fov";
import { MapFilters, useDirectory } from "./MapFilters";

const CENTRE: L.LatLngTuple = [51.4927, -0.2236];

type OwnedCamera = Camera & Owned;

async function loadGeo(name: string): Promise<GeoJsonObject | null> {
  try {
    const res = await fetch(new URL(`geo/${name}`, document.baseURI));
    return res.ok ? ((await res.json()) as GeoJsonObject) : null;
  } catch {
    return null;
  }
}

export function MapView() {
  const { cameras, status, error, loading } = useCameras();
  const el = useRef<HTMLDivElement>(null);
  const map = useRef<L.Map | null>(null);
  const camLayer = useRef<L.LayerGroup | null>(null);
  const [settings, setSettings] = useState<UiSettings | null>(null);
  const { params } = useRoute();
  const filter = useMemo(() => readFilter(params), [params]);
  const { organisations, groups } = useDirectory();
  const [popout, setPopout] = useState<string | null>(null);

  useEffect(() => {
    api
      .uiSettings()
      .then(setSettings)
      .catch(() => setSettings({}));
  }, []);

  useEffect(() => {
    if (!el.current || map.current) return;
    const m = L.map(el.current, { center: CENTRE, zoom: 14, zoomControl: true, attributionControl: true, preferCanvas: false });
    m.attributionControl.setPrefix(false);
    L.control.scale({ imperial: false }).addTo(m);
    map.current = m;
    m.createPane("cameras").style.zIndex = "450";
    camLayer.current = L.layerGroup().addTo(m);
    void (async () => {
      const [london, wards, hf] = await Promise.all([
        loadGeo("london-boroughs.geojson"),
        loadGeo("hf-wards.geojson"),
        loadGeo("hf-borough.geojson"),
      ]);
      if (map.current !== m) return;
      if (london)
        L.geoJSON(london, { interactive: false, style: { color: "#4a5568", weight: 1, fillColor: "#1a202c", fillOpacity: 0.35 } }).addTo(m);
      if (wards)
        L.geoJSON(wards, {
          style: { color: "#718096", weight: 1, dashArray: "3 4", fill: false },
          onEachFeature: (f, layer) => layer.bindTooltip(String(f.properties?.name ?? ""), { sticky: true, className: "ward-tip" }),
        }).addTo(m);
      if (hf) {
        const b = L.geoJSON(hf, { interactive: false, style: { color: "#63b3ed", weight: 2.5, fill: false } }).addTo(m);
        m.fitBounds(b.getBounds(), { padding: [16, 16] });
      }
      m.attributionControl.addAttribution("Boundaries © Crown copyright, OGL v3 (ONS, London Datastore)");
    })();
    return () => {
      m.remove();
      map.current = null;
    };
  }, []);

  useEffect(() => {
    const m = map.current;
    if (!m || !settings?.tile_url) return;
    const layer = L.tileLayer(settings.tile_url, { maxZoom: 19, attribution: settings.tile_attribution ?? "" }).addTo(m);
    layer.bringToBack();
    return () => {
      layer.remove();
    };
  }, [settings]);

  const shown = useMemo(() => applyFilter(cameras as OwnedCamera[], filter, groups), [cameras, filter, groups]);
  // Replace, not push: the back button leaves the map rather than stepping through filter changes.
  const setFilter = (f: MapFilter) => window.location.replace(filterHash(f, params));

  useEffect(() => {
    const layer = camLayer.current;
    if (!layer) return;
    layer.clearLayers();
    for (const c of shown) {
      if (c.latitude == null || c.longitude == null) continue;
      const s: DisplayStatus = status(c);
      const colour = STATUS_COLOUR[s];
      if (c.bearing_deg != null && c.fov_deg && c.range_m) {
        L.polygon(fovPolygon(c.latitude, c.longitude, c.bearing_deg, c.fov_deg, c.range_m), {
          color: colour,
          weight: 1,
          fillColor: colour,
          fillOpacity: 0.22,
          className: `fov fov-${s}`,
          pane: "cameras",
        })
          .on("click", () => setPopout(c.id))
          .addTo(layer);
      }
      L.circleMarker([c.latitude, c.longitude], {
        radius: 7,
        color: "#0b0f14",
        weight: 2,
        fillColor: colour,
        fillOpacity: 1,
        className: `camera-marker marker-${s}`,
        pane: "cameras",
      })
        .bindTooltip(`${c.name} — ${STATUS_LABEL[s]}`, { direction: "top", offset: [0, -6] })
        .on("click", () => setPopout(c.id))
        .addTo(layer);
    }
  }, [shown, status]);

  const popCam: Camera | undefined = popout ? cameras.find((c) => c.id === popout) : undefined;

  return (
    <div className="map-page">
      <MapFilters
        cameras={cameras as OwnedCamera[]}
        shown={shown.length}
        organisations={organisations}
        groups={groups}
        filter={filter}
        onChange={setFilter}
        note={settings && !settings.tile_url ? " · no map tiles configured: boundaries and cameras only" : ""}
      />
      <div className="map-wrap">
        <div ref={el} className="map" role="application" aria-label="Map of cameras" />
        {error?.forbidden ? (
          <StateOverlay state="denied" />
        ) : loading ? (
          <StateOverlay state="loading" />
        ) : cameras.length === 0 ? (
          <StateOverlay state="empty" detail="No cameras yet: an administrator adds them under Admin" />
        ) : shown.length === 0 ? (
          <StateOverlay state="empty" detail="No camera matches these filters">
            <button type="button" onClick={() => setFilter({ org: null, group: null })}>
              Show all cameras
            </button>
          </StateOverlay>
        ) : null}
        <CameraIndex cameras={shown} status={status} onOpen={setPopout} />
        {popCam && (
          <div className="popout" role="dialog" aria-label={`Live: ${popCam.name}`}>
            <div className="popout-head">
              <strong>{popCam.name}</strong>
              <span className="spacer" />
              <button type="button" className="small" onClick={() => wall.add(popCam.id)}>
                Add to wall
              </button>
              <button type="button" className="small" onClick={() => navigate(`/camera/${encodeURIComponent(popCam.id)}`)}>
                Timeline
              </button>
              <button
                type="button"
                className="small"
                title="Open in a new window"
                onClick={() => window.open(`#/popout/${encodeURIComponent(popCam.id)}`, `cw-${popCam.id}`, "width=800,height=480")}
              >
                Pop out
              </button>
              <button type="button" className="small" aria-label="Close" onClick={() => setPopout(null)}>
                ×
              </button>
            </div>
            <div className="popout-video">
              <VideoTile key={popCam.id} camera={popCam} mode="live" />
            </div>
          </div>
        )}
      </div>
    </div>
  );
}

/**
 * The shown cameras as a list of buttons: markers drawn on a canvas or SVG cannot take keyboard focus, so this is
 * how a keyboard or screen-reader user finds a camera on the map and opens its live view.
 */
function CameraIndex({ cameras, status, onOpen }: { cameras: Camera[]; status: (c: Camera) => DisplayStatus; onOpen: (id: string) => void }) {
  if (cameras.length === 0) return null;
  return (
    <details className="map-index">
      <summary>Cameras on the map ({cameras.length})</summary>
      <ul aria-label="Cameras on the map">
        {cameras.map((c) => {
          const s = status(c);
          return (
            <li key={c.id}>
              <button type="button" className="link" onClick={() => onOpen(c.id)} aria-label={`${c.name}, ${STATUS_LABEL[s]}: open live view`}>
                <span className="status-dot" style={{ background: STATUS_COLOUR[s] }} aria-hidden="true" /> {c.name}
              </button>
            </li>
          );
        })}
      </ul>
    </details>
  );
}
