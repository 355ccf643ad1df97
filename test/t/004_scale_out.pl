# Scale-out on postgres_fdw: a coordinator whose messages table is
# hash-partitioned on customer_id into two foreign partitions, one on each of
# two shard clusters.  The extension is installed everywhere and the foreign
# servers list it (extensions 'clientele'), so postgres_fdw may ship its
# immutable functions.  The test shows with EXPLAIN VERBOSE that
#  - sentiment and language filters (WHERE) run on the shards;
#  - scores in the select list of a plain scan are computed by the
#    coordinator (PostgreSQL 15's postgres_fdw ships only columns there), so
#    a shard exposes per-message scores through a view, which the test uses;
#  - GROUP BY the partition key pushes whole aggregates (sentiment_summary of
#    sentiment) down with enable_partitionwise_aggregate;
# and that every result equals the one of a single-node table with the same
# rows.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

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
		       md5(clientele.normal_form(body)) AS normal_md5
		  FROM messages_p$i;
	});
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
	    sentiment float8, detected text, label text, normal_md5 text) PARTITION BY HASH (customer_id);
});
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
	       md5(clientele.normal_form(body)) AS normal_md5
	  FROM messages_single;
});
for my $i (0 .. 1)
{
	$shards[$i]->safe_psql('postgres', "ANALYZE messages_p$i");
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
	return join("\n", grep { /Remote SQL:/ } split /\n/, $plan), $plan;
}

# A query's rows on the partitioned table and on the single-node table
# (%s stands for messages, %2$s for messages_scored).
sub same_rows
{
	my ($query, $name, @settings) = @_;
	my $prefix = join('', map { "SET $_; " } @settings);
	my $distributed = $coord->safe_psql('postgres', $prefix . sprintf($query, 'messages', 'messages_scored'));
	my $single = $coord->safe_psql('postgres', sprintf($query, 'messages_single', 'messages_scored_single'));
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

$coord->stop;
$_->stop for @shards;
done_testing();
