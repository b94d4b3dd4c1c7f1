# What PostHog is told (PostHogForwardedHeaders rewrite, the default):
# X-Forwarded-For is exactly the verified client, X-Forwarded-Proto the
# module's HTTPS decision, and no client-sent forwarded header of any
# spelling reaches the backend, proxied or CGI; `keep` is mod_remoteip's
# behaviour.  RFC 7239 Forwarded as the client-IP source.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use FindBin;
use lib "$FindBin::Bin/lib";
use PHS::Test;
use PHS::FastCGI qw(start_fastcgi);

my @forged = ('X-Forwarded-For' => '6.6.6.6', 'X-Forwarded-Proto' => 'https',
              'X-Forwarded-Host' => 'evil.example', 'X-Forwarded-Port' => '8443',
              'X-Forwarded-Server' => 'evil.example', 'X-Real-IP' => '6.6.6.6',
              'Forwarded' => 'for=6.6.6.6;proto=https',
              'CF-Connecting-IP' => '6.6.6.6', 'True-Client-IP' => '6.6.6.6',
              'X-Client-IP' => '6.6.6.6', 'X-Cluster-Client-IP' => '6.6.6.6',
              'Fastly-Client-IP' => '6.6.6.6', 'X-Forwarded-Ssl' => 'on',
              'X_Forwarded_For' => '6.6.6.6', 'x_real_ip' => '6.6.6.6',
              'Fly-Client-IP' => '6.6.6.6',
              'X-Envoy-External-Address' => '6.6.6.6');
# Fields through which frameworks let a proxy override the path: stripped
# whatever PostHogForwardedHeaders says.
my @path_overrides = ('X-Original-URL' => '/api/projects',
                      'X-Rewrite-URL' => '/api/projects',
                      'X-Forwarded-Prefix' => '/admin',
                      'X-Forwarded-Uri' => '/api/projects');
push @forged, @path_overrides;
# Headers the backend must never get from a client.
my @removed = qw(XFPORT FWD CF TCI XCI XCCI FCI XFSSL UXFF UXRI FLY XEEA
                 XOU XRU XFPRE XFURI);

plan tests => 113 + 4 * @removed;

# What the backend's log shows for the request with marker $m.
sub arrived {
    my $m = shift;
    my $line = access_log_line('backend_forwarded_log', $m);
    my ($fields) = $line =~ /^\S+ (.*)$/ or return {};
    return { map { split /=/, $_, 2 } split /\|/, $fields };
}

# (the response, its marker) of a request with the headers @headers.
sub send_via {
    my ($vhost, $from, $path, @headers) = @_;
    return marked_request(vhost => $vhost, from => $from, path => $path,
                          headers => \@headers);
}

sub none_forged {
    my ($got, $what) = @_;
    ok t_cmp($got->{$_}, '-', "$what: no client $_ header") for @removed;
}

# An untrusted client on an exempt path (an SDK's capture): the backend is
# told the client's own address and plain HTTP, whatever it forged.
{
    my ($r, $m) = send_via('fwd', '127.0.0.3', '/capture/', @forged);
    ok t_cmp($r->{status}, 200, 'untrusted client: the capture passes');
    my $got = arrived($m);
    ok t_cmp($got->{XFF}, '127.0.0.3', 'untrusted: X-Forwarded-For is exactly the client');
    ok t_cmp($got->{XFP}, 'http', 'untrusted: X-Forwarded-Proto is the module\'s http');
    ok t_cmp($got->{XFH}, 'localhost', 'untrusted: X-Forwarded-Host is the Host, added by mod_proxy');
    ok t_cmp($got->{XFS}, qr/^[^,-][^,]*$/, 'untrusted: X-Forwarded-Server is mod_proxy\'s alone');
    ok t_cmp($got->{XFS} =~ /evil/ ? 'forged' : 'ours', 'ours', 'untrusted: not the forged one');
    ok t_cmp($got->{XRI}, '127.0.0.3', 'untrusted: X-Real-IP is the client');
    none_forged($got, 'untrusted');
}

# A trusted proxy: the verified client, never the forged chain left of it;
# its X-Forwarded-Proto counts.
{
    my ($r, $m) = send_via('fwd', '127.0.0.2', '/api/x',
        'X-Forwarded-For' => '6.6.6.6, 198.51.100.7', 'X-Forwarded-Proto' => 'https',
        @forged[4 .. $#forged]);
    ok t_cmp($r->{status}, 200, 'trusted proxy: the allowed client passes');
    my $got = arrived($m);
    ok t_cmp($got->{XFF}, '198.51.100.7', 'trusted proxy: X-Forwarded-For is the client alone');
    ok t_cmp($got->{XFP}, 'https', 'trusted proxy: its https counts');
    ok t_cmp($got->{XRI}, '198.51.100.7', 'trusted proxy: X-Real-IP is the client');
    ok t_cmp($got->{XFH}, 'localhost', 'trusted proxy: X-Forwarded-Host is mod_proxy\'s');
    none_forged($got, 'trusted proxy');
}

# An unknown client (garbage from the trusted proxy): exempt paths pass and
# the backend is told the peer; restricted paths are refused, unseen.
{
    my ($r, $m) = send_via('fwd', '127.0.0.2', '/capture/',
                           'X-Forwarded-For' => 'garbage, 198.51.100.7, not-an-ip');
    ok t_cmp($r->{status}, 200, 'unknown client: an exempt path passes');
    my $got = arrived($m);
    ok t_cmp($got->{XFF}, '127.0.0.2', 'unknown client: X-Forwarded-For is the peer');
    ok t_cmp($got->{XRI}, '127.0.0.2', 'unknown client: X-Real-IP is the peer');
    ($r, $m) = send_via('fwd', '127.0.0.2', '/api/x',
                        'X-Forwarded-For' => 'garbage');
    ok t_cmp($r->{status}, 403, 'unknown client: a restricted path is refused');
    ok t_cmp(backend_hits($m), 0, 'and never reached the backend');
}

# A local CGI: the same, in its HTTP_* environment.
{
    my ($r, $m) = send_via('fwd', '127.0.0.3', '/cgi/app.cgi', @forged);
    ok t_cmp($r->{status}, 403, 'a blocked client cannot run the CGI');
    ok t_cmp(backend_hits($m), 0, 'which never ran');
    ($r, $m) = send_via('fwd', '127.0.0.1', '/cgi/app.cgi', @forged);
    ok t_cmp($r->{status}, 200, 'an allowed client runs the CGI');
    for my $case (['HTTP_X_FORWARDED_FOR', '127.0.0.1'], ['HTTP_X_FORWARDED_PROTO', 'http'],
                  ['HTTP_X_REAL_IP', '127.0.0.1'], ['HTTP_X_FORWARDED_HOST', ''],
                  ['HTTP_X_FORWARDED_PORT', ''], ['HTTP_X_FORWARDED_SERVER', ''],
                  ['HTTP_FORWARDED', ''], ['HTTP_CF_CONNECTING_IP', ''],
                  ['HTTP_TRUE_CLIENT_IP', '']) {
        my ($name, $want) = @$case;
        ok t_cmp($r->{body}, qr/^\Q$name\E=\Q$want\E$/m, "CGI: $name is '$want'");
    }
}

# ProxyAddHeaders Off: mod_proxy adds nothing, the module sends the client.
{
    my ($r, $m) = send_via('fwd', '127.0.0.3', '/capture/noadd', @forged);
    my $got = arrived($m);
    ok t_cmp($got->{XFF}, '127.0.0.3', 'ProxyAddHeaders Off: X-Forwarded-For is the client, once');
    ok t_cmp($got->{XFH}, '-', 'ProxyAddHeaders Off: no X-Forwarded-Host at all');
    ok t_cmp($got->{XFS}, '-', 'ProxyAddHeaders Off: no X-Forwarded-Server at all');
}

# A client's Connection header naming the fields the module sends: those
# tokens go before mod_proxy_http reads it (it drops every field the
# header names as hop-by-hop, after the fixups), so the backend still gets
# exactly the module's fields; other tokens stay.
{
    my ($r, $m) = send_via('fwd', '127.0.0.3', '/capture/noadd',
                           Connection => 'close, X-Forwarded-For, X-Real-IP');
    ok t_cmp($r->{status}, 200, 'Connection naming X-Forwarded-For: served');
    my $got = arrived($m);
    ok t_cmp($got->{XFF}, '127.0.0.3',
             'ProxyAddHeaders Off: X-Forwarded-For still reaches the backend');
    ok t_cmp($got->{XRI}, '127.0.0.3', 'and X-Real-IP');
    ($r, $m) = send_via('fwd', '127.0.0.2', '/capture/',
                        'X-Forwarded-For' => '198.51.100.7',
                        'X-Forwarded-Proto' => 'https',
                        Connection => 'X-Forwarded-Proto, x_real_ip, X-Real-IP, '
                                      . 'X-Forwarded-For, X-Custom-Hop');
    $got = arrived($m);
    ok t_cmp($got->{XFF}, '198.51.100.7', 'ProxyAddHeaders On: X-Forwarded-For is the client');
    ok t_cmp($got->{XFP}, 'https', 'X-Forwarded-Proto survives the Connection header');
    ok t_cmp($got->{XRI}, '198.51.100.7', 'X-Real-IP survives the Connection header');
}

# PostHogSecure Off in a location: the forged headers still go (they go
# vhost-wide, before the location is known), and the module sends none of
# its own there; mod_proxy adds its X-Forwarded-For.  A few forged fields
# (each one remembered by the pass over the fields) and many (looked for
# again).
for my $set (['a few', 'X-Forwarded-For' => '6.6.6.6', 'X-Real-IP' => '6.6.6.6',
              'X-Forwarded-Proto' => 'https', 'Forwarded' => 'for=6.6.6.6'],
             ['many', @forged]) {
    my ($what, @headers) = @$set;
    my ($r, $m) = send_via('fwd', '127.0.0.3', '/capture/module-off', @headers);
    ok t_cmp($r->{status}, 200, "PostHogSecure Off location, $what forged: passes");
    my $got = arrived($m);
    ok t_cmp($got->{XFF}, '127.0.0.3', "Off location, $what: X-Forwarded-For is mod_proxy's alone");
    ok t_cmp($got->{XRI}, '-', "Off location, $what: no X-Real-IP at all");
    ok t_cmp($got->{XFP}, '-', "Off location, $what: no X-Forwarded-Proto at all");
    ok t_cmp($got->{FWD}, '-', "Off location, $what: no Forwarded");
}
none_forged(arrived((send_via('fwd', '127.0.0.3', '/capture/module-off', @forged))[1]),
            'Off location');

# The same field on several lines and in other spellings (httpd joins
# them into one): one line of each reaches the backend, the module's.
{
    my ($r, $m) = send_via('fwd', '127.0.0.3', '/capture/',
                           'x-forwarded-proto' => 'https',
                           'X-FORWARDED-PROTO' => 'https',
                           'x-real-ip' => '6.6.6.6',
                           'X-Forwarded-For' => '6.6.6.6',
                           'x-forwarded-for' => '7.7.7.7');
    my $got = arrived($m);
    ok t_cmp($got->{XFP}, 'http', 'repeated lines: X-Forwarded-Proto is the module\'s, once');
    ok t_cmp($got->{XRI}, '127.0.0.3', 'lower-case x-real-ip: replaced by the client');
    ok t_cmp($got->{XFF}, '127.0.0.3', 'repeated lines: X-Forwarded-For is the client, once');
}

# Oversized and malformed values: dropped, never passed on.
{
    my ($r, $m) = send_via('fwd', '127.0.0.3', '/capture/',
                           'X-Forwarded-Host' => 'h' x 7000,
                           'X-Forwarded-For' => join(', ', ('x' x 30) x 200),
                           'X-Real-IP' => '1.2.3.4, <script>');
    ok t_cmp($r->{status}, 200, 'oversized and malformed forwarded headers: handled');
    my $got = arrived($m);
    ok t_cmp($got->{XFF}, '127.0.0.3', 'the garbage chain is replaced by the client');
    ok t_cmp($got->{XFH}, 'localhost', 'the 7 KB X-Forwarded-Host is gone');
    ok t_cmp($got->{XRI}, '127.0.0.3', 'the malformed X-Real-IP is replaced');
    ($r, $m) = send_via('fwd', '127.0.0.3', '/capture/',
                        'X-Forwarded-Host' => 'h' x 9000);
    ok t_cmp($r->{status}, 400, 'a header over LimitRequestFieldSize is refused');
    ok t_cmp(backend_hits($m), 0, 'and never reached the backend');
}

# HTTP/2 (h2c): the same headers.
{
    my $m = unique_marker();
    my @h = map { ('-H', "$forged[2 * $_]: $forged[2 * $_ + 1]") }
            grep { $forged[2 * $_] !~ /_/ } 0 .. @forged / 2 - 1;
    my $port = port('fwd');
    my $out = `curl -s -o /dev/null -w '%{http_code} %{http_version}' --http2-prior-knowledge --interface 127.0.0.3 @{[ map { "'$_'" } @h ]} 'http://127.0.0.1:$port/capture/?$m' 2>&1`;
    ok t_cmp($out, '200 2', 'h2c: the capture passes over HTTP/2');
    my $got = arrived($m);
    ok t_cmp($got->{XFF}, '127.0.0.3', 'h2c: X-Forwarded-For is exactly the client');
    ok t_cmp($got->{XFP}, 'http', 'h2c: X-Forwarded-Proto is http');
    ok t_cmp($got->{XRI}, '127.0.0.3', 'h2c: X-Real-IP is the client');
    none_forged($got, 'h2c');
}

# keep: mod_remoteip's behaviour, the forged chain and headers pass; the
# path overrides never do.
{
    my ($r, $m) = send_via('fwd_keep', '127.0.0.3', '/capture/', @forged);
    my $got = arrived($m);
    ok t_cmp(join('|', map { $got->{$_} // 'not logged' } qw(XOU XRU XFPRE XFURI)),
             '-|-|-|-', 'keep: X-Original-URL, X-Rewrite-URL, X-Forwarded-Prefix and -Uri never pass');
    ok t_cmp($got->{FLY}, '6.6.6.6', 'keep: Fly-Client-IP passes as the other forwarded ones');
    ok t_cmp($got->{XFF}, '6.6.6.6, 127.0.0.3', 'keep: mod_proxy appends to what the client sent');
    ok t_cmp($got->{XFP}, 'https', 'keep: the client\'s X-Forwarded-Proto passes');
    ok t_cmp($got->{XFH}, 'evil.example, localhost', 'keep: and its X-Forwarded-Host');
    ok t_cmp($got->{FWD}, 'for=6.6.6.6;proto=https', 'keep: and its Forwarded');
    ($r, $m) = send_via('fwd_keep', '127.0.0.2', '/capture/',
                        'X-Forwarded-For' => '6.6.6.6, 198.51.100.7');
    $got = arrived($m);
    ok t_cmp($got->{XFF}, '6.6.6.6, 198.51.100.7',
             'keep: the untrusted remainder and the client, as with mod_remoteip');
}

# RFC 7239 Forwarded as the source: for= walked right to left, proto= of
# the client's element, unknown and obfuscated nodes fail closed.
{
    my ($r, $m) = send_via('fwd_rfc', '127.0.0.2', '/api/x',
        Forwarded => 'for=6.6.6.6, for="198.51.100.7:4711";proto=https;by=_proxy');
    ok t_cmp($r->{status}, 200, 'Forwarded: the client from a trusted proxy is allowed');
    my $got = arrived($m);
    ok t_cmp($got->{XFF}, '198.51.100.7', 'Forwarded: X-Forwarded-For is the client');
    ok t_cmp($got->{XFP}, 'https', 'Forwarded: proto=https of the client\'s element');
    ok t_cmp($got->{FWD}, '-', 'Forwarded: the header itself is not passed on');
    ($r, $m) = send_via('fwd_rfc', '127.0.0.2', '/api/x',
        Forwarded => 'for=198.51.100.7', 'Forwarded' => 'for="[2001:db8::7]"');
    ok t_cmp($r->{status}, 403, 'Forwarded over two lines: the rightmost element decides');
    ok t_cmp(backend_hits($m), 0, 'and the refused request never reached the backend');
    ($r, $m) = send_via('fwd_rfc', '127.0.0.3', '/api/x', Forwarded => 'for=198.51.100.7');
    ok t_cmp($r->{status}, 403, 'Forwarded from an untrusted client: ignored, refused');
    ok t_cmp(backend_hits($m), 0, 'and never reached the backend');
    # '"198.51.100.7:_"': an allowed address with an obfuscated port of
    # '_' alone, which RFC 7239 does not allow.
    for my $node ('unknown', '"_hidden"', '"[2001:db8::7"', 'garbage;x',
                  '"198.51.100.7:_"') {
        ($r, $m) = send_via('fwd_rfc', '127.0.0.2', '/api/x',
                            Forwarded => "for=$node");
        ok t_cmp($r->{status}, 403, "Forwarded for=$node: the client is unknown, refused");
        ok t_cmp(backend_hits($m), 0, "for=$node: never reached the backend");
    }
    ($r, $m) = send_via('fwd_rfc', '127.0.0.2', '/capture/', Forwarded => 'for=unknown');
    ok t_cmp($r->{status}, 200, 'Forwarded for=unknown: an exempt path still passes');
    ok t_cmp(arrived($m)->{XFF}, '127.0.0.2', 'and the backend is told the peer');
}

# PostHogClientIPHeader and PostHogForwardedProtoHeader naming headers of
# their own (X-Real-Client, X-Scheme): inputs, never passed on, in any
# spelling (several backends read X_Real_Client as X-Real-Client).
{
    my ($r, $m) = send_via('headers', '127.0.0.2', '/capture/',
                           'X-Real-Client' => '198.51.100.7',
                           'X_Real_Client' => '198.51.100.66',
                           'x_scheme' => 'https');
    ok t_cmp($r->{status}, 200, 'custom header names: the capture passes');
    my $got = arrived($m);
    ok t_cmp($got->{XRI}, '198.51.100.7', 'the backend is told the client from X-Real-Client');
    ok t_cmp(join('|', map { $got->{$_} // 'not logged' } qw(XRC UXRC UXS)), '-|-|-',
             'X-Real-Client, X_Real_Client and x_scheme never reach it');
    ($r, $m) = send_via('headers', '127.0.0.3', '/capture/', 'X_Real_Client' => '198.51.100.66');
    ok t_cmp(arrived($m)->{UXRC} // 'not logged', '-',
             'nor X_Real_Client alone, from an untrusted client');
}

# Handlers that mod_proxy makes proxy requests only after the fixups:
# `SetHandler "proxy:unix:...|fcgi://"` (PHP-FPM style; FastCGI adds no
# X-Forwarded-For, so the module sends it) and `SetHandler "proxy:http://"`
# (mod_proxy_http appends the client: the module must not send it too).
{
    my $fcgi = start_fastcgi(Apache::Test::vars('t_logs') . '/fcgi.sock');
    my $guard = PHS::FastCGI::stopper($fcgi);
    my @forwarded = ('X-Forwarded-For' => '6.6.6.6, 198.51.100.7',
                     'X-Forwarded-Proto' => 'https', 'X-Real-IP' => '6.6.6.6');
    my $r = request(vhost => 'fwd', from => '127.0.0.2', path => '/fcgi/app.php',
                    headers => \@forwarded);
    my $pass = request(vhost => 'fwd', from => '127.0.0.2',
                       path => '/fcgipass/app.php', headers => \@forwarded);
    undef $guard;
    ok t_cmp($r->{status}, 200, 'FastCGI over a Unix socket: the allowed client passes');
    ok t_cmp($r->{body}, qr/^HTTP_X_FORWARDED_FOR=198\.51\.100\.7$/m,
             'the FastCGI backend is told X-Forwarded-For: exactly the client');
    ok t_cmp($r->{body}, qr/^HTTP_X_FORWARDED_PROTO=https$/m,
             'and the trusted proxy\'s https');
    ok t_cmp($r->{body}, qr/^HTTP_X_REAL_IP=198\.51\.100\.7$/m,
             'and X-Real-IP the client, never the forged one');
    ok t_cmp($pass->{status}, 200, 'ProxyPass to unix:...|fcgi://: passes');
    ok t_cmp($pass->{body}, qr/^HTTP_X_FORWARDED_FOR=198\.51\.100\.7$/m,
             'ProxyPass to unix:...|fcgi://: X-Forwarded-For is the client');
    my $m;
    ($r, $m) = send_via('fwd', '127.0.0.2', '/sethandler/x',
                        'X-Forwarded-For' => '6.6.6.6, 198.51.100.7');
    ok t_cmp($r->{status}, 200, 'SetHandler proxy:http: the allowed client passes');
    my $got = arrived($m);
    ok t_cmp($got->{XFF}, '198.51.100.7',
             'SetHandler proxy:http: X-Forwarded-For is the client once, not twice');
    ok t_cmp($got->{XRI}, '198.51.100.7', 'and X-Real-IP the client');
}


# However many fields a request has (httpd's field table starts with 25
# slots, then 50, 100: an addition grows it at exactly 25 and 50 fields),
# the backend is told exactly the module's values in a PostHogSecure On
# location, and none of them in an Off one, never the client's own
# X-Forwarded-Proto.
for my $fields (24, 25, 26, 49, 50, 51) {
    # request() adds Host and Connection; X-Forwarded-Proto is the third.
    my @pad = map { ("X-Pad-$_" => 'x') } 1 .. $fields - 3;
    my ($r, $m) = send_via('fwd', '127.0.0.3', '/capture/', 'X-Forwarded-Proto' => 'https', @pad);
    my $got = arrived($m);
    ok t_cmp(join('|', $r->{status}, map { $got->{$_} // 'not logged' } qw(XFF XRI XFP)),
             '200|127.0.0.3|127.0.0.3|http',
             "$fields fields, On location: exactly the module's three");
    ($r, $m) = send_via('fwd', '127.0.0.3', '/capture/module-off', 'X-Forwarded-Proto' => 'https', @pad);
    $got = arrived($m);
    ok t_cmp(join('|', $r->{status}, map { $got->{$_} // 'not logged' } qw(XFF XRI XFP)),
             '200|127.0.0.3|-|-',
             "$fields fields, Off location: none of them (X-Forwarded-For is mod_proxy's)");
}
