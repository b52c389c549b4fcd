package dev.metamorph.model.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeMap;

/**
 * Learns a byte-pair-encoding vocabulary from texts. Deterministic: words are processed in sorted
 * order, the base alphabet is ordered by (frequency desc, symbol asc), and each step merges the
 * most frequent adjacent pair, ties broken by the merged symbol's string, then by the pair's
 * left symbol. Word-initial characters are symbols of their own ("a"); continuation characters
 * carry the prefix "##" ("##a"), as in WordPiece, so merges never cross word boundaries.
 */
public final class BpeTrainer {
    private BpeTrainer() {}

    /**
     * Trains a tokenizer of at most {@code vocabSize} ids ([PAD] and [UNK] included); characters
     * seen fewer than {@code minCharCount} times map to [UNK].
     */
    public static BpeTokenizer train(Iterable<String> texts, int vocabSize, int minCharCount, int maxLength, BpeTokenizer.Truncation truncation) {
        if (vocabSize < 3) throw new IllegalArgumentException("BPE vocabulary size must be >= 3, got " + vocabSize);
        TreeMap<String, Long> wordCounts = new TreeMap<>();
        for (String text : texts) for (String w : Pretokenizer.words(text)) wordCounts.merge(w, 1L, Long::sum);
        // base alphabet
        Map<String, Long> charCounts = new HashMap<>();
        for (Map.Entry<String, Long> e : wordCounts.entrySet()) {
            List<String> syms = BpeTokenizer.initialSymbols(e.getKey());
            for (String s : syms) charCounts.merge(s, e.getValue(), Long::sum);
        }
        List<String> alphabet = new ArrayList<>();
        charCounts.entrySet().stream().filter(e -> e.getValue() >= minCharCount)
                .sorted((a, b) -> a.getValue().equals(b.getValue()) ? a.getKey().compareTo(b.getKey()) : Long.compare(b.getValue(), a.getValue()))
                .limit(vocabSize - 2L).forEach(e -> alphabet.add(e.getKey()));
        List<String> vocab = new ArrayList<>(List.of(BpeTokenizer.PAD_TOKEN, BpeTokenizer.UNK_TOKEN));
        vocab.addAll(alphabet);
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < vocab.size(); i++) ids.put(vocab.get(i), i);
        // words as symbol-id arrays
        List<int[]> words = new ArrayList<>();
        List<Long> freqs = new ArrayList<>();
        for (Map.Entry<String, Long> e : wordCounts.entrySet()) {
            List<String> syms = BpeTokenizer.initialSymbols(e.getKey());
            int[] w = new int[syms.size()];
            for (int i = 0; i < w.length; i++) w[i] = ids.getOrDefault(syms.get(i), BpeTokenizer.UNK);
            words.add(w);
            freqs.add(e.getValue());
        }
        Map<Long, Long> pairCounts = new HashMap<>();
        Map<Long, Set<Integer>> where = new HashMap<>();
        for (int wi = 0; wi < words.size(); wi++) addPairs(words.get(wi), freqs.get(wi), wi, pairCounts, where);
        PriorityQueue<Candidate> queue = new PriorityQueue<>();
        for (Map.Entry<Long, Long> e : pairCounts.entrySet()) queue.add(candidate(e.getKey(), e.getValue(), vocab));
        List<int[]> merges = new ArrayList<>();
        while (vocab.size() < vocabSize && !queue.isEmpty()) {
            Candidate best = queue.poll();
            Long current = pairCounts.get(best.pair);
            if (current == null || current != best.count) continue; // stale entry
            if (current < 2) break;
            int a = (int) (best.pair >>> 32), b = (int) best.pair;
            String merged = BpeTokenizer.concat(vocab.get(a), vocab.get(b));
            Integer existing = ids.get(merged);
            int id;
            if (existing != null) {
                id = existing;
            } else {
                id = vocab.size();
                vocab.add(merged);
                ids.put(merged, id);
            }
            merges.add(new int[] {a, b, id});
            Set<Long> touched = new HashSet<>();
            for (int wi : new ArrayList<>(where.getOrDefault(best.pair, Set.of()))) {
                int[] w = words.get(wi);
                int[] nw = BpeTokenizer.applyMerge(w, a, b, id);
                if (nw == w) continue;
                long f = freqs.get(wi);
                removePairs(w, f, pairCounts, touched);
                words.set(wi, nw);
                addPairs(nw, f, wi, pairCounts, where);
                collectPairs(nw, touched);
            }
            where.remove(best.pair);
            for (long p : touched) {
                Long c = pairCounts.get(p);
                if (c != null && c > 0) queue.add(candidate(p, c, vocab));
            }
        }
        return new BpeTokenizer(vocab, merges, maxLength, truncation);
    }

    private static long key(int a, int b) {
        return ((long) a << 32) | (b & 0xffffffffL);
    }

    private static void addPairs(int[] w, long f, int wi, Map<Long, Long> counts, Map<Long, Set<Integer>> where) {
        for (int i = 0; i + 1 < w.length; i++) {
            if (w[i] == BpeTokenizer.UNK || w[i + 1] == BpeTokenizer.UNK) continue;
            long k = key(w[i], w[i + 1]);
            counts.merge(k, f, Long::sum);
            where.computeIfAbsent(k, x -> new HashSet<>()).add(wi);
        }
    }

    private static void removePairs(int[] w, long f, Map<Long, Long> counts, Set<Long> touched) {
        for (int i = 0; i + 1 < w.length; i++) {
            if (w[i] == BpeTokenizer.UNK || w[i + 1] == BpeTokenizer.UNK) continue;
            long k = key(w[i], w[i + 1]);
            long c = counts.merge(k, -f, Long::sum);
            if (c <= 0) counts.remove(k);
            touched.add(k);
        }
    }

    private static void collectPairs(int[] w, Set<Long> touched) {
        for (int i = 0; i + 1 < w.length; i++) touched.add(key(w[i], w[i + 1]));
    }

    private static Candidate candidate(long pair, long count, List<String> vocab) {
        String left = vocab.get((int) (pair >>> 32));
        return new Candidate(pair, count, BpeTokenizer.concat(left, vocab.get((int) pair)), left);
    }

    private record Candidate(long pair, long count, String merged, String left) implements Comparable<Candidate> {
        @Override
        public int compareTo(Candidate o) {
            if (count != o.count) return Long.compare(o.count, count);
            int c = merged.compareTo(o.merged);
            return c != 0 ? c : left.compareTo(o.left);
        }
    }
}
