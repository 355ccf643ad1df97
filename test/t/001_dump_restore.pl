# Custom lexicons are configuration: pg_dump keeps them, a restore into a
# new database scores exactly as before, and a non-superuser can score.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init(extra => ['--encoding=UTF8', '--locale=C.UTF-8']);
$node->start;

$node->safe_psql('postgres', q{
	CREATE EXTENSION clientele;
	SELECT clientele.lexicon_load('cosmetics', E'gras\t-1.5\ntient toute la journée\t2.5\nwaterproof\t1.5');
	CREATE TABLE posts (id int, body text);
	INSERT INTO posts VALUES (1, 'mascara waterproof qui tient toute la journée'),
	                         (2, 'crème trop grasse, déçue'), (3, 'love it 😍');
});

my $query = q{SELECT string_agg(id || '=' || round(clientele.sentiment(body, 'auto', 'cosmetics')::numeric, 6), ',' ORDER BY id) FROM posts};
my $before = $node->safe_psql('postgres', $query);

my $dump = $node->basedir . '/dump.sql';
$node->command_ok(['pg_dump', '-d', $node->connstr('postgres'), '-f', $dump], 'pg_dump succeeds');
$node->safe_psql('postgres', 'CREATE DATABASE restored');
$node->command_ok(['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('restored'), '-f', $dump],
	'restore succeeds');

is($node->safe_psql('restored', 'SELECT count(*) FROM clientele.lexicon_entry'), '3', 'custom lexicon entries restored');
is($node->safe_psql('restored', $query), $before, 'same scores after restore');

# a user without any privilege beyond the defaults
$node->safe_psql('restored', 'CREATE ROLE analyst LOGIN; GRANT SELECT ON posts TO analyst');
is($node->safe_psql('restored', $query, extra_params => ['-U', 'analyst']), $before, 'a non-superuser scores the same');

# the same library serves a second backend started after the first one's cache warmed
my ($ret, $out, $err) = $node->psql('restored', "SELECT clientele.sentiment('x', 'fr', 'nope')", extra_params => ['-U', 'analyst']);
like($err, qr/lexicon "nope" does not exist/, 'unknown lexicon is a clear error');

$node->stop;
done_testing();
