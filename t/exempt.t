# Ingestion endpoints stay open to every client; nothing else does, whatever
# the path tricks.  The backend's hit log proves what got through.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use FindBin;
use lib "$FindBin::Bin/lib";
use PHS::Test;

my @default_segments = qw(e i batch capture track engage s decide flags array
                          static _health _readyz _livez messaging-preferences);
my @exempt = map { ("/$_", "/$_/", "/$_/deeper/path") } @default_segments;
my @near_misses = qw(/events /e.js /E/ /E /static-admin /decide2 /batches
                     /_healthz /capture.php /api/e/ /x/e/ /Batch/);
my @traversal = ('/e/../admin', '/e/%2e%2e/admin', '//e/../admin',
                 '/e/./../admin', '/e/..%2fadmin', '/e/%2E%2E/admin',
                 '/static/../../api/users');
my @encoded_slash = ('/e/..%2Fadmin', '/e/%2F..%2Fadmin', '/e%2F../admin',
                     '/e/..%5Cadmin', '/e/x%2F..%2F..%2Fadmin');

plan tests => 2 * @exempt + 2 * @near_misses + 2 * @traversal
            + 2 * @encoded_slash + 13;

sub from_blocked {
    my ($vhost, $path) = @_;
    my $m = unique_marker();
    my $sep = $path =~ /\?/ ? '&' : '?';
    my $r = request(vhost => $vhost, from => '127.0.0.2', path => "$path$sep$m");
    return ($r, backend_hits($m));
}

for my $path (@exempt) {
    my ($r, $hits) = from_blocked('app', $path);
    ok t_cmp($r->{status}, 200, "$path is open to a blocked client");
    ok t_cmp($hits, 1, "$path reached the backend");
}

for my $path (@near_misses, @traversal) {
    my ($r, $hits) = from_blocked('app', $path);
    ok t_cmp($r->{status}, qr/^4\d\d$/, "$path is refused ($r->{status})");
    ok t_cmp($hits, 0, "$path never reached the backend");
}

# AllowEncodedSlashes NoDecode hands %2F through to the backend, which may
# decode it: such paths are not exempt.
for my $path (@encoded_slash) {
    my ($r, $hits) = from_blocked('encoded', $path);
    ok t_cmp($r->{status}, 403, "$path is refused with encoded slashes on");
    ok t_cmp($hits, 0, "$path never reached the backend");
}

# An exempt POST (an SDK's capture) goes through with its body.
{
    my $m = unique_marker();
    my $r = request(vhost => 'app', from => '127.0.0.2', method => 'POST',
                    path => "/e/?$m", body => '{"event":"pageview"}');
    ok t_cmp($r->{status}, 200, 'exempt POST /e/ from a blocked client');
    ok t_cmp($r->{body}, qr/body=\{"event":"pageview"\}/, 'with its body');
}

# POSTHOG_ACCESS in the access log: exempt, allowed, denied.
{
    my %want = ('127.0.0.2 /e/' => 'exempt', '127.0.0.1 /api/x' => 'allowed',
                '127.0.0.2 /api/x' => 'denied');
    for my $case (sort keys %want) {
        my ($from, $path) = split ' ', $case;
        my $m = unique_marker();
        request(vhost => 'app', from => $from, path => "$path?$m");
        ok t_cmp(access_log_line('app_access_log', $m),
                 qr/ $want{$case} $from$/, "$case is logged as $want{$case}");
    }
}

# Variables set before the module's (SetEnvIf here) are replaced: the log
# reads the first value of a name, so a doubled one would show "forged".
for my $from ('127.0.0.1', '127.0.0.2') {
    my $m = unique_marker();
    request(vhost => 'app', from => $from, path => "/api/forged?$m");
    my $want = $from eq '127.0.0.1' ? 'allowed' : 'denied';
    ok t_cmp(access_log_line('app_access_log', $m), qr/ $want $from$/,
             "POSTHOG_ACCESS and POSTHOG_CLIENT_IP set by SetEnvIf are "
             . "replaced ($from: $want)");
}

# A custom list replaces the default one.
{
    my ($r, $hits) = from_blocked('custom', '/hooks/x');
    ok t_cmp($r->{status}, 200, 'PostHogExemptPaths hooks: /hooks/ is open');
    ($r, $hits) = from_blocked('custom', '/e/');
    ok t_cmp($r->{status}, 403, 'and the default /e/ no longer is');
    ok t_cmp($hits, 0, 'so /e/ never reached the backend');
    ($r, $hits) = from_blocked('custom', '/_health');
    ok t_cmp($r->{status}, 200, '/_health is in the custom list');
    ($r, $hits) = from_blocked('custom', '/hooks/closed/x');
    ok t_cmp($r->{status}, 403, "'none' in a Location exempts nothing there");
    ok t_cmp($hits, 0, 'so /hooks/closed/x never reached the backend');
}
