import YongchainHTTP

/// `GET /`: a small self-contained status page (no external assets). The page itself is static; its script reads
/// the node's own JSON API every two seconds, so what it shows is exactly what the API answers.
enum StatusPage {
    static var response: HTTPResponse {
        var r = HTTPResponse.text(200, html, contentType: "text/html; charset=utf-8")
        r.headers.set("Cache-Control", "no-store")
        return r
    }

    static let html = """
    <!doctype html>
    <html lang="en"><head><meta charset="utf-8"><title>Yongchain node</title>
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <style>
    body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#f5f6f8;color:#1d2330}
    header{background:#1d3557;color:#fff;padding:14px 24px;display:flex;gap:24px;align-items:baseline}
    header h1{font-size:20px;margin:0} header span{opacity:.85}
    main{display:grid;grid-template-columns:repeat(auto-fit,minmax(340px,1fr));gap:16px;padding:16px 24px}
    section{background:#fff;border-radius:8px;padding:12px 16px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
    h2{font-size:15px;margin:0 0 8px} table{border-collapse:collapse;width:100%} td,th{text-align:left;padding:3px 6px;border-bottom:1px solid #eee}
    code{font:12px ui-monospace,monospace;word-break:break-all} .big{font-size:28px;font-weight:600} .ok{color:#2a9d8f} .bad{color:#e63946}
    input{width:70%;padding:6px} button{padding:6px 12px} pre{white-space:pre-wrap;word-break:break-all;max-height:280px;overflow:auto;background:#f0f2f5;padding:8px}
    </style></head><body>
    <header><h1>Yongchain</h1><span id="chain">chain …</span><span id="node">node …</span><span id="sync"></span></header>
    <main>
    <section><h2>Height</h2><div class="big" id="height">…</div><div>round <span id="round">…</span> · step <span id="step">…</span> · mempool <span id="mempool">…</span></div><div><code id="tip"></code></div><div class="bad" id="problem"></div></section>
    <section><h2>Search</h2><form id="search"><input id="q" placeholder="transaction hash, unit number or certificate number"> <button>Search</button></form><pre id="result">Results appear here.</pre></section>
    <section><h2>Latest blocks</h2><table id="blocks"><tr><th>height</th><th>txs</th><th>hash</th><th>time</th></tr></table></section>
    <section><h2>Validators</h2><div id="vset"></div><table id="validators"><tr><th>#</th><th>name</th><th>power</th><th>last signed</th></tr></table></section>
    <section><h2>Peers</h2><table id="peers"><tr><th>name</th><th>height</th><th>last contact</th></tr></table></section>
    <section><h2>Grey-list</h2><table id="greylist"><tr><th>entries</th><th>reports</th><th>publications</th><th>hits</th><th>openings stopped</th></tr></table></section>
    </main>
    <script>
    const $ = id => document.getElementById(id);
    const get = p => fetch(p).then(r => r.json());
    function rows(t, list) { const h = t.rows[0].outerHTML; t.innerHTML = h + list.map(c => '<tr>' + c.map(x => '<td>' + x + '</td>').join('') + '</tr>').join(''); }
    const ago = ms => ms ? Math.max(0, Math.round((Date.now() - ms) / 1000)) + ' s ago' : 'never';
    async function refresh() {
      try {
        const s = await get('/v1/status');
        $('chain').textContent = 'chain ' + s.chainId; $('node').textContent = 'node ' + s.moniker + (s.transport === 'plain' ? ' · plain HTTP' : ' · TLS 1.3');
        $('height').textContent = s.height; $('round').textContent = s.consensus.round; $('step').textContent = s.consensus.step;
        $('mempool').textContent = s.mempoolSize; $('tip').textContent = s.latestBlockHash;
        const esc = t => String(t).replace(/[&<>"]/g, c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'})[c]);
        $('sync').innerHTML = (s.health !== 'ok' ? '<span class="bad" title="' + esc(s.healthMessage ?? '') + '">' + esc(s.health) + '</span> · ' : '')
          + (s.catchingUp ? '<span class="bad">catching up</span>' : '<span class="ok">in sync</span>');
        $('problem').textContent = s.health !== 'ok' ? s.health + ': ' + (s.healthMessage ?? '') : '';
        const b = await get('/v1/blocks?limit=10');
        rows($('blocks'), b.blocks.map(x => [x.height, x.txCount, '<code>' + x.hash.slice(0, 16) + '…</code>', new Date(x.time).toLocaleTimeString()]));
        const vs = s.validatorSet;
        $('vset').innerHTML = 'set <code>' + vs.hash.slice(0, 12) + '</code> since height ' + vs.since + ', power ' + vs.totalPower
          + (vs.pending ? ' · <span class="bad">change to ' + vs.pending.size + ' validators (power ' + vs.pending.totalPower + ') from height ' + vs.pending.from + '</span>' : '')
          + (s.openProposals != null ? ' · ' + s.openProposals + ' open governance proposal' + (s.openProposals === 1 ? '' : 's') : '');
        const v = await get('/v1/validators');
        rows($('validators'), v.validators.map(x => [x.index, x.name, x.power, x.lastSignedHeight ?? '—']));
        const p = await get('/v1/peers');
        rows($('peers'), p.peers.map(x => [x.name, x.height, ago(x.lastContactMs)]));
        const g = (await get('/v1/greylist/stats')).result;
        rows($('greylist'), [[g.entries, g.reports, g.publications, g.hits, g.stopped]]);
      } catch (e) { $('sync').innerHTML = '<span class="bad">node unreachable</span>'; }
    }
    $('search').onsubmit = async ev => {
      ev.preventDefault();
      const q = $('q').value.trim();
      const path = /^[0-9a-fA-F]{64}$/.test(q) ? '/v1/txs/' + q
        : q.length === 28 ? '/v1/mortgage/units/' + encodeURIComponent(q) + '/encumbrances'
        : '/v1/mortgage/certificates/' + encodeURIComponent(q);
      const r = await fetch(path);
      $('result').textContent = r.status + ' ' + path + '\\n' + JSON.stringify(await r.json().catch(() => ({})), null, 2);
    };
    refresh(); setInterval(refresh, 2000);
    </script></body></html>
    """
}
