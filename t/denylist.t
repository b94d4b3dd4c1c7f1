# The deny-list (PostHogBlockedIPBlocks, PostHogBlockedIPBlocksFile): a
# listed client is refused on every path, exempt ones and
# PostHogIPRestriction Off included, before anything runs; logged with its
# reason; the same parser as the allow-list, and configtest errors.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use FindBin;
use lib "$FindBin::Bin/lib";
use PHS::Test;

plan tests => 49;

my $get = requester('denylist');

# [from, X-Forwarded-For or undef, what it shows]
my @listed = (
    ['127.0.0.5', undef, 'a listed address'],
    ['127.0.0.6', undef, 'an address from PostHogBlockedIPBlocksFile'],
    ['127.0.0.2', '198.51.100.7', 'a listed network, behind a trusted proxy'],
    ['127.0.0.2', '203.0.113.9', "a file's network, behind a trusted proxy"],
    ['127.0.0.2', '2001:db8:bad::1', 'a listed IPv6 network'],
    ['127.0.0.2', '::ffff:198.51.100.8', 'an IPv4-mapped client of a listed network'],
);
for my $case (@listed) {
    my ($from, $xff, $what) = @$case;
    my @headers = $xff ? (headers => ['X-Forwarded-For' => $xff]) : ();
    for my $path ('/e/', '/api/open/x') {
        my $m = unique_marker();
        my $r = $get->($from, "$path?$m", @headers);
        ok t_cmp($r->{status}, 403, "$what is refused on $path");
        ok t_cmp(backend_hits($m), 0, "and $path never reached the backend");
    }
}

# Everyone else is in (there is no allow-list here).
for my $case (['127.0.0.1', undef], ['127.0.0.2', '198.51.101.7'],
              ['127.0.0.2', '2001:db8:bae::1']) {
    my ($from, $xff) = @$case;
    my $m = unique_marker();
    my $r = $get->($from, "/api/projects?$m",
                   $xff ? (headers => ['X-Forwarded-For' => $xff]) : ());
    ok t_cmp($r->{status}, 200, 'an unlisted client ' . ($xff // $from) . ' is in');
    ok t_cmp(backend_hits($m), 1, 'and reaches the backend');
}

# A spoofed header from an untrusted peer names no one.
{
    my $r = $get->('127.0.0.3', '/api/projects',
                   headers => ['X-Forwarded-For' => '198.51.100.7']);
    ok t_cmp($r->{status}, 200, 'a listed address in an untrusted header counts for nothing');
}

# The lists of every enclosing scope apply together: a location's list
# adds to the vhost's, and `none` in a location lifts nothing.
{
    my $m = unique_marker();
    my $r = $get->('127.0.0.5', "/api/unblocked/x?$m");
    ok t_cmp($r->{status}, 403, "PostHogBlockedIPBlocks none in a location lifts nothing");
    ok t_cmp(backend_hits($m), 0, 'and the request never reaches the backend');
    for my $from ('127.0.0.5', '127.0.0.6', '127.0.0.7') {
        $m = unique_marker();
        $r = $get->($from, "/capture/dl/x?$m");
        ok t_cmp($r->{status}, 403, "$from is refused where a location lists 127.0.0.7");
        ok t_cmp(backend_hits($m), 0, "and $from never reaches the backend there");
    }
    $m = unique_marker();
    $r = $get->('127.0.0.7', "/capture/x?$m");
    ok t_cmp($r->{status}, 200, "the location's own list applies in that location only");
}

# A client that cannot be known could be a listed one: refused everywhere.
{
    my $m = unique_marker();
    my $r = $get->('127.0.0.2', "/e/?$m", headers => ['X-Forwarded-For' => 'garbage']);
    ok t_cmp($r->{status}, 403, 'an unknown client is refused on /e/ too (fail closed)');
    ok t_cmp(backend_hits($m), 0, 'and never reaches the backend');
}

# Logged at error with the reason; POSTHOG_ACCESS says denied.
{
    my $offset = error_log_size();
    my $m = unique_marker();
    $get->('127.0.0.5', "/e/$m");
    ok t_cmp(error_log_since($offset),
             qr{denied client 127\.0\.0\.5 \(peer 127\.0\.0\.5\) for /e/$m: client address in PostHogBlockedIPBlocks},
             'the denial is logged with client, peer, path and reason');
    ok t_cmp(access_log_line('denylist_access_log', $m), qr/" 403 denied /,
             'POSTHOG_ACCESS is denied');
    ok t_cmp(backend_hits($m), 0, 'and the backend never saw it');
}

# configtest: the allow-list's parser, errors naming directive and token.
my @bad = (
    ['PostHogBlockedIPBlocks 10.0.0.0/33', '10.0.0.0/33'],
    ['PostHogBlockedIPBlocks posthog.example', 'posthog.example'],
    ['PostHogBlockedIPBlocks 10.0.0.1 none', 'none'],
    ['PostHogBlockedIPBlocksFile /nonexistent/blocked.txt', '/nonexistent/blocked.txt'],
);
for my $case (@bad) {
    my ($line, $token) = @$case;
    my ($status, $out) = configtest("<Location />\n$line\n</Location>\n");
    ok t_cmp($status != 0 && $out =~ /PostHogBlockedIPBlocks(File)?:/
             && index($out, $token) >= 0 ? 'refused, named' : $out,
             'refused, named', "configtest refuses '$line' naming '$token'");
}
