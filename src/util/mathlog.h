/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mathlog: the natural logarithm and exponential the leaderboard's fit
 * needs, so that circuit does not link libm. Linked, libm costs every
 * start about 300 KiB of resident memory (the dynamic loader runs its
 * IFUNC resolvers, faulting in most of its text) for three calls that
 * only --leaderboard makes. docs/benchmarks.md has the measurement.
 *
 * Within 1 unit in the last place of glibc's libm for ln and exp, 2 for
 * log10 (tests/unit/test_mathlog.c); pure, no errno. */
#ifndef CIRCUIT_UTIL_MATHLOG_H
#define CIRCUIT_UTIL_MATHLOG_H

/* ln x: -inf for 0, NaN for x < 0 or NaN, +inf for +inf. */
double math_ln(double x);

/* log10 x, as ln x / ln 10. */
double math_log10(double x);

/* e^x: 0 below -745, +inf above 709.78, NaN for NaN. */
double math_exp(double x);

#endif
