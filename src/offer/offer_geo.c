/*
 * offer_geo.c — great-circle distance for geofences, without PostGIS.
 *
 * The haversine formula on a sphere of the mean Earth radius (6,371,008.8 m,
 * IUGG):  a = sin²(Δφ/2) + cos φ1 · cos φ2 · sin²(Δλ/2),  d = 2R · asin(√a).
 * Its error against the WGS84 ellipsoid stays under 0.5 %, a few metres at
 * geofence radii, and it is well conditioned for small distances (unlike the
 * spherical law of cosines).  Coordinates are decimal degrees.
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"

PG_FUNCTION_INFO_V1(clientele_haversine_m);

#define EARTH_RADIUS_M 6371008.8

/* Reject a latitude or longitude outside its range (or NaN). */
static void
check_coordinate(double v, double limit, const char *what)
{
	if (!(v >= -limit && v <= limit))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s %g is outside [-%g, %g]", what, v, limit, limit),
				 errhint("Coordinates are decimal degrees (WGS84).")));
}

/* SQL: haversine_m(lat1, lon1, lat2, lon2): distance in metres. */
Datum
clientele_haversine_m(PG_FUNCTION_ARGS)
{
	double		lat1 = PG_GETARG_FLOAT8(0);
	double		lon1 = PG_GETARG_FLOAT8(1);
	double		lat2 = PG_GETARG_FLOAT8(2);
	double		lon2 = PG_GETARG_FLOAT8(3);
	double		p1,
				p2,
				dp,
				dl,
				a;

	check_coordinate(lat1, 90, "latitude");
	check_coordinate(lat2, 90, "latitude");
	check_coordinate(lon1, 180, "longitude");
	check_coordinate(lon2, 180, "longitude");
	p1 = lat1 * M_PI / 180.0;
	p2 = lat2 * M_PI / 180.0;
	dp = p2 - p1;
	dl = (lon2 - lon1) * M_PI / 180.0;
	a = sin(dp / 2) * sin(dp / 2) + cos(p1) * cos(p2) * sin(dl / 2) * sin(dl / 2);
	if (a > 1.0)
		a = 1.0;
	PG_RETURN_FLOAT8(2.0 * EARTH_RADIUS_M * asin(sqrt(a)));
}
