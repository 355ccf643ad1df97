-- The segmentation aggregates run as partial aggregates in parallel workers
-- (combine, serialize, deserialize) and give exactly the serial result.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS clientele;
RESET client_min_messages;

CREATE TABLE seg_par AS
SELECT customer_id, (count(*) - 1)::float8 AS x,
       extract(epoch FROM max(purchased_at) - min(purchased_at)) / 604800 AS t_x,
       extract(epoch FROM '2026-03-15 00:00+00' - min(purchased_at)) / 604800 AS t_cal,
       count(*)::float8 AS n, avg(amount)::float8 AS m
  FROM clientele.demo_purchases(20000, 3) GROUP BY customer_id;
CREATE TABLE seg_par_customers AS SELECT * FROM clientele.demo_customers(20000, 3);
ANALYZE seg_par, seg_par_customers;

-- serial
SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE serial AS
SELECT (SELECT clientele.bgnbd_fit(x, t_x, t_cal) FROM seg_par) AS bg,
       (SELECT clientele.gammagamma_fit(n, m) FROM seg_par) AS gg,
       (SELECT clientele.portrait(optin_push, jsonb_build_object('city', city, 'age', age_band)) FROM seg_par_customers) AS pt;

-- parallel
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET force_parallel_mode = on;
EXPLAIN (COSTS OFF) SELECT clientele.bgnbd_fit(x, t_x, t_cal) FROM seg_par;
EXPLAIN (COSTS OFF) SELECT clientele.gammagamma_fit(n, m) FROM seg_par;
EXPLAIN (COSTS OFF) SELECT clientele.portrait(optin_push, jsonb_build_object('city', city)) FROM seg_par_customers;
SELECT (SELECT clientele.bgnbd_fit(x, t_x, t_cal) FROM seg_par) = bg AS bgnbd_same,
       (SELECT clientele.gammagamma_fit(n, m) FROM seg_par) = gg AS gammagamma_same,
       (SELECT clientele.portrait(optin_push, jsonb_build_object('city', city, 'age', age_band)) FROM seg_par_customers) = pt AS portrait_same,
       (bg).customers AS customers, cardinality(pt) AS portrait_lines
  FROM serial;
-- the workers really ran (so states went through serialize, deserialize and combine)
CREATE FUNCTION pg_temp.workers_launched(q text) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE line text; n integer := 0;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || q LOOP
    IF line ~ 'Workers Launched' THEN n := substring(line FROM 'Workers Launched: (\d+)')::integer; END IF;
  END LOOP;
  RETURN n;
END $$;
SELECT pg_temp.workers_launched('SELECT clientele.bgnbd_fit(x, t_x, t_cal) FROM seg_par') > 0 AS bgnbd_workers_ran,
       pg_temp.workers_launched('SELECT clientele.portrait(optin_push, to_jsonb(c)) FROM seg_par_customers c') > 0 AS portrait_workers_ran;
-- grouped: one fit per country, in parallel, equal to the serial ones
CREATE TEMP TABLE par_grouped AS
SELECT country, clientele.bgnbd_fit(x, t_x, t_cal) AS bg FROM seg_par JOIN seg_par_customers USING (customer_id) GROUP BY country;
RESET force_parallel_mode;
SET max_parallel_workers_per_gather = 0;
SELECT country, g.bg = s.bg AS same, (g.bg).customers
  FROM par_grouped g JOIN (SELECT country, clientele.bgnbd_fit(x, t_x, t_cal) AS bg
                             FROM seg_par JOIN seg_par_customers USING (customer_id) GROUP BY country) s USING (country)
 ORDER BY country;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
DROP TABLE seg_par, seg_par_customers;
