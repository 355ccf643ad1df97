# Concurrent writers (insert, update, delete), readers through the keyword
# index and VACUUM, with pgbench; afterwards kw_index_check is clean and the
# index answers every query like a sequential scan.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;

my $node = PostgreSQL::Test::Cluster->new('bench');
$node->init(extra => ['--encoding=UTF8', '--locale=C.UTF-8']);
$node->append_conf('postgresql.conf', "autovacuum = off");
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION clientele;
	CREATE TABLE posts AS SELECT id, body FROM clientele.demo_messages(3000);
	CREATE INDEX posts_kw ON posts USING kwindex (body);
	CREATE TABLE seen (same boolean);
});

# readers compare, in one snapshot, the rows found through the index with
# the rows the matcher accepts in a sequential scan
$node->pgbench(
	'--no-vacuum --client=5 --transactions=60',
	0,
	[qr{processed: 300/300}],
	[qr{^$}],
	'concurrent writers, readers and VACUUM',
	{
		'001_insert@4' => q{
			\set id random(100000, 999999)
			INSERT INTO posts VALUES (:id, 'bench crunchoc colis ' || :id || ' #bench');
		},
		'002_update@2' => q{
			\set id random(1, 3000)
			UPDATE posts SET body = body || ' mise à jour crunchoc' WHERE id = :id;
		},
		'003_delete@1' => q{
			\set id random(1, 3000)
			DELETE FROM posts WHERE id = :id;
		},
		'004_read@4' => q{
			SET enable_seqscan = off;
			INSERT INTO seen
			SELECT (SELECT count(*) FROM posts WHERE body OPERATOR(clientele.@~>) 'crunchoc -#boycott') =
			       (SELECT count(*) FROM posts WHERE clientele.matches(body, 'crunchoc -#boycott'));
			RESET enable_seqscan;
		},
		'005_vacuum@1' => q{
			VACUUM posts;
		}
	});

is($node->safe_psql('postgres', 'SELECT count(*) > 0, bool_and(same) FROM seen'), 't|t',
	'readers ran, and each found through the index the rows of a sequential scan');
is($node->safe_psql('postgres', q{SELECT heap_rows = (SELECT count(*) FROM posts) FROM clientele.kw_index_check('posts_kw')}),
	't', 'kw_index_check clean after the concurrent run');
for my $q ('crunchoc', '#bench', 'mise NEAR/2 jour', 'colis -bench', 'bisc*')
{
	my $seq = $node->safe_psql('postgres', qq{SET enable_bitmapscan = off;
		SELECT string_agg(id::text, ',' ORDER BY id, body) FROM posts WHERE body OPERATOR(clientele.\@~>) '$q'});
	my $idx = $node->safe_psql('postgres', qq{SET enable_seqscan = off;
		SELECT string_agg(id::text, ',' ORDER BY id, body) FROM posts WHERE body OPERATOR(clientele.\@~>) '$q'});
	is($idx, $seq, "'$q': index equals sequential scan");
}
$node->safe_psql('postgres', 'VACUUM posts');
is($node->safe_psql('postgres', q{SELECT pending_rows = 0 AND heap_rows = (SELECT count(*) FROM posts)
	FROM clientele.kw_index_check('posts_kw')}), 't', 'final VACUUM merges everything');
# CREATE INDEX reports its phase: a build held in its table scan by an
# advisory lock taken inside the indexed expression
$node->safe_psql('postgres', q{
	CREATE FUNCTION held(t text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
	BEGIN PERFORM pg_advisory_lock_shared(42); PERFORM pg_advisory_unlock_shared(42); RETURN t; END $$;
});
my $holder = $node->background_psql('postgres');
$holder->query_safe('SELECT pg_advisory_lock(42)');
my ($bout, $berr) = ('', '');
my $builder = IPC::Run::start(['psql', '-X', '-d', $node->connstr('postgres'), '-c',
	'CREATE INDEX posts_held ON posts USING kwindex ((held(body)))'], '>', \$bout, '2>', \$berr);
ok($node->poll_query_until('postgres',
	q{SELECT phase FROM pg_stat_progress_create_index WHERE relid = 'posts'::regclass},
	'building index: collecting keys'), 'pg_stat_progress_create_index shows the key collection phase');
$holder->query_safe('SELECT pg_advisory_unlock(42)');
$holder->quit;
$builder->finish;
is($node->safe_psql('postgres', q{SELECT heap_rows = (SELECT count(*) FROM posts) FROM clientele.kw_index_check('posts_held')}),
	't', 'the held build completes');

$node->stop;
done_testing();
