/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mathlog: ln and exp by range reduction and a short series. frexp and
 * ldexp come from the C library proper (glibc exports them from libc.so,
 * not only libm), so nothing here pulls libm in. */
#include "util/mathlog.h"

#include <math.h>

/* ln 2 split so that k * LN2_HI is exact for |k| < 2^11 (its low bits are
 * zero), the rest carried in LN2_LO: fdlibm's constants. */
#define LN2_HI 6.93147180369123816490e-01
#define LN2_LO 1.90821492927058770002e-10
#define SQRT_HALF 0.70710678118654752440

/* ln(1 + f) for 1 + f in [sqrt(1/2), sqrt(2)). With s = f / (2 + f),
 * |s| <= 0.1716, ln(1 + f) = 2s + s R, R = 2s^2/3 + 2s^4/5 + ... (the
 * terms up to s^22 leave less than 2^-60); and 2s = f - s f, so
 * ln(1 + f) = f - (f^2/2 - s (f^2/2 + R)), which keeps the rounding of the
 * division out of the leading term (fdlibm's arrangement). */
static double ln1p_small(double f, double *tail)
{
	double s = f / (2.0 + f);
	double z = s * s;
	double r = 0;
	for (int k = 23; k >= 3; k -= 2)
		r = (r + 2.0 / k) * z;
	double hfsq = 0.5 * f * f;
	*tail = s * (hfsq + r);
	return hfsq;
}

/* x = 2^e m, m in [sqrt(1/2), sqrt(2)): returns ln m, and e; x finite, > 0. */
static double ln_split(double x, int *e)
{
	double m = frexp(x, e); /* m in [1/2, 1) */
	if (m < SQRT_HALF) {
		m *= 2.0;
		(*e)--;
	}
	double f = m - 1.0; /* exact: m is within a factor 2 of 1 */
	double tail;
	double hfsq = ln1p_small(f, &tail);
	return f - (hfsq - tail);
}

/* log10 2 split as ln 2 is, and 1 / ln 10: fdlibm's constants. */
#define LOG10_2_HI 3.01029995663611771306e-01
#define LOG10_2_LO 3.69423907715893078616e-13
#define INV_LN10 4.34294481903251816668e-01

/* The logarithm of x in a base whose log of 2 is hi + lo (hi with zero low
 * bits) and whose log of e is inv: log x = e log 2 + inv ln m. NaN for
 * x < 0 or NaN, -inf for 0, +inf for +inf. */
static double log_in(double x, double hi, double lo, double inv)
{
	if (isnan(x) || x < 0)
		return NAN;
	if (x == 0)
		return -INFINITY;
	if (isinf(x))
		return x;
	int e;
	double lm = ln_split(x, &e);
	return e * hi + (e * lo + inv * lm);
}

double math_ln(double x)
{
	return log_in(x, LN2_HI, LN2_LO, 1.0);
}

double math_log10(double x)
{
	return log_in(x, LOG10_2_HI, LOG10_2_LO, INV_LN10);
}

/* e^r for |r| <= ln2 / 2: Taylor to r^17, whose first dropped term is
 * under 2^-60. */
static double exp_small(double r)
{
	double sum = 1.0;
	for (int k = 17; k >= 1; k--)
		sum = 1.0 + sum * r / k;
	return sum;
}

double math_exp(double x)
{
	if (isnan(x))
		return x;
	if (x > 709.78)
		return INFINITY;
	if (x < -745.2)
		return 0;
	/* x = k ln2 + r, |r| <= ln2 / 2; e^x = 2^k e^r. */
	double q = x / (LN2_HI + LN2_LO);
	int k = (int)(q < 0 ? q - 0.5 : q + 0.5); /* |q| < 1076: no overflow */
	double kf = k;
	double r = (x - kf * LN2_HI) - kf * LN2_LO;
	return ldexp(exp_small(r), k);
}
