/** Hooks the tracking screens share: cameras a trail passed, the map tile setting. */
import { useEffect, useMemo, useState } from "react";
import { api } from "../api/client";
import type { Camera, UiSettings } from "../api/types";
import { useCameras } from "../camera/cameras";
import type { CameraPass } from "./api";

export function usePassedCameras(passes: CameraPass[] | null): Camera[] {
  const { byId } = useCameras();
  return useMemo(() => {
    const ids = new Set((passes ?? []).map((p) => String(p.camera_id)));
    return [...ids].map((id) => byId.get(id)).filter((c): c is Camera => !!c);
  }, [passes, byId]);
}

export function useTileUrl(): string | null {
  const [settings, setSettings] = useState<UiSettings | null>(null);
  useEffect(() => {
    api
      .uiSettings()
      .then(setSettings)
      .catch(() => setSettings({}));
  }, []);
  return settings?.tile_url ?? null;
}
