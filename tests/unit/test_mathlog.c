/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mathlog: ln, log10 and exp against the C library's libm (which the
 * tests link and circuit does not), over every binary exponent and the
 * edges: infinities, zero, NaN, negatives, subnormals, overflow. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>

#include "testutil.h"

#include "util/mathlog.h"

/* How many units in the last place got is from want. */
static double ulps(double got, double want)
{
	if (got == want)
		return 0;
	double unit = nextafter(fabs(want), INFINITY) - fabs(want);
	return fabs(got - want) / unit;
}

static void near(double got, double want, double max_ulps, const char *what, double x)
{
	double u = ulps(got, want);
	if (!(u <= max_ulps)) {
		fprintf(stderr, "%s(%.17g) = %.17g, libm %.17g: %.1f ulps\n", what, x, got, want, u);
		fail();
	}
}

/* A fixed sequence of mantissas (an LCG), so a failure names its input
 * and repeats. */
static double mantissa(uint64_t *seed)
{
	*seed = *seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return 1.0 + (double)(*seed >> 11) / 9007199254740992.0; /* [1, 2) */
}

static void test_ln_over_every_exponent(void **state)
{
	(void)state;
	uint64_t seed = 7;
	for (int e = -1074; e <= 1023; e++)
		for (int i = 0; i < 16; i++) {
			double x = ldexp(mantissa(&seed), e);
			if (x == 0 || isinf(x))
				continue;
			near(math_ln(x), log(x), 2, "ln", x);
			near(math_log10(x), log10(x), 3, "log10", x);
		}
	/* Near 1, where ln is near 0 and a relative error shows most. */
	for (double x = 0.999; x <= 1.001; x += 1.0 / 4096 / 64)
		near(math_ln(x), log(x), 2, "ln", x);
	assert_true(math_ln(1.0) == 0);
	assert_true(math_log10(1000.0) > 2.9999999999999 && math_log10(1000.0) < 3.0000000000001);
}

static void test_ln_edges(void **state)
{
	(void)state;
	assert_true(math_ln(0.0) == -INFINITY);
	assert_true(math_ln(-0.0) == -INFINITY);
	assert_true(isnan(math_ln(-1.0)));
	assert_true(isnan(math_ln(-INFINITY)));
	assert_true(isnan(math_ln(NAN)));
	assert_true(math_ln(INFINITY) == INFINITY);
	near(math_ln(DBL_MAX), log(DBL_MAX), 2, "ln", DBL_MAX);
	near(math_ln(4.9406564584124654e-324), log(4.9406564584124654e-324), 2, "ln", 5e-324);
}

static void test_exp_over_its_range(void **state)
{
	(void)state;
	uint64_t seed = 11;
	for (int i = 0; i < 200000; i++) {
		double x = -745.0 + (mantissa(&seed) - 1.0) * (709.7 + 745.0);
		double want = exp(x);
		/* Below 2^-1022 the result is subnormal and has fewer bits. */
		near(math_exp(x), want, want < 2.2250738585072014e-308 ? 1 : 2, "exp", x);
	}
	for (double x = -1; x <= 1; x += 1.0 / 1024)
		near(math_exp(x), exp(x), 2, "exp", x);
	assert_true(math_exp(0.0) == 1.0);
}

static void test_exp_edges(void **state)
{
	(void)state;
	assert_true(math_exp(710.0) == INFINITY);
	assert_true(math_exp(INFINITY) == INFINITY);
	assert_true(math_exp(-746.0) == 0);
	assert_true(math_exp(-INFINITY) == 0);
	assert_true(isnan(math_exp(NAN)));
	near(math_exp(709.7), exp(709.7), 2, "exp", 709.7);
	/* exp undoes ln, which the fit's geometric mean relies on. */
	for (double x = 1e-300; x < 1e300; x *= 1e7)
		near(math_exp(math_ln(x)), x, 600, "exp(ln)", x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ln_over_every_exponent),
		cmocka_unit_test(test_ln_edges),
		cmocka_unit_test(test_exp_over_its_range),
		cmocka_unit_test(test_exp_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
