/**
 * The labeling page served by `activekd label`: one self-contained HTML document with a small
 * vanilla-JS front end (no build step). It shows the current batch, the teacher's top-3
 * suggestions (and the student's, once one was trained), keyboard shortcuts 1–9, 0 for the first
 * ten classes, `z` / Ctrl+Z / Backspace to undo, ←/→ to move; each label is stored at once with
 * `POST /api/label`. Element ids used by tests: `#current-id`, `#progress`, `#classes`, `#done`.
 */
export const LABEL_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>activekd — label</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,sans-serif;margin:0;background:#f6f6f6;color:#222}
header{padding:.6em 1em;background:#234;color:#fff;display:flex;gap:1em;align-items:center}
main{display:flex;gap:1em;padding:1em}
#viewer{flex:1;background:#fff;padding:1em;border-radius:6px}
#viewer img{width:320px;height:320px;object-fit:contain;image-rendering:pixelated;background:#000}
#strip{width:260px;background:#fff;padding:.5em;border-radius:6px;max-height:80vh;overflow:auto}
.thumb{display:flex;gap:.4em;align-items:center;padding:2px;cursor:pointer;border:2px solid transparent}
.thumb.cur{border-color:#36c}.thumb img{width:40px;height:40px;object-fit:cover}
.thumb .l{font-size:.8em;color:#080}
button{margin:2px;padding:.35em .7em;border:1px solid #999;border-radius:4px;background:#fff;cursor:pointer}
button.sel{background:#cfe;border-color:#080}
.sug{font-size:.9em;color:#555}
kbd{background:#eee;border:1px solid #bbb;border-radius:3px;padding:0 4px;font-size:.85em}
#bar{height:6px;background:#ddd;width:200px}#bar div{height:6px;background:#4c4}
</style></head>
<body>
<header><strong>activekd</strong><span id="round"></span><span id="progress">loading…</span><div id="bar"><div id="barfill" style="width:0"></div></div>
<span style="margin-left:auto;font-size:.85em">keys: <kbd>1</kbd>…<kbd>9</kbd>,<kbd>0</kbd> label · <kbd>z</kbd> undo · <kbd>←</kbd>/<kbd>→</kbd> move</span></header>
<main>
<section id="viewer">
  <div id="done" hidden><p><strong>Batch complete.</strong> Run <code>activekd round</code> for the next one.</p></div>
  <div><img id="img" alt=""></div>
  <p><code id="current-id"></code> <span id="current-label"></span></p>
  <p class="sug" id="teacher"></p><p class="sug" id="student"></p>
  <div id="classes"></div>
  <p id="error" style="color:#b00"></p>
</section>
<aside id="strip"></aside>
</main>
<script>
"use strict";
let state = { classes: [], items: [], labeled: 0, total: 0, round: null };
let cur = 0;
const undo = [];
const $ = (id) => document.getElementById(id);
function fmt(list) { return list.map((s) => s.label + ' ' + (100 * s.p).toFixed(0) + '%').join(', '); }
async function api(path, body) {
  const r = await fetch(path, body ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), credentials: 'same-origin' } : { credentials: 'same-origin' });
  if (!r.ok) { const t = await r.text(); throw new Error(r.status + ' ' + t); }
  return r.json();
}
function render() {
  $('round').textContent = state.round === null ? 'no round yet' : 'round ' + state.round;
  $('progress').textContent = state.labeled + ' / ' + state.total + ' labeled';
  $('barfill').style.width = (state.total ? (100 * state.labeled / state.total) : 0) + '%';
  $('done').hidden = !(state.total > 0 && state.labeled === state.total);
  const it = state.items[cur];
  const strip = $('strip'); strip.textContent = '';
  state.items.forEach((x, i) => {
    const d = document.createElement('div'); d.className = 'thumb' + (i === cur ? ' cur' : '');
    const im = document.createElement('img'); im.src = '/api/image/' + x.key; im.alt = '';
    const s = document.createElement('span'); s.textContent = x.id;
    const l = document.createElement('span'); l.className = 'l'; l.textContent = x.label || '';
    d.append(im, s, l); d.onclick = () => { cur = i; render(); }; strip.append(d);
  });
  const box = $('classes'); box.textContent = '';
  if (!it) { $('current-id').textContent = ''; $('img').removeAttribute('src'); return; }
  $('img').src = '/api/image/' + it.key;
  $('current-id').textContent = it.id;
  $('current-label').textContent = it.label ? '→ ' + it.label : '';
  $('teacher').textContent = it.teacher.length ? 'teacher: ' + fmt(it.teacher) : '';
  $('student').textContent = it.student.length ? 'student: ' + fmt(it.student) : '';
  state.classes.forEach((c, i) => {
    const b = document.createElement('button');
    b.textContent = (i < 10 ? '[' + ((i + 1) % 10) + '] ' : '') + c;
    if (it.label === c) b.className = 'sel';
    if (it.teacher.slice(0, 3).some((t) => t.label === c)) b.style.fontWeight = 'bold';
    b.onclick = () => setLabel(c);
    box.append(b);
  });
}
function nextOpen(from) {
  for (let k = 1; k <= state.items.length; k++) { const i = (from + k) % state.items.length; if (!state.items[i].label) return i; }
  return from;
}
async function setLabel(c) {
  const it = state.items[cur]; if (!it) return;
  try {
    const r = await api('/api/label', { key: it.key, label: c, relabel: it.label !== null && it.label !== c });
    undo.push({ idx: cur, key: it.key, prev: it.label });
    it.label = c; state.labeled = r.labeled; state.total = r.total;
    cur = nextOpen(cur); $('error').textContent = ''; render();
  } catch (e) { $('error').textContent = String(e); }
}
async function doUndo() {
  const u = undo.pop(); if (!u) return;
  try {
    const r = u.prev ? await api('/api/label', { key: u.key, label: u.prev, relabel: true }) : await api('/api/unlabel', { key: u.key });
    state.items[u.idx].label = u.prev; state.labeled = r.labeled; state.total = r.total; cur = u.idx; render();
  } catch (e) { $('error').textContent = String(e); }
}
document.addEventListener('keydown', (e) => {
  if (e.key >= '0' && e.key <= '9' && !e.ctrlKey && !e.metaKey) {
    const i = e.key === '0' ? 9 : Number(e.key) - 1;
    if (i < state.classes.length) { e.preventDefault(); setLabel(state.classes[i]); }
  } else if (e.key === 'z' || e.key === 'Backspace' || (e.key === 'Z' && e.ctrlKey)) { e.preventDefault(); doUndo(); }
  else if (e.key === 'ArrowRight') { cur = Math.min(cur + 1, state.items.length - 1); render(); }
  else if (e.key === 'ArrowLeft') { cur = Math.max(cur - 1, 0); render(); }
});
(async () => {
  try {
    state = await api('/api/batch');
    const first = state.items.findIndex((x) => !x.label); cur = first < 0 ? 0 : first;
    render(); document.body.dataset.ready = '1';
  } catch (e) { $('error').textContent = String(e); }
})();
</script>
</body></html>
`;
