"""Finding repeated structure: stretches of a graph that are one block of nodes many times over.

A training step's graph is mostly the same small graph once per sample. Given each node's
structural key (``record.py``), a stretch of ``period`` nodes repeated ``count`` times in a
row shows up as a periodic run in the sequence of keys; code generation then writes the block
once, as the body of a loop over the samples. Found greedily from the left: at each position,
the next few occurrences of the same key propose a period, byte comparisons of the encoded keys
confirm it (exact, no hashing), and the longest confirmed run wins.
"""

from __future__ import annotations

from array import array

__all__ = ["find_runs"]


def find_runs(
    ids: list[int], lo: int, hi: int, *, min_saved: int = 8, tries: int = 3
) -> list[tuple[int, int, int]]:
    """Runs ``(start, period, count)`` in ``ids[lo:hi]``, in order and not overlapping:
    ``ids[start + r*period + t] == ids[start + t]`` for every ``r < count``, ``t < period``.

    Only runs that save at least ``min_saved`` nodes of code (``(count - 1) * period``) count.
    """
    n = hi - lo
    if n < 2:
        return []
    buf = array("I", ids[lo:hi]).tobytes()  # node p is bytes 4*(p-lo) .. 4*(p-lo)+4
    find = buf.find
    runs: list[tuple[int, int, int]] = []
    p = 0
    while p < n - 1:
        pat = buf[4 * p : 4 * p + 4]
        best_p = best_r = 0
        q = p
        for _ in range(tries):
            # the next occurrence of node p's key (aligned on a key boundary)
            start = 4 * q + 4
            while True:
                hit = find(pat, start)
                if hit < 0 or not hit & 3:
                    break
                start = hit + 1
            if hit < 0:
                break
            q = hit >> 2
            period = q - p
            if q + period > n:
                break
            block = buf[4 * p : 4 * q]
            if buf[4 * q : 4 * (q + period)] != block:
                continue
            count = 2
            end = q + period
            while end + period <= n and buf[4 * end : 4 * (end + period)] == block:
                count += 1
                end += period
            if period * count > best_p * best_r:
                best_p, best_r = period, count
        if best_r and (best_r - 1) * best_p >= min_saved:
            runs.append((lo + p, best_p, best_r))
            p += best_p * best_r
        else:
            p += 1
    return runs
