/*
 * offer_nb.c — the adaptive naive-Bayes propensity model.
 *
 * A decision hub learns, per offer, how the response rate depends on a few
 * binned customer features, and keeps learning from every outcome.  Naive
 * Bayes does exactly that with counts only: for each class c (responded or
 * not), the number n_c of examples and, for each feature f and bin b, the
 * number n_fbc of examples of class c whose feature f fell in bin b.  Then
 *
 *   P(c | x) ∝ P(c) · Π_f P(x_f | c),
 *   P(c) = (n_c + 1) / (n + 2),   P(x_f = b | c) = (n_fbc + 1) / (n_c + B)
 *
 * (Laplace smoothing, B bins per feature), and the propensity is P(1 | x),
 * computed in log space.  A feature whose bin is NULL is left out.
 *
 * Because a model is nothing but counts, it is updated by adding one
 * example (or retracting one with weight -1, when a contact first counted
 * as a non-response turns into a response), and two models trained on
 * different rows merge by adding their counts: the training aggregate has a
 * combine function and runs in parallel workers.
 *
 * The model is a plain float8[] (counts are exact integers up to 2^53), so
 * its text form is lossless and it travels through Citus or postgres_fdw
 * unchanged:
 *
 *   [0] format tag 1   [1] F features   [2] B bins per feature
 *   [3] n_0            [4] n_1
 *   [5 + 2·(f·B + b) + c]  n_fbc   for f < F, b < B, c ∈ {0, 1}
 *
 * Bins are numbered 0 .. B-1 (width_bucket() over the feature's edges gives
 * exactly that range).
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "offer/offer.h"

PG_FUNCTION_INFO_V1(clientele_nb_model);
PG_FUNCTION_INFO_V1(clientele_nb_update);
PG_FUNCTION_INFO_V1(clientele_nb_train_accum);
PG_FUNCTION_INFO_V1(clientele_nb_merge);
PG_FUNCTION_INFO_V1(clientele_nb_propensity);

#define NB_TAG 1
#define NB_HEADER 5
#define NB_MAX_CELLS 1000000

/* Number of elements of a model with F features of B bins. */
static int
nb_size(int nfeat, int nbins)
{
	if (nfeat < 1 || nbins < 1 || (int64) nfeat * nbins > NB_MAX_CELLS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a naive Bayes model needs 1 to %d feature bins, not %d features of %d bins",
						NB_MAX_CELLS, nfeat, nbins)));
	return NB_HEADER + 2 * nfeat * nbins;
}

/* Build a zero model in the current memory context. */
static ArrayType *
nb_new(int nfeat, int nbins)
{
	int			n = nb_size(nfeat, nbins);
	ArrayType  *a;
	float8	   *v;

	a = (ArrayType *) palloc0(ARR_OVERHEAD_NONULLS(1) + n * sizeof(float8));
	SET_VARSIZE(a, ARR_OVERHEAD_NONULLS(1) + n * sizeof(float8));
	a->ndim = 1;
	a->dataoffset = 0;
	a->elemtype = FLOAT8OID;
	ARR_DIMS(a)[0] = n;
	ARR_LBOUND(a)[0] = 1;
	v = (float8 *) ARR_DATA_PTR(a);
	v[0] = NB_TAG;
	v[1] = nfeat;
	v[2] = nbins;
	return a;
}

/* Check a model's shape and return its elements. */
static float8 *
nb_check(ArrayType *a)
{
	float8	   *v;
	int			n;

	if (ARR_NDIM(a) != 1 || ARR_HASNULL(a) || ARR_ELEMTYPE(a) != FLOAT8OID ||
		ARR_DIMS(a)[0] < NB_HEADER)
		goto bad;
	v = (float8 *) ARR_DATA_PTR(a);
	n = ARR_DIMS(a)[0];
	if (v[0] != NB_TAG || v[1] != floor(v[1]) || v[2] != floor(v[2]) ||
		v[1] < 1 || v[2] < 1 || v[1] * v[2] > NB_MAX_CELLS ||
		n != NB_HEADER + 2 * (int) v[1] * (int) v[2])
		goto bad;
	return v;
bad:
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid naive Bayes model"),
			 errdetail("Expected a float8 array {1, F, B, n0, n1, counts...} of 5 + 2·F·B elements without NULLs."),
			 errhint("Build models with clientele.nb_model() or clientele.nb_train().")));
	return NULL;				/* not reached */
}

/* Add one example (weight w) with the given bins and class to a model. */
static void
nb_add(float8 *v, ArrayType *bins, bool outcome, double w)
{
	int			nfeat = (int) v[1];
	int			nbins = (int) v[2];
	int			c = outcome ? 1 : 0;
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				f;

	if (isnan(w) || isinf(w))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("naive Bayes example weight must be finite")));
	if (ARR_NDIM(bins) > 1)
		goto bad_bins;
	deconstruct_array(bins, INT4OID, 4, true, TYPALIGN_INT, &elems, &nulls, &n);
	if (n != nfeat)
		goto bad_bins;
	v[3 + c] += w;
	for (f = 0; f < nfeat; f++)
	{
		int32		b;

		if (nulls[f])
			continue;
		b = DatumGetInt32(elems[f]);
		if (b < 0 || b >= nbins)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("bin %d of feature %d is outside 0 .. %d", b, f + 1, nbins - 1)));
		v[NB_HEADER + 2 * (f * nbins + b) + c] += w;
	}
	if (v[3 + c] < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("retracting an example the naive Bayes model does not hold"),
				 errdetail("A class count would become negative.")));
	return;
bad_bins:
	ereport(ERROR,
			(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
			 errmsg("expected %d feature bins, got %d", nfeat, ARR_NDIM(bins) == 0 ? 0 : ARR_DIMS(bins)[0])));
}

/* SQL: nb_model(features, bins): an empty model. */
Datum
clientele_nb_model(PG_FUNCTION_ARGS)
{
	PG_RETURN_ARRAYTYPE_P(nb_new(PG_GETARG_INT32(0), PG_GETARG_INT32(1)));
}

/* SQL: nb_update(model, bins, outcome, weight): the model with one example added. */
Datum
clientele_nb_update(PG_FUNCTION_ARGS)
{
	ArrayType  *a = PG_GETARG_ARRAYTYPE_P_COPY(0);

	nb_add(nb_check(a), PG_GETARG_ARRAYTYPE_P(1), PG_GETARG_BOOL(2), PG_GETARG_FLOAT8(3));
	PG_RETURN_ARRAYTYPE_P(a);
}

/* Aggregate transition nb_train(bins, outcome, nbins): add one example. */
Datum
clientele_nb_train_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	ArrayType  *a;
	ArrayType  *bins;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("nb_train_accum called in non-aggregate context")));
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));	/* rows with NULL are skipped */
	}
	bins = PG_GETARG_ARRAYTYPE_P(1);
	if (PG_ARGISNULL(0))
	{
		MemoryContext old = MemoryContextSwitchTo(aggcontext);

		a = nb_new(ARR_NDIM(bins) == 0 ? 0 : ARR_DIMS(bins)[0], PG_GETARG_INT32(3));
		MemoryContextSwitchTo(old);
	}
	else
		a = PG_GETARG_ARRAYTYPE_P(0);	/* our own state: updated in place */
	nb_add(nb_check(a), bins, PG_GETARG_BOOL(2), 1.0);
	PG_RETURN_ARRAYTYPE_P(a);
}

/* SQL: nb_merge(a, b): the model holding both models' examples (also the combine function). */
Datum
clientele_nb_merge(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	bool		inagg = AggCheckCallContext(fcinfo, &aggcontext);
	ArrayType  *a,
			   *b;
	float8	   *x,
			   *y;
	int			n,
				i;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	b = PG_GETARG_ARRAYTYPE_P(1);
	y = nb_check(b);
	if (PG_ARGISNULL(0))
	{
		MemoryContext old = MemoryContextSwitchTo(inagg ? aggcontext : CurrentMemoryContext);

		a = (ArrayType *) palloc(VARSIZE(b));
		memcpy(a, b, VARSIZE(b));
		MemoryContextSwitchTo(old);
		PG_RETURN_ARRAYTYPE_P(a);
	}
	a = inagg ? PG_GETARG_ARRAYTYPE_P(0) : PG_GETARG_ARRAYTYPE_P_COPY(0);
	x = nb_check(a);
	if (x[1] != y[1] || x[2] != y[2])
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("cannot merge naive Bayes models of different shapes"),
				 errdetail("%g features of %g bins against %g features of %g bins.", x[1], x[2], y[1], y[2])));
	n = ARR_DIMS(a)[0];
	for (i = 3; i < n; i++)
		x[i] += y[i];
	PG_RETURN_ARRAYTYPE_P(a);
}

/* P(response | bins) under a model, bins given as deconstructed int4 datums. */
double
offer_nb_propensity(ArrayType *model, Datum *elems, bool *nulls, int n)
{
	float8	   *v = nb_check(model);
	int			nfeat = (int) v[1];
	int			nbins = (int) v[2];
	int			f;
	double		logodds;

	if (n != nfeat)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("expected %d feature bins, got %d", nfeat, n < 0 ? 0 : n)));
	logodds = log(v[4] + 1.0) - log(v[3] + 1.0);
	for (f = 0; f < nfeat; f++)
	{
		int32		b;

		if (nulls[f])
			continue;
		b = DatumGetInt32(elems[f]);
		if (b < 0 || b >= nbins)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("bin %d of feature %d is outside 0 .. %d", b, f + 1, nbins - 1)));
		logodds += log(v[NB_HEADER + 2 * (f * nbins + b) + 1] + 1.0) - log(v[4] + nbins)
			- log(v[NB_HEADER + 2 * (f * nbins + b)] + 1.0) + log(v[3] + nbins);
	}
	return 1.0 / (1.0 + exp(-logodds));
}

/* SQL: nb_propensity(model, bins): P(response | bins), Laplace-smoothed. */
Datum
clientele_nb_propensity(PG_FUNCTION_ARGS)
{
	ArrayType  *a = PG_GETARG_ARRAYTYPE_P(0);
	ArrayType  *bins = PG_GETARG_ARRAYTYPE_P(1);
	Datum	   *elems = NULL;
	bool	   *nulls = NULL;
	int			n = -1;

	if (ARR_NDIM(bins) <= 1)
		deconstruct_array(bins, INT4OID, 4, true, TYPALIGN_INT, &elems, &nulls, &n);
	PG_RETURN_FLOAT8(offer_nb_propensity(a, elems, nulls, n));
}
