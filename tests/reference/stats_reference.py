"""Independent reference for the figures of src/stats (Python 3, stdlib only).

This module recomputes what ``src/stats/inequality.h`` and
``src/stats/agreement.h`` specify, by other means, so that the program's
outputs can be cross-checked:

* Every figure that is a rational function of the inputs (mean, quantiles,
  Gini, Palma, FGT for alpha in {0, 1, 2}, Pearson, Spearman, MAE) is
  computed in exact rational arithmetic (``fractions.Fraction`` holds every
  double exactly) and rounded once at the end. The C code works in doubles
  with compensated sums, so the two should agree to a few 1e-16 relative.
* Theil (logarithms) and FGT with other exponents use ``math.fsum``.
* Gini uses the Lorenz-curve area, not the C code's pairwise-difference
  formula; Theil's parts are computed group by group from their definitions;
  Pearson uses the one-pass moment formula, which is safe in exact arithmetic.

Conventions, the same as the C headers:

* ``w`` (weights, standardised population) may be ``None`` for unit weights.
  Weights must be finite and >= 0, checked on every entry. Entries with
  w == 0 are ignored; a NaN value is ignored together with its weight; an
  infinite value is an error.
* For pairs ``(a, b)``, a pair with a NaN on either side is skipped and an
  infinite value among the others is an error.
* Where the C function returns MG_EINVAL, these functions raise ValueError.

Run ``python3 stats_reference.py`` to check the worked examples below.
"""

import math
import sys
from fractions import Fraction

__all__ = [
    "mean", "quantile", "gini", "theil", "d9d1", "palma", "fgt",
    "pearson", "spearman", "mae", "confusion",
]

# The rounding allowance of the C quantile: a cumulative weight within
# 16 * DBL_EPSILON * sum(w) below q * sum(w) counts as reaching it.
QUANTILE_RTOL = 16 * Fraction(sys.float_info.epsilon)


def _weighted(x, w, nonneg=False):
    """Validated usable (value, weight) pairs as floats, in input order."""
    x = [float(v) for v in x]
    w = [1.0] * len(x) if w is None else [float(v) for v in w]
    if len(w) != len(x):
        raise ValueError("x and w differ in length")
    out = []
    for xi, wi in zip(x, w):
        if not math.isfinite(wi) or wi < 0:
            raise ValueError("weight %r is negative or not finite" % wi)
        if wi == 0 or math.isnan(xi):
            continue
        if math.isinf(xi):
            raise ValueError("infinite value")
        if nonneg and xi < 0:
            raise ValueError("negative value %r" % xi)
        out.append((xi, wi))
    if not out:
        raise ValueError("no entry with a positive weight and a value")
    return out


def _pairs(a, b, minimum):
    """Validated usable (a, b) pairs; at least `minimum` of them."""
    a = [float(v) for v in a]
    b = [float(v) for v in b]
    if len(a) != len(b):
        raise ValueError("a and b differ in length")
    out = []
    for ai, bi in zip(a, b):
        if math.isnan(ai) or math.isnan(bi):
            continue
        if math.isinf(ai) or math.isinf(bi):
            raise ValueError("infinite value")
        out.append((ai, bi))
    if len(out) < minimum:
        raise ValueError("fewer than %d usable pairs" % minimum)
    return out


def _finite(value):
    """The float of an exact result, refusing overflow as the C code does."""
    try:
        f = float(value)
    except OverflowError:
        raise ValueError("result overflows a double") from None
    if not math.isfinite(f):
        raise ValueError("result overflows a double")
    return f


def mean(x, w=None):
    """Weighted mean sum(w x) / sum(w), exact then rounded once.

    >>> mean([1, 2, 3], [1, 1, 2])
    2.25
    >>> mean([1, float("nan"), 3, 100], [1, 5, 1, 0])
    2.0
    """
    p = _weighted(x, w)
    sw = sum(Fraction(wi) for _, wi in p)
    swx = sum(Fraction(wi) * Fraction(xi) for xi, wi in p)
    return _finite(swx / sw)


def _sorted_masses(x, w, nonneg=False):
    p = sorted(_weighted(x, w, nonneg), key=lambda t: t[0])
    return p, sum(Fraction(wi) for _, wi in p)


def _quantile_sorted(p, total, q):
    if q <= 0:
        return p[0][0]
    if q >= 1:
        return p[-1][0]
    target = Fraction(q) * total - QUANTILE_RTOL * total
    cum = Fraction(0)
    for xi, wi in p:
        cum += Fraction(wi)
        if cum >= target:
            return xi
    return p[-1][0]


def quantile(x, w, q):
    """Weighted quantile: the smallest x whose cumulative weight reaches q*sum(w).

    The inverse of the weighted empirical CDF, without interpolation, so the
    result is always one of the values. q = 0 gives the smallest value,
    q = 1 the largest. Cumulative weights are exact here; a cumulative
    weight within 16 * DBL_EPSILON * sum(w) below the target counts as
    reaching it, as in the C code, so that q = 0.1 over ten equal weights
    gives the first value although the double 0.1 is a little above 1/10.
    ValueError when q is NaN or outside [0, 1].

    >>> quantile([3, 1, 2, 4], None, 0.5)
    2.0
    >>> quantile([3, 1, 2, 4], None, 0.51)
    3.0
    >>> [quantile([10, 20, 30], [1, 2, 1], q) for q in (0.25, 0.26, 0.75, 0.76)]
    [10.0, 20.0, 20.0, 30.0]
    >>> [quantile(range(1, 11), [0.7] * 10, k / 10) for k in range(1, 10)]
    [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]
    """
    q = float(q)
    if not (0 <= q <= 1):
        raise ValueError("q must lie in [0, 1]")
    p, total = _sorted_masses(x, w)
    if not math.isfinite(float(total)):
        raise ValueError("sum of weights overflows")
    return _quantile_sorted(p, total, q)


def d9d1(x, w=None):
    """Decile ratio D9/D1 with the weighted quantiles of quantile().

    ValueError when D1 is 0 (the ratio is infinite).

    >>> d9d1(range(1, 11))
    9.0
    >>> d9d1([8, 4, 2, 1], [0.5, 0.5, 8, 1])
    2.0
    """
    p, total = _sorted_masses(x, w)
    if not math.isfinite(float(total)):
        raise ValueError("sum of weights overflows")
    d1 = _quantile_sorted(p, total, 0.1)
    d9 = _quantile_sorted(p, total, 0.9)
    if d1 == 0:
        raise ValueError("D1 is 0")
    return _finite(Fraction(d9) / Fraction(d1))


def gini(x, w=None):
    """Population-weighted Gini coefficient, from the Lorenz curve.

    G = 1 - sum_k (w_k / W) (L_{k-1} + L_k), with masses sorted by value and
    L_k the cumulative share of sum(w x): one minus twice the area under the
    Lorenz curve. This equals the mean absolute difference over all ordered
    pairs of people (a person with themselves included) over twice the mean,
    without the n/(n-1) correction. Values must be >= 0 with a positive mean.

    >>> gini([0, 1])
    0.5
    >>> gini([3, 1, 2]) == 2 / 9
    True
    >>> gini([1, 3], [3, 1])
    0.25
    >>> gini([5, 5, 5], [1, 2, 3])
    0.0
    """
    p, total = _sorted_masses(x, w, nonneg=True)
    wx = [Fraction(wi) * Fraction(xi) for xi, wi in p]
    t = sum(wx)
    if t <= 0:
        raise ValueError("the mean is not positive")
    area = Fraction(0)
    prev = Fraction(0)
    for (xi, wi), v in zip(p, wx):
        cur = prev + v
        area += Fraction(wi) * (prev + cur)
        prev = cur
    return _finite(1 - area / (total * t))


def theil(x, w=None, g=None, ngroups=None):
    """Theil T index and its between/within decomposition.

    Returns (total, between, within); between and within are None when g is
    None. total = sum(w x ln(x/mu)) / sum(w mu), zero values counting 0.
    With groups: s_g = group's share of sum(w x), mu_g its mean, T_g its own
    Theil index; between = sum s_g ln(mu_g / mu), within = sum s_g T_g.
    g may hold any hashable labels (EPCI codes, say); when ngroups is given
    the labels must be integers in [0, ngroups), as in the C code. Values
    must be >= 0 with a positive mean.

    >>> t, b, wi = theil([1, 3, 2, 6], None, [0, 0, 1, 1])
    >>> round(t, 15) == round((math.log(1/3) + 2*math.log(2/3) + 6*math.log(2)) / 12, 15)
    True
    >>> abs(t - (b + wi)) < 1e-15
    True
    >>> round(theil([0, 2])[0], 15) == round(math.log(2), 15)
    True
    """
    x = [float(v) for v in x]
    wl = [1.0] * len(x) if w is None else [float(v) for v in w]
    p = _weighted(x, wl, nonneg=True)
    sw = sum(Fraction(wi) for _, wi in p)
    swx = sum(Fraction(wi) * Fraction(xi) for xi, wi in p)
    if swx <= 0:
        raise ValueError("the mean is not positive")
    mu = swx / sw

    def plogp(xi, wi, m):
        # w x ln(x / m), 0 for x = 0; the ratio is exact before the log.
        return 0.0 if xi == 0 else wi * xi * math.log(float(Fraction(xi) / m))

    total = math.fsum(plogp(xi, wi, mu) for xi, wi in p) / float(swx)
    if g is None:
        return max(total, 0.0), None, None

    g = list(g)
    if len(g) != len(x):
        raise ValueError("g and x differ in length")
    groups = {}
    for xi, wi, gi in zip(x, wl, g):
        if wi > 0 and not math.isnan(xi):
            if ngroups is not None and not (isinstance(gi, int) and 0 <= gi < ngroups):
                raise ValueError("group %r out of range" % (gi,))
            groups.setdefault(gi, []).append((xi, wi))
    between = []
    within = []
    for members in groups.values():
        gw = sum(Fraction(wi) for _, wi in members)
        gwx = sum(Fraction(wi) * Fraction(xi) for xi, wi in members)
        if gwx == 0:
            continue  # share 0: adds nothing to either part
        mug = gwx / gw
        share = float(gwx / swx)
        tg = math.fsum(plogp(xi, wi, mug) for xi, wi in members) / float(gwx)
        between.append(share * math.log(float(mug / mu)))
        within.append(share * tg)
    return max(total, 0.0), max(math.fsum(between), 0.0), max(math.fsum(within), 0.0)


def palma(x, w=None):
    """Palma ratio: share of sum(w x) held by the top 10 % of people over the
    share held by the bottom 40 %.

    People are laid along [0, W] in increasing order of value, a commune
    occupying an interval of length w; each commune counts x times its
    overlap with [0, 0.4 W] and [0.9 W, W] (pro rata at the cuts). The cuts
    are the exact 2/5 and 9/10 here, the doubles 0.4 and 0.9 in C.
    Values must be >= 0; ValueError when the bottom 40 % hold nothing.

    >>> palma(range(1, 11))
    1.0
    >>> palma([1, 2])
    0.5
    >>> palma([10, 1, 5], [1, 2, 1])
    2.5
    """
    p, total = _sorted_masses(x, w, nonneg=True)
    lo = Fraction(2, 5) * total
    hi = Fraction(9, 10) * total
    bottom = Fraction(0)
    top = Fraction(0)
    c0 = Fraction(0)
    for xi, wi in p:
        c1 = c0 + Fraction(wi)
        bottom += Fraction(xi) * max(Fraction(0), min(c1, lo) - c0)
        top += Fraction(xi) * max(Fraction(0), c1 - max(c0, hi))
        c0 = c1
    if bottom <= 0:
        raise ValueError("the bottom 40 % hold nothing")
    return _finite(top / bottom)


def fgt(x, w, z, alpha):
    """Foster-Greer-Thorbecke index sum_{x<z} w ((z - x)/z)^alpha / sum(w).

    alpha = 0: share of people strictly below z; 1: normalised gap;
    2: severity (these three exact). z must be finite and > 0, alpha finite
    and >= 0; values may be negative.

    >>> [fgt([1, 2, 3, 4], None, 2.5, a) for a in (0, 1, 2)]
    [0.5, 0.2, 0.1]
    >>> fgt([1, 2, 3, 4], None, 2, 0)
    0.25
    """
    z = float(z)
    alpha = float(alpha)
    if not (math.isfinite(z) and z > 0):
        raise ValueError("z must be finite and > 0")
    if not (math.isfinite(alpha) and alpha >= 0):
        raise ValueError("alpha must be finite and >= 0")
    p = _weighted(x, w)
    sw = sum(Fraction(wi) for _, wi in p)
    below = [(xi, wi) for xi, wi in p if xi < z]
    if alpha in (0.0, 1.0, 2.0):
        k = int(alpha)
        fz = Fraction(z)
        s = sum(Fraction(wi) * ((fz - Fraction(xi)) / fz) ** k for xi, wi in below)
        return _finite(s / sw)
    s = math.fsum(wi * ((z - xi) / z) ** alpha for xi, wi in below)
    return _finite(s / float(sw))


def _pearson_exact(pairs):
    m = len(pairs)
    fa = [Fraction(a) for a, _ in pairs]
    fb = [Fraction(b) for _, b in pairs]
    sa, sb = sum(fa), sum(fb)
    # m^2 times the covariance and variances: exact, so no cancellation.
    cov = m * sum(a * b for a, b in zip(fa, fb)) - sa * sb
    va = m * sum(a * a for a in fa) - sa * sa
    vb = m * sum(b * b for b in fb) - sb * sb
    if va == 0 or vb == 0:
        raise ValueError("zero variance")
    r = math.sqrt(float(cov * cov / (va * vb)))
    return min(r, 1.0) if cov >= 0 else -min(r, 1.0)


def pearson(a, b):
    """Pearson correlation over the usable pairs (at least 2).

    ValueError when either side has zero variance.

    >>> pearson([1, 2, 3], [1, 3, 2])
    0.5
    >>> pearson([1, float("nan"), 2, 7, 3], [1, 5, 3, float("nan"), 2])
    0.5
    """
    return _pearson_exact(_pairs(a, b, 2))


def _mean_ranks(values):
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    k = 0
    while k < len(order):
        j = k
        while j < len(order) and values[order[j]] == values[order[k]]:
            j += 1
        # Positions k..j-1 hold ranks k+1..j; ties share their mean.
        r = (k + 1 + j) / 2
        for t in range(k, j):
            ranks[order[t]] = r
        k = j
    return ranks


def spearman(a, b):
    """Spearman correlation: Pearson on ranks, ties given their mean rank.

    Ranks are taken over the usable pairs only (at least 2); ValueError when
    either side is entirely tied.

    >>> spearman([1, 2, 3, 4], [10, 20, 40, 30])
    0.8
    >>> abs(spearman([1, 2, 2, 3], [1, 2, 3, 4]) - 3 / math.sqrt(10)) < 1e-15
    True
    """
    pairs = _pairs(a, b, 2)
    ra = _mean_ranks([p[0] for p in pairs])
    rb = _mean_ranks([p[1] for p in pairs])
    return _pearson_exact(list(zip(ra, rb)))


def mae(a, b):
    """Mean absolute error sum|a - b| / m over the m usable pairs (m >= 1).

    >>> mae([1, 2, 3], [2, 2, 5])
    1.0
    >>> mae([1, float("nan"), 3, 9], [2, 2, 5, float("nan")])
    1.5
    """
    pairs = _pairs(a, b, 1)
    s = sum(abs(Fraction(x) - Fraction(y)) for x, y in pairs)
    return _finite(s / len(pairs))


def confusion(a, b, threshold):
    """Confusion table of the classification "value < threshold".

    Returns a dict with the C field names: both_below, only_a_below,
    only_b_below, both_above, over the usable pairs (m >= 1). A value equal
    to the threshold is not below it. ValueError when threshold is NaN.

    >>> confusion([1, 2, 3, 4, float("nan"), 2.5], [1, 3, 2, 4, 1, 0], 2.5)
    {'both_below': 1, 'only_a_below': 1, 'only_b_below': 2, 'both_above': 1}
    """
    t = float(threshold)
    if math.isnan(t):
        raise ValueError("threshold is NaN")
    out = {"both_below": 0, "only_a_below": 0, "only_b_below": 0, "both_above": 0}
    for x, y in _pairs(a, b, 1):
        if x < t and y < t:
            out["both_below"] += 1
        elif x < t:
            out["only_a_below"] += 1
        elif y < t:
            out["only_b_below"] += 1
        else:
            out["both_above"] += 1
    return out


if __name__ == "__main__":
    import doctest

    failures, tests = doctest.testmod()
    print("%d examples, %d failures" % (tests, failures))
    sys.exit(1 if failures else 0)
