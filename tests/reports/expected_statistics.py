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
