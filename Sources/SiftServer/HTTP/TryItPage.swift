/// The page at `/`: pick a model, paste texts and an optional key, see the JSON answer.
/// Static (no data in it), so it is served without authentication; the calls it makes are not.
enum TryItPage {
    static let html = #"""
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sift</title>
<style>body{font:15px system-ui,sans-serif;max-width:46em;margin:2em auto;padding:0 1em}
textarea,input,select{width:100%;box-sizing:border-box;margin:.3em 0 1em;font:inherit}
pre{background:#f4f4f4;padding:1em;overflow:auto}</style></head>
<body><h1>Sift</h1>
<label>API key or token <input id="key" type="password" autocomplete="off"></label>
<label>Model <select id="model"></select></label>
<label>Texts, one per line <textarea id="texts" rows="6">I want a refund for this broken phone</textarea></label>
<button id="go">Classify</button> <button id="load">Load models</button>
<pre id="out"></pre>
<script>
const $ = id => document.getElementById(id);
const headers = () => { const k = $('key').value.trim(); const h = {'Content-Type': 'application/json'};
  if (k) h['Authorization'] = 'Bearer ' + k; return h; };
async function show(resp) { $('out').textContent = resp.status + '\n' + JSON.stringify(await resp.json(), null, 2); }
$('load').onclick = async () => { const r = await fetch('v1/models', {headers: headers()});
  if (!r.ok) return show(r); const j = await r.json(); $('model').innerHTML = '';
  for (const m of j.models) { const o = document.createElement('option'); o.textContent = m.name; $('model').appendChild(o); } };
$('go').onclick = async () => { const texts = $('texts').value.split('\n').filter(t => t.trim());
  const name = encodeURIComponent($('model').value);
  show(await fetch('v1/models/' + name + '/classify', {method: 'POST', headers: headers(), body: JSON.stringify({texts})})); };
</script></body></html>
"""#
}
