/*
 * demo_customers.c — deterministic demo customers, purchases and engagement
 * events of a cosmetics retailer, drawn from a known buying model.
 *
 * clientele.demo_customers(n, seed, end_date, model) returns n customers
 * (age band, gender, home city in France or in a few US cities with a home
 * geolocation, language, preferred channel, opt-ins per channel);
 * clientele.demo_purchases(...) their purchases over the 104 weeks before
 * end_date; clientele.demo_events(...) their engagement events (opens,
 * clicks, visits, product views, abandoned carts, reviews, social likes and
 * shares); clientele.demo_customer_truth(...) the hidden per-customer values
 * the purchases were drawn from, so that fitted models can be checked.
 * clientele.demo_products() and clientele.demo_stores() list the catalogue
 * (with the typical repurchase interval of consumables) and the shops.
 *
 * The buying model.  Time is counted in weeks.  Customer i is acquired at
 * a time uniform in the first 78 of the 104 weeks (their first purchase;
 * so every customer is observed for T between 26 and 104 weeks).  Then,
 * exactly as in the BG/NBD model of Fader, Hardie and Lee (2005):
 *   - while active, i buys as a Poisson process of rate lambda_i, with
 *     lambda_i ~ Gamma(shape r, rate alpha);
 *   - after each repeat purchase i drops out for good with probability
 *     p_i, with p_i ~ Beta(a, b);
 * and, as in the Gamma-Gamma spend model (Fader, Hardie and Lee 2005,
 * "RFM and CLV"): each purchase amount is Gamma(shape p, rate nu_i), with
 * nu_i ~ Gamma(shape q, rate gamma), so the mean amount of customer i is
 * p / nu_i and the population mean p * gamma / (q - 1).  The default model
 * (clientele.demo_model()) is r = 0.75, alpha = 6 (weeks), a = 0.8, b = 4,
 * p = 6, q = 4, gamma = 18 (euros): about 6.5 purchases a year while
 * active, one customer in six lost after each purchase, 36 euros a basket.
 * A model array of 7 values {r, alpha, a, b, p, q, gamma} replaces it.
 *
 * Attributes are drawn after the latent values and depend on them (heavy
 * buyers are more often 25-44, app users and opted in to push messages;
 * customers likely to leave opt in less), so segments have real portraits,
 * while the population distributions of lambda, p and nu stay exactly the
 * documented ones and fitted parameters can be compared with them.
 *
 * Purchases name the order's main product: with probability 0.45 the
 * customer's favourite consumable (re-bought regularly, the material of
 * replenishment offers), otherwise a product drawn by popularity; amount
 * is the order total drawn from the spend model, rounded to the cent.
 * Events come as a Poisson process at a rate set by the customer's
 * engagement (itself tied to lambda), ten times lower after they left;
 * their kinds respect the opt-ins (no push opens without the push opt-in).
 *
 * Determinism.  Customer i depends only on (seed, i, end_date, model):
 * its latent values and attributes come from one xoshiro256** stream
 * seeded from hash(seed, i), its purchases and its events from two other
 * streams, so any customer can be generated alone.  The functions are
 * value-per-call SRFs: purchases and events of one customer are generated
 * into a small buffer, then returned row by row, in constant memory.
 * (The random-number helpers repeat the few lines of demo.c, whose
 * generators are static there.)
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "textcore.h"
#include "demo_random.h"

PG_FUNCTION_INFO_V1(clientele_demo_model);
PG_FUNCTION_INFO_V1(clientele_demo_customers);
PG_FUNCTION_INFO_V1(clientele_demo_purchases);
PG_FUNCTION_INFO_V1(clientele_demo_events);
PG_FUNCTION_INFO_V1(clientele_demo_customer_truth);
PG_FUNCTION_INFO_V1(clientele_demo_products);
PG_FUNCTION_INFO_V1(clientele_demo_stores);

#define DEMO_MAX_CUSTOMERS	100000000
#define OBSERVED_WEEKS		104.0	/* the purchase history before end_date */
#define ACQUISITION_WEEKS	78.0	/* first purchases fall in the first 78 weeks */
#define MAX_ROWS_PER_CUSTOMER 20000 /* a safety cap on one customer's purchases or events */
#define EVENTS_PER_WEEK		0.12	/* events of an average customer while active */
#define FAVOURITE_SHARE		0.45	/* orders whose main product is the favourite */
#define USECS_PER_WEEK		(7 * USECS_PER_DAY)

#define SALT_CUSTOMER	UINT64CONST(0xB7E151628AED2A6A)
#define SALT_PURCHASE	UINT64CONST(0xBF7158809CF4F3C7)
#define SALT_EVENT		UINT64CONST(0x62E7160F38B4DA56)

/* The documented default model. */
static const double default_model[7] = {0.75, 6.0, 0.8, 4.0, 6.0, 4.0, 18.0};

/* ------------------------------------------------------------------------
 * Random numbers: splitmix64-seeded xoshiro256**, Gamma and Beta deviates
 * ------------------------------------------------------------------------ */

/* Exponential deviate of the given rate. */
static inline double
rng_exponential(Rng *r, double rate)
{
	return -log(rng_open(r)) / rate;
}

/* Gamma(shape, 1) deviate: Marsaglia and Tsang, boosted below shape 1. */
static double
rng_gamma(Rng *r, double shape)
{
	double		boost = 1.0,
				d,
				c;

	if (shape < 1.0)
	{
		boost = pow(rng_open(r), 1.0 / shape);
		shape += 1.0;
	}
	d = shape - 1.0 / 3.0;
	c = 1.0 / sqrt(9.0 * d);
	for (;;)
	{
		double		x = rng_normal(r),
					v = 1.0 + c * x,
					u;

		if (v <= 0.0)
			continue;
		v = v * v * v;
		u = rng_open(r);
		if (log(u) < 0.5 * x * x + d - d * v + d * log(v))
			return boost * d * v;
	}
}

/* Beta(a, b) deviate from two Gamma deviates. */
static double
rng_beta(Rng *r, double a, double b)
{
	double		x = rng_gamma(r, a),
				y = rng_gamma(r, b);

	return x + y > 0.0 ? x / (x + y) : 0.5;
}

/* Index drawn from weights w[0..n-1] (doubles). */
static int
rng_weighted(Rng *r, const double *w, int n)
{
	double		total = 0.0,
				x;
	int			k;

	for (k = 0; k < n; k++)
		total += w[k];
	x = rng_unit(r) * total;
	for (k = 0; k < n - 1; k++)
	{
		if (x < w[k])
			return k;
		x -= w[k];
	}
	return n - 1;
}

/* ------------------------------------------------------------------------
 * The catalogue, the cities and the shops
 * ------------------------------------------------------------------------ */

typedef struct DemoProduct
{
	const char *name;
	const char *category;
	const char *brand;
	int			price_cents;
	int			repurchase_days;	/* 0: not a consumable */
	double		popularity;
} DemoProduct;

static const DemoProduct products[] = {
	{"moisturiser", "skincare", "Pure Skin Lab", 2490, 45, 9},
	{"cleansing gel", "skincare", "Belle Nature", 1290, 40, 6},
	{"face serum", "skincare", "Pure Skin Lab", 3990, 60, 5},
	{"eye cream", "skincare", "Aurelia", 2990, 75, 3},
	{"sunscreen SPF50", "skincare", "Belle Nature", 1890, 60, 4},
	{"night cream", "skincare", "Éclat Céleste", 3490, 60, 3},
	{"lipstick", "makeup", "Lumière Paris", 1990, 90, 8},
	{"mascara", "makeup", "GlowCo", 1690, 90, 8},
	{"foundation", "makeup", "Lumière Paris", 3290, 75, 6},
	{"nail polish", "makeup", "Nuance Studio", 990, 120, 4},
	{"eyeshadow palette", "makeup", "Nuance Studio", 4490, 0, 3},
	{"concealer", "makeup", "GlowCo", 1790, 90, 3},
	{"eau de parfum", "fragrance", "Rosélia", 7900, 180, 4},
	{"body mist", "fragrance", "Rosélia", 2290, 90, 2},
	{"shampoo", "haircare", "Belle Nature", 890, 30, 6},
	{"conditioner", "haircare", "Belle Nature", 990, 35, 3},
	{"hair mask", "haircare", "Aurelia", 1590, 45, 2},
	{"shower gel", "bodycare", "Belle Nature", 590, 30, 5},
	{"body lotion", "bodycare", "Éclat Céleste", 1490, 45, 3},
	{"hand cream", "bodycare", "Aurelia", 790, 40, 3},
	{"makeup brush set", "accessories", "Nuance Studio", 3490, 0, 2},
	{"makeup bag", "accessories", "GlowCo", 1990, 0, 1},
	{"gift box", "gift sets", "Lumière Paris", 5990, 0, 2},
	{"discovery kit", "gift sets", "Pure Skin Lab", 2990, 0, 2},
};

#define N_PRODUCTS lengthof(products)

typedef struct DemoCity
{
	const char *name;
	const char *country;
	double		lat;
	double		lon;
	double		weight;
	double		spread;			/* standard deviation of homes, degrees of latitude */
} DemoCity;

static const DemoCity cities[] = {
	{"Paris", "FR", 48.8566, 2.3522, 26, 0.08},
	{"Lyon", "FR", 45.7640, 4.8357, 9, 0.05},
	{"Marseille", "FR", 43.2965, 5.3698, 8, 0.05},
	{"Toulouse", "FR", 43.6047, 1.4442, 6, 0.04},
	{"Bordeaux", "FR", 44.8378, -0.5792, 6, 0.04},
	{"Lille", "FR", 50.6292, 3.0573, 6, 0.04},
	{"Nantes", "FR", 47.2184, -1.5536, 5, 0.04},
	{"Strasbourg", "FR", 48.5734, 7.7521, 4, 0.03},
	{"Nice", "FR", 43.7102, 7.2620, 4, 0.03},
	{"Rennes", "FR", 48.1173, -1.6778, 4, 0.03},
	{"Montpellier", "FR", 43.6108, 3.8767, 4, 0.03},
	{"New York", "US", 40.7128, -74.0060, 6, 0.08},
	{"Los Angeles", "US", 34.0522, -118.2437, 4, 0.10},
	{"Chicago", "US", 41.8781, -87.6298, 3, 0.07},
	{"Miami", "US", 25.7617, -80.1918, 3, 0.05},
	{"San Francisco", "US", 37.7749, -122.4194, 2, 0.04},
};

#define N_CITIES lengthof(cities)

typedef struct DemoStore
{
	const char *name;
	int			city;			/* index into cities */
	double		lat;
	double		lon;
} DemoStore;

static const DemoStore stores[] = {
	{"Paris Opéra", 0, 48.8719, 2.3316},
	{"Paris Rivoli", 0, 48.8606, 2.3466},
	{"Paris Montparnasse", 0, 48.8421, 2.3219},
	{"La Défense", 0, 48.8920, 2.2380},
	{"Lyon Part-Dieu", 1, 45.7610, 4.8570},
	{"Lyon Bellecour", 1, 45.7578, 4.8320},
	{"Marseille Vieux-Port", 2, 43.2951, 5.3745},
	{"Toulouse Capitole", 3, 43.6045, 1.4440},
	{"Bordeaux Sainte-Catherine", 4, 44.8404, -0.5737},
	{"Lille Euralille", 5, 50.6370, 3.0750},
	{"Nantes Atlantis", 6, 47.2260, -1.6290},
	{"Strasbourg Kléber", 7, 48.5836, 7.7459},
	{"Nice Masséna", 8, 43.6975, 7.2700},
	{"Rennes Colombia", 9, 48.1040, -1.6770},
	{"Montpellier Comédie", 10, 43.6086, 3.8797},
	{"New York SoHo", 11, 40.7233, -74.0030},
	{"New York Fifth Avenue", 11, 40.7580, -73.9776},
	{"Los Angeles Grove", 12, 34.0719, -118.3577},
	{"Chicago Michigan Avenue", 13, 41.8940, -87.6240},
	{"Miami Brickell", 14, 25.7670, -80.1930},
	{"San Francisco Union Square", 15, 37.7880, -122.4075},
};

static const char *const age_bands[] = {"18-24", "25-34", "35-44", "45-54", "55-64", "65+"};
static const char *const genders[] = {"female", "male", "other"};
static const char *const channel_names[] = {"email", "sms", "push", "post"};
static const char *const order_channels[] = {"store", "web", "app"};

enum {EV_EMAIL_OPEN, EV_EMAIL_CLICK, EV_SMS_CLICK, EV_PUSH_OPEN, EV_SITE_VISIT, EV_PRODUCT_VIEW,
	EV_CART_ABANDON, EV_REVIEW, EV_SOCIAL_LIKE, EV_SOCIAL_SHARE, N_EVENT_KINDS};
static const char *const event_names[N_EVENT_KINDS] = {
	"email_open", "email_click", "sms_click", "push_open", "site_visit", "product_view",
	"cart_abandon", "review", "social_like", "social_share",
};
static const char *const event_channels[N_EVENT_KINDS] = {
	"email", "email", "sms", "push", "web", "web", "web", "web", "social", "social",
};
static const double event_weights[N_EVENT_KINDS] = {30, 8, 3, 12, 20, 15, 5, 2, 4, 1};

/* ------------------------------------------------------------------------
 * Customers
 * ------------------------------------------------------------------------ */

typedef struct DemoModel
{
	double		r,
				alpha,
				a,
				b,
				p,
				q,
				gamma;
} DemoModel;

typedef struct Customer
{
	int64		id;
	double		lambda;			/* purchases per week while active */
	double		dropout;		/* probability of leaving after a repeat purchase */
	double		nu;				/* rate of the spend distribution */
	double		first_week;		/* acquisition, weeks after the start */
	double		engagement;		/* relative rate of events */
	int			age_band;
	int			gender;
	int			city;
	bool		lang_fr;
	int			preferred;		/* index into channel_names */
	bool		optin[4];
	double		lat,
				lon;
	int			favourite;		/* index into products */
	int			order_channel;	/* usual order channel */
} Customer;

typedef struct CustomerGen
{
	uint64		key;
	DemoModel	model;
	TimestampTz start;			/* OBSERVED_WEEKS before end */
	TimestampTz end;
} CustomerGen;

/* Draw customer id: latent values first, then attributes that depend on them. */
static void
gen_customer(const CustomerGen *g, int64 id, Customer *c)
{
	const DemoModel *m = &g->model;
	Rng			r;
	double		activity,
				w[N_CITIES > 6 ? N_CITIES : 6];
	const DemoCity *city;
	int			k;

	rng_seed(&r, hash3(g->key, (uint64) id, SALT_CUSTOMER));
	memset(c, 0, sizeof(*c));
	c->id = id;
	c->lambda = rng_gamma(&r, m->r) / m->alpha;
	c->dropout = rng_beta(&r, m->a, m->b);
	c->nu = rng_gamma(&r, m->q) / m->gamma;
	c->first_week = rng_unit(&r) * ACQUISITION_WEEKS;

	/* activity: lambda relative to the population mean, capped */
	activity = Min(c->lambda * m->alpha / m->r, 6.0);

	/* age band: heavy buyers more often 25-44 */
	w[0] = 10;
	w[1] = 20 + 6 * activity;
	w[2] = 20 + 5 * activity;
	w[3] = 18;
	w[4] = 14;
	w[5] = 10 + 2 * c->dropout * 10;
	c->age_band = rng_weighted(&r, w, 6);
	{
		static const double gw[3] = {64, 34, 2};

		c->gender = rng_weighted(&r, gw, 3);
	}
	for (k = 0; k < (int) N_CITIES; k++)
		w[k] = cities[k].weight;
	c->city = rng_weighted(&r, w, N_CITIES);
	city = &cities[c->city];
	c->lang_fr = strcmp(city->country, "FR") == 0 ? rng_chance(&r, 0.96) : rng_chance(&r, 0.06);
	c->lat = city->lat + city->spread * rng_normal(&r);
	c->lon = city->lon + city->spread * rng_normal(&r) / cos(city->lat * M_PI / 180.0);

	/* opt-ins: push with activity, fewer opt-ins for likely leavers */
	c->optin[0] = rng_chance(&r, 0.75 - 0.4 * c->dropout);
	c->optin[1] = rng_chance(&r, 0.35 + 0.03 * activity);
	c->optin[2] = rng_chance(&r, Min(0.15 + 0.10 * activity, 0.85));
	c->optin[3] = rng_chance(&r, c->age_band >= 4 ? 0.45 : 0.15);
	/* the preferred channel is one the customer opted in to (email if none) */
	w[0] = c->optin[0] ? 6 : 0;
	w[1] = c->optin[1] ? 2 : 0;
	w[2] = c->optin[2] ? 2 + 2 * activity : 0;
	w[3] = c->optin[3] ? 1 : 0;
	c->preferred = w[0] + w[1] + w[2] + w[3] > 0 ? rng_weighted(&r, w, 4) : 0;

	/* the usual order channel: the app for push users, the web for the young */
	w[0] = 5 + (c->age_band >= 3 ? 3 : 0);
	w[1] = 4 + (c->age_band <= 2 ? 2 : 0);
	w[2] = c->optin[2] ? 3 + activity : 0.5;
	c->order_channel = rng_weighted(&r, w, 3);

	/* the favourite product is a consumable, drawn by popularity */
	{
		double		pw[N_PRODUCTS];

		for (k = 0; k < (int) N_PRODUCTS; k++)
			pw[k] = products[k].repurchase_days > 0 ? products[k].popularity : 0.0;
		c->favourite = rng_weighted(&r, pw, N_PRODUCTS);
	}
	c->engagement = (0.4 + 0.6 * Min(activity, 3.0)) * exp(0.5 * rng_normal(&r) - 0.125);
}

/* Read and check the model array: empty means the default model. */
static void
read_model(ArrayType *arr, DemoModel *m)
{
	double		v[7];
	int			n,
				k;
	Datum	   *elems;
	bool	   *nulls;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("demo model must be a one-dimensional array")));
	deconstruct_array(arr, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &elems, &nulls, &n);
	if (n == 0)
		memcpy(v, default_model, sizeof(v));
	else if (n != 7)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("demo model has %d values, not 7", n),
				 errhint("Give {r, alpha, a, b, p, q, gamma}, or an empty array for the default model.")));
	else
		for (k = 0; k < 7; k++)
		{
			if (nulls[k])
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("demo model value %d is NULL", k + 1)));
			v[k] = DatumGetFloat8(elems[k]);
			if (!(v[k] > 0.0) || isinf(v[k]))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("demo model value %d (%g) must be positive and finite", k + 1, v[k]),
						 errhint("Give {r, alpha, a, b, p, q, gamma}, all positive.")));
		}
	m->r = v[0];
	m->alpha = v[1];
	m->a = v[2];
	m->b = v[3];
	m->p = v[4];
	m->q = v[5];
	m->gamma = v[6];
}

/* Set up the generator from the common arguments (n, seed, end_date, model). */
static int64
init_gen(FunctionCallInfo fcinfo, CustomerGen *g)
{
	int32		n = PG_GETARG_INT32(0);
	int32		seed = PG_GETARG_INT32(1);
	DateADT		end = PG_GETARG_DATEADT(2);
	TimestampTz end_ts;

	if (n < 0 || n > DEMO_MAX_CUSTOMERS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("demo customer count %d is out of range", n),
				 errhint("Ask for between 0 and %d customers.", DEMO_MAX_CUSTOMERS)));
	end_ts = (TimestampTz) end * USECS_PER_DAY;
	if (DATE_NOT_FINITE(end) || !IS_VALID_TIMESTAMP(end_ts) ||
		!IS_VALID_TIMESTAMP(end_ts - (int64) OBSERVED_WEEKS * USECS_PER_WEEK))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("demo end date is out of range"),
				 errhint("Give a finite date within the range of timestamps.")));
	read_model(PG_GETARG_ARRAYTYPE_P(3), &g->model);
	g->key = mix64((uint64) (uint32) seed ^ UINT64CONST(0x2545F4914F6CDD1D));
	g->end = end_ts;
	g->start = end_ts - (int64) OBSERVED_WEEKS * USECS_PER_WEEK;
	return n;
}

/* The timestamp of a time in weeks after the start. */
static inline TimestampTz
week_to_ts(const CustomerGen *g, double week)
{
	return g->start + (int64) floor(week * (double) USECS_PER_WEEK);
}

/* A text Datum from a UTF-8 C string, in the database encoding. */
static inline Datum
utf8_datum(const char *s)
{
	return PointerGetDatum(tc_utf8_to_text(s, strlen(s)));
}

/* Build the tuple descriptor of an SRF's result. */
static TupleDesc
result_desc(FunctionCallInfo fcinfo)
{
	TupleDesc	tupdesc;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("function returning a record called in a context that cannot accept one")));
	return BlessTupleDesc(tupdesc);
}

/* ------------------------------------------------------------------------
 * Purchases and events of one customer
 * ------------------------------------------------------------------------ */

typedef struct Happening
{
	double		week;
	int			what;			/* product index or event kind */
	int			product;		/* events: product or -1 */
	int			channel;		/* purchases: order channel */
	int64		cents;			/* purchases: amount */
} Happening;

/* The purchase history of c, and the week it dropped out (or +inf). */
static int
gen_purchases(const CustomerGen *g, const Customer *c, Happening *h, double *dropped)
{
	Rng			r;
	double		t = c->first_week;
	int			n = 0;
	double		pw[N_PRODUCTS];
	int			k;

	for (k = 0; k < (int) N_PRODUCTS; k++)
		pw[k] = products[k].popularity;
	rng_seed(&r, hash3(g->key, (uint64) c->id, SALT_PURCHASE));
	*dropped = INFINITY;
	for (;;)
	{
		Happening  *x = &h[n++];
		double		z;

		x->week = t;
		x->what = rng_chance(&r, FAVOURITE_SHARE) ? c->favourite : rng_weighted(&r, pw, N_PRODUCTS);
		x->channel = rng_chance(&r, 0.7) ? c->order_channel : rng_below(&r, 3);
		z = rng_gamma(&r, g->model.p) / c->nu;
		x->cents = Max((int64) llround(Min(z, 1e9) * 100.0), 1);
		x->product = -1;
		if (n > 1 && rng_chance(&r, c->dropout))
		{
			*dropped = t;
			break;
		}
		if (n == MAX_ROWS_PER_CUSTOMER)
			break;
		t += rng_exponential(&r, c->lambda);
		if (!(t < OBSERVED_WEEKS))
			break;
	}
	return n;
}

/* The engagement events of c, given the week it dropped out. */
static int
gen_events(const CustomerGen *g, const Customer *c, double dropped, Happening *h)
{
	Rng			r;
	double		w[N_EVENT_KINDS];
	double		pw[N_PRODUCTS];
	int			n = 0,
				k,
				phase;

	rng_seed(&r, hash3(g->key, (uint64) c->id, SALT_EVENT));
	memcpy(w, event_weights, sizeof(w));
	if (!c->optin[0])
		w[EV_EMAIL_OPEN] = w[EV_EMAIL_CLICK] = 0;
	if (!c->optin[1])
		w[EV_SMS_CLICK] = 0;
	if (!c->optin[2])
		w[EV_PUSH_OPEN] = 0;
	for (k = 0; k < (int) N_PRODUCTS; k++)
		pw[k] = products[k].popularity;

	/*
	 * Two Poisson processes end to end: while active, then ten times slower
	 * after the dropout (restarting the clock there is exact: memoryless).
	 */
	for (phase = 0; phase < 2; phase++)
	{
		double		t = phase == 0 ? c->first_week : dropped;
		double		stop = phase == 0 ? Min(dropped, OBSERVED_WEEKS) : OBSERVED_WEEKS;
		double		rate = EVENTS_PER_WEEK * c->engagement * (phase == 0 ? 1.0 : 0.1);

		while (n < MAX_ROWS_PER_CUSTOMER)
		{
			Happening  *x;

			t += rng_exponential(&r, rate);
			if (!(t < stop))
				break;
			x = &h[n++];
			x->week = t;
			x->what = rng_weighted(&r, w, N_EVENT_KINDS);
			x->product = -1;
			if (x->what == EV_PRODUCT_VIEW || x->what == EV_CART_ABANDON || x->what == EV_REVIEW)
				x->product = rng_chance(&r, 0.4) ? c->favourite : rng_weighted(&r, pw, N_PRODUCTS);
		}
	}
	return n;
}

/* ------------------------------------------------------------------------
 * SQL functions
 * ------------------------------------------------------------------------ */

/* clientele.demo_model(): the default model's parameters. */
Datum
clientele_demo_model(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc = result_desc(fcinfo);
	Datum		values[7];
	bool		nulls[7] = {0};
	int			k;

	for (k = 0; k < 7; k++)
		values[k] = Float8GetDatum(default_model[k]);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

typedef struct CustomerSrf
{
	CustomerGen g;
	MemoryContext row_ctx;
	Happening  *buf;			/* the current customer's purchases or events */
	int			nbuf;
	int			pos;
	int64		customer;		/* the current customer */
	int64		ncustomers;
	int64		row_id;
	Customer	c;
} CustomerSrf;

/* First call of every customer SRF: the generator and its buffers. */
static FuncCallContext *
customer_srf_init(FunctionCallInfo fcinfo)
{
	FuncCallContext *funcctx;
	MemoryContext old;
	CustomerSrf *s;
	int64		n;

	funcctx = SRF_FIRSTCALL_INIT();
	old = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);
	s = palloc0(sizeof(CustomerSrf));
	n = init_gen(fcinfo, &s->g);
	funcctx->tuple_desc = result_desc(fcinfo);
	s->ncustomers = n;
	s->buf = palloc(sizeof(Happening) * MAX_ROWS_PER_CUSTOMER);
	s->row_ctx = AllocSetContextCreate(funcctx->multi_call_memory_ctx, "demo customer row", ALLOCSET_SMALL_SIZES);
	funcctx->max_calls = n;
	funcctx->user_fctx = s;
	MemoryContextSwitchTo(old);
	return funcctx;
}

/* clientele.demo_customers(n, seed, end_date, model): one customer per call. */
Datum
clientele_demo_customers(PG_FUNCTION_ARGS)
{
	FuncCallContext *funcctx;
	CustomerSrf *s;

	if (SRF_IS_FIRSTCALL())
		customer_srf_init(fcinfo);
	funcctx = SRF_PERCALL_SETUP();
	s = funcctx->user_fctx;
	if (funcctx->call_cntr < funcctx->max_calls)
	{
		Customer   *c = &s->c;
		Datum		values[14];
		bool		nulls[14] = {0};
		HeapTuple	tuple;
		MemoryContext old;

		MemoryContextReset(s->row_ctx);
		old = MemoryContextSwitchTo(s->row_ctx);
		gen_customer(&s->g, (int64) funcctx->call_cntr + 1, c);
		values[0] = Int64GetDatum(c->id);
		values[1] = TimestampTzGetDatum(week_to_ts(&s->g, c->first_week));
		values[2] = utf8_datum(age_bands[c->age_band]);
		values[3] = utf8_datum(genders[c->gender]);
		values[4] = utf8_datum(cities[c->city].name);
		values[5] = utf8_datum(cities[c->city].country);
		values[6] = utf8_datum(c->lang_fr ? "fr" : "en");
		values[7] = Float8GetDatum(round(c->lat * 1e5) / 1e5);
		values[8] = Float8GetDatum(round(c->lon * 1e5) / 1e5);
		values[9] = utf8_datum(channel_names[c->preferred]);
		values[10] = BoolGetDatum(c->optin[0]);
		values[11] = BoolGetDatum(c->optin[1]);
		values[12] = BoolGetDatum(c->optin[2]);
		values[13] = BoolGetDatum(c->optin[3]);
		tuple = heap_form_tuple(funcctx->tuple_desc, values, nulls);
		MemoryContextSwitchTo(old);
		SRF_RETURN_NEXT(funcctx, HeapTupleGetDatum(tuple));
	}
	SRF_RETURN_DONE(funcctx);
}

/* Move to the next customer that has rows; false when all are done. */
static bool
next_rows(CustomerSrf *s, bool events)
{
	while (s->pos >= s->nbuf)
	{
		double		dropped;

		CHECK_FOR_INTERRUPTS();
		if (s->customer >= s->ncustomers)
			return false;
		s->customer++;
		gen_customer(&s->g, s->customer, &s->c);
		s->nbuf = gen_purchases(&s->g, &s->c, s->buf, &dropped);
		if (events)
			s->nbuf = gen_events(&s->g, &s->c, dropped, s->buf);
		s->pos = 0;
	}
	return true;
}

/* clientele.demo_purchases(n, seed, end_date, model): the customers' purchases. */
Datum
clientele_demo_purchases(PG_FUNCTION_ARGS)
{
	FuncCallContext *funcctx;
	CustomerSrf *s;

	if (SRF_IS_FIRSTCALL())
		customer_srf_init(fcinfo);
	funcctx = SRF_PERCALL_SETUP();
	s = funcctx->user_fctx;
	if (next_rows(s, false))
	{
		Happening  *x = &s->buf[s->pos++];
		const DemoProduct *prod = &products[x->what];
		Datum		values[9];
		bool		nulls[9] = {0};
		HeapTuple	tuple;
		MemoryContext old;

		MemoryContextReset(s->row_ctx);
		old = MemoryContextSwitchTo(s->row_ctx);
		values[0] = Int64GetDatum(++s->row_id);
		values[1] = Int64GetDatum(s->customer);
		values[2] = TimestampTzGetDatum(week_to_ts(&s->g, x->week));
		values[3] = Int32GetDatum(x->what + 1);
		values[4] = utf8_datum(prod->name);
		values[5] = utf8_datum(prod->category);
		values[6] = utf8_datum(prod->brand);
		values[7] = NumericGetDatum(int64_div_fast_to_numeric(x->cents, 2));
		values[8] = utf8_datum(order_channels[x->channel]);
		tuple = heap_form_tuple(funcctx->tuple_desc, values, nulls);
		MemoryContextSwitchTo(old);
		SRF_RETURN_NEXT(funcctx, HeapTupleGetDatum(tuple));
	}
	SRF_RETURN_DONE(funcctx);
}

/* clientele.demo_events(n, seed, end_date, model): the customers' engagement events. */
Datum
clientele_demo_events(PG_FUNCTION_ARGS)
{
	FuncCallContext *funcctx;
	CustomerSrf *s;

	if (SRF_IS_FIRSTCALL())
		customer_srf_init(fcinfo);
	funcctx = SRF_PERCALL_SETUP();
	s = funcctx->user_fctx;
	if (next_rows(s, true))
	{
		Happening  *x = &s->buf[s->pos++];
		Datum		values[6];
		bool		nulls[6] = {0};
		HeapTuple	tuple;
		MemoryContext old;

		MemoryContextReset(s->row_ctx);
		old = MemoryContextSwitchTo(s->row_ctx);
		values[0] = Int64GetDatum(++s->row_id);
		values[1] = Int64GetDatum(s->customer);
		values[2] = TimestampTzGetDatum(week_to_ts(&s->g, x->week));
		values[3] = utf8_datum(event_names[x->what]);
		values[4] = utf8_datum(event_channels[x->what]);
		if (x->product >= 0)
			values[5] = Int32GetDatum(x->product + 1);
		else
			nulls[5] = true;
		tuple = heap_form_tuple(funcctx->tuple_desc, values, nulls);
		MemoryContextSwitchTo(old);
		SRF_RETURN_NEXT(funcctx, HeapTupleGetDatum(tuple));
	}
	SRF_RETURN_DONE(funcctx);
}

/* clientele.demo_customer_truth(n, seed, end_date, model): the hidden values of each customer. */
Datum
clientele_demo_customer_truth(PG_FUNCTION_ARGS)
{
	FuncCallContext *funcctx;
	CustomerSrf *s;

	if (SRF_IS_FIRSTCALL())
		customer_srf_init(fcinfo);
	funcctx = SRF_PERCALL_SETUP();
	s = funcctx->user_fctx;
	if (funcctx->call_cntr < funcctx->max_calls)
	{
		Customer   *c = &s->c;
		Datum		values[7];
		bool		nulls[7] = {0};
		double		dropped;
		HeapTuple	tuple;
		MemoryContext old;

		MemoryContextReset(s->row_ctx);
		old = MemoryContextSwitchTo(s->row_ctx);
		gen_customer(&s->g, (int64) funcctx->call_cntr + 1, c);
		(void) gen_purchases(&s->g, c, s->buf, &dropped);
		values[0] = Int64GetDatum(c->id);
		values[1] = Float8GetDatum(c->lambda);
		values[2] = Float8GetDatum(c->dropout);
		values[3] = Float8GetDatum(c->nu);
		values[4] = Float8GetDatum(s->g.model.p / c->nu);
		values[5] = BoolGetDatum(isinf(dropped));
		if (isinf(dropped))
			nulls[6] = true;
		else
			values[6] = TimestampTzGetDatum(week_to_ts(&s->g, dropped));
		tuple = heap_form_tuple(funcctx->tuple_desc, values, nulls);
		MemoryContextSwitchTo(old);
		SRF_RETURN_NEXT(funcctx, HeapTupleGetDatum(tuple));
	}
	SRF_RETURN_DONE(funcctx);
}

/* clientele.demo_products(): the catalogue. */
Datum
clientele_demo_products(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			k;

	InitMaterializedSRF(fcinfo, 0);
	for (k = 0; k < (int) N_PRODUCTS; k++)
	{
		Datum		values[7];
		bool		nulls[7] = {0};

		values[0] = Int32GetDatum(k + 1);
		values[1] = utf8_datum(products[k].name);
		values[2] = utf8_datum(products[k].category);
		values[3] = utf8_datum(products[k].brand);
		values[4] = NumericGetDatum(int64_div_fast_to_numeric(products[k].price_cents, 2));
		values[5] = BoolGetDatum(products[k].repurchase_days > 0);
		if (products[k].repurchase_days > 0)
			values[6] = Int32GetDatum(products[k].repurchase_days);
		else
			nulls[6] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* clientele.demo_stores(): the shops, with their geolocation. */
Datum
clientele_demo_stores(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			k;

	InitMaterializedSRF(fcinfo, 0);
	for (k = 0; k < (int) lengthof(stores); k++)
	{
		Datum		values[6];
		bool		nulls[6] = {0};

		values[0] = Int32GetDatum(k + 1);
		values[1] = utf8_datum(stores[k].name);
		values[2] = utf8_datum(cities[stores[k].city].name);
		values[3] = utf8_datum(cities[stores[k].city].country);
		values[4] = Float8GetDatum(stores[k].lat);
		values[5] = Float8GetDatum(stores[k].lon);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
