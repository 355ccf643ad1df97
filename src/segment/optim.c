/*
 * optim.c — unconstrained minimisation by BFGS, for maximum-likelihood fits.
 *
 * The BG/NBD and Gamma-Gamma fits minimise the negative mean log-likelihood
 * over the logarithms of their parameters (so r, alpha, a, b, p, q, gamma
 * stay positive without constraints), with analytic gradients.  BFGS keeps
 * an approximation H of the inverse Hessian, steps along -H g, and updates H
 * from the change in position s and in gradient y:
 *   H <- (I - rho s y') H (I - rho y s') + rho s s',   rho = 1 / (y's).
 * The step length comes from a backtracking line search with the Armijo
 * condition f(x + t d) <= f(x) + 1e-4 t g'd, starting at t = 1, halving up
 * to 60 times; a step is refused if the objective is not finite (a
 * likelihood that underflows or overflows at extreme parameters).  The
 * update is skipped when y's is not positive (the curvature condition
 * fails), and H is reset to the identity when -H g is not a descent
 * direction or the line search fails; a second consecutive failure ends
 * the search.  Convergence: the largest gradient component below 1e-9, or
 * an objective that stops decreasing (relative change below 1e-15 twice).
 * Each coordinate is clamped to [-40, 40] (parameters between 4e-18 and
 * 2e17): a fit that ends on the clamp is reported as not converged,
 * because the maximum likelihood lies at a boundary (for example no
 * dropout at all: a -> 0).
 *
 * In log-parameters these likelihoods are smooth and well scaled, and
 * BFGS typically converges in 20 to 60 iterations, each one evaluation of
 * the objective with its gradient: far fewer passes over the customers
 * than Nelder-Mead's hundreds.
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"

#include "clv.h"

#define MAX_DIM		8
#define CLAMP		40.0

/* Clamp every coordinate to [-CLAMP, CLAMP]; true if one was clamped. */
static bool
clamp_point(double *x, int n)
{
	bool		hit = false;
	int			i;

	for (i = 0; i < n; i++)
	{
		if (x[i] > CLAMP)
		{
			x[i] = CLAMP;
			hit = true;
		}
		else if (x[i] < -CLAMP)
		{
			x[i] = -CLAMP;
			hit = true;
		}
	}
	return hit;
}

/* Set H to the identity. */
static void
identity(double H[MAX_DIM][MAX_DIM], int n)
{
	int			i,
				j;

	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			H[i][j] = i == j ? 1.0 : 0.0;
}

/* Minimise f over R^n from x (updated in place) by BFGS. */
ClvOptimResult
clv_minimise(clv_objective f, void *arg, double *x, int n, int max_iterations)
{
	double		H[MAX_DIM][MAX_DIM];
	double		g[MAX_DIM],
				gn[MAX_DIM],
				d[MAX_DIM],
				xn[MAX_DIM],
				s[MAX_DIM],
				y[MAX_DIM];
	double		fx;
	int			iter,
				i,
				j,
				failures = 0,
				flat = 0;
	ClvOptimResult res = {0};

	Assert(n <= MAX_DIM);
	clamp_point(x, n);
	identity(H, n);
	fx = f(x, g, arg);
	for (iter = 0; iter < max_iterations; iter++)
	{
		double		gd = 0.0,
					gmax = 0.0,
					t = 1.0,
					fn = NAN,
					ys = 0.0;
		int			k;

		CHECK_FOR_INTERRUPTS();
		for (i = 0; i < n; i++)
			gmax = Max(gmax, fabs(g[i]));
		if (gmax < 1e-9)
		{
			res.converged = true;
			break;
		}
		for (i = 0; i < n; i++)
		{
			d[i] = 0.0;
			for (j = 0; j < n; j++)
				d[i] -= H[i][j] * g[j];
			gd += d[i] * g[i];
		}
		if (!(gd < 0.0))
		{
			identity(H, n);
			for (i = 0; i < n; i++)
				d[i] = -g[i];
			gd = 0.0;
			for (i = 0; i < n; i++)
				gd -= g[i] * g[i];
		}
		/* backtracking line search (Armijo) */
		for (k = 0; k < 60; k++, t *= 0.5)
		{
			for (i = 0; i < n; i++)
				xn[i] = x[i] + t * d[i];
			(void) clamp_point(xn, n);
			fn = f(xn, gn, arg);
			if (isfinite(fn) && fn <= fx + 1e-4 * t * gd)
				break;
		}
		if (k == 60)
		{
			/* no progress along this direction: restart from steepest descent once */
			if (++failures >= 2)
				break;
			identity(H, n);
			continue;
		}
		failures = 0;
		for (i = 0; i < n; i++)
		{
			s[i] = xn[i] - x[i];
			y[i] = gn[i] - g[i];
			ys += y[i] * s[i];
		}
		if (fabs(fn - fx) <= 1e-15 * Max(fabs(fx), 1.0))
			flat++;
		else
			flat = 0;
		memcpy(x, xn, sizeof(double) * n);
		memcpy(g, gn, sizeof(double) * n);
		fx = fn;
		if (flat >= 2)
		{
			res.converged = true;
			iter++;
			break;
		}
		if (ys > 1e-300)
		{
			double		rho = 1.0 / ys,
						Hy[MAX_DIM],
						yHy = 0.0;

			for (i = 0; i < n; i++)
			{
				Hy[i] = 0.0;
				for (j = 0; j < n; j++)
					Hy[i] += H[i][j] * y[j];
				yHy += y[i] * Hy[i];
			}
			/* H += rho^2 (y'Hy) s s' + rho s s' - rho (Hy s' + s y'H) */
			for (i = 0; i < n; i++)
				for (j = 0; j < n; j++)
					H[i][j] += (rho * rho * yHy + rho) * s[i] * s[j] -
						rho * (Hy[i] * s[j] + s[i] * Hy[j]);
		}
	}
	res.value = fx;
	res.iterations = iter;
	for (i = 0; i < n; i++)
		if (fabs(x[i]) >= CLAMP)
			res.converged = false;
	return res;
}
