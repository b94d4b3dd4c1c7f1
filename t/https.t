# HTTPS everywhere: the redirect from a plain vhost to a real mod_ssl vhost,
# its host never taken from the client, and HSTS on HTTPS responses only.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use FindBin;
use lib "$FindBin::Bin/lib";
use PHS::Test;

plan tests => 70;

my $tls_port = port('tls');
my $https = "https://localhost:$tls_port";
my $known_hosts = qr{^https://(localhost|posthog\.test|alias\.test):$tls_port/};

sub plain { request(vhost => 'redirect', @_) }
sub tls { request(vhost => 'tls', tls => 1, @_) }
sub location { $_[0]{headers}{location}[0] // '' }

# Codes per method: 301 for GET and HEAD, 308 for the rest.
for my $case ([GET => 301], [HEAD => 301], [POST => 308], [PUT => 308],
              [DELETE => 308], [PATCH => 308], [OPTIONS => 308]) {
    my ($method, $want) = @$case;
    my $r = plain(method => $method, path => '/api/x');
    ok t_cmp($r->{status}, $want, "$method is redirected with $want");
    ok t_cmp(location($r), "$https/api/x", "$method: to the HTTPS vhost");
}

# Path and query byte for byte.
for my $path ('/api/a%20b/%C3%A9?x=%2F&y=1', '/api/a%2Fb', '/?', '/e/?ip=1&_=17',
              '/api/%22quoted%22?q=%3Cscript%3E') {
    my $r = plain(path => $path);
    ok t_cmp(location($r), "$https$path", "$path is preserved");
}

# A denied POST body survives the 308: the client repeats it over TLS.
{
    my $m = unique_marker();
    my $r = plain(method => 'POST', path => "/e/?$m", body => 'event=signup');
    ok t_cmp($r->{status}, 308, 'an SDK POST gets 308');
    my ($port, $path) = location($r) =~ m{^https://localhost:(\d+)(/.*)$};
    $r = request(port => $port, tls => 1, method => 'POST', path => $path,
                 body => 'event=signup');
    ok t_cmp($r->{status}, 200, 'the POST repeated over HTTPS is served');
    ok t_cmp($r->{body}, qr/^body=event=signup$/m, 'the backend got the body intact');
    ok t_cmp(backend_hits($m), 1, 'exactly once');
}

# Host header injection never yields a Location outside this vhost's names.
# httpd itself refuses a Host that is no host name (400), before the module.
for my $case (['evil.example', 301], ['evil.example:443', 301], ['good@evil.example', 400],
              ['good.evil.example', 301], ['localhost.evil.example', 301], ['[::1]', 301],
              ['127.0.0.1', 301], ['', 400], ['evil.example/x', 400],
              ['posthog.test.evil.example', 301], ['posthog.example.attacker.test', 301],
              ['eu.wild.test', 301]) {
    my ($host, $want) = @$case;
    my $r = plain(path => '/api/x', headers => [Host => $host]);
    my $where = location($r) eq '' ? 'no Location'
              : location($r) =~ $known_hosts ? 'one of ours' : location($r);
    ok t_cmp("$r->{status}, $where", $want == 301 ? '301, one of ours' : '400, no Location',
             "Host '$host': $want and no foreign Location");
}
{
    my $r = plain(path => '/api/x', headers => [Host => 'evil.example']);
    ok t_cmp(location($r), "$https/api/x", 'a foreign Host gets the ServerName');
    $r = plain(path => '/api/x', headers => [Host => 'Alias.Test:8080']);
    ok t_cmp(location($r), "https://alias.test:$tls_port/api/x",
             'an alias with a port: that alias, our HTTPS port');
    $r = plain(path => '/api/x', headers => [Host => 'posthog.test']);
    ok t_cmp(location($r), "https://posthog.test:$tls_port/api/x", 'a ServerAlias is kept');
    # ServerAlias posthog.example.*, *.wild.test and *: the client chose
    # the host, so the ServerName is used.
    for my $host ('eu.wild.test', 'posthog.example.attacker.test') {
        $r = plain(path => '/api/x', headers => [Host => $host]);
        ok t_cmp(location($r), "$https/api/x", "a wildcard alias match ($host) gets the ServerName");
    }
    $r = plain(raw => "GET /api/x HTTP/1.0\r\n\r\n");
    ok t_cmp(location($r), "$https/api/x", 'HTTP/1.0 without Host: the ServerName');
}

# Canonical host.
{
    my $r = request(vhost => 'redirect_canonical', path => '/api/x',
                    headers => [Host => 'localhost']);
    ok t_cmp(location($r), 'https://posthog.example.com/api/x',
             'PostHogCanonicalHost wins, port 443 omitted');
}

# Exempt health checks and Off scopes stay on HTTP.
{
    my $r = plain(path => '/_health');
    ok t_cmp($r->{status}, 200, '/_health is served over HTTP');
    ok t_cmp(scalar @{ hsts($r) }, 0, 'without HSTS');
    $r = plain(path => '/_readyz/x');
    ok t_cmp($r->{status}, 200, '/_readyz/x is served over HTTP');
    $r = plain(path => '/_healthz');
    ok t_cmp($r->{status}, 301, '/_healthz is not exempt');
    $r = plain(path => '/plain-ok/x');
    ok t_cmp($r->{status}, 200, 'PostHogHTTPSRedirect Off in a Location');
    $r = plain(path => '/api/x');
    ok t_cmp(scalar @{ hsts($r) }, 0, 'no HSTS on the HTTP redirect');
}

# Mode debug: Auto means no redirect.
{
    my $r = request(vhost => 'redirect_debug', path => '/api/x');
    ok t_cmp($r->{status}, 200, 'debug mode: no redirect under Auto');
}

# Behind a TLS-terminating proxy: its proto header counts only when trusted.
{
    my $r = request(vhost => 'redirect_proxied', from => '127.0.0.2', path => '/api/x',
                    headers => ['X-Forwarded-Proto' => 'https', 'X-Forwarded-For' => '198.51.100.7']);
    ok t_cmp($r->{status}, 200, 'trusted proxy says https: served, no loop');
    ok t_cmp(hsts($r)->[0], 'max-age=600', 'and HSTS is sent');
    $r = request(vhost => 'redirect_proxied', from => '127.0.0.3', path => '/api/x',
                 headers => ['X-Forwarded-Proto' => 'https']);
    ok t_cmp($r->{status}, 301, 'an untrusted peer claiming https is redirected');
    ok t_cmp(scalar @{ hsts($r) }, 0, 'without HSTS');
    $r = request(vhost => 'redirect_proxied', from => '127.0.0.2', path => '/api/x',
                 headers => ['X-Forwarded-Proto' => 'http']);
    ok t_cmp($r->{status}, 301, 'trusted proxy says http: redirected');
}

# HSTS on every HTTPS response, errors included, never twice.
{
    my $value = 'max-age=31536000; includeSubDomains';
    my $r = tls(path => '/api/x');
    ok t_cmp($r->{status}, 200, 'HTTPS 200');
    ok t_cmp(hsts($r), [$value], 'HSTS on 200');
    $r = tls(path => '/cgi/missing.cgi');
    ok t_cmp($r->{status}, 404, 'HTTPS 404');
    ok t_cmp(hsts($r), [$value], 'HSTS on 404');
    my $m = unique_marker();
    $r = tls(path => "/api/x?$m", from => '127.0.0.2');
    ok t_cmp($r->{status}, 403, 'HTTPS 403 for a blocked client');
    ok t_cmp(backend_hits($m), 0, 'the backend never saw it');
    ok t_cmp(hsts($r), [$value], 'HSTS on 403');
    $r = tls(path => '/old');
    ok t_cmp($r->{status}, 302, 'HTTPS redirect');
    ok t_cmp(hsts($r), [$value], 'HSTS on the redirect');
    $r = tls(path => '/set-cookies?h=Strict-Transport-Security%3A%20max-age%3D5');
    ok t_cmp(hsts($r), ['max-age=5'], "the backend's own HSTS wins, sent once");
    $r = tls(path => '/api/x', method => 'POST', body => 'x');
    ok t_cmp($r->{status}, 200, 'HTTPS requests are never redirected');
}

# Redirect exemptions of several segments, one restricted again.
{
    my %want = ('/_health' => 200, '/lb/check' => 200, '/lb/check/x' => 200,
                '/lb/check/deep' => 301, '/lb' => 301);
    for my $path (sort keys %want) {
        my $r = request(vhost => 'redirect_paths', path => $path);
        ok t_cmp($r->{status}, $want{$path},
                 "PostHogHTTPSRedirectExempt: $path gets $want{$path}");
    }
}
