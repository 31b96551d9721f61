"""The offline player and verifier placed in every bundle as ``verify.html``.

One static page, inline script and style, no network: the user picks the bundle's folder (or its
files); the page reads ``manifest.json``, hashes every listed file with WebCrypto (SHA-256) and
names each one that differs or is missing, checks the Ed25519 signature where the browser's
WebCrypto supports it, and plays each master with its UTC and Europe/London time over the picture,
taken from the manifest's fragment times. Files over about 2 GB exceed what a browser will hash in
one piece; ``citywatch evidence verify`` checks any size.
"""

# ruff: noqa: E501 (the page is kept as one readable HTML document)
from __future__ import annotations

__all__ = ["VERIFIER_HTML"]

VERIFIER_HTML = r"""<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; media-src blob:; img-src blob: data:">
<title>citywatch evidence bundle: verify and play</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#111;background:#fafafa}
h1{font-size:1.3rem}table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;font-family:monospace;font-size:12px}
.ok{color:#075e07;font-weight:bold}.bad{color:#b00020;font-weight:bold}.muted{color:#555}
.clip{position:relative;display:inline-block;margin:.5rem 1rem .5rem 0;background:#000}
.clip video{display:block;max-width:640px}
.overlay{position:absolute;left:0;top:0;padding:.2rem .4rem;background:rgba(0,0,0,.6);color:#fff;font:12px monospace;white-space:pre}
#summary{font-size:1.1rem;margin:.75rem 0}
</style>
</head>
<body>
<h1>Evidence bundle: verify and play</h1>
<p class="muted">Choose this bundle's folder (or select all its files). Nothing is sent anywhere: every check runs in this page.</p>
<p><label>Bundle folder: <input id="folder" type="file" webkitdirectory multiple></label>
<label>or files: <input id="files" type="file" multiple></label></p>
<div id="summary">No bundle chosen yet.</div>
<div id="signature"></div>
<div id="details"></div>
<table id="results"><thead><tr><th>File</th><th>Expected SHA-256</th><th>Actual SHA-256</th><th>Result</th></tr></thead><tbody></tbody></table>
<div id="players"></div>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
const hex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");
const localFmt = new Intl.DateTimeFormat("en-GB", {timeZone: "Europe/London", year: "numeric", month: "2-digit",
  day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", fractionalSecondDigits: 3, timeZoneName: "short"});

function relPath(file) {
  const p = file.webkitRelativePath || file.name;
  const i = p.indexOf("/");
  return file.webkitRelativePath && i >= 0 ? p.slice(i + 1) : p;
}
function findFile(files, path) {
  const base = path.split("/").pop();
  return files.find((f) => relPath(f) === path) || files.find((f) => f.name === base) || null;
}
function cell(row, text, cls) { const td = row.insertCell(); td.textContent = text; if (cls) td.className = cls; return td; }
function b64(text) { return Uint8Array.from(atob(text), (c) => c.charCodeAt(0)); }
function pemBody(pem) { return b64(pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "")); }

async function checkSignature(files, manifestBytes) {
  const sigFile = findFile(files, "manifest.sig"), keyFile = findFile(files, "public_key.pem");
  if (!sigFile || !keyFile) return {ok: false, text: "signature: manifest.sig or public_key.pem is missing"};
  try {
    const sig = JSON.parse(await sigFile.text());
    const key = await crypto.subtle.importKey("spki", pemBody(await keyFile.text()), {name: "Ed25519"}, false, ["verify"]);
    const good = await crypto.subtle.verify({name: "Ed25519"}, key, b64(sig.signature), manifestBytes);
    return good ? {ok: true, text: "signature: good (key " + sig.key_id + "; compare with the installation's published keys)"}
                : {ok: false, text: "signature: FAILED: manifest.json or manifest.sig was changed"};
  } catch (e) {
    return {ok: null, text: "signature: this browser cannot check Ed25519 (" + e.name + "); run 'citywatch evidence verify'"};
  }
}

function utcAt(fragments, media90k) {
  let base = fragments[0];
  for (const f of fragments) { if (f[0] > media90k) break; base = f; }
  return base[1] / 1000 + (media90k - base[0]) / 90;
}

function addPlayer(file, span, camera) {
  const box = document.createElement("div"); box.className = "clip";
  const video = document.createElement("video"); video.controls = true; video.muted = true; video.preload = "metadata";
  video.src = URL.createObjectURL(file);
  const overlay = document.createElement("div"); overlay.className = "overlay";
  const show = () => {
    const ms = utcAt(span.fragments_90k_utc_us, Math.round(video.currentTime * 90000));
    const d = new Date(ms);
    overlay.textContent = camera.name + "\n" + d.toISOString().replace("T", " ").replace("Z", " UTC") + "\n" + localFmt.format(d) + " (Europe/London)";
  };
  video.addEventListener("timeupdate", show); video.addEventListener("loadedmetadata", show); show();
  box.append(video, overlay); $("players").append(box);
}

async function verify(files) {
  const tbody = $("results").tBodies[0]; tbody.textContent = ""; $("players").textContent = "";
  const manifestFile = findFile(files, "manifest.json");
  if (!manifestFile) { $("summary").textContent = "FAILED: manifest.json is not among the chosen files"; $("summary").className = "bad"; return; }
  const manifestBytes = new Uint8Array(await manifestFile.arrayBuffer());
  let manifest;
  try { manifest = JSON.parse(new TextDecoder().decode(manifestBytes)); }
  catch (e) { $("summary").textContent = "FAILED: manifest.json is not readable"; $("summary").className = "bad"; return; }
  $("details").textContent = "Export " + manifest.export_id + " by " + manifest.exporter.username + " (" + manifest.exporter.organisation +
    "), " + manifest.created_utc + "; reference " + (manifest.reference || "-") + "; justification: " + manifest.justification;
  const failed = [];
  for (const entry of manifest.files) {
    const row = tbody.insertRow(); cell(row, entry.path); cell(row, entry.sha256);
    const file = findFile(files, entry.path);
    if (!file) { cell(row, "(missing)"); cell(row, "MISSING", "bad"); failed.push(entry.path); continue; }
    const actual = hex(await crypto.subtle.digest("SHA-256", await file.arrayBuffer()));
    cell(row, actual);
    if (actual === entry.sha256) cell(row, "OK", "ok"); else { cell(row, "FAILED", "bad"); failed.push(entry.path); }
  }
  const sig = await checkSignature(files, manifestBytes);
  $("signature").textContent = sig.text; $("signature").className = sig.ok === false ? "bad" : sig.ok ? "ok" : "muted";
  if (sig.ok === false) failed.push("manifest.json (signature)");
  $("summary").className = failed.length ? "bad" : "ok";
  $("summary").textContent = failed.length ? "FAILED: " + failed.length + " problem(s): " + failed.join(", ")
    : "All " + manifest.files.length + " files match the manifest";
  document.body.dataset.result = failed.length ? "failed" : "ok";
  for (const camera of manifest.cameras) for (const span of camera.spans) {
    const file = findFile(files, span.file); if (file) addPlayer(file, span, camera);
  }
}
for (const id of ["folder", "files"]) $(id).addEventListener("change", (e) => verify(Array.from(e.target.files)));
</script>
</body>
</html>
"""
