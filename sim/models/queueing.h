/*
 * queueing.h - closed-form queueing results: Erlang-B, M/M/1, M/M/1/K, and
 * Jain's fairness index. Used by the model's delay term (the M/M/1/K
 * sojourn of each resource at its utilisation) and by validation tests.
 *
 * Owns:      nothing (pure functions of their arguments).
 * Invariant: results are finite for finite in-domain arguments unless stated
 *            (M/M/1 at lambda >= mu is INFINITY); an argument outside its
 *            domain (negative or NaN rate/load, K == 0, ...) gives NaN, which
 *            propagates, rather than a plausible-looking number.
 *
 * Formulas, worked examples and sources: docs/models-queueing.md.
 */
#ifndef MN_QUEUEING_H
#define MN_QUEUEING_H

#include <stddef.h>

/*
 * Erlang-B blocking probability of c servers, no waiting room, offered load
 * a = lambda / mu Erlangs (Kleinrock, Queueing Systems vol. 1, 1975, ch. 3):
 *   B(c, a) = (a^c / c!) / sum_{k=0..c} a^k / k!
 * computed by the stable recursion B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1))
 * (no factorials, no overflow; O(c)). Example: B(2, 1) = (1/2) / (1 + 1 + 1/2) = 0.2.
 * a >= 0 (a == 0: 0 for c >= 1; a == INFINITY: 1); c == 0 gives 1.
 * Returns NaN for a < 0 or NaN.
 */
double mn_erlang_b(unsigned c, double a);

/*
 * M/M/1 mean sojourn time (wait + service): 1 / (mu - lambda), in the
 * reciprocal unit of the rates. INFINITY when lambda >= mu (unstable).
 * NaN unless lambda >= 0 and mu > 0. Example: lambda 8/s, mu 10/s: 0.5 s.
 */
double mn_mm1_sojourn(double lambda, double mu);

/*
 * M/M/1/K, K = places including the one in service (K >= 1), rho = lambda / mu
 * (any rho >= 0, including >= 1 and INFINITY: the buffer bounds the wait).
 * The stationary distribution is p_n = rho^n / sum_{j=0..K} rho^j, n = 0..K.
 *
 * Mean number in system:
 *   L(rho, K) = rho / (1 - rho) - (K + 1) rho^(K+1) / (1 - rho^(K+1))   (rho != 1)
 *   L(1, K)   = K / 2
 * evaluated without the cancellation the formula suffers near rho = 1 (see
 * queueing.c; continuous across rho = 1 to ~1e-12 relative).
 * Example: rho = 0.5, K = 2: p = (4, 2, 1) / 7, L = (2 + 2) / 7 = 4/7.
 * NaN for rho < 0, NaN, or K == 0.
 */
double mn_mm1k_mean_number(double rho, unsigned K);

/*
 * Blocking probability (an arrival finds K in system; PASTA):
 *   P_K = (1 - rho) rho^K / (1 - rho^(K+1)),   1 / (K + 1) at rho = 1.
 * Example: rho = 0.5, K = 2: P_K = 0.5 * 0.25 / 0.875 = 1/7.
 * NaN for rho < 0, NaN, or K == 0.
 */
double mn_mm1k_block(double rho, unsigned K);

/*
 * Mean sojourn time of admitted customers, with mean service time service_s
 * (= 1 / mu, any time unit; the result is in the same unit) and rho = lambda * s.
 * Little's law on admitted traffic:
 *   W = L(rho, K) / (lambda (1 - P_K))
 * computed as the equal W = s (1 + L(rho, K - 1)) (by PASTA an admitted
 * arrival sees the distribution conditioned on n < K, which is M/M/1/(K-1)'s,
 * and waits n + 1 exponential services), which needs no 0/0 special case:
 * rho == 0 gives s, rho == INFINITY gives K s.
 * Example: rho = 0.5, K = 2, s = 1: W = 1 + L(0.5, 1) = 1 + 1/3 = 4/3
 *          (Little: (4/7) / (0.5 * 6/7) = 4/3).
 * NaN for rho < 0, NaN, K == 0, or service_s < 0 or NaN.
 */
double mn_mm1k_sojourn(double rho, unsigned K, double service_s);

/*
 * Jain's fairness index (Jain, Chiu and Hawe, DEC-TR-301, 1984):
 *   J = (sum x_i)^2 / (n sum x_i^2),  in [1/n, 1]
 * 1 when all x_i are equal, 1/n when one is non-zero. By convention 1 for
 * n == 0 and for all-zero x (nobody is treated worse than anybody else).
 * x_i must be >= 0 and finite; otherwise NaN. Example: (1, 2, 3): 36 / 42 = 6/7.
 * x may be NULL when n == 0.
 */
double mn_jain_index(const double *x, size_t n);

#endif /* MN_QUEUEING_H */
