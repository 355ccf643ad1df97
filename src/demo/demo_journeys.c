/*
 * demo_journeys.c — deterministic customer journeys and a product launch.
 *
 * Journeys.  clientele.demo_paths(customers, seed, channels) returns the
 * conversion paths of `customers` fictional customers over up to 12
 * marketing channels (8 by default: direct, organic_search, paid_search,
 * email, social, display, video, affiliate; then sms, podcast, tv, print);
 * demo_touchpoints() and demo_conversions() return the same journeys as the
 * raw tables a marketing team has (one row per touch, with its cost, and one
 * row per conversion, with its value), so attribution_paths() rebuilt from
 * them gives back demo_paths() exactly (default lookback 30 days, session
 * gap 7 days).
 *
 * How a journey is drawn.  A customer has one journey, or two (30%), the
 * second starting 8 to 20 days after the first ended.  A journey has 1 to 10
 * touches (mean 4.0); the first channel is drawn from "entry" weights
 * (search, social and display open journeys), the others from "follow"
 * weights (email, paid search and direct close them).  Touches are 1 hour
 * to 3 days apart.  The journey converts with probability
 * sigmoid(-2.3 + sum of the lifts of its distinct channels + 0.08 (n - 1)),
 * so email, paid search and affiliate truly drive conversions and display
 * hardly does: data-driven models can be checked against this ground truth.
 * A conversion comes 0 to 24 hours after the last touch and is worth 20 to
 * 200.  Journeys start on one of the 60 days from 2026-01-01.
 *
 * Launch.  demo_launch_messages(days, launch_day, seed) returns social
 * messages about three cosmetics brands over `days` days from 2026-01-01:
 * two steady competitors (Verdane, Solis, about 60 messages a day each) and
 * Lumea, which launches its "Aurora serum" on launch_day.  Lumea's expected
 * daily volume is 15 messages plus a teaser curve that grows from 35 days
 * before the launch to a peak of 300 on launch day and then halves every 10
 * days, plus a viral teaser on launch_day - 20 (three times the curve).
 * Messages are French or English, positive before the launch (80%) and
 * more mixed after (60%).  demo_launch_sales(days, launch_day, lag_days,
 * seed) returns Lumea's daily units: 200 + 1.5 x the expected buzz volume
 * lag_days earlier, plus noise, so the lag is known.
 *
 * Determinism.  Customer c draws from a xoshiro256** stream seeded from
 * hash(seed, c), day d of the launch from hash(seed, d): any row can be
 * recomputed alone; no libc random numbers, no global state.
 */
#include "postgres.h"

#include <math.h>

#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"
#include "catalog/pg_type.h"

#include "demo_random.h"

PG_FUNCTION_INFO_V1(clientele_demo_paths);
PG_FUNCTION_INFO_V1(clientele_demo_touchpoints);
PG_FUNCTION_INFO_V1(clientele_demo_conversions);
PG_FUNCTION_INFO_V1(clientele_demo_launch_messages);
PG_FUNCTION_INFO_V1(clientele_demo_launch_sales);

#define MAX_CUSTOMERS	50000000
#define MAX_TOUCHES		10
#define MAX_DAYS		3660

/* Seed a stream from (seed, index, salt). */
static inline void
rng_seed_int(Rng *r, int32 seed, uint64 index, uint64 salt)
{
	rng_seed(r, hash3((uint64) (uint32) seed, index, salt));
}

/* Index drawn from weights w[0..n-1]. */
static int
rng_weighted(Rng *r, const double *w, int n)
{
	double		total = 0,
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

/* ---- journeys ---- */

typedef struct ChannelProfile
{
	const char *name;
	double		entry;			/* weight as first touch */
	double		follow;			/* weight as a later touch */
	double		lift;			/* log-odds of conversion when present */
	double		cost;			/* cost per touch */
} ChannelProfile;

static const ChannelProfile channel_profiles[] = {
	{"direct", 5, 10, 0.10, 0},
	{"organic_search", 20, 10, 0.40, 0},
	{"paid_search", 15, 15, 0.60, 1.20},
	{"email", 5, 20, 0.80, 0.05},
	{"social", 25, 10, 0.20, 0.50},
	{"display", 20, 8, 0.05, 0.30},
	{"video", 10, 5, 0.30, 0.80},
	{"affiliate", 5, 8, 0.50, 1.50},
	{"sms", 3, 8, 0.40, 0.10},
	{"podcast", 5, 3, 0.30, 0.60},
	{"tv", 10, 2, 0.20, 2.00},
	{"print", 4, 2, 0.10, 0.90}
};

#define NUM_PROFILES lengthof(channel_profiles)

/* Journey lengths 1..10, mean 4.01. */
static const double length_weights[MAX_TOUCHES] = {15, 17, 17, 14, 11, 9, 7, 5, 3, 2};

typedef struct Journey
{
	int			n;
	int			channel[MAX_TOUCHES];
	TimestampTz time[MAX_TOUCHES];
	bool		converted;
	TimestampTz conversion_time;
	double		value;
} Journey;

/* 2026-01-01 00:00 UTC as a TimestampTz. */
static TimestampTz
demo_epoch(void)
{
	return (TimestampTz) (date2j(2026, 1, 1) - POSTGRES_EPOCH_JDATE) * USECS_PER_DAY;
}

/* Draw one journey starting at `start`. */
static void
draw_journey(Rng *r, int nchannels, TimestampTz start, Journey *j)
{
	double		entry[NUM_PROFILES],
				follow[NUM_PROFILES];
	double		logit = -2.3;
	bool		seen[NUM_PROFILES] = {false};
	TimestampTz t = start;
	int			i;

	for (i = 0; i < nchannels; i++)
	{
		entry[i] = channel_profiles[i].entry;
		follow[i] = channel_profiles[i].follow;
	}
	j->n = 1 + rng_weighted(r, length_weights, MAX_TOUCHES);
	for (i = 0; i < j->n; i++)
	{
		if (i > 0)
			t += (TimestampTz) (USECS_PER_HOUR + rng_unit(r) * (3 * USECS_PER_DAY - USECS_PER_HOUR));
		j->channel[i] = rng_weighted(r, i == 0 ? entry : follow, nchannels);
		j->time[i] = t;
		if (!seen[j->channel[i]])
			logit += channel_profiles[j->channel[i]].lift;
		seen[j->channel[i]] = true;
	}
	logit += 0.08 * (j->n - 1);
	j->converted = rng_unit(r) < 1.0 / (1.0 + exp(-logit));
	j->conversion_time = t + (TimestampTz) (rng_unit(r) * USECS_PER_DAY);
	{
		double		u = rng_unit(r);

		j->value = rint((20 + 180 * u * u) * 100) / 100;
	}
}

/* Draw customer c's journeys (1 or 2); return how many. */
static int
draw_customer(int32 seed, int64 c, int nchannels, Journey *out)
{
	Rng			r;
	TimestampTz start;
	int			n = 1;

	rng_seed_int(&r, seed, (uint64) c, UINT64CONST(0x4A4F55524E4559));	/* "JOURNEY" */
	start = demo_epoch() + (TimestampTz) (rng_unit(&r) * 60 * USECS_PER_DAY);
	draw_journey(&r, nchannels, start, &out[0]);
	if (rng_unit(&r) < 0.3)
	{
		TimestampTz end = out[0].converted ? out[0].conversion_time : out[0].time[out[0].n - 1];

		draw_journey(&r, nchannels, end + (TimestampTz) ((8 + rng_unit(&r) * 12) * USECS_PER_DAY), &out[1]);
		n = 2;
	}
	return n;
}

/* Check the arguments shared by the journey generators. */
static void
journey_args(FunctionCallInfo fcinfo, int64 *customers, int32 *seed, int *nchannels)
{
	*customers = PG_GETARG_INT32(0);
	*seed = PG_GETARG_INT32(1);
	*nchannels = PG_GETARG_INT32(2);
	if (*customers < 0 || *customers > MAX_CUSTOMERS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("customers must be between 0 and %d", MAX_CUSTOMERS)));
	if (*nchannels < 1 || *nchannels > (int) NUM_PROFILES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("channels must be between 1 and %d", (int) NUM_PROFILES)));
}

typedef enum JourneyOutput
{
	OUT_PATHS,
	OUT_TOUCHPOINTS,
	OUT_CONVERSIONS
} JourneyOutput;

/* Emit the rows of every customer's journeys in one of three shapes. */
static Datum
emit_journeys(FunctionCallInfo fcinfo, JourneyOutput what)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int64		customers,
				c;
	int32		seed;
	int			nchannels,
				k,
				i;
	text	   *names[NUM_PROFILES];

	journey_args(fcinfo, &customers, &seed, &nchannels);
	InitMaterializedSRF(fcinfo, 0);
	for (i = 0; i < nchannels; i++)
		names[i] = cstring_to_text(channel_profiles[i].name);
	for (c = 1; c <= customers; c++)
	{
		Journey		j[2];
		int			nj = draw_customer(seed, c, nchannels, j);

		CHECK_FOR_INTERRUPTS();
		for (k = 0; k < nj; k++)
		{
			Datum		v[6];
			bool		nulls[6] = {false, false, false, false, false, false};

			v[0] = Int64GetDatum(c);
			if (what == OUT_PATHS)
			{
				Datum		ch[MAX_TOUCHES],
							tm[MAX_TOUCHES];

				for (i = 0; i < j[k].n; i++)
				{
					ch[i] = PointerGetDatum(names[j[k].channel[i]]);
					tm[i] = TimestampTzGetDatum(j[k].time[i]);
				}
				v[1] = PointerGetDatum(construct_array(ch, j[k].n, TEXTOID, -1, false, TYPALIGN_INT));
				v[2] = PointerGetDatum(construct_array(tm, j[k].n, TIMESTAMPTZOID, 8,
													   FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
				v[3] = TimestampTzGetDatum(j[k].conversion_time);
				v[4] = BoolGetDatum(j[k].converted);
				v[5] = Float8GetDatum(j[k].value);
				nulls[3] = nulls[5] = !j[k].converted;
				tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, nulls);
			}
			else if (what == OUT_TOUCHPOINTS)
				for (i = 0; i < j[k].n; i++)
				{
					v[1] = PointerGetDatum(names[j[k].channel[i]]);
					v[2] = TimestampTzGetDatum(j[k].time[i]);
					v[3] = Float8GetDatum(channel_profiles[j[k].channel[i]].cost);
					tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, nulls);
				}
			else if (j[k].converted)
			{
				v[1] = TimestampTzGetDatum(j[k].conversion_time);
				v[2] = Float8GetDatum(j[k].value);
				tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, nulls);
			}
		}
	}
	return (Datum) 0;
}

/* SQL: demo_paths(customers, seed, channels). */
Datum
clientele_demo_paths(PG_FUNCTION_ARGS)
{
	return emit_journeys(fcinfo, OUT_PATHS);
}

/* SQL: demo_touchpoints(customers, seed, channels). */
Datum
clientele_demo_touchpoints(PG_FUNCTION_ARGS)
{
	return emit_journeys(fcinfo, OUT_TOUCHPOINTS);
}

/* SQL: demo_conversions(customers, seed, channels). */
Datum
clientele_demo_conversions(PG_FUNCTION_ARGS)
{
	return emit_journeys(fcinfo, OUT_CONVERSIONS);
}

/* ---- the launch ---- */

#define LAUNCH_BRAND	0

static const char *const launch_brands[] = {"Lumea", "Verdane", "Solis"};

static const char *const pre_positive_en[] = {
	"Can't wait for the new %s from %s! 😍",
	"The %s teaser from %s looks amazing",
	"So excited about %s by %s, love the packaging",
	"Heard great things about the upcoming %s from %s"
};
static const char *const pre_positive_fr[] = {
	"Trop hâte de tester le nouveau %s de %s ! 😍",
	"Le teaser du %s de %s est magnifique",
	"J'adore déjà le %s de %s, super packaging",
};
static const char *const pre_negative_en[] = {
	"The %s from %s will surely be overpriced, meh",
	"Not convinced by the %s hype from %s",
};
static const char *const pre_negative_fr[] = {
	"Le %s de %s va encore être hors de prix, bof",
	"Pas convaincue par le buzz du %s de %s",
};
static const char *const post_positive_en[] = {
	"Just tried the %s from %s, my skin loves it ✨",
	"%s by %s is perfect, great texture",
	"Love my new %s from %s, worth it",
};
static const char *const post_positive_fr[] = {
	"J'adore le %s de %s, texture parfaite ✨",
	"Le %s de %s est génial, ma peau est superbe",
};
static const char *const post_negative_en[] = {
	"Disappointed by the %s from %s, no effect at all",
	"The %s by %s is way too expensive for what it does 👎",
};
static const char *const post_negative_fr[] = {
	"Déçue par le %s de %s, aucun effet",
	"Le %s de %s est beaucoup trop cher, nul 👎",
};
static const char *const chatter_positive[] = {
	"%s moisturiser is really nice",
	"J'aime bien la crème %s, douce et efficace",
	"Great service at the %s shop today",
};
static const char *const chatter_negative[] = {
	"%s customer service was terrible",
	"La crème %s m'a donné des boutons, horrible",
	"%s shampoo smells awful",
};

#define PICK(r, a) ((a)[(int) (rng_unit(r) * lengthof(a))])

/* Expected daily volume of Lumea messages on day d. */
static double
launch_buzz(int d, int launch_day)
{
	double		curve = 0;

	if (d >= launch_day - 35 && d <= launch_day)
		curve = 285.0 * exp(-(launch_day - d) / 8.0);
	else if (d > launch_day)
		curve = 285.0 * exp2(-(d - launch_day) / 10.0);
	if (d == launch_day - 20)
		curve *= 3;
	return 15 + curve;
}

/* Check the launch arguments. */
static void
launch_args(int days, int launch_day)
{
	if (days < 1 || days > MAX_DAYS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("days must be between 1 and %d", MAX_DAYS)));
	if (launch_day < 0 || launch_day >= days)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("launch_day must be between 0 and days - 1")));
}

/* SQL: demo_launch_messages(days, launch_day, seed). */
Datum
clientele_demo_launch_messages(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			days = PG_GETARG_INT32(0);
	int			launch_day = PG_GETARG_INT32(1);
	int32		seed = PG_GETARG_INT32(2);
	int64		id = 0;
	int			d,
				b;
	StringInfoData body;

	launch_args(days, launch_day);
	InitMaterializedSRF(fcinfo, 0);
	initStringInfo(&body);
	for (d = 0; d < days; d++)
		for (b = 0; b < (int) lengthof(launch_brands); b++)
		{
			Rng			r;
			double		lambda = b == LAUNCH_BRAND ? launch_buzz(d, launch_day) : 60;
			int			n,
						m;

			CHECK_FOR_INTERRUPTS();
			rng_seed_int(&r, seed, (uint64) d * 8 + b, UINT64CONST(0x4C41554E4348));	/* "LAUNCH" */
			n = (int) rint(lambda + sqrt(lambda) * rng_normal(&r));
			for (m = 0; m < n; m++)
			{
				Datum		v[7];
				bool		nulls[7] = {false, false, false, false, false, false, false};
				bool		fr = rng_unit(&r) < 0.55;
				bool		about = b == LAUNCH_BRAND && (d < launch_day || rng_unit(&r) < 0.8);
				bool		positive = rng_unit(&r) < (b != LAUNCH_BRAND ? 0.6 : d < launch_day ? 0.8 : 0.6);
				const char *brand = launch_brands[b];
				const char *product = "Aurora serum";

				resetStringInfo(&body);
				if (!about)
					appendStringInfo(&body, positive ? PICK(&r, chatter_positive) : PICK(&r, chatter_negative), brand);
				else if (d < launch_day)
					appendStringInfo(&body, positive ? (fr ? PICK(&r, pre_positive_fr) : PICK(&r, pre_positive_en)) :
									 (fr ? PICK(&r, pre_negative_fr) : PICK(&r, pre_negative_en)), product, brand);
				else
					appendStringInfo(&body, positive ? (fr ? PICK(&r, post_positive_fr) : PICK(&r, post_positive_en)) :
									 (fr ? PICK(&r, post_negative_fr) : PICK(&r, post_negative_en)), product, brand);
				v[0] = Int64GetDatum(++id);
				v[1] = TimestampTzGetDatum(demo_epoch() + (TimestampTz) d * USECS_PER_DAY +
										   (TimestampTz) (rng_unit(&r) * USECS_PER_DAY));
				v[2] = CStringGetTextDatum(brand);
				v[3] = CStringGetTextDatum(about ? product : "");
				nulls[3] = !about;
				v[4] = CStringGetTextDatum(about ? (fr ? "fr" : "en") : "");
				nulls[4] = !about;
				v[5] = CStringGetTextDatum(body.data);
				v[6] = Int32GetDatum((int32) Min(exp(5 + 1.5 * rng_normal(&r)), 2000000.0));
				tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, nulls);
			}
		}
	return (Datum) 0;
}

/* SQL: demo_launch_sales(days, launch_day, lag_days, seed). */
Datum
clientele_demo_launch_sales(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			days = PG_GETARG_INT32(0);
	int			launch_day = PG_GETARG_INT32(1);
	int			lag = PG_GETARG_INT32(2);
	int32		seed = PG_GETARG_INT32(3);
	int			d;

	launch_args(days, launch_day);
	if (lag < 0 || lag >= days)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("lag_days must be between 0 and days - 1")));
	InitMaterializedSRF(fcinfo, 0);
	for (d = 0; d < days; d++)
	{
		Rng			r;
		Datum		v[3];
		bool		nulls[3] = {false, false, false};
		double		units;

		rng_seed_int(&r, seed, (uint64) d, UINT64CONST(0x53414C4553));	/* "SALES" */
		units = 200 + 1.5 * (d - lag >= 0 ? launch_buzz(d - lag, launch_day) : 15) + 12 * rng_normal(&r);
		units = rint(Max(units, 0));
		v[0] = DateADTGetDatum(date2j(2026, 1, 1) - POSTGRES_EPOCH_JDATE + d);
		v[1] = Int32GetDatum((int32) units);
		v[2] = Float8GetDatum(units * 39.90);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, nulls);
	}
	return (Datum) 0;
}
