"""The offline player and verifier placed in every bundle as ``verify.html``.

One static page, inline script and style, no network: the user picks the bundle's folder (or its
files); the page reads ``manifest.json``, hashes every listed file with WebCrypto (SHA-256) and
names each one that differs or is missing, checks the Ed25519 signature where the browser's
WebCrypto supports it, and plays each master with its UTC and Europe/London time over the picture,
taken from the manifest's fragment times.

WebCrypto has no streaming digest and a browser will not hand over a file of more than about 2 GB
in one piece, so a file larger than one chunk (64 MiB; ``?chunk_bytes=N`` in the page's address
sets it, for tests) is read one slice at a time into an incremental SHA-256 written in the page.
The result is the same whole-file SHA-256 the manifest lists and ``citywatch evidence verify``
computes, so the bundle format did not change and old bundles check the same way.
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

const CHUNK_BYTES = Number(new URLSearchParams(location.search).get("chunk_bytes")) || 64 * 1024 * 1024;
const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2]);

// SHA-256 (FIPS 180-4) fed piece by piece: for files too large for one WebCrypto call.
class Sha256 {
  constructor() {
    this.h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
    this.w = new Uint32Array(64); this.buf = new Uint8Array(64); this.n = 0; this.bytes = 0;
  }
  update(data) {
    let i = 0; this.bytes += data.length;
    if (this.n) {
      i = Math.min(64 - this.n, data.length);
      this.buf.set(data.subarray(0, i), this.n); this.n += i;
      if (this.n < 64) return this;
      this.block(this.buf, 0); this.n = 0;
    }
    for (; i + 64 <= data.length; i += 64) this.block(data, i);
    if (i < data.length) { this.buf.set(data.subarray(i)); this.n = data.length - i; }
    return this;
  }
  block(d, p) {
    const w = this.w, h = this.h;
    for (let t = 0; t < 16; t++, p += 4) w[t] = (d[p] << 24) | (d[p + 1] << 16) | (d[p + 2] << 8) | d[p + 3];
    for (let t = 16; t < 64; t++) {
      const x = w[t - 15], y = w[t - 2];
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
    }
    let a = h[0] | 0, b = h[1] | 0, c = h[2] | 0, dd = h[3] | 0, e = h[4] | 0, f = h[5] | 0, g = h[6] | 0, hh = h[7] | 0;
    for (let t = 0; t < 64; t++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (hh + S1 + ((e & f) ^ (~e & g)) + K[t] + w[t]) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      hh = g; g = f; f = e; e = (dd + t1) | 0; dd = c; c = b; b = a; a = (t1 + t2) | 0;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += dd; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
  }
  hex() {
    const bits = this.bytes * 8, pad = new Uint8Array((this.n < 56 ? 56 : 120) - this.n + 8);
    pad[0] = 0x80;
    const tail = new DataView(pad.buffer, pad.length - 8);
    tail.setUint32(0, Math.floor(bits / 0x100000000)); tail.setUint32(4, bits >>> 0);
    this.update(pad);
    return Array.from(this.h, (v) => v.toString(16).padStart(8, "0")).join("");
  }
}

// The file's SHA-256 and how many reads it took: one WebCrypto call, or one slice per chunk.
async function sha256File(file, onProgress) {
  if (file.size <= CHUNK_BYTES) return {hash: hex(await crypto.subtle.digest("SHA-256", await file.arrayBuffer())), parts: 1};
  const sha = new Sha256();
  let parts = 0;
  for (let at = 0; at < file.size; at += CHUNK_BYTES) {
    sha.update(new Uint8Array(await file.slice(at, at + CHUNK_BYTES).arrayBuffer()));
    parts += 1; onProgress(Math.min(at + CHUNK_BYTES, file.size) / file.size);
  }
  return {hash: sha.hex(), parts};
}

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
    const {hash: actual, parts} = await sha256File(file, (done) => {
      $("summary").textContent = "Hashing " + entry.path + ": " + Math.floor(done * 100) + "%";
    });
    row.dataset.parts = String(parts);
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
