# Long-running calls stop promptly: statement_timeout and pg_cancel_backend()
# end every long call of the extension less than a second after they fire,
# with SQLSTATE 57014 (query_canceled), and the session is usable afterwards.
#
# Each row of @calls is a query that runs for seconds on this data; a module
# with a function that can run long adds a row.  Elapsed times are printed;
# the assertion is the delay between the cancel and the end of the query.
#
# The keyword index (kwindex) has its own rows: a build, REINDEX, VACUUM
# merging a large insert buffer and long bitmap scans.  A row may carry
# options: timeout_ms (the statement_timeout, when the interesting part of
# the statement starts later) and ready (a query on the backend's pid, %d,
# that must be true before pg_cancel_backend is sent, e.g. a progress
# phase), so the cancel lands in the index's own loops.  After each of them
# the index is checked (clientele.kw_index_check) and used.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);
use IPC::Run;

my $timeout_ms = 300;
my $allowed_s = 1.0;

my $node = PostgreSQL::Test::Cluster->new('cancel');
$node->init(extra => ['--encoding=UTF8', '--locale=C.UTF-8']);
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION clientele;
	-- about 100 MB of text, more than a few seconds of work for every scorer
	CREATE TABLE big AS SELECT repeat('très bon mais pas terrible, I love it :) ', 2400000) AS body;
	CREATE TABLE many AS SELECT i, 'pas mal du tout ' || i AS body FROM generate_series(1, 1000000) i;
	CREATE TABLE points AS
	SELECT array_agg(ARRAY[(i * 7919 % 1000)::float8, (i::bigint * 104729 % 997)::float8]) AS sample
	  FROM generate_series(1, 200000) i;
	CREATE TABLE lexicon_data AS
	SELECT string_agg('terme' || i || E'\t1', E'\n') AS data FROM generate_series(1, 1000000) i;
	-- the keyword index: 200,000 demo messages in its segment and 100,000
	-- more in its insert buffer (autovacuum off: it would merge the buffer)
	CREATE TABLE kwmsgs WITH (autovacuum_enabled = off) AS SELECT id, body FROM clientele.demo_messages(200000);
	VACUUM (ANALYZE) kwmsgs;
	CREATE INDEX kwmsgs_kw ON kwmsgs USING kwindex (body);
	INSERT INTO kwmsgs SELECT id + 1000000, body FROM kwmsgs WHERE id <= 100000;
});
# the structure check (fast) after each cancellation; the full check, that
# every key of every row is in the index (heapallindexed, slow), at the end
my $kw_state = q{SELECT keys, postings, pending_rows FROM clientele.kw_index_check('kwmsgs_kw', false)};
my $kw_full = q{SELECT keys > 0, pending_rows, heap_rows FROM clientele.kw_index_check('kwmsgs_kw', true)};
my $kw_before = $node->safe_psql('postgres', $kw_state);
like($kw_before, qr/^[1-9]\d*\|[1-9]\d*\|100000$/, 'keyword index: 100,000 rows in the insert buffer');
my $kw_count_sql = q{SET enable_seqscan = off; SELECT count(*) FROM kwmsgs WHERE body OPERATOR(clientele.@~>) 'crunchoc OR yumi'};
my $kw_count = $node->safe_psql('postgres', q{SET enable_bitmapscan = off; SELECT count(*) FROM kwmsgs
	WHERE body OPERATOR(clientele.@~>) 'crunchoc OR yumi'});
my $kw_wild = q{'*er* OR *an* OR *on* OR *es* OR *in* OR *ou* OR *re* OR *te* OR *le* OR *ch*'::clientele.kwquery};

my @calls = (
	[ 'sentiment',           q{SELECT clientele.sentiment(body) FROM big} ],
	[ 'sentiment with lang', q{SELECT clientele.sentiment(body, 'fr') FROM big} ],
	[ 'sentiment_detail',    q{SELECT (clientele.sentiment_detail(body)).label FROM big} ],
	[ 'tokens',              q{SELECT count(*) FROM big, clientele.tokens(body)} ],
	[ 'normal_form',         q{SELECT length(clientele.normal_form(body)) FROM big} ],
	[ 'sentiment_summary',   q{SELECT clientele.sentiment_summary(clientele.sentiment(body)) FROM many, generate_series(1, 20) r} ],
	[ 'demo_messages',       q{SELECT count(*) FROM clientele.demo_messages(100000000)} ],
	[ 'lexicon_load',        q{SELECT clientele.lexicon_load('huge', data) FROM lexicon_data} ],
	# one long call per module
	[ 'highlight (funnel)',  q{SELECT length(clientele.highlight(body, 'love OR terrible'::clientele.kwquery, '<', '>')) FROM big} ],
	[ 'kmeans_fit (clustering)', q{SELECT clientele.kmeans_k(clientele.kmeans_fit(sample, 200, 100000, 0, 1)) FROM points} ],
	[ 'demo_customers (demo)', q{SELECT count(*) FROM clientele.demo_customers(100000000)} ],
	[ 'attribution_markov order 4', q{SELECT clientele.attribution_markov(p, true, 1, 4)
		FROM (SELECT ARRAY(SELECT 'c' || ((i * g) % 30) FROM generate_series(1, 200) i) p FROM generate_series(1, 200000) g) s} ],
	[ 'lag_correlations (buzz)', q{SELECT count(*) FROM clientele.lag_correlations(array_fill(1.5::float8, ARRAY[2000000]),
		array_fill(2.5::float8, ARRAY[2000000]), -1000, 1000, 0.95)} ],
	# the keyword index (index); the spilled build merges runs, VACUUM merges
	# the insert buffer in its cleanup phase
	[ 'CREATE INDEX kwindex (index)', q{SET maintenance_work_mem = '1MB'; CREATE INDEX kwmsgs_kw2 ON kwmsgs USING kwindex (body)},
	  { kwindex => 1, ready => q{SELECT phase LIKE 'building index: %%' FROM pg_stat_progress_create_index WHERE pid = %d} } ],
	[ 'REINDEX kwindex (index)', q{REINDEX INDEX kwmsgs_kw},
	  { kwindex => 1, ready => q{SELECT phase LIKE 'building index: %%' FROM pg_stat_progress_create_index WHERE pid = %d} } ],
	[ 'VACUUM merging the insert buffer (index)', q{VACUUM kwmsgs},
	  { kwindex => 1, timeout_ms => 500,
	    ready => q{SELECT phase = 'cleaning up indexes' FROM pg_stat_progress_vacuum WHERE pid = %d} } ],
	# a query known only at run time (so the planner does not walk the index
	# to estimate it): every loop is a bitmap index scan of ten wildcards over
	# 300,000 rows and their rechecks
	[ 'bitmap scan through kwindex (index)', qq{SET enable_seqscan = off; SET max_parallel_workers_per_gather = 0;
		SELECT sum(s.n) FROM generate_series(1, 20) g, LATERAL (SELECT count(*) n FROM kwmsgs
		 WHERE body OPERATOR(clientele.\@~>) (ARRAY[$kw_wild])[1 + g % 1]) s}, { kwindex => 1 } ],
);

# After a cancelled index operation: the index is intact and still answers.
sub check_kwindex
{
	my ($name) = @_;
	is($node->safe_psql('postgres', $kw_state), $kw_before, "$name: kw_index_check passes, the index is unchanged");
	is($node->safe_psql('postgres', $kw_count_sql), $kw_count, "$name: the table is usable through the index");
	is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_class WHERE relname = 'kwmsgs_kw2'}), '0',
		"$name: no half-built index is left");
}

# statement_timeout
for my $c (@calls)
{
	my ($name, $sql, $opt) = @$c;
	my $ms = $opt->{timeout_ms} // $timeout_ms;
	my $t0 = time;
	my ($rc, $out, $err) = $node->psql('postgres', "SET statement_timeout = '${ms}ms'; $sql",
		extra_params => ['-v', 'VERBOSITY=verbose']);
	my $elapsed = time - $t0;
	like($err, qr/57014.*canceling statement due to statement timeout/, "$name: statement_timeout cancels it");
	my $late = $elapsed - $ms / 1000;
	note(sprintf('%s: ended %.3f s after the timeout fired', $name, $late));
	cmp_ok($late, '<', $allowed_s, sprintf('%s: stops %.2f s after the timeout (< %.1f s)', $name, $late, $allowed_s));
	check_kwindex($name) if $opt->{kwindex};
}

# pg_cancel_backend from another session
for my $c (@calls)
{
	my ($name, $sql, $opt) = @$c;
	my ($stdout, $stderr) = ('', '');
	my $app = "cancel_" . ($name =~ s/\W/_/gr);
	my $h = IPC::Run::start(
		[ 'psql', '-X', '-v', 'VERBOSITY=verbose', '-d', $node->connstr('postgres') . " application_name=$app", '-c', $sql ],
		'<', \undef, '>', \$stdout, '2>', \$stderr);
	# wait until it has been running for a while
	my ($pid, $ready) = ('', 0);
	for (1 .. 200)
	{
		$pid = $node->safe_psql('postgres', qq{SELECT pid FROM pg_stat_activity
			WHERE application_name = '$app' AND backend_type = 'client backend' AND state = 'active'
			  AND now() - query_start > interval '300 ms'});
		$ready = $pid ne '' && (!$opt->{ready} || $node->safe_psql('postgres', sprintf($opt->{ready}, $pid)) eq 't');
		last if $ready;
		usleep(50_000);
	}
	isnt($pid, '', "$name: running in backend $pid");
	ok($ready, "$name: reached the phase to cancel") if $opt->{ready};
	my $t0 = time;
	$node->safe_psql('postgres', "SELECT pg_cancel_backend($pid)");
	$h->finish;
	my $late = time - $t0;
	like($stderr, qr/57014.*canceling statement due to user request/, "$name: pg_cancel_backend cancels it");
	note(sprintf('%s: ended %.3f s after pg_cancel_backend', $name, $late));
	cmp_ok($late, '<', $allowed_s, sprintf('%s: stops %.2f s after the cancel (< %.1f s)', $name, $late, $allowed_s));
	check_kwindex($name) if $opt->{kwindex};
}

# after the cancelled merges a VACUUM merges the insert buffer for good, and
# every key of every row is in the index
$node->safe_psql('postgres', 'VACUUM kwmsgs');
is($node->safe_psql('postgres', $kw_full), 't|0|300000',
	'keyword index: a VACUUM after the cancelled ones merges the insert buffer; all 300,000 rows are indexed');
is($node->safe_psql('postgres', $kw_count_sql), $kw_count, 'keyword index: same rows through the index after the merge');

# the backend-wide caches survive cancellations: scoring still works
is($node->safe_psql('postgres', q{SELECT clientele.sentiment('I love it') > 0, count(*) FROM clientele.lexicon}),
	"t|0", 'scoring works after the cancellations; no half-loaded lexicon was left');

$node->stop;
done_testing();
