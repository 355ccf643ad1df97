# Scale-out on postgres_fdw: a coordinator whose messages and customers
# tables are hash-partitioned on customer_id into two foreign partitions,
# one on each of two shard clusters.  The extension is installed everywhere
# and the foreign servers list it (extensions 'clientele'), so postgres_fdw
# may ship its immutable functions, operators, types and constants.  The
# test shows with EXPLAIN VERBOSE that
#  - sentiment and language filters (WHERE) run on the shards;
#  - keyword matching (body @~> kwquery, matches()) runs on the shards;
#  - near-duplicate detection (hamming of simhash) runs on the shards;
#  - segment assignment (kmeans_assign with a model constant or a model
#    from a scalar subquery, sent as a parameter; audience membership;
#    p_alive of a BG/NBD model) and offer scoring (logit_predict, nb_propensity,
#    haversine_m) run on the shards;
#  - themes() (STABLE: it reads the theme tables) is not shipped, and is
#    computed on the shards through their views when every node has the
#    same theme set;
#  - scores in the select list of a plain scan are computed by the
#    coordinator (PostgreSQL 15's postgres_fdw ships only columns there), so
#    a shard exposes per-message scores through a view, which the test uses;
#  - GROUP BY the partition key pushes whole aggregates (sentiment_summary of
#    sentiment, counts of keyword matches and negative scores) down with
#    enable_partitionwise_aggregate, and a join of the two co-partitioned
#    tables goes to the shards with enable_partitionwise_join;
# and that every result equals the one of single-node tables with the same
# rows.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# The same theme set on every node (themes() reads it where it runs).
my $theme_set = q{
	INSERT INTO clientele.theme_set (name) VALUES ('care');
	INSERT INTO clientele.theme (theme_set, name, query, parent, priority) VALUES
	  ('care', 'delivery', 'livraison OR colis OR commande OR delivery OR parcel OR order* OR shipping', NULL, 30),
	  ('care', 'late delivery', '(retard OR "toujours pas" OR late OR "still not") -rapide -fast', 'delivery', 40),
	  ('care', 'customer service', '"service client" OR sav OR "customer service" OR support OR rembours* OR refund*', NULL, 35),
	  ('care', 'price', 'prix OR cher OR promo* OR price OR expensive', NULL, 20);
};

my @shards;
for my $i (0 .. 1)
{
	my $shard = PostgreSQL::Test::Cluster->new("shard$i");
	$shard->init(extra => ['--encoding=UTF8', '--locale=C.UTF-8']);
	$shard->start;
	$shard->safe_psql('postgres', qq{
		CREATE EXTENSION clientele;
		CREATE TABLE messages_p$i (id bigint PRIMARY KEY, customer_id bigint NOT NULL, lang text, body text);
		CREATE VIEW messages_scored_p$i AS
		SELECT id, customer_id, lang, body, clientele.sentiment(body) AS sentiment,
		       clientele.detect_language(body) AS detected, (clientele.sentiment_detail(body, lang)).label,
		       md5(clientele.normal_form(body)) AS normal_md5, clientele.themes(body, 'care') AS themes
		  FROM messages_p$i;
		CREATE TABLE customers_p$i (customer_id bigint PRIMARY KEY, lang text, lat float8, lon float8,
		    x float8, t_x float8, t_cal float8, f float8[], bins integer[]);
	});
	$shard->safe_psql('postgres', $theme_set);
	push @shards, $shard;
}

my $coord = PostgreSQL::Test::Cluster->new('coordinator');
$coord->init(extra => ['--encoding=UTF8', '--locale=C.UTF-8']);
$coord->start;
$coord->safe_psql('postgres', q{
	CREATE EXTENSION clientele;
	CREATE EXTENSION postgres_fdw;
	CREATE TABLE messages (id bigint NOT NULL, customer_id bigint NOT NULL, lang text, body text)
	    PARTITION BY HASH (customer_id);
	CREATE TABLE messages_scored (id bigint NOT NULL, customer_id bigint NOT NULL, lang text, body text,
	    sentiment float8, detected text, label text, normal_md5 text, themes text[]) PARTITION BY HASH (customer_id);
	CREATE TABLE customers (customer_id bigint NOT NULL, lang text, lat float8, lon float8,
	    x float8, t_x float8, t_cal float8, f float8[], bins integer[]) PARTITION BY HASH (customer_id);
});
$coord->safe_psql('postgres', $theme_set);
for my $i (0 .. 1)
{
	my ($host, $port) = ($shards[$i]->host, $shards[$i]->port);
	$coord->safe_psql('postgres', qq{
		CREATE SERVER shard$i FOREIGN DATA WRAPPER postgres_fdw
		    OPTIONS (host '$host', port '$port', dbname 'postgres', extensions 'clientele');
		CREATE USER MAPPING FOR CURRENT_USER SERVER shard$i;
		CREATE FOREIGN TABLE messages_p$i PARTITION OF messages
		    FOR VALUES WITH (MODULUS 2, REMAINDER $i)
		    SERVER shard$i OPTIONS (table_name 'messages_p$i');
		CREATE FOREIGN TABLE messages_scored_p$i PARTITION OF messages_scored
		    FOR VALUES WITH (MODULUS 2, REMAINDER $i)
		    SERVER shard$i OPTIONS (table_name 'messages_scored_p$i');
		CREATE FOREIGN TABLE customers_p$i PARTITION OF customers
		    FOR VALUES WITH (MODULUS 2, REMAINDER $i)
		    SERVER shard$i OPTIONS (table_name 'customers_p$i');
	});
}

# The same rows on the shards (inserted through the coordinator) and in a
# single-node table.
$coord->safe_psql('postgres', q{
	CREATE TABLE messages_single AS
	SELECT id, (id * 7919) % 500 AS customer_id, lang, body FROM clientele.demo_messages(6000, 11);
	INSERT INTO messages SELECT * FROM messages_single;
	ANALYZE messages_single;
	CREATE VIEW messages_scored_single AS
	SELECT id, customer_id, lang, body, clientele.sentiment(body) AS sentiment,
	       clientele.detect_language(body) AS detected, (clientele.sentiment_detail(body, lang)).label,
	       md5(clientele.normal_form(body)) AS normal_md5, clientele.themes(body, 'care') AS themes
	  FROM messages_single;
	-- demo customers: BG/NBD summaries (weeks), standardised k-means
	-- features, naive Bayes bins, home geolocation
	CREATE TABLE customers_raw AS
	SELECT c.customer_id, c.lang, c.lat, c.lon, c.age_band, c.gender, c.preferred_channel,
	       (count(*) - 1)::float8 AS x,
	       extract(epoch FROM max(p.purchased_at) - min(p.purchased_at)) / 604800 AS t_x,
	       extract(epoch FROM '2026-03-15 00:00+00' - min(p.purchased_at)) / 604800 AS t_cal,
	       ARRAY[count(*) - 1, sum(p.amount), avg(p.amount),
	             extract(epoch FROM '2026-03-15'::timestamptz - max(p.purchased_at)) / 86400]::float8[] AS raw
	  FROM clientele.demo_customers(600, 42) c JOIN clientele.demo_purchases(600, 42) p USING (customer_id)
	 GROUP BY c.customer_id, c.lang, c.lat, c.lon, c.age_band, c.gender, c.preferred_channel;
	CREATE TABLE customers_single AS
	SELECT r.customer_id, r.lang, r.lat, r.lon, r.x, r.t_x, r.t_cal, clientele.standardize(r.raw, s.s) AS f,
	       ARRAY[left(r.age_band, 1)::int % 4, CASE r.gender WHEN 'F' THEN 0 ELSE 1 END,
	             length(r.preferred_channel) % 4] AS bins
	  FROM customers_raw r, (SELECT clientele.feature_stats(raw) AS s FROM customers_raw) s;
	INSERT INTO customers SELECT * FROM customers_single;
	ANALYZE customers_single;
});
for my $i (0 .. 1)
{
	$shards[$i]->safe_psql('postgres', "ANALYZE messages_p$i; ANALYZE customers_p$i");
}
my @counts = map { scalar $shards[$_]->safe_psql('postgres', "SELECT count(*) FROM messages_p$_") } 0 .. 1;
ok($counts[0] > 2000 && $counts[1] > 2000 && $counts[0] + $counts[1] == 6000,
	"rows spread over the shards: $counts[0] + $counts[1]");

# Remote SQL lines of a plan.
sub remote_sql
{
	my ($query, @settings) = @_;
	my $plan = $coord->safe_psql('postgres', join('', map { "SET $_; " } @settings)
		  . "EXPLAIN (VERBOSE, COSTS OFF) $query");
	note("EXPLAIN (VERBOSE, COSTS OFF) $query\n$plan");    # in the TAP log
	return join("\n", grep { /Remote SQL:/ } split /\n/, $plan), $plan;
}

# A query's rows on the partitioned table and on the single-node table
# (%s stands for messages, %2$s for messages_scored, %3$s for customers).
sub same_rows
{
	my ($query, $name, @settings) = @_;
	my $prefix = join('', map { "SET $_; " } @settings);
	no warnings 'redundant';    # a query need not name every table
	my $distributed = $coord->safe_psql('postgres', $prefix . sprintf($query, 'messages', 'messages_scored', 'customers'));
	my $single = $coord->safe_psql('postgres', sprintf($query, 'messages_single', 'messages_scored_single', 'customers_single'));
	ok(length($single) > 0, "$name: the single-node query returns rows");
	is($distributed, $single, "$name: distributed result equals the single-node result");
}

# 1. A sentiment filter and score computed on the shards.
my $q_sentiment = q{SELECT id, round(clientele.sentiment(body)::numeric, 12) FROM %s
	WHERE clientele.sentiment(body) > 0.5 ORDER BY id};
my ($remote, $plan) = remote_sql(sprintf($q_sentiment, 'messages'));
my @shipped = grep { /clientele\.sentiment\(body\) > 0\.5/ } split /\n/, $remote;
is(scalar(@shipped), 2, 'the sentiment filter is in the Remote SQL of both shards') or diag($plan);
like($plan, qr/Output: .*clientele\.sentiment\(messages_1\.body\)/,
	'a score in the select list of a plain scan is computed by the coordinator') or diag($plan);
unlike($plan, qr/^\s+Filter:/m, 'no filter is left to the coordinator') or diag($plan);
same_rows($q_sentiment, 'sentiment filter');

# 2. The language detector as a filter and an output.
my $q_lang = q{SELECT id, clientele.detect_language(body) FROM %s
	WHERE clientele.detect_language(body) = 'fr' AND lang = 'fr' ORDER BY id};
($remote, $plan) = remote_sql(sprintf($q_lang, 'messages'));
is(scalar(grep { /clientele\.detect_language\(body\) = 'fr'::text/ } split /\n/, $remote), 2,
	'the detect_language filter is shipped to both shards') or diag($plan);
same_rows($q_lang, 'language filter');

# 3. Per-message scores computed on the shards, through their views: the
#    coordinator only fetches the columns, none of the extension's functions
#    runs there.
my $q_scored = q{SELECT id, round(sentiment::numeric, 12), detected, label, normal_md5 FROM %2$s
	WHERE sentiment < -0.3 ORDER BY id};
($remote, $plan) = remote_sql(sprintf($q_scored, 'messages', 'messages_scored'));
is(scalar(grep { /SELECT id, sentiment, detected, label, normal_md5 FROM public\.messages_scored_p\d WHERE \(\(sentiment < / }
		split /\n/, $remote), 2, 'scores and their filter come from the shards\' views') or diag($plan);
unlike($plan, qr/clientele\./, 'no function of the extension runs on the coordinator') or diag($plan);
same_rows($q_scored, 'scores computed on the shards');

# 4. GROUP BY the partition key: whole aggregates pushed down, each group
#    being entirely on one shard.
my @pwa = ('enable_partitionwise_aggregate = on');
my $q_grouped = q{SELECT customer_id, count(*),
	(clientele.sentiment_summary(clientele.sentiment(body))).count AS scored,
	round((clientele.sentiment_summary(clientele.sentiment(body))).mean::numeric, 10) AS mean,
	round((clientele.sentiment_summary(clientele.sentiment(body))).net::numeric, 10) AS net
	FROM %s GROUP BY customer_id ORDER BY customer_id};
($remote, $plan) = remote_sql(sprintf($q_grouped, 'messages'), @pwa);
is(scalar(grep { /clientele\.sentiment_summary\(clientele\.sentiment\(body\)\).*GROUP BY 1/ } split /\n/, $remote), 2,
	'sentiment_summary ... GROUP BY the partition key is pushed to both shards') or diag($plan);
my $aggregate_node = qr/^(\s*->\s+|)(Finalize |Partial )?(Hash|Group|Mixed)?Aggregate\b/m;
unlike($plan, $aggregate_node, 'no aggregation is left on the coordinator') or diag($plan);
same_rows($q_grouped, 'grouped sentiment_summary', @pwa);

# Without partitionwise aggregation the coordinator aggregates, same result.
($remote, $plan) = remote_sql(sprintf($q_grouped, 'messages'), 'enable_partitionwise_aggregate = off');
like($plan, $aggregate_node, 'without partitionwise aggregation the coordinator aggregates') or diag($plan);
same_rows($q_grouped, 'grouped sentiment_summary on the coordinator', 'enable_partitionwise_aggregate = off');

# 5. A grand total over the shards equals the single node: the coordinator
#    combines rows the shards scored.
same_rows(q{SELECT (s).count, round((s).mean::numeric, 10), round((s).positive::numeric, 10),
	round((s).negative::numeric, 10) FROM (SELECT clientele.sentiment_summary(clientele.sentiment(body)) AS s FROM %s) q},
	'grand total');

# 6. Functions that are not immutable are not shipped: sentiment with a
#    custom lexicon (STABLE) is evaluated on the coordinator, from the
#    coordinator's lexicon, and still gives the single-node answer.
$coord->safe_psql('postgres', q{SELECT clientele.lexicon_load('brand', E'voiture\t3\nmascara\t-2')});
my $q_custom = q{SELECT id, round(clientele.sentiment(body, 'auto', 'brand')::numeric, 12) FROM %s
	WHERE id %% 50 = 0 ORDER BY id};
($remote, $plan) = remote_sql(sprintf($q_custom, 'messages'));
unlike($remote, qr/sentiment\(body, 'auto'/, 'a STABLE function is not shipped') or diag($plan);
same_rows($q_custom, 'custom-lexicon sentiment on the coordinator');

# Remote SQL lines (of both shards) that match a pattern.
sub shipped_to_both
{
	my ($remote, $pattern) = @_;
	return scalar(grep { /$pattern/ } split /\n/, $remote) == 2;
}

# 7. Keyword matching: the @~> operator and matches() with kwquery constants
#    (type, operator and function of the extension) run on the shards.
my $kw = q{'(rosélia OR "eclat celeste") (déçu* OR disappointed)'::clientele.kwquery};
my $q_kw = "SELECT id, lang FROM %s WHERE body OPERATOR(clientele.\@~>) $kw ORDER BY id";
($remote, $plan) = remote_sql(sprintf($q_kw, 'messages'));
ok(shipped_to_both($remote, qr/WHERE \(\(body OPERATOR\(clientele\.\@~>\) '.*'::clientele\.kwquery\)\)/),
	'the keyword filter body @~> kwquery is shipped to both shards') or diag($plan);
unlike($plan, qr/^\s+Filter:/m, 'no keyword filter is left to the coordinator') or diag($plan);
same_rows($q_kw, 'keyword filter');
my $q_matches = q{SELECT id FROM %s
	WHERE clientele.matches(body, 'rembours* OR refund* OR "service client" OR "customer service"'::clientele.kwquery)
	  AND lang = 'fr' ORDER BY id};
($remote, $plan) = remote_sql(sprintf($q_matches, 'messages'));
ok(shipped_to_both($remote, qr/clientele\.matches\(body, '.*'::clientele\.kwquery\)/),
	'matches() is shipped to both shards') or diag($plan);
same_rows($q_matches, 'matches()');

# 8. themes() reads the theme tables (STABLE): postgres_fdw does not ship it,
#    the coordinator matches with its own theme set...
my $q_themes = q{SELECT id, clientele.themes(body, 'care') FROM %s
	WHERE clientele.themes(body, 'care') && ARRAY['late delivery', 'customer service'] ORDER BY id};
($remote, $plan) = remote_sql(sprintf($q_themes, 'messages'));
unlike($remote, qr/themes/, 'themes() is not shipped') or diag($plan);
like($plan, qr/^\s+Filter: .*clientele\.themes\(/m, 'themes() filters on the coordinator') or diag($plan);
same_rows($q_themes, 'themes() on the coordinator');
#    ... and the shards' views compute it when every node has the same set.
my $q_themes_view = q{SELECT id, themes FROM %2$s WHERE themes && ARRAY['late delivery', 'customer service'] ORDER BY id};
($remote, $plan) = remote_sql(sprintf($q_themes_view, 'messages', 'messages_scored'));
ok(shipped_to_both($remote, qr/SELECT id, themes FROM public\.messages_scored_p\d WHERE \(\(themes && /),
	'themes and their filter come from the shards\' views') or diag($plan);
unlike($plan, qr/clientele\./, 'no theme matching on the coordinator') or diag($plan);
same_rows($q_themes_view, 'themes computed on the shards');

# 9. Segment assignment: a k-means model and a BG/NBD model as constants of
#    the extension's types, assigned on the shards.
my $model = $coord->safe_psql('postgres', 'SELECT clientele.kmeans(f, 3, 50, 0, 1) FROM customers_single');
like($model, qr/^k=3 dim=4 /, 'a k-means model of the customers');
my $q_segment = "SELECT customer_id, clientele.kmeans_assign('$model'::clientele.kmeans_model, f) FROM %3\$s
	WHERE clientele.kmeans_assign('$model'::clientele.kmeans_model, f) = 2 ORDER BY customer_id";
($remote, $plan) = remote_sql(sprintf($q_segment, 'messages', 'messages_scored', 'customers'));
ok(shipped_to_both($remote, qr/WHERE \(\(clientele\.kmeans_assign\('k=3 dim=4 .*'::clientele\.kmeans_model, f\) = 2\)\)/),
	'kmeans_assign() with a model constant is shipped to both shards') or diag($plan);
same_rows($q_segment, 'k-means segment');
#    A model read by a scalar subquery travels as a parameter of the remote
#    query ($1, sent in the type's text form); joined as a table it would not.
$coord->safe_psql('postgres', "CREATE TABLE segment_model AS SELECT '$model'::clientele.kmeans_model AS m");
my $q_segment_param = q{SELECT customer_id FROM %3$s
	WHERE clientele.kmeans_assign((SELECT m FROM segment_model), f) = 2 ORDER BY customer_id};
($remote, $plan) = remote_sql(sprintf($q_segment_param, 'messages', 'messages_scored', 'customers'));
ok(shipped_to_both($remote, qr/WHERE \(\(clientele\.kmeans_assign\(\$1::clientele\.kmeans_model, f\) = 2\)\)/),
	'a model from a scalar subquery is shipped as a parameter') or diag($plan);
same_rows($q_segment_param, 'k-means segment, model from a table');
my $q_alive = q{SELECT customer_id, round(clientele.p_alive(clientele.bgnbd(0.75, 6.07, 0.81, 4.11), x, t_x, t_cal)::numeric, 12)
	FROM %3$s WHERE clientele.p_alive(clientele.bgnbd(0.75, 6.07, 0.81, 4.11), x, t_x, t_cal) < 0.5 ORDER BY customer_id};
($remote, $plan) = remote_sql(sprintf($q_alive, 'messages', 'messages_scored', 'customers'));
ok(shipped_to_both($remote, qr/clientele\.p_alive\('\([^)]*\)'::clientele\.bgnbd_model, x, t_x, t_cal\) < 0\.5/),
	'p_alive() of a BG/NBD model constant is shipped to both shards') or diag($plan);
same_rows($q_alive, 'customers at risk (p_alive)');

# 10. Offer scoring with immutable models: logistic regression, naive Bayes,
#     distance to a shop.
my $nb = $coord->safe_psql('postgres', q{SELECT clientele.nb_train(bins, lang = 'fr', 4) FROM customers_single});
my $q_offer = "SELECT customer_id FROM %3\$s
	WHERE clientele.logit_predict('{-0.4,0.9,-0.6,0.3,0.2}'::float8[], ARRAY[1, f[1], f[2], f[3], f[4]]) > 0.7
	   OR clientele.nb_propensity('$nb'::float8[], bins) > 0.8
	   OR clientele.haversine_m(lat, lon, 48.8566, 2.3522) < 3000
	ORDER BY customer_id";
($remote, $plan) = remote_sql(sprintf($q_offer, 'messages', 'messages_scored', 'customers'));
ok(shipped_to_both($remote, qr/clientele\.logit_predict\(.*clientele\.nb_propensity\(.*clientele\.haversine_m\(lat, lon, /),
	'logit_predict, nb_propensity and haversine_m are shipped to both shards') or diag($plan);
unlike($plan, qr/^\s+Filter:/m, 'no offer scoring is left to the coordinator') or diag($plan);
same_rows($q_offer, 'offer scoring');

# 11. GROUP BY the partition key with keyword matches counted: the whole
#     aggregate, FILTER included, runs on the shards.
my $q_grouped_kw = "SELECT customer_id, count(*) FILTER (WHERE body OPERATOR(clientele.\@~>) $kw) AS matched,
	count(*) FILTER (WHERE clientele.sentiment(body) < -0.05) AS negative
	FROM %s GROUP BY customer_id ORDER BY customer_id";
($remote, $plan) = remote_sql(sprintf($q_grouped_kw, 'messages'), @pwa);
ok(shipped_to_both($remote, qr/count\(\*\) FILTER \(WHERE \(body OPERATOR\(clientele\.\@~>\) .*GROUP BY 1/),
	'keyword-match counts GROUP BY the partition key are pushed to both shards') or diag($plan);
unlike($plan, $aggregate_node, 'no aggregation of the matches on the coordinator') or diag($plan);
same_rows($q_grouped_kw, 'grouped keyword matches', @pwa);

# 12. The two tables are partitioned alike: with partitionwise join, the join
#     of messages and customers, with a segment filter and a sentiment
#     filter, runs on each shard.
my @pwj = ('enable_partitionwise_join = on');
my $q_join = "SELECT m.id, c.customer_id FROM %s m JOIN %3\$s c ON c.customer_id = m.customer_id
	WHERE clientele.kmeans_assign('$model'::clientele.kmeans_model, c.f) = 1 AND clientele.sentiment(m.body) < -0.2
	ORDER BY m.id";
($remote, $plan) = remote_sql(sprintf($q_join, 'messages', 'messages_scored', 'customers'), @pwj);
ok(shipped_to_both($remote, qr/public\.messages_p\d r\d+ INNER JOIN public\.customers_p\d r\d+ .*kmeans_assign.*sentiment\(/),
	'the join of the co-partitioned tables, with both filters, runs on both shards') or diag($plan);
same_rows($q_join, 'co-partitioned join', @pwj);

# 13. Near duplicates of the most copied message (simhash fingerprints
#     within 3 bits of its fingerprint) and membership of an audience
#     constant: both shipped.
my $fingerprint = $coord->safe_psql('postgres',
	q{SELECT clientele.simhash(body) FROM messages_single GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1});
my $q_near = "SELECT id FROM %s WHERE clientele.hamming(clientele.simhash(body), $fingerprint) <= 3 ORDER BY id";
($remote, $plan) = remote_sql(sprintf($q_near, 'messages'));
ok(shipped_to_both($remote, qr/WHERE \(\(clientele\.hamming\(clientele\.simhash\(body\), \(?-?\d+\)?(::bigint)?\) <= 3\)\)/),
	'the near-duplicate filter is shipped to both shards') or diag($plan);
same_rows($q_near, 'near duplicates');
my $audience = $coord->safe_psql('postgres',
	q{SELECT clientele.audience(array_agg(customer_id)) FROM customers_single WHERE lang = 'fr' AND customer_id % 3 = 0});
my $q_audience = "SELECT id FROM %s WHERE clientele.audience_contains('$audience'::clientele.audience, customer_id) AND lang = 'en' ORDER BY id";
($remote, $plan) = remote_sql(sprintf($q_audience, 'messages'));
ok(shipped_to_both($remote, qr/clientele\.audience_contains\('\{[0-9,]+\}'::clientele\.audience, customer_id\)/),
	'audience membership with an audience constant is shipped to both shards') or diag($plan);
same_rows($q_audience, 'audience membership');

$coord->stop;
$_->stop for @shards;
done_testing();
