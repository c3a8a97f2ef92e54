#!/usr/bin/python3
"""Independent expected values for statistics_test.cpp: brute force over every split of the
pooled sample (the definition of the exact null distribution), cross-checked with SciPy where it
has the same statistic. Run it to see the numbers hard-coded in the test."""

import itertools
import math

from scipy import stats


def u_statistic(base, new):
    return sum((y > x) + 0.5 * (y == x) for x in base for y in new)


def exact_null(m, n):
    """P(U = u) by enumerating which ranks the first sample takes (no ties)."""
    counts = {}
    ranks = range(m + n)
    for chosen in itertools.combinations(ranks, m):
        first = set(chosen)
        # U counts pairs (first_i, second_j) with second_j > first_i.
        u = sum(1 for x in first for y in ranks if y not in first and y > x)
        counts[u] = counts.get(u, 0) + 1
    total = math.comb(m + n, m)
    return {u: c / total for u, c in counts.items()}


def exact_p(base, new):
    dist = exact_null(len(base), len(new))
    u = u_statistic(base, new)
    low = sum(p for k, p in dist.items() if k <= u)
    high = sum(p for k, p in dist.items() if k >= u)
    return min(1.0, 2 * min(low, high))


def hodges_lehmann(base, new, alpha):
    diffs = sorted(y - x for x in base for y in new)
    dist = exact_null(len(base), len(new))
    cumulative, k = 0.0, -1
    for u in sorted(dist):
        cumulative += dist[u]
        if cumulative <= alpha / 2 + 1e-12:
            k = u
        else:
            break
    mid = len(diffs) // 2
    shift = diffs[mid] if len(diffs) % 2 else (diffs[mid - 1] + diffs[mid]) / 2
    if k < 0:
        return shift, None, None, k
    return shift, diffs[k], diffs[len(diffs) - 1 - k], k


base = [10.0, 12.0, 15.0, 17.0]
new = [13.0, 18.0, 20.0, 21.0, 25.0]
print("case A  U =", u_statistic(base, new), " exact p =", repr(exact_p(base, new)),
      " scipy:", stats.mannwhitneyu(new, base, method="exact").pvalue)
print("case A  HL (alpha 0.05) =", hodges_lehmann(base, new, 0.05))
print("case A  HL (alpha 0.10) =", hodges_lehmann(base, new, 0.10))
print("null(2,3):", sorted(exact_null(2, 3).items()))

separated_base = [float(v) for v in range(1, 10)]
separated_new = [float(v) for v in range(11, 20)]
print("case B  9 vs 9 separated: exact p =", repr(exact_p(separated_base, separated_new)),
      " = 2/C(18,9) =", 2 / math.comb(18, 9))

tied_base = [1.0, 2.0, 2.0, 3.0, 4.0, 4.0]
tied_new = [2.0, 3.0, 4.0, 5.0, 5.0, 6.0, 7.0]
r = stats.mannwhitneyu(tied_new, tied_base, method="asymptotic", use_continuity=True)
print("case C  ties: U =", u_statistic(tied_base, tied_new), " scipy asymptotic p =", repr(r.pvalue),
      " scipy U(new) =", r.statistic)

small_base, small_new = [1.0, 2.0, 3.0], [4.0, 5.0, 6.0]
print("case D  3 vs 3 separated: exact p =", repr(exact_p(small_base, small_new)),
      " HL alpha 0.05:", hodges_lehmann(small_base, small_new, 0.05))


def signed_rank_null(n):
    """Counts of W+ = w over all 2^n sign patterns of the ranks 1..n (no zeros, no ties)."""
    counts = {}
    for signs in itertools.product((0, 1), repeat=n):
        w = sum(rank for rank, positive in zip(range(1, n + 1), signs) if positive)
        counts[w] = counts.get(w, 0) + 1
    return counts


def signed_rank_exact_p(d):
    ranks = {i: r for r, i in enumerate(sorted(range(len(d)), key=lambda i: abs(d[i])), 1)}
    w = sum(ranks[i] for i in range(len(d)) if d[i] > 0)
    counts, total = signed_rank_null(len(d)), 2 ** len(d)
    low = sum(c for k, c in counts.items() if k <= w) / total
    high = sum(c for k, c in counts.items() if k >= w) / total
    return w, min(1.0, 2 * min(low, high))


def walsh_interval(d, alpha):
    n = len(d)
    walsh = sorted((d[i] + d[j]) / 2 for i in range(n) for j in range(i, n))
    counts, total = signed_rank_null(n), 2 ** n
    cumulative, k = 0.0, -1
    for w in sorted(counts):
        cumulative += counts[w] / total
        if cumulative <= alpha / 2 + 1e-12:
            k = w
        else:
            break
    mid = len(walsh) // 2
    centre = walsh[mid] if len(walsh) % 2 else (walsh[mid - 1] + walsh[mid]) / 2
    return centre, (walsh[k] if k >= 0 else None), (walsh[-1 - k] if k >= 0 else None), k


print("signed-rank null(5):", [signed_rank_null(5)[w] for w in range(16)], "/ 32")
paired = [0.5, -0.2, 1.1, 0.9, 0.3, -0.7, 1.4]
print("case E  signed rank: W+, exact p =", signed_rank_exact_p(paired),
      " scipy:", stats.wilcoxon(paired, method="exact").pvalue)
print("case E  Walsh HL (alpha 0.05) =", walsh_interval(paired, 0.05),
      " (alpha 0.10) =", walsh_interval(paired, 0.10))
tied = [1, 1, 2, -2, 3, 3, 3, -1, 4, 0]
print("case F  signed rank with ties and a zero: scipy approx p =",
      repr(stats.wilcoxon(tied, zero_method="wilcox", correction=True, method="approx").pvalue))
print("smallest p: 5 vs 5 =", 2 / math.comb(10, 5), " 9 rounds =", 2 / 2 ** 9)
for level in (0.05, 0.05 / 40):
    n = next(n for n in range(1, 100) if 2 / math.comb(2 * n, n) <= level)
    r = next(r for r in range(1, 100) if 2 / 2 ** r <= level)
    print(f"level {level:g}: Mann-Whitney needs {n} a side, signed rank {r} rounds")
