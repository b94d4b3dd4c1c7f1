# The real client IP behind proxies: 127.0.0.2, 127.0.0.3 and ::1 are the
# trusted proxies; the allow-list, %a, Require ip and the X-Forwarded-For a
# mod_proxy backend receives must all agree with the resolved client.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use FindBin;
use lib "$FindBin::Bin/lib";
use PHS::Test;

plan tests => 53;

# (the response, its marker) of a request with X-Forwarded-For: $xff
# (none when undef) and the headers @more.
sub via {
    my ($vhost, $from, $xff, $path, @more) = @_;
    my @h = defined $xff ? ('X-Forwarded-For' => $xff) : ();
    return marked_request(vhost => $vhost, from => $from, path => $path,
                          headers => [@h, @more]);
}

# A trusted proxy forwards an allowed client.
{
    my ($r, $m) = via('proxied', '127.0.0.2', '198.51.100.7', '/api/x');
    ok t_cmp($r->{status}, 200, 'client 198.51.100.7 via trusted 127.0.0.2: allowed');
    ok t_cmp($r->{body}, qr/^HTTP_X_FORWARDED_FOR=198\.51\.100\.7$/m,
             'the backend receives X-Forwarded-For: the client');
    ok t_cmp(access_log_line('proxied_access_log', $m),
             qr/^198\.51\.100\.7 127\.0\.0\.2 .* 200 allowed 127\.0\.0\.2$/,
             '%a is the client, %{c}a the peer, the proxies note the peer');
}

# PostHogForwardedHeaders rewrite (the default): the backend gets the
# client alone, never the forged remainder (t/forwarded_headers.t has the
# rest).
{
    my ($r, $m) = via('proxied', '127.0.0.2', '6.6.6.6, 198.51.100.7, 127.0.0.3', '/api/x');
    ok t_cmp($r->{status}, 200, 'a chain through two trusted hops');
    ok t_cmp($r->{body}, qr/^HTTP_X_FORWARDED_FOR=198\.51\.100\.7$/m,
             'the backend sees the client alone, not the untrusted remainder');
    ok t_cmp(access_log_line('proxied_access_log', $m),
             qr/ allowed 127\.0\.0\.2,127\.0\.0\.3$/, 'both proxies are noted');
}

# A client that is not allowed, behind a trusted proxy: denied, never seen.
for my $xff ('198.51.100.7, 6.6.6.6', '203.0.113.5', '127.0.0.1') {
    my ($r, $m) = via('proxied', '127.0.0.2', $xff, '/api/x');
    ok t_cmp($r->{status}, 403, "X-Forwarded-For '$xff' via a trusted proxy: denied");
    ok t_cmp(backend_hits($m), 0, "and '$xff' never reached the backend");
}

# Spoofing from an untrusted peer: the header is ignored entirely.
{
    my ($r, $m) = via('proxied', '127.0.0.4', '198.51.100.7', '/api/x');
    ok t_cmp($r->{status}, 403, 'an untrusted peer cannot claim an allowed address');
    ok t_cmp(backend_hits($m), 0, 'and never reaches the backend');
    ok t_cmp(access_log_line('proxied_access_log', $m), qr/^127\.0\.0\.4 127\.0\.0\.4 /,
             '%a stays the peer');
}

# IPv6 proxy and IPv6 client.
{
    my ($r) = via('proxied', '::1', '[2001:db8:1::5]:443', '/api/x');
    ok t_cmp($r->{status}, 200, 'IPv6 client with port via the ::1 proxy');
    ok t_cmp($r->{body}, qr/^HTTP_X_FORWARDED_FOR=2001:db8:1::5$/m,
             'the backend receives the IPv6 client');
}

# Garbage reached during the walk: restricted paths fail closed, exempt
# paths still work, the log says why.
{
    my $offset = error_log_size();
    my ($r, $m) = via('proxied', '127.0.0.2', '198.51.100.7, not-an-ip', '/api/x');
    ok t_cmp($r->{status}, 403, 'an unparseable entry: the restricted path is denied');
    ok t_cmp(backend_hits($m), 0, 'and never reached the backend');
    ok t_cmp(error_log_since($offset), qr/client unknown: X-Forwarded-For unparseable entry 'not-an-ip'/,
             'the error log says why');
    ($r, $m) = via('proxied', '127.0.0.2', 'not-an-ip', '/e/');
    ok t_cmp($r->{status}, 200, 'an exempt path still works with an unknown client');
}

# POSTHOG_CLIENT_IP set before the module (SetEnvIf on /e/forged) is the
# resolved client, or absent when the client is unknown.
{
    my ($r, $m) = via('proxied', '127.0.0.2', '198.51.100.7', '/e/forged');
    ok t_cmp(access_log_line('proxied_env_log', $m), qr/ 198\.51\.100\.7$/,
             'a forged POSTHOG_CLIENT_IP is replaced by the client');
    ($r, $m) = via('proxied', '127.0.0.2', 'not-an-ip', '/e/forged');
    ok t_cmp($r->{status}, 200, 'an unknown client on an exempt path');
    ok t_cmp(access_log_line('proxied_env_log', $m), qr/" -$/,
             'gets no POSTHOG_CLIENT_IP, not the forged one');
}

# Require ip and CGI see the resolved client; several header lines join.
{
    my ($r) = via('proxied', '127.0.0.2', '198.51.100.7', '/cgi/app.cgi/authz');
    ok t_cmp($r->{status}, 200, 'Require ip 198.51.100.7 admits the resolved client');
    ok t_cmp($r->{body}, qr/^REMOTE_ADDR=198\.51\.100\.7$/m, 'CGI REMOTE_ADDR is the client');
    ok t_cmp($r->{body}, qr/^POSTHOG_CLIENT_IP=198\.51\.100\.7$/m, 'POSTHOG_CLIENT_IP too');
    my $m;
    ($r, $m) = via('proxied', '127.0.0.2', '198.51.100.8', '/cgi/app.cgi/authz');
    ok t_cmp($r->{status}, 403, 'Require ip refuses another resolved client');
    ok t_cmp(backend_hits($m), 0, 'and the CGI never ran');
    ($r) = via('proxied', '127.0.0.2', '198.51.100.7', '/cgi/app.cgi',
               'X-Forwarded-For' => '127.0.0.3');
    ok t_cmp($r->{body}, qr/^REMOTE_ADDR=198\.51\.100\.7$/m,
             'two header lines are one chain');
    ($r) = via('proxied', '127.0.0.2', undef, '/cgi/app.cgi',
               'x-forwarded-for' => '198.51.100.7', 'X-FORWARDED-PROTO' => 'https');
    ok t_cmp($r->{body}, qr/^REMOTE_ADDR=198\.51\.100\.7$/m,
             'header names in any case: the client');
    ok t_cmp($r->{body}, qr/^POSTHOG_HTTPS=on$/m, '... and the proto');
}

# An internal redirect (ErrorDocument) does not walk the header twice.
{
    my ($r) = via('proxied', '127.0.0.2', '198.51.100.9, 198.51.100.7, 127.0.0.3',
                  '/cgi/missing.cgi');
    ok t_cmp($r->{body}, qr/^REDIRECT_STATUS=404$/m, 'the ErrorDocument ran');
    ok t_cmp($r->{body}, qr/^REMOTE_ADDR=198\.51\.100\.7$/m,
             'it sees the client resolved once');
}

# HTTPS detection: the proto header counts from a trusted peer only.
{
    my ($r) = via('proxied', '127.0.0.2', '198.51.100.7', '/cgi/app.cgi',
                  'X-Forwarded-Proto' => 'HTTPS');
    ok t_cmp($r->{body}, qr/^POSTHOG_HTTPS=on$/m, 'trusted proxy says https: on');
    ($r) = via('proxied', '127.0.0.2', '198.51.100.7', '/cgi/app.cgi',
               'X-Forwarded-Proto' => 'http, https');
    ok t_cmp($r->{body}, qr/^POSTHOG_HTTPS=off$/m, 'only the first value counts');
    ($r) = via('proxied', '127.0.0.2', '198.51.100.7', '/cgi/app.cgi');
    ok t_cmp($r->{body}, qr/^POSTHOG_HTTPS=off$/m, 'no proto header: off');
    ($r) = via('app', '127.0.0.1', undef, '/cgi/app.cgi', 'X-Forwarded-Proto' => 'https');
    ok t_cmp($r->{body}, qr/^POSTHOG_HTTPS=off$/m, 'an untrusted peer cannot claim https');
}

# ProxyHops 2: the second from the right, from any peer.
{
    my ($r, $m) = via('hops', '127.0.0.5', '203.0.113.1, 198.51.100.7, 10.0.0.1', '/api/x');
    ok t_cmp($r->{status}, 200, 'hops=2 picks the second entry from the right');
    ($r, $m) = via('hops', '127.0.0.5', '198.51.100.7', '/api/x');
    ok t_cmp($r->{status}, 403, 'a chain shorter than 2: unknown, denied');
    ok t_cmp(backend_hits($m), 0, 'and never reached the backend');
    ($r, $m) = via('hops', '127.0.0.5', '198.51.100.7, 203.0.113.1, 10.0.0.1', '/api/x');
    ok t_cmp($r->{status}, 403, 'a spoofed leftmost entry does not count');
    ok t_cmp(backend_hits($m), 0, 'and never reached the backend');
}

# TrustAll: the leftmost, spoofable, with a warning at startup.
{
    my ($r) = via('trustall', '127.0.0.5', '198.51.100.7, 203.0.113.1', '/api/x');
    ok t_cmp($r->{status}, 200, 'trust all takes the leftmost entry');
    my $log = error_log_since(0);
    ok t_cmp($log, qr/PostHogTrustAllProxies On takes the leftmost X-Forwarded-For entry.*PostHogProxyHops is the safe choice/,
             'startup warning: spoofable, ProxyHops is the safe choice');
    ok t_cmp($log, qr/PostHogBehindProxy On without PostHogTrustedProxies/,
             'startup warning: BehindProxy without a trust directive');
}

# BehindProxy without trust: headers ignored.
{
    my ($r, $m) = via('notrust', '127.0.0.2', '198.51.100.7', '/api/x');
    ok t_cmp($r->{status}, 403, 'without a trust directive the header is ignored');
    ok t_cmp(backend_hits($m), 0, 'and never reached the backend');
}

# Other header names.
{
    my ($r, $m) = via('headers', '127.0.0.2', '203.0.113.1', '/cgi/app.cgi',
                      'X-Real-Client' => '198.51.100.7', 'X-Scheme' => 'https');
    ok t_cmp($r->{status}, 200, 'PostHogClientIPHeader X-Real-Client is used');
    ok t_cmp($r->{body}, qr/^REMOTE_ADDR=198\.51\.100\.7$/m, 'the client comes from it');
    ok t_cmp($r->{body}, qr/^POSTHOG_HTTPS=on$/m, 'PostHogForwardedProtoHeader X-Scheme is used');
    ($r, $m) = via('headers', '127.0.0.2', '198.51.100.7', '/cgi/app.cgi');
    ok t_cmp($r->{status}, 403, 'X-Forwarded-For is not used then');
    ok t_cmp(backend_hits($m), 0, 'and the CGI never ran');
}
