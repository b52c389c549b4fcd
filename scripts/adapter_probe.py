#!/usr/bin/env python3
"""Outside-the-JVM probe of a pooled linear adapter on the cached base features (numpy + torch, CPU).

A linear residual adapter over the centred pooled all-MiniLM-L6-v2 embeddings (z = p + p W, W zero at
the start: model.pooled-linear's map alone) trained on source episodes (wordnet + foldoc meta-train
classes; add gcide with --src to train on the target's meta-train classes as the curriculum does),
5-way 5-shot, 15 queries, 4 episodes per Adam step, through the ridge head (model.head-fit = ridge:
Gram form, kernel (1 - w) cosine + w TF-IDF cosine) or cosine prototypes; validated on gcide meta-val
classes, tested on gcide meta-test classes with a logistic regression fitted on the support rows (as
eval.head = fitted), the ridge head and cosine prototypes. Episodes are drawn here, not the main job's.
Reads .cache/features (the main job fills it) and .cache/data:

    ./metamorph data splits --json > /tmp/splits.json
    /usr/bin/python3 scripts/adapter_probe.py --splits /tmp/splits.json --steps 400 --lr 1e-4 --head ridge
"""
import argparse, collections, hashlib, json, math, os, re, struct
import numpy as np
import torch

TEMPLATES = {'gcide': 'Definition from an old dictionary: %s\nSubject field:', 'wordnet': 'Definition: %s\nSubject field:',
             'foldoc': 'Computing dictionary entry: %s\nCategory:'}


def pooled_by_text(root, domain):
    d = next(os.path.join(root, b, domain + '-definition@1.0') for b in os.listdir(root) if os.path.isdir(os.path.join(root, b, domain + '-definition@1.0')))
    out = {}
    for fn in sorted(os.listdir(d)):
        if not fn.endswith('.safetensors'):
            continue
        b = open(os.path.join(d, fn), 'rb').read()
        n = struct.unpack('<Q', b[:8])[0]
        h = json.loads(b[8:8 + n])
        def tensor(k, dt):
            o = h[k]['data_offsets']
            return np.frombuffer(b[8 + n + o[0]:8 + n + o[1]], dtype=dt).reshape(h[k]['shape'])
        sha, pooled = tensor('text_sha256', np.uint8), tensor('pooled', np.float32)
        for i in range(len(sha)):
            out[sha[i].tobytes()] = pooled[i]
    return out


def load(cache, domain):
    feats = pooled_by_text(os.path.join(cache, 'features'), domain)
    X, Y, T = [], [], []
    for line in open(os.path.join(cache, 'data', domain + '.jsonl')):
        r = json.loads(line)
        k = hashlib.sha256((TEMPLATES[domain] % r['text']).encode()).digest()
        if k in feats:
            X.append(feats[k]); Y.append(r['label']); T.append(r['text'])
    idx = collections.defaultdict(list)
    for i, y in enumerate(Y):
        idx[y].append(i)
    return torch.tensor(np.array(X), dtype=torch.float64), T, idx


def tfidf(texts):
    docs = [re.findall(r"[a-z0-9]+", t.lower()) for t in texts]
    df = collections.Counter(w for doc in docs for w in set(doc))
    vocab = {w: i for i, w in enumerate(df)}
    out = []
    for doc in docs:
        items = collections.Counter(doc).items()
        ids = np.array([vocab[w] for w, _ in items], dtype=np.int64)
        val = np.array([c * math.log((1 + len(docs)) / (1 + df[w])) for w, c in items])
        out.append((ids, val / max(np.linalg.norm(val), 1e-12)))
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--splits', required=True); p.add_argument('--cache', default='.cache')
    p.add_argument('--lr', type=float, default=1e-4); p.add_argument('--steps', type=int, default=400)
    p.add_argument('--head', default='ridge', choices=['ridge', 'proto']); p.add_argument('--src', default='wordnet,foldoc')
    p.add_argument('--l2', type=float, default=1.0); p.add_argument('--w', type=float, default=0.5)
    p.add_argument('--every', type=int, default=100); p.add_argument('--nval', type=int, default=200); p.add_argument('--ntest', type=int, default=300)
    a = p.parse_args()
    print(vars(a), flush=True)
    torch.set_num_threads(1); torch.manual_seed(0)
    sp = json.load(open(a.splits))
    D = {d: load(a.cache, d) for d in ['gcide', 'wordnet', 'foldoc']}
    C = {d: D[d][0][[i for c in sp[d]['meta-train'] for i in D[d][2][c][:60]]].mean(0) for d in D}
    TF = {d: tfidf(D[d][1]) for d in D}

    def episodes(d, split, n, seed, shots=5, q=15, ways=5):
        idx = D[d][2]; rng = np.random.default_rng(seed)
        cls = [c for c in sp[d][split] if len(idx[c][:60]) >= shots + q]
        eps = []
        for _ in range(n):
            si, sy, qi, qy = [], [], [], []
            for j, ci in enumerate(rng.choice(len(cls), ways, replace=False)):
                ii = rng.permutation(idx[cls[ci]][:60])[:shots + q]
                si += list(ii[:shots]); sy += [j] * shots; qi += list(ii[shots:]); qy += [j] * q
            rows = [TF[d][i] for i in si + qi]
            u = np.unique(np.concatenate([r[0] for r in rows])); pos = {v: k for k, v in enumerate(u)}
            M = np.zeros((len(rows), len(u)))
            for k, (ids, val) in enumerate(rows):
                M[k, [pos[v] for v in ids]] = val
            M = torch.tensor(M)
            eps.append((d, np.array(si), np.array(sy), np.array(qi), np.array(qy), M[:len(si)], M[len(si):]))
        return eps

    W = torch.zeros(384, 384, dtype=torch.float64, requires_grad=True)
    log_scale = torch.tensor(math.log(10.0), dtype=torch.float64, requires_grad=True)
    def emb(d, ii):
        x = D[d][0][ii] - C[d]
        return torch.nn.functional.normalize(x + x @ W, dim=1)
    def feats(d, ii, T):
        return torch.cat([math.sqrt(1 - a.w) * emb(d, ii), math.sqrt(a.w) * T], 1)
    def ridge(Fs, ys, Fq):
        Y = torch.nn.functional.one_hot(torch.tensor(ys), 5).double()
        return (Fq @ Fs.T) @ torch.linalg.solve(Fs @ Fs.T + a.l2 * torch.eye(len(Fs), dtype=Fs.dtype), Y)
    def proto(Es, ys, Eq):
        P = torch.stack([Es[ys == j].mean(0) for j in range(5)])
        return Eq @ torch.nn.functional.normalize(P, dim=1).T
    def logreg(F, y, l2=1.0):
        Wl = torch.zeros(F.shape[1] + 1, 5, dtype=F.dtype, requires_grad=True)
        Fb = torch.cat([F, torch.ones(len(F), 1, dtype=F.dtype)], 1)
        opt = torch.optim.LBFGS([Wl], max_iter=100, line_search_fn='strong_wolfe')
        def closure():
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(Fb @ Wl, torch.tensor(y), reduction='sum') + 0.5 * l2 * (Wl[:-1] ** 2).sum()
            loss.backward(); return loss
        opt.step(closure)
        return lambda G: torch.cat([G, torch.ones(len(G), 1, dtype=G.dtype)], 1) @ Wl.detach()
    def evaluate(eps):
        r = collections.defaultdict(list)
        with torch.no_grad():
            for d, si, sy, qi, qy, Ts, Tq in eps:
                Fs, Fq = feats(d, si, Ts), feats(d, qi, Tq)
                r['fitted'].append((logreg(Fs, sy)(Fq).argmax(1).numpy() == qy).mean())
                r['ridge'].append((ridge(Fs, sy, Fq).argmax(1).numpy() == qy).mean())
                r['prototype'].append((proto(emb(d, si), sy, emb(d, qi)).argmax(1).numpy() == qy).mean())
        return {k: '%.1f+-%.1f' % (100 * np.mean(v), 196 * np.std(v) / math.sqrt(len(v))) for k, v in r.items()}

    val = episodes('gcide', 'meta-val', a.nval, 2)
    print(0, 'gcide meta-val', evaluate(val), flush=True)
    srcs = a.src.split(','); rng = np.random.default_rng(7)
    pool = {s: episodes(s, 'meta-train', a.steps * 4 // len(srcs) + 10, 100 + i) for i, s in enumerate(srcs)}
    opt = torch.optim.Adam([W, log_scale], lr=a.lr)
    for step in range(1, a.steps + 1):
        opt.zero_grad(); loss = 0
        for _ in range(4):
            s = srcs[rng.integers(len(srcs))]
            d, si, sy, qi, qy, Ts, Tq = pool[s][rng.integers(len(pool[s]))]
            logits = ridge(feats(d, si, Ts), sy, feats(d, qi, Tq)) if a.head == 'ridge' else proto(emb(d, si), sy, emb(d, qi))
            loss = loss + torch.nn.functional.cross_entropy(log_scale.exp() * logits, torch.tensor(qy)) / 4
        loss.backward(); opt.step()
        if step % a.every == 0:
            print(step, 'loss %.3f' % loss.item(), 'gcide meta-val', evaluate(val), flush=True)
    print('gcide meta-test', evaluate(episodes('gcide', 'meta-test', a.ntest, 1)), flush=True)


if __name__ == '__main__':
    main()
