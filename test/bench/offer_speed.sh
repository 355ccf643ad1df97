#!/usr/bin/env bash
# Speed of next-best-offer decisions on the demo data (demo_offers_load():
# N demo customers x 50 offers, five contact policies, four weeks of
# history).  Batch: next_best_offers_batch() against a plain-SQL version of
# the same arbitration (joins + window functions), top 3 per customer on
# email; both results are compared.  Single decisions: pgbench, 8 clients,
# decisions per second and latency percentiles.  Run by run.sh inside a
# throwaway cluster (PG* variables set).
#   CLIENTELE_BENCH_CUSTOMERS (default 1000000), CLIENTELE_BENCH_SECONDS (default 15),
#   CLIENTELE_BENCH_BATCH (default 1; 0 skips the batch comparison)
set -euo pipefail
N=${CLIENTELE_BENCH_CUSTOMERS:-1000000}
T=${CLIENTELE_BENCH_SECONDS:-15}
BATCH=${CLIENTELE_BENCH_BATCH:-1}
AT="2026-03-15 10:00+00"
psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE EXTENSION IF NOT EXISTS clientele;
SET client_min_messages = warning;
\timing on
SELECT * FROM clientele.demo_offers_load($N);
\timing off
VACUUM ANALYZE;
SQL

if [ "$BATCH" != 0 ]; then
psql -X -q -v ON_ERROR_STOP=1 <<SQL
SET max_parallel_workers_per_gather = 0;
SET jit = off;
CREATE TEMP TABLE timings (what text, ms float8);
CREATE TEMP TABLE audience AS SELECT array_agg(customer_id ORDER BY customer_id) AS ids FROM clientele.offer_customer;

-- the kernel path
CREATE TEMP TABLE ours (customer_id bigint, rank int, offer_id int, priority float8);
SELECT clock_timestamp() AS t0 \gset
INSERT INTO ours SELECT b.customer_id, b.rank, b.offer_id, b.priority
  FROM audience, clientele.next_best_offers_batch(audience.ids, 3, 'email', '$AT') b;
INSERT INTO timings SELECT 'next_best_offers_batch (C kernel)', extract(epoch FROM clock_timestamp() - :'t0') * 1000;

-- the same arbitration in plain SQL: eligibility, opt-outs, the email cap, suppression
-- after two rejections, cooldown after an acceptance or a purchase, propensity (naive
-- Bayes or posterior mean by segment), replenishment boost, top 3 by a window function
CREATE TEMP TABLE plain (customer_id bigint, rank int, offer_id int, priority float8);
SELECT clock_timestamp() AS t0 \gset
INSERT INTO plain
WITH at AS (SELECT '$AT'::timestamptz AS t),
cust AS (
    SELECT c.customer_id, c.segment, c.attributes, c.opted_out,
           (SELECT array_agg(CASE WHEN jsonb_typeof(c.attributes -> f.name) = 'number'
                                  THEN width_bucket((c.attributes ->> f.name)::float8, f.edges) END ORDER BY f.position)
              FROM clientele.offer_feature f) AS bins
      FROM clientele.offer_customer c
),
capped AS (
    SELECT h.customer_id FROM clientele.contact_history h, at
     WHERE h.channel = 'email' AND h.contacted_at > at.t - interval '7 days' AND h.contacted_at <= at.t
     GROUP BY h.customer_id HAVING count(*) >= 2
),
suppressed AS (
    SELECT DISTINCT s.customer_id, s.offer_id
      FROM (SELECT x.customer_id, x.offer_id, x.occurred_at,
                   lag(x.occurred_at) OVER (PARTITION BY x.customer_id, x.offer_id ORDER BY x.occurred_at) AS prev
              FROM clientele.contact_outcome x, at WHERE x.outcome = 'rejected' AND x.occurred_at <= at.t) s, at
     WHERE s.occurred_at > at.t - interval '60 days' AND s.prev > s.occurred_at - interval '30 days'
),
cooling AS (
    SELECT x.customer_id, x.offer_id FROM clientele.contact_outcome x, at
     WHERE x.outcome = 'accepted' AND x.occurred_at > at.t - interval '14 days' AND x.occurred_at <= at.t
    UNION
    SELECT p.customer_id, o.id FROM clientele.offer_purchase p, at, clientele.offer o
     WHERE p.purchased_at > at.t - interval '14 days' AND p.purchased_at <= at.t AND p.product = ANY (o.products)
),
bought AS (
    SELECT p.customer_id, p.product, count(*) AS n, max(p.purchased_at) AS last, min(p.purchased_at) AS first
      FROM clientele.offer_purchase p, at WHERE p.purchased_at <= at.t GROUP BY 1, 2
),
due AS (
    SELECT b.customer_id, b.product
      FROM bought b LEFT JOIN clientele.product_cycle pc ON pc.product = b.product, at,
           LATERAL (SELECT CASE WHEN b.n >= 2 THEN justify_hours((b.last - b.first) / (b.n - 1)::float8) ELSE pc.cycle END AS cyc) y
     WHERE b.last + y.cyc <= at.t + interval '7 days' AND at.t < b.last + 2 * y.cyc
),
pairs AS (
    SELECT c.customer_id, o.id AS offer_id,
           CASE WHEN o.model = 'naive_bayes' AND coalesce(ss.nb_model, sa.nb_model) IS NOT NULL
                THEN clientele.nb_propensity(coalesce(ss.nb_model, sa.nb_model), c.bins)
                ELSE (1 + coalesce(ss.responses, sa.responses, 0)) / (2 + coalesce(ss.contacts, sa.contacts, 0)) END
               AS propensity,
           o.value, o.min_propensity,
           o.lever * CASE WHEN EXISTS (SELECT FROM due d WHERE d.customer_id = c.customer_id AND d.product = ANY (o.products))
                          THEN o.replenishment_boost ELSE 1 END AS lever
      FROM at CROSS JOIN cust c CROSS JOIN clientele.offer o
      LEFT JOIN clientele.offer_stat sa ON sa.offer_id = o.id AND sa.segment = ''
      LEFT JOIN clientele.offer_stat ss ON ss.offer_id = o.id AND ss.segment = c.segment AND c.segment <> '' AND ss.contacts > 0
     WHERE o.active AND o.valid @> at.t AND 'email' = ANY (o.channels)
       AND (o.eligibility IS NULL OR clientele.rule_matches(o.eligibility, c.attributes))
       AND NOT ('email' = ANY (c.opted_out) OR 'all' = ANY (c.opted_out))
       AND NOT EXISTS (SELECT FROM capped k WHERE k.customer_id = c.customer_id)
       AND NOT EXISTS (SELECT FROM suppressed s WHERE s.customer_id = c.customer_id AND s.offer_id = o.id)
       AND NOT EXISTS (SELECT FROM cooling s WHERE s.customer_id = c.customer_id AND s.offer_id = o.id)
)
SELECT customer_id, rank, offer_id, priority
  FROM (SELECT p.customer_id, p.offer_id, p.propensity * p.value * p.lever AS priority,
               row_number() OVER (PARTITION BY p.customer_id ORDER BY p.propensity * p.value * p.lever DESC, p.offer_id) AS rank
          FROM pairs p WHERE p.propensity >= p.min_propensity AND p.propensity * p.value * p.lever > 0) r
 WHERE rank <= 3;
INSERT INTO timings SELECT 'plain SQL (joins + window functions)', extract(epoch FROM clock_timestamp() - :'t0') * 1000;

\echo
\echo Batch: $N customers x 50 offers, top 3 on email, one core (parallel workers off).
SELECT what, round(ms::numeric) AS ms, round(($N / (ms / 1000))::numeric) AS customers_per_second,
       round(((SELECT ms FROM timings WHERE what LIKE 'plain%') / ms)::numeric, 2) AS times_faster_than_plain_sql
  FROM timings;
SELECT (SELECT count(*) FROM ours) AS decisions, (SELECT count(*) FROM plain) AS plain_decisions,
       (SELECT count(*) FROM ours o FULL JOIN plain p USING (customer_id, rank)
         WHERE o.offer_id IS DISTINCT FROM p.offer_id OR abs(o.priority - p.priority) > 1e-9) AS differing_decisions;
SQL

fi

# single decisions in one session: the fast path (next_best_offers) against
# the set-based path it replaced (offer_evaluate for one customer), same
# customers, plans warm
psql -X -q -v ON_ERROR_STOP=1 <<SQL
SET jit = off;
CREATE TEMP TABLE picks AS SELECT (random() * ($N - 1))::bigint + 1 AS c FROM generate_series(1, 3000);
CREATE TEMP TABLE timings (what text, ms float8, cpu_ms float8);
-- CPU time this backend has run, in ms (Linux schedstat; NULL elsewhere)
CREATE FUNCTION pg_temp.cpu_ms() RETURNS float8 LANGUAGE plpgsql AS \$\$
BEGIN
    RETURN split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::float8 / 1e6;
EXCEPTION WHEN OTHERS THEN RETURN NULL;
END \$\$;
DO \$\$
DECLARE t0 timestamptz; c0 float8; r record; n int;
BEGIN
    FOR r IN SELECT c FROM picks LIMIT 200 LOOP   -- warm both paths
        PERFORM count(*) FROM clientele.next_best_offers(r.c, 3, 'email', '$AT');
        PERFORM count(*) FROM clientele.offer_evaluate(ARRAY[r.c], 'email', '$AT', '{}', 0, false, NULL, 3);
    END LOOP;
    t0 := clock_timestamp(); c0 := pg_temp.cpu_ms();
    FOR r IN SELECT c FROM picks LOOP
        PERFORM count(*) FROM clientele.next_best_offers(r.c, 3, 'email', '$AT');
    END LOOP;
    INSERT INTO timings VALUES ('next_best_offers (fast path)', extract(epoch FROM clock_timestamp() - t0) * 1000,
                                pg_temp.cpu_ms() - c0);
    t0 := clock_timestamp(); c0 := pg_temp.cpu_ms();
    FOR r IN SELECT c FROM picks LOOP
        PERFORM count(*) FROM clientele.offer_evaluate(ARRAY[r.c], 'email', '$AT', '{}', 0, false, NULL, 3);
    END LOOP;
    INSERT INTO timings VALUES ('offer_evaluate, one customer (set path)', extract(epoch FROM clock_timestamp() - t0) * 1000,
                                pg_temp.cpu_ms() - c0);
END \$\$;
\echo
\echo Single session: 3000 random customers, top 3 on email
SELECT what, round((ms / 3000)::numeric, 3) AS ms_per_decision, round((cpu_ms / 3000)::numeric, 3) AS cpu_ms_per_decision,
       round((3000 / (ms / 1000))::numeric) AS decisions_per_second,
       round(((SELECT ms FROM timings WHERE what LIKE 'offer_evaluate%') / ms)::numeric, 2) AS times_faster_than_set_path
  FROM timings;
SQL

# single decisions through pgbench
cat > offer_single.sql <<PGB
\set c random(1, $N)
SELECT offer_id FROM clientele.next_best_offers(:c, 3, 'email', '$AT');
PGB
rm -f pgbench_log.*
# CPU time of the server: the postmaster's reaped children (the pgbench
# backends exit before the second reading) plus its own, in clock ticks
postmaster=$(head -1 "$PGHOST/data/postmaster.pid" 2>/dev/null || true)
server_ticks() { awk '{print $14 + $15 + $16 + $17}' "/proc/$postmaster/stat" 2>/dev/null || echo 0; }
load_before=$(cut -d' ' -f1 /proc/loadavg)
s0=$(server_ticks)
c0=$(awk '{print $16 + $17}' /proc/$$/stat)
pgbench -n -M prepared -c 8 -j 2 -T "$T" -f offer_single.sql -l >pgbench.out 2>&1 || { cat pgbench.out; exit 1; }
load_after=$(cut -d' ' -f1 /proc/loadavg)
sleep 1
s1=$(server_ticks)
c1=$(awk '{print $16 + $17}' /proc/$$/stat)
echo
echo "Single decisions: pgbench, 8 clients, 2 threads, prepared, ${T} s, random customer, top 3 on email"
grep -E "number of transactions actually processed|latency average|^tps" pgbench.out
cat pgbench_log.* | awk '{print $3}' | sort -n | awk '{a[NR]=$1} END {
    printf "latency p50 = %.3f ms, p90 = %.3f ms, p99 = %.3f ms, max = %.3f ms (%d decisions)\n",
        a[int(NR*0.50)]/1000, a[int(NR*0.90)]/1000, a[int(NR*0.99)]/1000, a[NR]/1000, NR }'
n=$(cat pgbench_log.* | wc -l)
tck=$(getconf CLK_TCK)
awk -v s=$((s1 - s0)) -v c=$((c1 - c0)) -v n="$n" -v t="$tck" -v cores="$(nproc)" 'BEGIN {
    if (n > 0 && s > 0) {
        printf "CPU per decision (load independent): server %.3f ms, pgbench client %.3f ms; ", s / t * 1000 / n, c / t * 1000 / n
        printf "%d cores fully used would make %.0f decisions/s\n", cores, cores / ((s + c) / t / n) }
    else print "CPU per decision: not measured (no /proc)" }'
nproc | awk '{print "cores visible: " $1}'
echo "load average (1 min) before the run: $load_before, after: $load_after"
uptime | sed 's/.*load average/load average during the run/'
rm -f pgbench_log.* offer_single.sql pgbench.out
