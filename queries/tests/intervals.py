#!/usr/bin/env python3
"""The 95% intervals of the indicator tests' expected rows, derived from indicators.md
("Rates and intervals") independently of the engine, and written into
queries/indicators/<id>.test.toml beside each share's and rate's numerator and
denominator (a row that already states them is left as it is).

- Shares: the Wilson score interval, z = 1.959963984540054; exactly 0 and 1 at p = 0
  and p = 1 (README, "Intervals").
- Rates per 100,000: for a numerator under 10 the exact (chi-square) interval, found
  here from its definition by bisection on Poisson tails (lower: P(X >= n | m) = 0.025,
  0 when n = 0; upper: P(X <= n | m) = 0.025), in 50-digit arithmetic; Byar's otherwise.

Run from the repository: python3 queries/tests/intervals.py
"""
import math
import pathlib
import re

import mpmath

mpmath.mp.dps = 50
Z = 1.959963984540054


def wilson(x, n):
    p = x / n
    z2 = Z * Z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    low = 0.0 if x == 0 else centre - half
    high = 1.0 if x == n else centre + half
    return low, high


def poisson_cdf(k, mean):
    """P(X <= k) for X ~ Poisson(mean)."""
    return mpmath.fsum(mpmath.exp(-mean) * mean**i / mpmath.factorial(i) for i in range(k + 1))


def bisect(f, low, high):
    """The root of an increasing f on [low, high]."""
    for _ in range(400):
        mid = (low + high) / 2
        if f(mid) > 0:
            high = mid
        else:
            low = mid
    return (low + high) / 2


def poisson_interval(n):
    if n < 10:
        lower = mpmath.mpf(0) if n == 0 else bisect(lambda m: (1 - poisson_cdf(n - 1, m)) - mpmath.mpf("0.025"), mpmath.mpf(0), mpmath.mpf(100))
        upper = bisect(lambda m: mpmath.mpf("0.025") - poisson_cdf(n, m), mpmath.mpf(0), mpmath.mpf(100))
        return float(lower), float(upper)
    lower = n * (1 - 1 / (9 * n) - Z / (3 * math.sqrt(n))) ** 3
    upper = (n + 1) * (1 - 1 / (9 * (n + 1)) + Z / (3 * math.sqrt(n + 1))) ** 3
    return lower, upper


def unit_of(indicator):
    sql = pathlib.Path(f"queries/indicators/{indicator}.sql").read_text()
    return re.search(r"^-- unit: (\S+)", sql, re.M).group(1)


ROW = re.compile(r"\{[^{}]*\}")


def with_interval(row, unit):
    if "ci_low" in row or "absent" in row:
        return row
    numerator = re.search(r"\bnumerator = (\d+)", row)
    denominator = re.search(r"\bdenominator = (\d+)", row)
    if not numerator or not denominator or int(denominator.group(1)) == 0:
        return row
    x, n = int(numerator.group(1)), int(denominator.group(1))
    if unit == "share":
        low, high = wilson(x, n)
    else:
        low, high = (v / n * 100_000 for v in poisson_interval(x))
    return row[:-1].rstrip() + f", ci_low = {low!r}, ci_high = {high!r} }}"


for path in sorted(pathlib.Path("queries/indicators").glob("*.test.toml")):
    indicator = path.name.removesuffix(".test.toml")
    unit = unit_of(indicator)
    if unit not in ("share", "per_100k"):
        continue
    text = path.read_text()
    head, sep, expectations = text.partition("[[expect]]")
    new = head + sep + ROW.sub(lambda m: with_interval(m.group(0), unit), expectations)
    if new != text:
        path.write_text(new)
        print(f"{path}: intervals written")
