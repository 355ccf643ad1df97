# Memory stays flat over long loops: one statement calling a function a
# million times (or hundreds of thousands for the slower ones) must not grow
# the backend's memory.  For each call, a warm-up statement with a tenth of
# the calls runs first in the same backend (caches and lexicons load then),
# the backend's peak resident memory (VmHWM in /proc/PID/status) is read,
# then the full statement runs and the peak is read again: the growth must
# stay under a few megabytes, i.e. a few bytes per call.  The memory-context
# totals (pg_backend_memory_contexts) after each statement are compared too:
# nothing may be left behind in long-lived contexts.
#
# Set-returning functions called once per row are compared with a core
# set-returning function in the same plan (regexp_split_to_table): the
# executor itself keeps some memory per call of a function scan until the
# end of the statement, and only what the extension adds on top counts.
#
# A module adds a row to @calls for each function that can be called per
# row or that aggregates ("%d" is the number of repetitions of the 1000
# sample messages; a fourth element marks a known bug as TODO).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;

my $max_growth_kb = 6 * 1024;

my $node = PostgreSQL::Test::Cluster->new('memory');
$node->init(extra => ['--encoding=UTF8', '--locale=C.UTF-8']);
$node->append_conf('postgresql.conf', 'max_parallel_workers_per_gather = 0');
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION clientele;
	CREATE TABLE msgs AS SELECT id, lang, body FROM clientele.demo_messages(1000, 5);
	SELECT clientele.lexicon_load('kit', E'waterproof\t2\nmascara\t1\ntrop gras\t-2');
	-- keyword indexes: one with its segment only, one with an insert buffer
	-- too (scans read both; autovacuum would merge it)
	CREATE TABLE kwmsgs AS SELECT id, body FROM msgs;
	CREATE INDEX kwmsgs_kw ON kwmsgs USING kwindex (body);
	CREATE TABLE kwpending WITH (autovacuum_enabled = off) AS SELECT id, body FROM msgs;
	CREATE INDEX kwpending_kw ON kwpending USING kwindex (body);
	INSERT INTO kwpending SELECT id + 1000, body FROM msgs WHERE id <= 200;
	VACUUM (ANALYZE) kwmsgs;
	ANALYZE kwpending;
});

# [name, repetitions of the 1000 messages, query]
my @calls = (
	[ 'sentiment(text)', 1000, q{SELECT count(clientele.sentiment(m.body)) FROM generate_series(1, %d) r, msgs m} ],
	[ 'sentiment(text, text)', 200, q{SELECT count(clientele.sentiment(m.body, m.lang)) FROM generate_series(1, %d) r, msgs m} ],
	[ 'sentiment(text, text, text)', 200,
	  q{SELECT count(clientele.sentiment(m.body, 'auto', 'kit')) FROM generate_series(1, %d) r, msgs m} ],
	[ 'sentiment_detail', 50,
	  q{SELECT count((clientele.sentiment_detail(m.body, 'auto', 'kit')).evidence) FROM generate_series(1, %d) r, msgs m} ],
	[ 'tokens per row', 100, q{SELECT sum((SELECT count(*) FROM clientele.tokens(m.body))) FROM generate_series(1, %d) r, msgs m},
	  'srf' ],
	[ 'normal_form', 1000, q{SELECT count(clientele.normal_form(m.body, r % 2 = 0)) FROM generate_series(1, %d) r, msgs m} ],
	[ 'detect_language', 1000, q{SELECT count(clientele.detect_language(m.body)) FROM generate_series(1, %d) r, msgs m} ],
	[ 'sentiment_summary', 1000,
	  q{SELECT (clientele.sentiment_summary(((m.id * r) % 201 - 100) / 100.0)).count FROM generate_series(1, %d) r, msgs m} ],
	[ 'sentiment_summary GROUP BY', 200,
	  q{SELECT count(s) FROM (SELECT clientele.sentiment_summary(((m.id * r) % 201 - 100) / 100.0) s
	    FROM generate_series(1, %d) r, msgs m GROUP BY m.id) q} ],
	[ 'demo_messages', 300, q{SELECT count(body) FROM clientele.demo_messages(%d * 1000)} ],
	[ 'builtin_lexicon', 1, q{SELECT sum((SELECT count(*) FROM clientele.builtin_lexicon('fr'))) FROM generate_series(1, %d * 100) r},
	  'srf' ],
	# one or more per module
	[ 'matches (funnel)', 200,
	  q{SELECT count(*) FILTER (WHERE clientele.matches(m.body, 'bon OR love'::clientele.kwquery)) FROM generate_series(1, %d) r, msgs m} ],
	[ 'simhash (funnel)', 200, q{SELECT count(clientele.simhash(m.body)) FROM generate_series(1, %d) r, msgs m} ],
	[ 'kmeans_assign (clustering)', 1000,
	  q{SELECT sum(clientele.kmeans_assign('k=2 dim=2 iterations=2 inertia=100 shift=0 sizes={5,5} centroids={{8,16},{3,6}}',
	    ARRAY[m.id, r]::float8[])) FROM generate_series(1, %d) r, msgs m} ],
	[ 'audience_agg GROUP BY (clustering)', 200,
	  q{SELECT sum(clientele.cardinality(a)) FROM (SELECT clientele.audience_agg(m.id * r) a
	    FROM generate_series(1, %d) r, msgs m GROUP BY m.id % 100) q} ],
	[ 'p_alive (segment)', 1000,
	  q{SELECT sum(clientele.p_alive(clientele.bgnbd(0.5, 2, 0.7, 2.5), (m.id % 7)::float8, 5, 10)) FROM generate_series(1, %d) r, msgs m} ],
	[ 'attribution_linear (attribution)', 200,
	  q{SELECT cardinality(clientele.attribution_linear(ARRAY[m.lang, 'email'], r % 2 = 0, 1)) FROM generate_series(1, %d) r, msgs m} ],
	[ 'demo_customers (demo)', 100, q{SELECT count(city) FROM clientele.demo_customers(%d * 1000)} ],
	# the keyword index: each call is a bitmap index scan (a rescan of the
	# inner side of a nested loop); "NOT" makes every heap page lossy, so
	# each of those scans rechecks all 1,200 rows of kwpending (1.2 million
	# rechecks) after reading its insert buffer.  JIT is off: its compiler
	# (LLVM, loaded once) would be most of the peak.
	[ 'kwindex probes, nested loop (index)', 1000,
	  q{SET enable_seqscan = off; SET jit = off; SELECT sum(s.n) FROM generate_series(1, %d * 1000) g, LATERAL (SELECT count(*) n FROM kwmsgs
	    WHERE body OPERATOR(clientele.@~>) (ARRAY['crunchoc'::clientele.kwquery, 'zzzunknown', 'qqqnothing', 'wwwnothing'])[g % 4 + 1]) s} ],
	[ 'kwindex bitmap scans rechecking 1,200 rows each (index)', 1,
	  q{SET enable_seqscan = off; SET jit = off; SELECT sum(s.n) FROM generate_series(1, %d * 1000) g, LATERAL (SELECT count(*) n FROM kwpending
	    WHERE body OPERATOR(clientele.@~>) (ARRAY['NOT crunchoc'::clientele.kwquery, 'NOT yumi'])[g % 2 + 1]) s} ],
);

# The keyword index rows do what they say: the probes are bitmap index scans
# inside a nested loop, and a "NOT" scan rechecks every row.
my ($probe_sets, $probe_select) = sprintf($calls[-2][2], 1) =~ /^(.*?)(SELECT .*)$/s;
like($node->safe_psql('postgres', "$probe_sets EXPLAIN (COSTS OFF) $probe_select"),
	qr/Nested Loop.*Bitmap Heap Scan on kwmsgs.*Bitmap Index Scan on kwmsgs_kw/s,
	'kwindex probes: a bitmap index scan per outer row');
my $recheck = $node->safe_psql('postgres', q{SET enable_seqscan = off;
	EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM kwpending WHERE body OPERATOR(clientele.@~>) 'NOT yumi'});
my ($kept) = $recheck =~ /Bitmap Heap Scan on kwpending \(actual rows=(\d+)/;
my ($removed) = $recheck =~ /Rows Removed by Index Recheck: (\d+)/;
note($recheck);
is(($kept // 0) + ($removed // 0), 1200, 'kwindex rechecks: a NOT scan rechecks all 1,200 rows');

# A backend of its own for each measurement (peaks only grow): statements
# go to its stdin, answers come back.
package Backend;

sub new
{
	my ($class, $node) = @_;
	my $self = bless { in => '', out => '', err => '' }, $class;
	$self->{h} = IPC::Run::start(
		[ 'psql', '-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('postgres') ],
		'<', \$self->{in}, '>', \$self->{out}, '2>', \$self->{err});
	$self->{pid} = $self->run('SELECT pg_backend_pid()');
	return $self;
}

# Run a statement; returns its output.
sub run
{
	my ($self, $sql) = @_;
	$self->{out} = '';
	$self->{in} .= "$sql;\nSELECT 'done-marker';\n";
	$self->{h}->pump until $self->{out} =~ /done-marker/ || $self->{err} ne '';
	die "psql error: $self->{err}" if $self->{err} ne '';
	(my $result = $self->{out}) =~ s/\n?done-marker\n//;
	chomp $result;
	return $result;
}

# Peak resident memory of the backend, in kB.
sub peak_kb
{
	my ($self) = @_;
	open my $fh, '<', "/proc/$self->{pid}/status" or die "cannot read /proc/$self->{pid}/status: $!";
	while (<$fh>)
	{
		return $1 if /^VmHWM:\s+(\d+) kB/;
	}
	die "no VmHWM for $self->{pid}";
}

sub quit
{
	my ($self) = @_;
	$self->{in} .= "\\q\n";
	$self->{h}->finish;
}

package main;

my $contexts = q{SELECT sum(total_bytes) FROM pg_backend_memory_contexts};

# In a fresh backend: a warm-up with a tenth of the calls, then the whole
# statement; returns the growth of the peak, the peak before, and the
# memory-context totals before and after.
sub measure
{
	my ($query, $reps) = @_;
	my $b = Backend->new($node);
	$b->run(sprintf($query, $reps >= 10 ? int($reps / 10) : $reps));
	my $before = $b->peak_kb;
	my $cxt_before = $b->run($contexts);
	$b->run(sprintf($query, $reps));
	my $grew = $b->peak_kb - $before;
	my $cxt_after = $b->run($contexts);
	$b->quit;
	return ($grew, $before, $cxt_before, $cxt_after);
}

# What the executor keeps per call of a core set-returning function.
my ($base_grew) = measure(q{SELECT sum((SELECT count(*) FROM regexp_split_to_table(m.body, ' ')))
	FROM generate_series(1, %d) r, msgs m}, 100);
my $baseline = $base_grew / 100;
note(sprintf('executor baseline: %.1f kB per 1000 calls of a core set-returning function', $baseline));

for my $c (@calls)
{
	my ($name, $reps, $query, $kind, $todo) = @$c;
	my ($grew, $peak_before, $cxt_before, $cxt_after) = measure($query, $reps);
	my $calls = $name eq 'builtin_lexicon' ? $reps * 100 : $reps * 1000;
	my $allowed = $max_growth_kb;
	$allowed += $baseline * $calls / 1000 if ($kind // '') eq 'srf';
	note(sprintf('%s: %d calls, peak RSS %d -> %d kB (allowed growth %d kB), contexts %d -> %d bytes',
		$name, $calls, $peak_before, $peak_before + $grew, $allowed, $cxt_before, $cxt_after));
	{
		local $TODO = $todo;
		cmp_ok($grew, '<', $allowed,
			sprintf('%s: %d calls in one statement grow peak memory by %d kB', $name, $calls, $grew));
	}
	cmp_ok($cxt_after - $cxt_before, '<', 256 * 1024,
		sprintf('%s: memory contexts keep nothing afterwards (%+d bytes)', $name, $cxt_after - $cxt_before));
}

# The check can fail: a statement that does accumulate (string_agg of every
# normal form) grows the peak by far more than the threshold.
my ($acc) = measure(q{SELECT length(string_agg(clientele.normal_form(m.body), ' ')) FROM generate_series(1, %d) r, msgs m}, 100);
cmp_ok($acc, '>', $max_growth_kb, "an accumulating statement is detected ($acc kB)");

$node->stop;
done_testing();
