# HTTP/2: the allow-list, the exempt paths, the cookie rewrite, the HTTPS
# redirect and HSTS over h2 (mod_http2 on TLS, ALPN) and h2c (prior
# knowledge and Upgrade).  Each request is a stream on a secondary
# connection of mod_http2's; the clients are curl (bound to the chosen
# address, as the other tests' clients) and nghttp for the raw frames.
# Every check also says which protocol answered.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use File::Temp qw(tempdir);
use FindBin;
use lib "$FindBin::Bin/lib";
use PHS::Test;

my $vars = Apache::Test::config()->{vars};
my $ca = "$vars->{sslca}/asf/certs/ca.crt";
my $hsts = 'max-age=31536000; includeSubDomains';

# Missing clients are a failure, not a skip: ./install-deps brings them.
die "t/http2.t needs curl with HTTP2 and nghttp (./install-deps)\n"
    unless `curl --version 2>/dev/null` =~ /^Features:.*\bHTTP2\b/m
        && `nghttp --version 2>/dev/null` =~ /^nghttp/;

plan tests => 136;

# curl(mode => tls|h2c|upgrade, vhost => NAME, from => ADDR,
#      paths => [P, ...] (one connection, reused) or path => P,
#      method => M, body => B, headers => [line, ...], curl => [args])
# Returns one { status, version, connects, headers => { lc name =>
# [values] }, body } per path; the 101 of an Upgrade is left out.
sub curl {
    my %a = (from => '127.0.0.1', method => 'GET', headers => [], curl => [],
             @_);
    my @paths = $a{paths} ? @{ $a{paths} } : ($a{path});
    my $dir = tempdir(CLEANUP => 1);
    my $v6 = $a{from} =~ /:/;
    my $host = $v6 ? '[::1]' : 'localhost';
    my $scheme = $a{mode} eq 'tls' ? 'https' : 'http';
    my @args = ('-q', '--silent', '--show-error', '--noproxy', '*',
                '--max-time', '20', '--interface', $a{from},
                $v6 ? '--ipv6' : '--ipv4',
                '--dump-header', "$dir/headers",
                '--write-out', '%{http_code} %{http_version} %{num_connects}\n');
    push @args, $a{mode} eq 'tls' ? ('--http2', '--cacert', $ca)
              : $a{mode} eq 'upgrade' ? '--http2'
              : '--http2-prior-knowledge';
    push @args, $a{method} eq 'HEAD' ? '--head' : ('--request', $a{method})
        unless $a{method} eq 'GET';
    push @args, '--data-binary', $a{body} if defined $a{body};
    push @args, map { ('--header', $_) } @{ $a{headers} };
    push @args, @{ $a{curl} };
    my $port = port($a{vhost});
    for my $i (0 .. $#paths) {
        push @args, '--output', "$dir/body$i", "$scheme://$host:$port$paths[$i]";
    }
    open my $out, '-|', 'curl', @args or die "curl: $!";
    my @lines = <$out>;
    close $out;
    my @blocks = grep { !/^HTTP\/\S+ 1\d\d/ } split /(?<=\r\n\r\n)/,
                 slurp("$dir/headers");
    my @responses;
    for my $i (0 .. $#paths) {
        my ($code, $version, $connects) = split ' ', $lines[$i] // '0 0 0';
        my %headers;
        for (split /\r\n/, $blocks[$i] // '') {
            my ($name, $value) = /^([^:\s]+):\s*(.*)$/ or next;
            push @{ $headers{lc $name} }, $value;
        }
        push @responses, { status => $code, version => $version,
                           connects => $connects, headers => \%headers,
                           body => slurp("$dir/body$i") };
    }
    return wantarray ? @responses : $responses[0];
}

# nghttp(URL or option, ...): what nghttp received on its one connection,
# by stream (its requests are streams 13, 15...; an Upgrade's is 1; pushes
# are even): { protocol, streams => { id => { headers => { name =>
# [values] } } }, promised => [paths of PUSH_PROMISEs], raw }.
sub nghttp {
    my @args = @_;
    # Its warnings (the test CA is not its trust store) join the output.
    my $pid = open my $out, '-|';
    die "fork: $!" unless defined $pid;
    if (!$pid) {
        open STDERR, '>&', \*STDOUT or die "stderr: $!";
        exec 'nghttp', '--verbose', '--null-out', '--timeout=20', @args;
        die "nghttp: $!";
    }
    my $raw = do { local $/; <$out> } // '';
    close $out;
    my %result = (raw => $raw, streams => {}, promised => [],
                  # ALPN over TLS; on h2c the server's SETTINGS frame
                  # (after a 101 when upgrading).
                  protocol => $raw =~ /^The negotiated protocol: (\S+)/m ? $1
                            : $raw =~ /recv SETTINGS frame/
                              && (!grep({ $_ eq '--upgrade' } @args)
                                  || $raw =~ /HTTP Upgrade success/) ? 'h2c' : '');
    # A PUSH_PROMISE's request headers come before its frame line, on the
    # stream that carries it; the rest are response headers.
    my %pending;
    for (split /\n/, $raw) {
        if (/recv \(stream_id=(\d+)\) (\S+?): (.*)$/) {
            push @{ $pending{$1} }, [$2, $3];
        }
        elsif (/recv PUSH_PROMISE frame .*stream_id=(\d+)>/) {
            my ($path) = map { $_->[1] } grep { $_->[0] eq ':path' }
                         @{ delete $pending{$1} // [] };
            push @{ $result{promised} }, $path;
        }
        elsif (/recv HEADERS frame <.*stream_id=(\d+)>/) {
            for my $field (@{ delete $pending{$1} // [] }) {
                push @{ $result{streams}{$1}{headers}{$field->[0]} },
                    $field->[1];
            }
        }
    }
    return \%result;
}

sub body_file { write_file(tempdir(CLEANUP => 1) . '/body', shift) }

# --- h2 over TLS: the allow-list --------------------------------------------

# A blocked client's request: a 403 over HTTP/2 that the backend never
# saw; returns the response for the checks of its protocol.
sub blocked_over_http2 {
    my ($mode, $vhost, $label, $from) = @_;
    my ($path, $m) = marked_path('/api/projects');
    my $r = curl(mode => $mode, vhost => $vhost, from => $from, path => $path);
    ok t_cmp("$r->{status} $r->{version}", '403 2',
             "$label: blocked client $from gets 403 over HTTP/2");
    ok t_cmp(backend_hits($m), 0, "$label: the backend never saw $from");
    return $r;
}

for my $from ('127.0.0.2', '127.0.0.3') {
    my $r = blocked_over_http2('tls', 'h2tls', 'h2', $from);
    ok t_cmp($r->{body}, qr/Access denied\./, 'h2: with the deny message');
}
{
    my $m = unique_marker();
    my $r = curl(mode => 'tls', vhost => 'h2tls', path => "/api/projects?$m");
    ok t_cmp("$r->{status} $r->{version}", '200 2', 'h2: the allowed client gets 200 over HTTP/2');
    ok t_cmp(backend_hits($m), 1, 'h2: the backend saw it once');

    # Bodyless: when a refusal comes before curl 7.88 has sent a body,
    # mod_http2 resets the stream with NO_ERROR and curl at times reports
    # error 92 instead of the 403 (httpd's own `Require all denied` alike);
    # nghttp sends the bodies below.
    $m = unique_marker();
    $r = curl(mode => 'tls', vhost => 'h2tls', from => '127.0.0.2',
              method => 'POST', path => "/api/projects/1/delete?$m");
    ok t_cmp("$r->{status} $r->{version}", '403 2', 'h2: a blocked POST gets 403');
    ok t_cmp(backend_hits($m), 0, 'h2: the POST never reached the backend');
}

# Exempt paths pass for a blocked client; restricted ones that look exempt
# do not; a raw :path with dot segments is resolved before the check.
sub exempt_and_restricted {
    my ($mode, $vhost, $label) = @_;
    for my $path ('/e/', '/batch/') {
        my $m = unique_marker();
        my $r = curl(mode => $mode, vhost => $vhost, from => '127.0.0.2',
                     path => "$path?$m");
        ok t_cmp("$r->{status} $r->{version}", '200 2',
                 "$label: exempt $path passes for a blocked client");
        ok t_cmp(backend_hits($m), 1, "$label: the backend saw $path");
    }
    for my $path ('/events', '/e.js', '/e/../api/projects') {
        my $m = unique_marker();
        my $r = curl(mode => $mode, vhost => $vhost, from => '127.0.0.2',
                     path => "$path?$m", curl => ['--path-as-is']);
        ok t_cmp("$r->{status} $r->{version}", '403 2', "$label: $path is restricted");
        ok t_cmp(backend_hits($m), 0, "$label: the backend never saw $path");
    }
}
exempt_and_restricted('tls', 'h2tls', 'h2');

# Streams of one connection are decided each on its own: an exempt request
# first does not open the connection to the next one.
{
    my ($m1, $m2, $m3) = map { unique_marker() } 1 .. 3;
    my @r = curl(mode => 'tls', vhost => 'h2tls', from => '127.0.0.2',
                 paths => ["/e/?$m1", "/api/projects?$m2", "/batch/?$m3"]);
    ok t_cmp(join(' ', map { $_->{status} } @r), '200 403 200',
             'h2: exempt, restricted, exempt on one connection');
    ok t_cmp(join(' ', map { "$_->{version}/$_->{connects}" } @r), '2/1 2/0 2/0',
             'h2: all over HTTP/2, the connection reused');
    ok t_cmp(join(' ', map { backend_hits($_) } $m1, $m2, $m3), '1 0 1',
             'h2: the backend saw only the exempt ones');
}

# --- h2 over TLS: cookies, HSTS, POSTHOG_HTTPS ------------------------------

my @cookies = (
    'sessionid=abc; Path=/; HttpOnly',
    'posthog_csrftoken=xyz; Path=/; SameSite=Lax',
    'a=secure; Path=/secure',
    'b=2; SECURE',
    'sessionid=second; Path=/x',
);
my @rewritten = (
    'sessionid=abc; Path=/; HttpOnly; Secure',
    'posthog_csrftoken=xyz; Path=/; SameSite=Lax; Secure',
    'a=secure; Path=/secure; Secure; HttpOnly',
    'b=2; SECURE; HttpOnly',
    'sessionid=second; Path=/x; Secure; HttpOnly',
);
for my $case (['tls', 'h2tls', 'h2'], ['h2c', 'h2c', 'h2c'], ['upgrade', 'h2c', 'upgrade']) {
    my ($mode, $vhost, $label) = @$case;
    my $r = curl(mode => $mode, vhost => $vhost, path => '/set-cookies?' . cookie_query(@cookies));
    ok t_cmp("$r->{status} $r->{version}", '200 2', "$label: the proxied backend answers over HTTP/2");
    ok t_cmp($r->{headers}{'set-cookie'}, \@rewritten,
             "$label: every cookie Secure, HttpOnly unless exempt, order and count kept");
}
{
    my $r = curl(mode => 'tls', vhost => 'h2tls', path => '/cgi/cookies.cgi?c=cgi%3D1&status=404');
    ok t_cmp("$r->{status} $r->{version}", '404 2', 'h2: a CGI error response');
    ok t_cmp($r->{headers}{'set-cookie'}, ['cgi=1; Secure; HttpOnly'],
             "h2: its cookie (err_headers_out) rewritten");
}

# HSTS on every h2 response, errors and denials included, exactly once.
{
    my $big = 'a' x 10000;
    for my $case (['/api/x', '127.0.0.1', [], 200],
                  ['/api/x', '127.0.0.2', [], 403],
                  ['/cgi/missing.cgi', '127.0.0.1', [], 404],
                  ['/set-cookies?status=500', '127.0.0.1', [], 500],
                  # mod_http2's own refusal of an oversized field.
                  ['/api/x', '127.0.0.1', ["X-Big: $big"], 431]) {
        my ($path, $from, $headers, $status) = @$case;
        my ($marked, $m) = marked_path($path);
        my $r = curl(mode => 'tls', vhost => 'h2tls', from => $from,
                     path => $marked, headers => $headers);
        ok t_cmp("$r->{status} $r->{version}", "$status 2", "h2: $status over HTTP/2");
        ok t_cmp(hsts($r), [$hsts], "h2: HSTS once on the $status");
        ok t_cmp(backend_hits($m), 0, "h2: the backend never saw the $status")
            if $status == 403 || $status == 431;
    }
    my $r = curl(mode => 'tls', vhost => 'h2tls',
                 path => '/set-cookies?h=Strict-Transport-Security%3A%20max-age%3D5');
    ok t_cmp(hsts($r), ['max-age=5'], "h2: the backend's own HSTS wins, sent once");
}

# The request is HTTPS on a TLS connection's streams, not on h2c's.
for my $case (['tls', 'h2tls', 'on', 'h2'], ['h2c', 'h2c', 'off', 'h2c'],
              ['upgrade', 'h2c', 'off', 'upgrade']) {
    my ($mode, $vhost, $https, $label) = @$case;
    my $r = curl(mode => $mode, vhost => $vhost, path => '/cgi/app.cgi');
    ok t_cmp("$r->{status} $r->{version}", '200 2', "$label: a local CGI over HTTP/2");
    ok t_cmp($r->{body}, qr/^POSTHOG_HTTPS=$https$/m, "$label: POSTHOG_HTTPS=$https");
    ok t_cmp($r->{body}, qr/^POSTHOG_ACCESS=allowed$/m, "$label: POSTHOG_ACCESS=allowed");
}

# --- h2c: the allow-list, with prior knowledge and by Upgrade ---------------

for my $from ('127.0.0.2', '::1') {
    my $r = blocked_over_http2('h2c', 'h2c', 'h2c', $from);
    ok t_cmp(scalar @{ hsts($r) }, 0, 'h2c: no HSTS on the denial');
}
{
    my $m = unique_marker();
    my $r = curl(mode => 'h2c', vhost => 'h2c', path => "/api/projects?$m");
    ok t_cmp("$r->{status} $r->{version}", '200 2', 'h2c: the allowed client gets 200 over HTTP/2');
    ok t_cmp(backend_hits($m), 1, 'h2c: the backend saw it once');
    ok t_cmp(scalar @{ hsts($r) }, 0, 'h2c: no HSTS on the 200');

    $m = unique_marker();
    $r = curl(mode => 'h2c', vhost => 'h2c', from => '127.0.0.2',
              method => 'POST', path => "/api/projects/1/delete?$m");
    ok t_cmp("$r->{status} $r->{version}", '403 2', 'h2c: a blocked POST gets 403');
    ok t_cmp(backend_hits($m), 0, 'h2c: the POST never reached the backend');

    $r = curl(mode => 'h2c', vhost => 'h2c', path => '/cgi/missing.cgi');
    ok t_cmp("$r->{status} $r->{version}", '404 2', 'h2c: a 404 over HTTP/2');
    ok t_cmp(scalar @{ hsts($r) }, 0, 'h2c: no HSTS on the 404');
}
exempt_and_restricted('h2c', 'h2c', 'h2c');

# Streams of one h2c connection, each decided on its own.  nghttp sends
# them together; curl 7.88 fails the second request on a reused h2c
# connection, with or without this module.  /api/closed refuses 127.0.0.1.
{
    my @m = map { unique_marker() } 1 .. 4;
    my @paths = ("/e/?$m[0]", "/api/closed?$m[1]", "/batch/?$m[2]", "/api/closed/x?$m[3]");
    my $base = 'http://localhost:' . port('h2c');
    my $f = nghttp(map { "$base$_" } @paths);
    ok t_cmp(join(' ', map { $f->{streams}{$_}{headers}{':status'}[0] // '-' } 13, 15, 17, 19),
             '200 403 200 403', 'h2c: exempt, restricted, exempt, restricted on one connection');
    ok t_cmp(join(' ', map { backend_hits($_) } @m), '1 0 1 0',
             'h2c: the backend saw only the exempt ones');
    ok t_cmp(scalar(grep { $_->{headers}{'strict-transport-security'} } values %{ $f->{streams} }),
             0, 'h2c: no HSTS on any');
}

# By Upgrade: the HTTP/1.1 request that asks for h2c goes through the
# checks first, so a refused one is answered over HTTP/1.1 and never
# upgraded; one that passes becomes stream 1 and is served, once.  (httpd
# closes an upgraded connection when it first goes idle, so what follows
# stream 1 is left to the prior-knowledge tests.)
for my $case (['/api/projects', '127.0.0.2', '403 1.1', 0],
              ['/events', '127.0.0.2', '403 1.1', 0],
              ['/e/', '127.0.0.2', '200 2', 1],
              ['/batch/', '127.0.0.2', '200 2', 1],
              ['/api/projects', '127.0.0.1', '200 2', 1]) {
    my ($path, $from, $want, $hits) = @$case;
    my $m = unique_marker();
    my $r = curl(mode => 'upgrade', vhost => 'h2c', from => $from, path => "$path?$m");
    ok t_cmp("$r->{status} $r->{version}", $want, "upgrade: $path from $from: $want");
    ok t_cmp(backend_hits($m), $hits, "upgrade: the backend saw it $hits time(s)");
    ok t_cmp(scalar @{ hsts($r) }, 0, 'upgrade: no HSTS');
}

# --- h2c: the HTTPS redirect ------------------------------------------------

{
    my $https = 'https://localhost:' . port('h2tls');
    my $m = unique_marker();
    my $r = curl(mode => 'h2c', vhost => 'h2c_redirect', path => "/api/x?q=%2F&$m");
    ok t_cmp("$r->{status} $r->{version}", '301 2', 'h2c: GET is redirected with 301 over HTTP/2');
    ok t_cmp($r->{headers}{location}, ["$https/api/x?q=%2F&$m"],
             'h2c: to the HTTPS vhost, path and query kept');
    ok t_cmp(backend_hits($m), 0, 'h2c: the backend never saw the GET');
    ok t_cmp(scalar @{ hsts($r) }, 0, 'h2c: no HSTS on the redirect');

    $r = curl(mode => 'h2c', vhost => 'h2c_redirect', method => 'HEAD',
              path => '/api/x');
    ok t_cmp("$r->{status} $r->{version}", '301 2', 'h2c: HEAD is redirected with 301');

    $m = unique_marker();
    $r = curl(mode => 'h2c', vhost => 'h2c_redirect', method => 'POST', path => "/e/?$m");
    ok t_cmp("$r->{status} $r->{version}", '308 2', 'h2c: a POST is redirected with 308 over HTTP/2');
    ok t_cmp($r->{headers}{location}, ["$https/e/?$m"], 'h2c: to the HTTPS vhost');

    # An SDK's POST, its body in DATA frames (nghttp, prior knowledge).
    my $f = nghttp('http://localhost:' . port('h2c_redirect') . "/e/?$m",
                   '--data=' . body_file('event=signup'));
    ok t_cmp($f->{streams}{13}{headers}{':status'}, ['308'], 'h2c: an SDK POST with a body gets 308');
    ok t_cmp($f->{streams}{13}{headers}{location}, ["$https/e/?$m"], 'h2c: to the HTTPS vhost');
    ok t_cmp(backend_hits($m), 0, 'h2c: the backend never saw the POSTs');
    # The client repeats it over h2 with TLS, where it is served.
    my ($path) = ($f->{streams}{13}{headers}{location}[0] // '') =~ m{^https://[^/]+(/.*)$};
    $r = curl(mode => 'tls', vhost => 'h2tls', method => 'POST', path => $path // '/',
              body => 'event=signup');
    ok t_cmp("$r->{status} $r->{version}", '200 2', 'h2: the repeated POST is served over HTTP/2');
    ok t_cmp($r->{body}, qr/^body=event=signup$/m, 'h2: with its body intact');
    ok t_cmp(backend_hits($m), 1, 'h2: exactly once');

    for my $method ('PUT', 'DELETE') {
        $r = curl(mode => 'h2c', vhost => 'h2c_redirect', method => $method, path => '/api/x');
        ok t_cmp("$r->{status} $r->{version}", '308 2', "h2c: $method is redirected with 308");
    }

    # :authority is the client's choice; the target never is.
    $r = curl(mode => 'h2c', vhost => 'h2c_redirect', path => '/api/x',
              headers => ['Host: evil.example']);
    ok t_cmp("$r->{status} $r->{version}", '301 2', 'h2c: a foreign :authority is redirected');
    ok t_cmp($r->{headers}{location}, ["$https/api/x"], 'h2c: to the ServerName, never to it');

    # By Upgrade the redirect answers the HTTP/1.1 request, before the switch.
    $m = unique_marker();
    $r = curl(mode => 'upgrade', vhost => 'h2c_redirect', path => "/api/x?$m");
    ok t_cmp("$r->{status} $r->{version}", '301 1.1', 'upgrade: GET is redirected before the switch');
    ok t_cmp($r->{headers}{location}, ["$https/api/x?$m"], 'upgrade: to the HTTPS vhost');
    ok t_cmp(backend_hits($m), 0, 'upgrade: the backend never saw it');
}

# --- raw frames (nghttp) ----------------------------------------------------
# nghttp cannot choose its local address: the h2push vhost allows only a
# documentation range, so 127.0.0.1 is a blocked client there.

{
    my $base = 'https://localhost:' . port('h2push');
    my $h2c = 'http://localhost:' . port('h2c');
    my $m = unique_marker();
    my $f = nghttp("$base/api/projects?$m");
    ok t_cmp($f->{protocol}, 'h2', 'nghttp: h2 negotiated by ALPN');
    ok t_cmp($f->{streams}{13}{headers}{':status'}, ['403'], 'nghttp: HEADERS with :status 403');
    ok t_cmp($f->{streams}{13}{headers}{'strict-transport-security'}, [$hsts],
             'nghttp: and HSTS');
    ok t_cmp(backend_hits($m), 0, 'nghttp: the backend never saw it');

    # A body in DATA frames, never delivered; over h2 and h2c.
    for my $case ([h2 => "$base/api/projects/1/delete"], [h2c => "$h2c/api/closed/delete"]) {
        my ($label, $url) = @$case;
        $m = unique_marker();
        $f = nghttp("$url?$m", '--data=' . body_file('confirm=yes'));
        ok t_cmp($f->{streams}{13}{headers}{':status'}, ['403'], "nghttp: a $label POST with DATA frames gets 403");
        ok t_cmp(backend_hits($m), 0, 'nghttp: the backend never saw it');
    }

    # What the server pushes is a request like any other: an exempt page
    # whose Link preloads a restricted one does not push that one's content.
    $m = unique_marker();
    $f = nghttp("$base/e/?$m");
    ok t_cmp($f->{streams}{13}{headers}{':status'}, ['200'], 'nghttp: the exempt page is served');
    ok t_cmp($f->{promised}, ["/api/pushed?$m"], 'nghttp: with a PUSH_PROMISE for the restricted page');
    ok t_cmp($f->{streams}{2}{headers}{':status'}, ['403'], 'nghttp: the pushed stream is a 403');
    ok t_cmp($f->{streams}{2}{headers}{'strict-transport-security'}, [$hsts],
             'nghttp: with HSTS');
    ok t_cmp(backend_hits("pushed?$m"), 0, 'nghttp: the backend never saw the pushed request');
    ok t_cmp(backend_hits($m), 1, 'nghttp: only the exempt one');

    # h2c, prior knowledge and Upgrade, from the allowed 127.0.0.1: by
    # address, since Debian's /etc/hosts also maps localhost to ::1, which
    # nghttp tries first and the h2c vhost refuses.
    my $h2c_v4 = 'http://127.0.0.1:' . port('h2c');
    for my $upgrade (0, 1) {
        $m = unique_marker();
        $f = nghttp("$h2c_v4/api/projects?$m", $upgrade ? '--upgrade' : ());
        my $id = $upgrade ? 1 : 13;
        my $how = $upgrade ? 'Upgrade' : 'prior knowledge';
        ok t_cmp($f->{protocol}, 'h2c', "nghttp: h2c by $how");
        ok t_cmp($f->{streams}{$id}{headers}{':status'}, ['200'],
                 "nghttp: h2c by $how: stream $id served");
        ok t_cmp(exists $f->{streams}{$id}{headers}{'strict-transport-security'} ? 1 : 0, 0,
                 "nghttp: h2c by $how: no HSTS");
        ok t_cmp(backend_hits($m), 1, "nghttp: h2c by $how: the backend saw it once");
    }
}
