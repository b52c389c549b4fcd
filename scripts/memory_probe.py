#!/usr/bin/env python3
"""Outside-the-JVM probe of the memory store read on the cached base features (numpy + torch, CPU).

Each row's centred, L2-normalised all-MiniLM-L6-v2 embedding e reads its store-top-k nearest texts of
the domain's store (cosine, softmax with strength beta) and becomes normalize(e + g * read), as
memory.store does with an untrained adapter; the store never holds the episode's own texts. Scored
with cosine prototypes and (5-shot) a logistic regression fitted on the support rows. With
--split meta-val the store holds the meta-train and meta-val texts only (as during training); with
meta-test, every text of the domain (as evaluation). Episodes are drawn here, not the main job's.
Reads .cache/features (the main job fills it) and .cache/data:

    ./metamorph data splits --json > /tmp/splits.json
    /usr/bin/python3 scripts/memory_probe.py --splits /tmp/splits.json --split meta-val
"""
import argparse, collections, importlib.util, json, math, os
import numpy as np
import torch

spec = importlib.util.spec_from_file_location('adapter_probe', os.path.join(os.path.dirname(os.path.abspath(__file__)), 'adapter_probe.py'))
probe = importlib.util.module_from_spec(spec)
spec.loader.exec_module(probe)


def nrm(a):
    return a / np.linalg.norm(a, axis=-1, keepdims=True)


def logreg(F, y, l2=1.0):
    F = torch.tensor(F)
    W = torch.zeros(F.shape[1] + 1, 5, dtype=F.dtype, requires_grad=True)
    Fb = torch.cat([F, torch.ones(len(F), 1, dtype=F.dtype)], 1)
    yt = torch.tensor(y)
    opt = torch.optim.LBFGS([W], max_iter=100, line_search_fn='strong_wolfe')
    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(Fb @ W, yt, reduction='sum') + 0.5 * l2 * (W[:-1] ** 2).sum()
        loss.backward()
        return loss
    opt.step(closure)
    Wd = W.detach().numpy()
    return lambda G: np.concatenate([G, np.ones((len(G), 1))], 1) @ Wd


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--splits', required=True); p.add_argument('--cache', default='.cache'); p.add_argument('--domain', default='gcide')
    p.add_argument('--split', default='meta-val', choices=['meta-val', 'meta-test'])
    p.add_argument('--gains', default='0,0.5,1,1.5,2,3'); p.add_argument('--k', type=int, default=10); p.add_argument('--beta', type=float, default=10.0)
    p.add_argument('--episodes1', type=int, default=300); p.add_argument('--episodes5', type=int, default=200); p.add_argument('--seed', type=int, default=5)
    a = p.parse_args()
    print(vars(a), flush=True)
    torch.set_num_threads(1)
    sp = json.load(open(a.splits))[a.domain]
    X, _, idx = probe.load(a.cache, a.domain)
    X = X.numpy()
    E = nrm(X - X[[i for c in sp['meta-train'] for i in idx[c][:60]]].mean(0))
    S = E @ E.T
    in_store = np.zeros(len(E), bool)
    for c in (list(sp['meta-train']) + list(sp['meta-val']) if a.split == 'meta-val' else [c for s in sp.values() for c in s]):
        in_store[idx[c][:60]] = True
    gains = [float(g) for g in a.gains.split(',')]

    def read(ids, pool):
        sims = S[np.ix_(ids, pool)]
        nb = np.argpartition(-sims, a.k, axis=1)[:, :a.k]
        top = np.take_along_axis(sims, nb, 1)
        w = np.exp(a.beta * (top - top.max(1, keepdims=True)))
        w /= w.sum(1, keepdims=True)
        return np.einsum('sk,skd->sd', w, E[pool][nb])

    for shots, n in ((1, a.episodes1), (5, a.episodes5)):
        rng = np.random.default_rng(a.seed)
        cls = [c for c in sp[a.split] if len(idx[c][:60]) >= shots + 15]
        r = collections.defaultdict(list)
        for _ in range(n):
            si, sy, qi, qy = [], [], [], []
            for j, ci in enumerate(rng.choice(len(cls), 5, replace=False)):
                ii = rng.permutation(idx[cls[ci]][:60])[:shots + 15]
                si += list(ii[:shots]); sy += [j] * shots; qi += list(ii[shots:]); qy += [j] * 15
            si, sy, qi, qy = map(np.array, (si, sy, qi, qy))
            mask = in_store.copy(); mask[si] = False; mask[qi] = False
            pool = np.where(mask)[0]
            for g in gains:
                Fs, Fq = (E[si], E[qi]) if g == 0 else (nrm(E[si] + g * read(si, pool)), nrm(E[qi] + g * read(qi, pool)))
                P = nrm(np.stack([Fs[sy == j].mean(0) for j in range(5)]))
                r['prototype g=%g' % g].append(((Fq @ P.T).argmax(1) == qy).mean())
                if shots > 1:
                    r['probe g=%g' % g].append((logreg(Fs, sy)(Fq).argmax(1) == qy).mean())
        for k, v in r.items():
            print('%s %d-shot %-18s %.1f%% +- %.1f (%d episodes)' % (a.split, shots, k, 100 * np.mean(v), 196 * np.std(v) / math.sqrt(len(v)), len(v)), flush=True)


if __name__ == '__main__':
    main()
