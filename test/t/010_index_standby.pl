# The keyword index on a streaming standby: every change is generic WAL,
# checked page by page during replay (wal_consistency_checking = generic),
# and the standby answers every query like the primary after insert,
# delete, update and VACUUM cycles.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1, extra => ['--encoding=UTF8', '--locale=C.UTF-8']);
$primary->append_conf('postgresql.conf', "wal_consistency_checking = 'generic'\nautovacuum = off");
$primary->start;
$primary->backup('backup');

my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'backup', has_streaming => 1);
$standby->append_conf('postgresql.conf', "wal_consistency_checking = 'generic'");
$standby->start;

$primary->safe_psql('postgres', q{
	CREATE EXTENSION clientele;
	CREATE TABLE posts AS SELECT id, body FROM clientele.demo_messages(3000);
	CREATE INDEX posts_kw ON posts USING kwindex (body);
});

my @queries = ('crunchoc', 'bisc*', '"cafe solano"', 'nordvik NEAR/3 #fail', 'yumi OR kaito -#boycott',
	'NOT crunchoc', 'cycle');
# the rows of every query through the index, as one string
sub answers
{
	my ($node) = @_;
	my @out;
	for my $q (@queries)
	{
		push @out, $q . '=' . $node->safe_psql('postgres', qq{
			SET enable_seqscan = off;
			SELECT coalesce(string_agg(id::text, ',' ORDER BY id), '') FROM posts
			 WHERE body OPERATOR(clientele.\@~>) '$q'});
	}
	return join("\n", @out);
}

for my $cycle (1 .. 3)
{
	$primary->safe_psql('postgres', qq{
		INSERT INTO posts SELECT 10000 * $cycle + i, 'cycle $cycle crunchoc nouvelle ligne ' || i
		  FROM generate_series(1, 400) i;
		DELETE FROM posts WHERE id % 11 = $cycle;
		UPDATE posts SET body = body || ' cycle' WHERE id % 13 = $cycle;
	});
	$primary->wait_for_catchup($standby);
	is(answers($standby), answers($primary), "cycle $cycle: standby answers like the primary (insert buffer)");

	$primary->safe_psql('postgres', 'VACUUM posts');
	$primary->wait_for_catchup($standby);
	is(answers($standby), answers($primary), "cycle $cycle: standby answers like the primary after VACUUM");
	my $check = 'SELECT keys, postings, pending_rows, heap_rows FROM clientele.kw_index_check(\'posts_kw\')';
	is($standby->safe_psql('postgres', $check), $primary->safe_psql('postgres', $check),
		"cycle $cycle: kw_index_check on the standby equals the primary's");
}

# the answers are not trivially empty
like(answers($primary), qr/crunchoc=\d+,\d+/, 'queries return rows');
is($primary->safe_psql('postgres', "SELECT pg_relation_size('posts_kw')"),
	$standby->safe_psql('postgres', "SELECT pg_relation_size('posts_kw')"), 'same index size');

# replay found no inconsistency (it would have stopped the standby)
$standby->stop;
ok(!$standby->log_contains('inconsistent page found'), 'no inconsistent page during replay');
$primary->stop;
done_testing();
