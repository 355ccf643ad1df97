/*
 * clv.h — shared declarations of the lifetime-value models: special
 * functions, the optimiser, and the per-customer rows aggregated by the
 * BG/NBD and Gamma-Gamma fitting aggregates.
 */
#ifndef CLIENTELE_CLV_H
#define CLIENTELE_CLV_H

#include "postgres.h"
#include "fmgr.h"
#include "access/htup.h"
#include "utils/expandeddatum.h"

/* ---- special functions (special.c, hyp2f1.c) ---- */

/* Digamma psi(x) for x > 0. */
extern double clv_digamma(double x);

/* log|Gamma(x)| and its sign; x a non-positive integer gives +inf (a pole). */
extern double clv_lgamma_sign(double x, int *sign);

/*
 * log|2F1(a, b; c; z)| and its sign, for z < 1; false when the function is
 * undefined (c a non-positive integer) or the evaluation did not converge.
 */
extern bool clv_hyp2f1_log(double a, double b, double c, double z, double *logabs, int *sign);

/* ---- minimisation (optim.c) ---- */

/* Objective: value at x, and its gradient in g (both to minimise). */
typedef double (*clv_objective) (const double *x, double *g, void *arg);

typedef struct ClvOptimResult
{
	double		value;			/* objective at the minimum */
	int			iterations;
	bool		converged;
} ClvOptimResult;

/* Minimise f over R^n (n <= 8) from x (updated in place) by BFGS. */
extern ClvOptimResult clv_minimise(clv_objective f, void *arg, double *x, int n, int max_iterations);

/* ---- per-customer rows of the fitting aggregates (custrows.c) ---- */

/* Which fit a clientele.clv_rows state feeds (its text form names it). */
#define CLV_KIND_BGNBD		1	/* rows (x, t_x, T) */
#define CLV_KIND_GAMMAGAMMA 2	/* rows (x, m_x) */

typedef struct CustomerRow
{
	double		u;				/* BG/NBD: t_x; Gamma-Gamma: mean amount m_x */
	double		v;				/* BG/NBD: T; Gamma-Gamma: 0 */
	int32		x;				/* repeat purchases */
	int32		weight;			/* identical customers merged */
} CustomerRow;

/*
 * The state of bgnbd_fit() and gammagamma_fit(): a read-write expanded
 * object (see custrows.c) whose memory context, a child of the aggregate
 * context, owns the rows.
 */
typedef struct CustomerRows
{
	ExpandedObjectHeader hdr;	/* first: the object is its header */
	int32		kind;			/* CLV_KIND_* */
	bool		compacting;		/* merge rows when the array fills */
	int64		n;				/* rows used */
	int64		cap;			/* rows allocated */
	int64		sorted;			/* rows[0, sorted) are sorted and merged */
	int64		skipped;		/* input rows ignored (NULLs; Gamma-Gamma: x = 0) */
	CustomerRow *rows;
} CustomerRows;

extern CustomerRows *clv_rows_new(MemoryContext parent, int kind);
extern CustomerRows *clv_rows_transition_state(FunctionCallInfo fcinfo, MemoryContext aggcxt, int kind);
extern CustomerRows *clv_rows_final_state(FunctionCallInfo fcinfo, int kind);
extern void clv_rows_add(CustomerRows *s, int32 x, double u, double v, int32 weight);
extern void clv_rows_compact(CustomerRows *s);
extern int32 clv_check_count(double x, const char *what);

/* Read field attno (1-based) of a model composite as a positive finite double. */
extern double clv_model_param(HeapTupleHeader model, int attno, const char *name);

/* A model composite of the calling function's result type (bgnbd.c). */
extern Datum clv_model_datum(FunctionCallInfo fcinfo, const double *params, int nparams,
							 double loglik, bool has_fit, double customers, int iterations,
							 bool converged);

/* BG/NBD conditional expected purchases in (T, T + t] (bgnbd.c). */
extern double clv_bgnbd_expected(HeapTupleHeader model, double t, double x, double t_x, double t_cal);

/* Gamma-Gamma expected mean spend per transaction (gammagamma.c). */
extern double clv_expected_spend(HeapTupleHeader model, double x, double m_x);

#endif
