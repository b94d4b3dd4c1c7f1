# Set-Cookie in response heads that leave past httpd's request filters gets
# Secure and HttpOnly too: a backend's 101 Switching Protocols forwarded by
# mod_proxy_http (ap_send_interim_response), a backend's head tunnelled by
# mod_proxy_wstunnel, an nph- script's output.  What follows such a head
# (the tunnel, the body) is not touched, a head that cannot be checked does
# not leave, and normal and keep-alive responses are rewritten once.
# Vhosts: t/conf/cookies_raw.conf.in.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use FindBin;
use lib "$FindBin::Bin/lib";
use PHS::Test;
use IO::Select;
use IO::Socket::IP;

plan tests => 37;

my $lookalike = "HTTP/1.1 200 OK\r\nSet-Cookie: inbody=1\r\n\r\n";
# A connection the server closed fails a test, not the whole file.
$SIG{PIPE} = 'IGNORE';

sub front {
    my $sock = IO::Socket::IP->new(PeerHost => '127.0.0.1',
                                   PeerPort => port('raw_front'),
                                   Proto => 'tcp', Timeout => 10)
        or die "connect to raw_front: $@";
    return $sock;
}

# Reads into $$buffer until it holds $until (a string), the server closes,
# or nothing comes for 10 s.
sub read_until {
    my ($sock, $buffer, $until) = @_;
    my $select = IO::Select->new($sock);
    while (!defined $until || index($$buffer, $until) < 0) {
        last unless $select->can_read(10);
        last unless sysread $sock, $$buffer, 65536, length $$buffer;
    }
}

# The raw bytes answering one request (the connection is closed after).
sub answer {
    my ($request, $until) = @_;
    my $sock = front();
    my $bytes = '';
    print $sock $request;
    read_until($sock, \$bytes, $until);
    close $sock;
    return $bytes;
}

# Reads until $$buffer holds $n bytes, or nothing comes for 10 s.
sub fill {
    my ($sock, $buffer, $n) = @_;
    my $select = IO::Select->new($sock);
    while (length $$buffer < $n) {
        last unless $select->can_read(10)
                    && sysread $sock, $$buffer, 65536, length $$buffer;
    }
}

# Takes one response's body off the buffer (Content-Length or chunked).
sub take_body {
    my ($sock, $buffer, $head) = @_;
    if ($head =~ /^Content-Length:\s*(\d+)/mi) {
        my $length = $1;
        fill($sock, $buffer, $length);
        return substr $$buffer, 0, $length, '';
    }
    return '' unless $head =~ /^Transfer-Encoding:\s*chunked/mi;
    my $body = '';
    for (;;) {
        read_until($sock, $buffer, "\r\n");
        $$buffer =~ s/^([0-9a-fA-F]+)[^\r\n]*\r\n// or return $body;
        my $size = hex $1;
        fill($sock, $buffer, $size + 2);
        $body .= substr $$buffer, 0, $size, '';
        substr $$buffer, 0, 2, '';      # the CRLF after the chunk
        return $body if $size == 0;
    }
}

sub upgrade_request {
    my $path = shift;
    return "GET $path HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
         . "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
         . "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
}

sub plain_request {
    my $path = shift;
    return "GET $path HTTP/1.1\r\nHost: localhost\r\n\r\n";
}

# (the first head, what follows it)
sub split_head {
    my $bytes = shift;
    my $end = index $bytes, "\r\n\r\n";
    return ($bytes, '') if $end < 0;
    return (substr($bytes, 0, $end + 4), substr($bytes, $end + 4));
}

# A 101 from a backend through mod_proxy_http (upgrade=websocket).
{
    my $bytes = answer(upgrade_request('/ws/x?upgrade'), "tunnel: $lookalike");
    my ($head, $rest) = split_head($bytes);
    ok t_cmp($head, qr{^HTTP/1\.1 101 }, 'mod_proxy_http forwards the 101');
    ok t_cmp(set_cookies($head)->[0], 'ws=1; Path=/; Secure; HttpOnly',
             "the 101's cookie gets Secure and HttpOnly");
    ok t_cmp(set_cookies($head)->[1], 'posthog_csrftoken=t; Path=/; Secure',
             'an exempt name gets Secure only');
    ok t_cmp($rest, "tunnel: $lookalike",
             'the tunnelled bytes after the 101 are not touched');
    ($head) = split_head(answer(upgrade_request('/ws/lax?upgrade'), "tunnel:"));
    ok t_cmp(set_cookies($head)->[0],
             'ws=1; Path=/; Secure; HttpOnly; SameSite=Lax',
             "the scope's policy applies (PostHogCookieSameSite Lax)");
}

# Over TLS: the watcher sits before mod_ssl, it reads the plain bytes.
{
    my $r = request(vhost => 'raw_tls', tls => 1,
                    raw => upgrade_request('/ws/x?upgrade'));
    ok t_cmp([$r->{status}, $r->{headers}{'set-cookie'}[0]],
             [101, 'ws=1; Path=/; Secure; HttpOnly'],
             "over TLS, the 101's cookie gets Secure and HttpOnly");
}

# A backend's own head through mod_proxy_wstunnel
# (ProxyWebsocketFallbackToProxyHttp Off).
{
    my $bytes = answer(upgrade_request('/wst/x?upgrade'), "tunnel: $lookalike");
    my ($head, $rest) = split_head($bytes);
    ok t_cmp($head, qr{^HTTP/1\.1 101 }, 'mod_proxy_wstunnel tunnels the 101');
    ok t_cmp(set_cookies($head)->[0], 'ws=1; Path=/; Secure; HttpOnly',
             "the tunnelled 101's cookie gets Secure and HttpOnly");
    ok t_cmp($rest, "tunnel: $lookalike", 'the bytes after it are not touched');
    ($head, $rest) = split_head(answer(upgrade_request('/wst/x?split'),
                                       "tunnel: $lookalike"));
    ok t_cmp(set_cookies($head)->[0], 'split=1; Secure; HttpOnly',
             'a head that comes in two reads is rewritten');
    ok t_cmp($rest, "tunnel: $lookalike", 'and what follows it is not touched');
}

# An nph- script behind the module: mod_cgid removes the request filters.
{
    my ($head, $rest) = split_head(answer(plain_request('/cgi/nph-raw.cgi?final')));
    ok t_cmp(set_cookies($head)->[0], 'nph=1; Path=/; Secure; HttpOnly',
             "an nph- script's cookie gets Secure and HttpOnly");
    ok t_cmp($rest, $lookalike, 'its body is not touched');

    my $bytes = answer(plain_request('/cgi/nph-raw.cgi?interim'));
    my ($early, $after) = split_head($bytes);
    my ($final, $body) = split_head($after);
    ok t_cmp(set_cookies($early)->[0], 'early=1; Secure; HttpOnly',
             'a 103 head is rewritten');
    ok t_cmp(set_cookies($final)->[0], 'final=1; Secure; HttpOnly',
             'so is the head after a 1xx');
    ok t_cmp($body, $lookalike, 'but not the body after that');

    ok t_cmp(answer(plain_request('/cgi/nph-raw.cgi?folded')),
             "HTTP/1.1 200 OK\nSet-Cookie: folded=1 ; Path=/; Secure; HttpOnly\n\n",
             'a folded Set-Cookie goes out on one line, rewritten');
    ok t_cmp(answer(plain_request('/cgi/nph-raw.cgi?cut-short')),
             "HTTP/1.1 200 OK\r\nSet-Cookie: cut=1; Secure; HttpOnly",
             'a head cut short by the end of the output is rewritten');
    ($head) = split_head(answer(plain_request('/cgi-off/nph-raw.cgi?final')));
    ok t_cmp(set_cookies($head)->[0], 'nph=1; Path=/',
             'PostHogSecure Off: the nph- cookie is left alone');
}

# Internal redirects (ErrorDocument): the redirect's scope decides.
{
    my ($head) = split_head(answer(plain_request('/local/missing')));
    ok t_cmp(set_cookies($head)->[0], 'nph=1; Path=/; Secure; HttpOnly',
             'an nph- script reached by an internal redirect is watched');
    ($head) = split_head(answer(upgrade_request('/local/off/missing')));
    ok t_cmp(set_cookies($head)->[0], 'nph=1; Path=/',
             'an Upgrade request redirected to a PostHogSecure Off scope is not');
}

# A head that cannot be checked does not leave; the log says why.
{
    my $offset = error_log_size();
    my $bytes = answer(plain_request('/cgi/nph-raw.cgi?oversized'));
    ok t_cmp(index($bytes, 'big=1'), -1, 'a head over 64 KB does not leave');
    ok t_cmp(error_log_since($offset), qr/longer than 65536 bytes/,
             'the error log says it was too long');
    $offset = error_log_size();
    $bytes = answer(plain_request('/cgi/nph-raw.cgi?not-http'));
    ok t_cmp(index($bytes, 'cgistyle=1'), -1,
             'nph- output that is not an HTTP head does not leave');
    ok t_cmp(error_log_since($offset), qr/does not begin with "HTTP"/,
             'the error log says what it was');
}

# Normal responses, to an Upgrade request too, are rewritten once.
{
    my $r = request(vhost => 'raw_front', path => '/set-cookies?c=x%3D1',
                    headers => [Upgrade => 'websocket', Connection => 'Upgrade']);
    ok t_cmp($r->{status}, 200, 'a backend may answer an Upgrade request normally');
    ok t_cmp($r->{headers}{'set-cookie'}, ['x=1; Secure; HttpOnly'],
             'its cookie is rewritten once');
    $r = request(vhost => 'raw_front', path => '/set-cookies?c=y%3D1%3B%20Secure');
    ok t_cmp($r->{headers}{'set-cookie'}, ['y=1; Secure; HttpOnly'],
             'a plain response too');
    # The response filter had it: the raw-head watcher stepped aside, so
    # its 64 KB bound does not apply.
    $r = request(vhost => 'raw_front', path => '/cgi/raw-lookalike.cgi?c=big%3D1&pad=10',
                 headers => [Upgrade => 'websocket', Connection => 'Upgrade']);
    ok t_cmp([$r->{status}, $r->{headers}{'set-cookie'},
              index($r->{body}, $lookalike) >= 0],
             [200, ['big=1; Secure; HttpOnly'], 1],
             'a 70 KB head of a normal response to an Upgrade request is sent');
}

# Keep-alive: requests after one that asked for an Upgrade and got a normal
# answer, and after one that did not ask, are not watched.
{
    my $sock = front();
    my $buffer = '';
    my @requests = (
        [upgrade_request('/lookalike?c=a%3D1'), 'a=1; Secure; HttpOnly',
         'an Upgrade request answered normally'],
        [plain_request('/lookalike?c=b%3D1'), 'b=1; Secure; HttpOnly',
         'the next request on the connection'],
        [upgrade_request('/lookalike?c=c%3D1'), 'c=1; Secure; HttpOnly',
         'an Upgrade request after it'],
        [plain_request('/lookalike?c=d%3D1'), 'd=1; Secure; HttpOnly',
         'a last plain request'],
    );
    for my $case (@requests) {
        my ($request, $cookie, $what) = @$case;
        print $sock $request;
        read_until($sock, \$buffer, "\r\n\r\n");
        my ($head, $rest) = split_head($buffer);
        $buffer = $rest;
        my $body = take_body($sock, \$buffer, $head);
        ok t_cmp([set_cookies($head), $body], [[$cookie], $lookalike],
                 "$what: the cookie is rewritten once, the body not at all");
    }
    close $sock;
}

# A backend's chunked trailers reach an HTTP/2 client as the response's
# trailers (mod_proxy_http, then mod_http2): their Set-Cookie fields are
# rewritten too, never passed as sent; HTTP/1.1 clients get no trailers.
{
    my $port = port('raw_h2');
    my $out = `curl -s --http2-prior-knowledge --max-time 20 -D - -o /dev/null 'http://127.0.0.1:$port/nph/t?trailers' 2>&1`;
    my ($head, $trailers) = split /\r\n\r\n/, $out, 2;
    ok t_cmp($head, qr{^HTTP/2 200}, 'h2c: the chunked response is served over HTTP/2');
    ok t_cmp(set_cookies($head), ['head=1; Path=/; Secure; HttpOnly'],
             'h2c: the head cookie is rewritten');
    ok t_cmp($trailers // '', qr/^x-checksum: abc\r?$/mi, 'h2c: the trailers arrive');
    ok t_cmp(set_cookies($trailers // ''), ['trail=1; Path=/; Secure; HttpOnly'],
             'h2c: the trailer cookie is rewritten');
}
