# Long-running calls stop promptly: statement_timeout and pg_cancel_backend()
# end every long call of the extension less than a second after they fire,
# with SQLSTATE 57014 (query_canceled), and the session is usable afterwards.
#
# Each row of @calls is a query that runs for seconds on this data; a module
# with a function that can run long adds a row.  Elapsed times are printed;
# the assertion is the delay between the cancel and the end of the query.
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
});

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
);

# statement_timeout
for my $c (@calls)
{
	my ($name, $sql) = @$c;
	my $t0 = time;
	my ($rc, $out, $err) = $node->psql('postgres', "SET statement_timeout = '${timeout_ms}ms'; $sql",
		extra_params => ['-v', 'VERBOSITY=verbose']);
	my $elapsed = time - $t0;
	like($err, qr/57014.*canceling statement due to statement timeout/, "$name: statement_timeout cancels it");
	my $late = $elapsed - $timeout_ms / 1000;
	note(sprintf('%s: ended %.3f s after the timeout fired', $name, $late));
	cmp_ok($late, '<', $allowed_s, sprintf('%s: stops %.2f s after the timeout (< %.1f s)', $name, $late, $allowed_s));
}

# pg_cancel_backend from another session
for my $c (@calls)
{
	my ($name, $sql) = @$c;
	my ($stdout, $stderr) = ('', '');
	my $app = "cancel_" . ($name =~ s/\W/_/gr);
	my $h = IPC::Run::start(
		[ 'psql', '-X', '-v', 'VERBOSITY=verbose', '-d', $node->connstr('postgres') . " application_name=$app", '-c', $sql ],
		'<', \undef, '>', \$stdout, '2>', \$stderr);
	# wait until it has been running for a while
	my $pid = '';
	for (1 .. 200)
	{
		$pid = $node->safe_psql('postgres', qq{SELECT pid FROM pg_stat_activity
			WHERE application_name = '$app' AND backend_type = 'client backend' AND state = 'active'
			  AND now() - query_start > interval '300 ms'});
		last if $pid ne '';
		usleep(50_000);
	}
	isnt($pid, '', "$name: running in backend $pid");
	my $t0 = time;
	$node->safe_psql('postgres', "SELECT pg_cancel_backend($pid)");
	$h->finish;
	my $late = time - $t0;
	like($stderr, qr/57014.*canceling statement due to user request/, "$name: pg_cancel_backend cancels it");
	note(sprintf('%s: ended %.3f s after pg_cancel_backend', $name, $late));
	cmp_ok($late, '<', $allowed_s, sprintf('%s: stops %.2f s after the cancel (< %.1f s)', $name, $late, $allowed_s));
}

# the backend-wide caches survive cancellations: scoring still works
is($node->safe_psql('postgres', q{SELECT clientele.sentiment('I love it') > 0, count(*) FROM clientele.lexicon}),
	"t|0", 'scoring works after the cancellations; no half-loaded lexicon was left');

$node->stop;
done_testing();
