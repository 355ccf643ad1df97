/*
 * kmeans_model.c — the clientele.kmeans_model type: a fitted k-means model
 * (centroids, cluster sizes, inertia, iterations), its text and binary forms,
 * its accessors, and the functions that use it on rows: kmeans_assign() and
 * kmeans_distance().
 *
 * The text form is made to round-trip exactly, so that a model (and a
 * partial state of kmeans_step(), which is the same type) can travel between
 * Citus nodes or through postgres_fdw and come back bit for bit:
 *
 *   k=2 dim=2 iterations=4 inertia=1.5 shift=0 sizes={3,2} centroids={{0,0.5},{10,10}}
 *
 * Floats are written in their shortest form that reads back to the same
 * double (the Ryu algorithm PostgreSQL uses for float8 output), whatever
 * extra_float_digits says.  A partial state adds "partial sums={{...}}
 * sse={...}".
 *
 * Rows are checked once here for every function: a one-dimensional float8
 * array, not empty, without NULLs, NaN or infinities, of the model's
 * dimension.  The errors name the row's dimension so a bad row can be found.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"

#include "kmeans.h"

PG_FUNCTION_INFO_V1(clientele_kmeans_model_in);
PG_FUNCTION_INFO_V1(clientele_kmeans_model_out);
PG_FUNCTION_INFO_V1(clientele_kmeans_model_recv);
PG_FUNCTION_INFO_V1(clientele_kmeans_model_send);
PG_FUNCTION_INFO_V1(clientele_kmeans_k);
PG_FUNCTION_INFO_V1(clientele_kmeans_dim);
PG_FUNCTION_INFO_V1(clientele_kmeans_iterations);
PG_FUNCTION_INFO_V1(clientele_kmeans_inertia);
PG_FUNCTION_INFO_V1(clientele_kmeans_shift);
PG_FUNCTION_INFO_V1(clientele_kmeans_sizes);
PG_FUNCTION_INFO_V1(clientele_kmeans_centroids);
PG_FUNCTION_INFO_V1(clientele_kmeans_clusters);
PG_FUNCTION_INFO_V1(clientele_kmeans_assign);
PG_FUNCTION_INFO_V1(clientele_kmeans_distance);
PG_FUNCTION_INFO_V1(clientele_kmeans_distance_to);

/* Bytes of a model (or partial state) of k clusters in dim dimensions. */
Size
kmeans_model_size(int k, int dim, bool partial)
{
	Size		cells = (Size) k * dim;

	return sizeof(KMeansModel) + k * sizeof(int64) + cells * sizeof(float8) +
		(partial ? (cells + k) * sizeof(float8) : 0);
}

/* Numbers after the header of a model's text or binary form: sizes, centroids (sums, sse). */
static Size
kmeans_model_numbers(int k, int dim, bool partial)
{
	Size		cells = (Size) k * dim;

	return k + cells + (partial ? cells + k : 0);
}

/* Check k and dim are in range. */
void
kmeans_check_k_dim(int k, int dim)
{
	if (k < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be at least 1, not %d", k)));
	if (k > KMEANS_MAX_K)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be at most %d, not %d", KMEANS_MAX_K, k)));
	if (dim < 1 || dim > KMEANS_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("features must have between 1 and %d dimensions, not %d", KMEANS_MAX_DIM, dim)));
	if ((Size) k * dim > KMEANS_MAX_CELLS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a model of %d clusters in %d dimensions is too large", k, dim),
				 errdetail("k times the number of dimensions must be at most %d.", KMEANS_MAX_CELLS)));
}

/* A zeroed model of k clusters in dim dimensions, allocated in cxt. */
KMeansModel *
kmeans_model_alloc(MemoryContext cxt, int k, int dim, bool partial)
{
	Size		size;
	KMeansModel *m;

	kmeans_check_k_dim(k, dim);
	size = kmeans_model_size(k, dim, partial);
	m = MemoryContextAllocZero(cxt, size);
	SET_VARSIZE(m, size);
	m->k = k;
	m->dim = dim;
	m->flags = partial ? KMEANS_PARTIAL : 0;
	m->inertia = get_float8_nan();
	m->shift = get_float8_nan();
	return m;
}

/* A model argument, checked to be a complete model (not a partial state). */
KMeansModel *
kmeans_get_model(FunctionCallInfo fcinfo, int argno)
{
	KMeansModel *m = PG_GETARG_KMEANS_P(argno);

	if (m->flags & KMEANS_PARTIAL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("kmeans_model is a partial kmeans_step() state, not a model"),
				 errhint("Use the result of clientele.kmeans_step(), clientele.kmeans() or clientele.kmeans_table().")));
	return m;
}

/*
 * Check a feature row and return its elements.  expected_dim 0 accepts any
 * dimension; *dim receives the row's.
 */
const float8 *
kmeans_features(ArrayType *a, int expected_dim, int *dim)
{
	int			n;
	const float8 *x;
	int			i;

	if (ARR_NDIM(a) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("feature arrays must have one dimension, not %d", ARR_NDIM(a)),
				 errhint("Pass one row of features as a float8[] such as ARRAY[age, spend].")));
	n = ARR_NDIM(a) == 0 ? 0 : ARR_DIMS(a)[0];
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("feature array is empty")));
	if (ARR_ELEMTYPE(a) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("features must be float8[]")));
	if (expected_dim > 0 && n != expected_dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("feature array has %d dimensions, expected %d", n, expected_dim),
				 errdetail("Every row must have as many features as the model (or the first row)."),
				 errhint("Find the row with WHERE array_length(features, 1) <> %d.", expected_dim)));
	if (ARR_HASNULL(a))
	{
		bits8	   *bitmap = ARR_NULLBITMAP(a);

		for (i = 0; i < n; i++)
			if (!(bitmap[i / 8] & (1 << (i % 8))))
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("feature %d of a row of %d features is NULL", i + 1, n),
						 errhint("Replace missing values first, for example with coalesce() and the column mean.")));
	}
	x = (const float8 *) ARR_DATA_PTR(a);
	for (i = 0; i < n; i++)
		if (unlikely(isnan(x[i]) || isinf(x[i])))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("feature %d of a row of %d features is %s", i + 1, n,
							isnan(x[i]) ? "NaN" : "infinite"),
					 errdetail("k-means needs finite features.")));
	*dim = n;
	return x;
}

/*
 * The hot path of the per-row functions: the elements of a feature row
 * without a copy of the datum.  A row stored inline has a one-byte varlena
 * header and is not aligned, so for up to KMEANS_ROW_BUFFER features the
 * elements are copied to buf; anything unusual (NULLs, other shapes, more
 * features) goes through the full checks of kmeans_features().  NaN and
 * infinities are not checked here: the caller checks that the distance it
 * computed is finite and calls kmeans_check_finite() when it is not.
 */
const float8 *
kmeans_row(Datum d, int expected_dim, float8 *buf, int *dim)
{
	struct varlena *v = (struct varlena *) PG_DETOAST_DATUM_PACKED(d);
	const char *body = VARDATA_ANY(v);
	int32		hdr[5];			/* ndim, dataoffset, elemtype, dims[0], lbound[0] */

	if (VARSIZE_ANY_EXHDR(v) >= sizeof(hdr))
	{
		memcpy(hdr, body, sizeof(hdr));
		if (hdr[0] == 1 && hdr[1] == 0 && (Oid) hdr[2] == FLOAT8OID && hdr[3] >= 1 &&
			hdr[3] <= KMEANS_ROW_BUFFER && (expected_dim == 0 || hdr[3] == expected_dim) &&
			VARSIZE_ANY_EXHDR(v) >= ARR_OVERHEAD_NONULLS(1) - VARHDRSZ + hdr[3] * sizeof(float8))
		{
			memcpy(buf, body + ARR_OVERHEAD_NONULLS(1) - VARHDRSZ, hdr[3] * sizeof(float8));
			*dim = hdr[3];
			return buf;
		}
	}
	return kmeans_features(DatumGetArrayTypeP(d), expected_dim, dim);
}

/* Raise the error for a row with a NaN or infinite feature, if it has one. */
void
kmeans_check_finite(const float8 *x, int dim)
{
	int			i;

	for (i = 0; i < dim; i++)
		if (isnan(x[i]) || isinf(x[i]))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("feature %d of a row of %d features is %s", i + 1, dim,
							isnan(x[i]) ? "NaN" : "infinite"),
					 errdetail("k-means needs finite features.")));
}

/* Index of the nearest centroid (lowest index on ties); *d2 its squared distance. */
int
kmeans_nearest(const float8 *centroids, int k, int dim, const float8 *x, float8 *d2)
{
	int			best = 0;
	float8		bestd = kmeans_dist2(centroids, x, dim);
	int			j;

	for (j = 1; j < k; j++)
	{
		float8		d = kmeans_dist2(centroids + (Size) j * dim, x, dim);

		if (d < bestd)
		{
			bestd = d;
			best = j;
		}
	}
	*d2 = bestd;
	return best;
}

/* ---------------------------------------------------------------------
 * Text form
 * ---------------------------------------------------------------------
 */

/* Append a double in its shortest exact form. */
static void
append_float8(StringInfo buf, float8 v)
{
	char		tmp[DOUBLE_SHORTEST_DECIMAL_LEN + 1];

	if (isnan(v))
		appendStringInfoString(buf, "NaN");
	else if (isinf(v))
		appendStringInfoString(buf, v > 0 ? "Infinity" : "-Infinity");
	else
	{
		double_to_shortest_decimal_buf(v, tmp);
		appendStringInfoString(buf, tmp);
	}
}

/* Append {v,...} or {{...},...} for count rows of width values. */
static void
append_matrix(StringInfo buf, const float8 *v, int rows, int width, bool nested)
{
	int			i,
				j;

	appendStringInfoChar(buf, '{');
	for (i = 0; i < rows; i++)
	{
		if (i > 0)
			appendStringInfoChar(buf, ',');
		if (nested)
			appendStringInfoChar(buf, '{');
		for (j = 0; j < width; j++)
		{
			if (j > 0)
				appendStringInfoChar(buf, ',');
			append_float8(buf, v[(Size) i * width + j]);
		}
		if (nested)
			appendStringInfoChar(buf, '}');
	}
	appendStringInfoChar(buf, '}');
}

/* Text output. */
Datum
clientele_kmeans_model_out(PG_FUNCTION_ARGS)
{
	KMeansModel *m = PG_GETARG_KMEANS_P(0);
	StringInfoData buf;
	int			j;

	initStringInfo(&buf);
	appendStringInfo(&buf, "k=%d dim=%d iterations=%d inertia=", m->k, m->dim, m->iterations);
	append_float8(&buf, m->inertia);
	appendStringInfoString(&buf, " shift=");
	append_float8(&buf, m->shift);
	appendStringInfoString(&buf, " sizes={");
	for (j = 0; j < m->k; j++)
		appendStringInfo(&buf, "%s" INT64_FORMAT, j > 0 ? "," : "", KM_SIZES(m)[j]);
	appendStringInfoString(&buf, "} centroids=");
	append_matrix(&buf, KM_CENTROIDS(m), m->k, m->dim, true);
	if (m->flags & KMEANS_PARTIAL)
	{
		appendStringInfoString(&buf, " partial sums=");
		append_matrix(&buf, KM_SUMS(m), m->k, m->dim, true);
		appendStringInfoString(&buf, " sse=");
		append_matrix(&buf, KM_SSE(m), 1, m->k, false);
	}
	PG_RETURN_CSTRING(buf.data);
}

typedef struct ModelParser
{
	const char *s;				/* the whole input */
	const char *p;				/* next character */
} ModelParser;

/* Raise the syntax error of the text form. */
static void pg_attribute_noreturn()
parse_error(ModelParser *ps, const char *expected)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type kmeans_model: \"%s\"", ps->s),
			 errdetail("Expected %s at character %d.", expected, (int) (ps->p - ps->s) + 1)));
}

/* Skip spaces, then require the literal word. */
static void
parse_expect(ModelParser *ps, const char *word)
{
	size_t		len = strlen(word);

	while (*ps->p == ' ')
		ps->p++;
	if (strncmp(ps->p, word, len) != 0)
		parse_error(ps, psprintf("\"%s\"", word));
	ps->p += len;
}

/* Parse a decimal integer within [lo, hi]. */
static int64
parse_int(ModelParser *ps, int64 lo, int64 hi)
{
	char	   *end;
	long long	v;

	errno = 0;
	v = strtoll(ps->p, &end, 10);
	if (end == ps->p || errno != 0 || v < lo || v > hi)
		parse_error(ps, psprintf("an integer between " INT64_FORMAT " and " INT64_FORMAT, lo, hi));
	ps->p = end;
	return (int64) v;
}

/* Parse a float8 (NaN and infinities included; "-NaN" is the one NaN too). */
static float8
parse_float(ModelParser *ps)
{
	char	   *end;
	float8		v;
	bool		have_error = false;

	v = float8in_internal_opt_error((char *) ps->p, &end, "kmeans_model", ps->s, &have_error);
	if (have_error || end == ps->p)
		parse_error(ps, "a number");
	ps->p = end;
	return isnan(v) ? get_float8_nan() : v;
}

/* Parse rows x width floats written as a (nested) brace list. */
static void
parse_matrix(ModelParser *ps, float8 *out, int rows, int width, bool nested)
{
	int			i,
				j;

	parse_expect(ps, "{");
	for (i = 0; i < rows; i++)
	{
		if (i > 0)
			parse_expect(ps, ",");
		if (nested)
			parse_expect(ps, "{");
		for (j = 0; j < width; j++)
		{
			if (j > 0)
				parse_expect(ps, ",");
			out[(Size) i * width + j] = parse_float(ps);
		}
		if (nested)
			parse_expect(ps, "}");
	}
	parse_expect(ps, "}");
}

/* Check a model's values: sizes >= 0, finite centroids (and sums). */
static void
check_model_values(KMeansModel *m)
{
	Size		cells = (Size) m->k * m->dim;
	Size		i;

	if (m->iterations < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("kmeans_model iterations must not be negative")));
	for (i = 0; i < (Size) m->k; i++)
		if (KM_SIZES(m)[i] < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("kmeans_model cluster sizes must not be negative")));
	for (i = 0; i < cells * ((m->flags & KMEANS_PARTIAL) ? 2 : 1); i++)
		if (isnan(KM_CENTROIDS(m)[i]) || isinf(KM_CENTROIDS(m)[i]))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("kmeans_model centroids must be finite")));
}

/* Text input. */
Datum
clientele_kmeans_model_in(PG_FUNCTION_ARGS)
{
	ModelParser ps;
	int			k,
				dim,
				iterations,
				j;
	float8		inertia,
				shift;
	KMeansModel *m;
	const char *save;
	bool		partial = false;

	ps.s = ps.p = PG_GETARG_CSTRING(0);
	parse_expect(&ps, "k=");
	k = (int) parse_int(&ps, 1, KMEANS_MAX_K);
	parse_expect(&ps, "dim=");
	dim = (int) parse_int(&ps, 1, KMEANS_MAX_DIM);
	parse_expect(&ps, "iterations=");
	iterations = (int) parse_int(&ps, 0, PG_INT32_MAX);
	parse_expect(&ps, "inertia=");
	inertia = parse_float(&ps);
	parse_expect(&ps, "shift=");
	shift = parse_float(&ps);
	/* look ahead for the partial sections to size the value */
	save = ps.p;
	partial = strstr(ps.p, "partial") != NULL;
	/* every number takes a character: refuse to allocate for numbers that are not there */
	kmeans_check_k_dim(k, dim);
	if (strlen(ps.p) < kmeans_model_numbers(k, dim, partial))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type kmeans_model: \"%s\"", ps.s),
				 errdetail("A model of %d clusters in %d dimensions has %zu numbers; the value ends before.",
						   k, dim, kmeans_model_numbers(k, dim, partial))));
	m = kmeans_model_alloc(CurrentMemoryContext, k, dim, partial);
	m->iterations = iterations;
	m->inertia = inertia;
	m->shift = shift;
	ps.p = save;
	parse_expect(&ps, "sizes={");
	for (j = 0; j < k; j++)
	{
		if (j > 0)
			parse_expect(&ps, ",");
		KM_SIZES(m)[j] = parse_int(&ps, 0, PG_INT64_MAX);
	}
	parse_expect(&ps, "}");
	parse_expect(&ps, "centroids=");
	parse_matrix(&ps, KM_CENTROIDS(m), k, dim, true);
	if (partial)
	{
		parse_expect(&ps, "partial");
		parse_expect(&ps, "sums=");
		parse_matrix(&ps, KM_SUMS(m), k, dim, true);
		parse_expect(&ps, "sse=");
		parse_matrix(&ps, KM_SSE(m), 1, k, false);
	}
	while (*ps.p == ' ')
		ps.p++;
	if (*ps.p != '\0')
		parse_error(&ps, "the end of the value");
	check_model_values(m);
	PG_RETURN_POINTER(m);
}

/* Binary output: the header fields, then every number in network order. */
Datum
clientele_kmeans_model_send(PG_FUNCTION_ARGS)
{
	KMeansModel *m = PG_GETARG_KMEANS_P(0);
	StringInfoData buf;
	Size		cells = (Size) m->k * m->dim;
	Size		nfloats = cells + ((m->flags & KMEANS_PARTIAL) ? cells + m->k : 0);
	Size		i;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, m->k);
	pq_sendint32(&buf, m->dim);
	pq_sendint32(&buf, m->iterations);
	pq_sendint32(&buf, m->flags);
	pq_sendfloat8(&buf, m->inertia);
	pq_sendfloat8(&buf, m->shift);
	for (i = 0; i < (Size) m->k; i++)
		pq_sendint64(&buf, KM_SIZES(m)[i]);
	for (i = 0; i < nfloats; i++)
		pq_sendfloat8(&buf, KM_CENTROIDS(m)[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/*
 * A float8 of the binary form; every NaN becomes the one NaN the text form
 * reads, so that equal models have equal bytes whichever form they came in.
 */
static float8
recv_float8(StringInfo msg)
{
	float8		v = pq_getmsgfloat8(msg);

	return isnan(v) ? get_float8_nan() : v;
}

/* Binary input, checked like the text form. */
Datum
clientele_kmeans_model_recv(PG_FUNCTION_ARGS)
{
	StringInfo	msg = (StringInfo) PG_GETARG_POINTER(0);
	int			k = pq_getmsgint(msg, 4);
	int			dim = pq_getmsgint(msg, 4);
	int			iterations = pq_getmsgint(msg, 4);
	int			flags = pq_getmsgint(msg, 4);
	KMeansModel *m;
	Size		cells,
				nfloats,
				i;

	if (flags & ~KMEANS_PARTIAL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid kmeans_model flags %d", flags)));
	/*
	 * The message must hold every number before the value is allocated (16
	 * bytes announcing a model of 128 MB must not allocate it); the error is
	 * the one pq_getmsgfloat8 would raise at the end of the message.
	 */
	kmeans_check_k_dim(k, dim);
	if ((Size) (msg->len - msg->cursor) <
		2 * sizeof(float8) + kmeans_model_numbers(k, dim, (flags & KMEANS_PARTIAL) != 0) * sizeof(float8))
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("insufficient data left in message")));
	m = kmeans_model_alloc(CurrentMemoryContext, k, dim, (flags & KMEANS_PARTIAL) != 0);
	m->iterations = iterations;
	m->inertia = recv_float8(msg);
	m->shift = recv_float8(msg);
	cells = (Size) k * dim;
	nfloats = cells + ((flags & KMEANS_PARTIAL) ? cells + k : 0);
	for (i = 0; i < (Size) k; i++)
		KM_SIZES(m)[i] = pq_getmsgint64(msg);
	for (i = 0; i < nfloats; i++)
		KM_CENTROIDS(m)[i] = recv_float8(msg);
	pq_getmsgend(msg);
	check_model_values(m);
	PG_RETURN_POINTER(m);
}

/* ---------------------------------------------------------------------
 * Accessors
 * ---------------------------------------------------------------------
 */

/* kmeans_k(model) */
Datum
clientele_kmeans_k(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(PG_GETARG_KMEANS_P(0)->k);
}

/* kmeans_dim(model) */
Datum
clientele_kmeans_dim(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(PG_GETARG_KMEANS_P(0)->dim);
}

/* kmeans_iterations(model) */
Datum
clientele_kmeans_iterations(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(PG_GETARG_KMEANS_P(0)->iterations);
}

/* kmeans_inertia(model): NULL when not measured (a seed model). */
Datum
clientele_kmeans_inertia(PG_FUNCTION_ARGS)
{
	KMeansModel *m = PG_GETARG_KMEANS_P(0);

	if (isnan(m->inertia))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(m->inertia);
}

/* kmeans_shift(model): NULL before the first update. */
Datum
clientele_kmeans_shift(PG_FUNCTION_ARGS)
{
	KMeansModel *m = PG_GETARG_KMEANS_P(0);

	if (isnan(m->shift))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(m->shift);
}

/* kmeans_sizes(model): bigint[k]. */
Datum
clientele_kmeans_sizes(PG_FUNCTION_ARGS)
{
	KMeansModel *m = PG_GETARG_KMEANS_P(0);
	Datum	   *d = palloc(m->k * sizeof(Datum));
	int			j;

	for (j = 0; j < m->k; j++)
		d[j] = Int64GetDatum(KM_SIZES(m)[j]);
	PG_RETURN_ARRAYTYPE_P(construct_array(d, m->k, INT8OID, sizeof(int64), FLOAT8PASSBYVAL,
										  TYPALIGN_DOUBLE));
}

/* A float8[rows][width] array (or float8[width] when rows is 0). */
static ArrayType *
float8_matrix(const float8 *v, int rows, int width)
{
	int			n = (rows > 0 ? rows : 1) * width;
	Datum	   *d = palloc(n * sizeof(Datum));
	int			dims[2];
	int			lbs[2] = {1, 1};
	int			i;

	for (i = 0; i < n; i++)
		d[i] = Float8GetDatum(v[i]);
	if (rows == 0)
		return construct_array(d, width, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
	dims[0] = rows;
	dims[1] = width;
	return construct_md_array(d, NULL, 2, dims, lbs, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL,
							  TYPALIGN_DOUBLE);
}

/* kmeans_centroids(model): float8[k][dim]. */
Datum
clientele_kmeans_centroids(PG_FUNCTION_ARGS)
{
	KMeansModel *m = PG_GETARG_KMEANS_P(0);

	PG_RETURN_ARRAYTYPE_P(float8_matrix(KM_CENTROIDS(m), m->k, m->dim));
}

/* kmeans_clusters(model): one row per cluster (cluster, size, centroid). */
Datum
clientele_kmeans_clusters(PG_FUNCTION_ARGS)
{
	KMeansModel *m = kmeans_get_model(fcinfo, 0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			j;

	InitMaterializedSRF(fcinfo, 0);
	for (j = 0; j < m->k; j++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = Int32GetDatum(j + 1);
		values[1] = Int64GetDatum(KM_SIZES(m)[j]);
		values[2] = PointerGetDatum(float8_matrix(KM_CENTROIDS(m) + (Size) j * m->dim, 0, m->dim));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* kmeans_assign(model, features): the nearest cluster, 1..k. */
Datum
clientele_kmeans_assign(PG_FUNCTION_ARGS)
{
	KMeansModel *m = kmeans_get_model(fcinfo, 0);
	int			dim;
	float8		buf[KMEANS_ROW_BUFFER];
	const float8 *x = kmeans_row(PG_GETARG_DATUM(1), m->dim, buf, &dim);
	float8		d2;
	int			j = kmeans_nearest(KM_CENTROIDS(m), m->k, m->dim, x, &d2);

	if (unlikely(isnan(d2) || isinf(d2)))
		kmeans_check_finite(x, dim);
	PG_RETURN_INT32(j + 1);
}

/* kmeans_distance(model, features): Euclidean distance to the nearest centroid. */
Datum
clientele_kmeans_distance(PG_FUNCTION_ARGS)
{
	KMeansModel *m = kmeans_get_model(fcinfo, 0);
	int			dim;
	float8		buf[KMEANS_ROW_BUFFER];
	const float8 *x = kmeans_row(PG_GETARG_DATUM(1), m->dim, buf, &dim);
	float8		d2;

	(void) kmeans_nearest(KM_CENTROIDS(m), m->k, m->dim, x, &d2);
	if (unlikely(isnan(d2) || isinf(d2)))
		kmeans_check_finite(x, dim);
	PG_RETURN_FLOAT8(sqrt(d2));
}

/* kmeans_distance(model, features, cluster): distance to one cluster's centroid. */
Datum
clientele_kmeans_distance_to(PG_FUNCTION_ARGS)
{
	KMeansModel *m = kmeans_get_model(fcinfo, 0);
	int			dim;
	const float8 *x = kmeans_features(PG_GETARG_ARRAYTYPE_P(1), m->dim, &dim);
	int32		c = PG_GETARG_INT32(2);

	if (c < 1 || c > m->k)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cluster %d does not exist", c),
				 errdetail("The model's clusters are numbered 1 to %d.", m->k)));
	PG_RETURN_FLOAT8(sqrt(kmeans_dist2(KM_CENTROIDS(m) + (Size) (c - 1) * m->dim, x, dim)));
}
