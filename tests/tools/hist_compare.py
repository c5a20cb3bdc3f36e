# SPDX-License-Identifier: GPL-2.0-only
"""hist_compare.py - comparing two log2 histograms ({slot: count}) quantile by quantile, for the
run-queue oracles (tests/e2e/55_runqueue.sh, tests/vm/10_kernels.sh).

A quantile of a sample is itself uncertain: its rank moves by about sqrt(q(1-q)/n) of the sample
from one draw to the next, and where the distribution has a gap (two modes with nothing between) a
small move of the rank jumps buckets. Two measurements of the same waits also differ at their edges
(one tool's window holds a little more than the other's, each tool's probes delay the other's a
little). So quantile q of A matches B when A's bucket is within one of B's buckets between the
quantiles q - d and q + d, d being two standard errors of the rank for the smaller sample plus half
a percent. A real difference (a fifth of the waits put in another bucket) moves every quantile far
past that band.

When the two windows cannot be made the same (one tool samples every 2 s on the clock's ticks, the
other every second from whenever it started) and the load changes within them, compare A with the
pieces of B that overlap A's window instead: A is a mixture of about those pieces, and a quantile of
a mixture lies between the smallest and the largest of its components' quantiles (its CDF is a
weighted mean of theirs). within_parts() checks that, each piece with its own sampling band.
"""
import math

EDGE = 0.005


def quantile_slot(slots, q):
    """The slot holding quantile q (0..1) of the histogram, or None if it is empty."""
    total, cum = sum(slots.values()), 0
    for s in sorted(slots):
        cum += slots[s]
        if total and cum >= q * total:
            return s
    return None


def band(q, n):
    """The rank slack d for quantile q of a sample of n."""
    return 2 * math.sqrt(q * (1 - q) / max(n, 1)) + EDGE


def same_bucket(a, b, q):
    """True if quantile q of histogram a lies within one bucket of b's quantiles q -+ band."""
    d = band(q, min(sum(a.values()), sum(b.values())))
    x = quantile_slot(a, q)
    lo, hi = quantile_slot(b, max(q - d, 0.0)), quantile_slot(b, min(q + d, 1.0))
    return x is not None and lo is not None and lo - 1 <= x <= hi + 1


def within_parts(a, parts, q, min_part=200):
    """True if quantile q of histogram a lies within one bucket of the range of the parts' quantiles
    q -+ band (each part a histogram of a piece of a's window; parts under min_part samples are
    left out, their quantiles being mostly noise). False when no part is big enough."""
    x = quantile_slot(a, q)
    los, his = [], []
    for p in parts:
        n = sum(p.values())
        if n < min_part:
            continue
        d = band(q, n)
        los.append(quantile_slot(p, max(q - d, 0.0)))
        his.append(quantile_slot(p, min(q + d, 1.0)))
    return x is not None and bool(los) and min(los) - 1 <= x <= max(his) + 1
