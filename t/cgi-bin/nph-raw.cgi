#!/usr/bin/perl
# An nph- script: mod_cgi(d) sends its output as it is, response head
# included, past every request filter (and so past the module's response
# filter).  QUERY_STRING names the answer; `upgrade` is what a WebSocket
# backend sends, followed by bytes of the tunnel that look like a head.
use strict;
use warnings;

my $lookalike = "HTTP/1.1 200 OK\r\nSet-Cookie: inbody=1\r\n\r\n";
my %answers = (
    upgrade => ["HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                . "Connection: Upgrade\r\nSet-Cookie: ws=1; Path=/\r\n"
                . "Set-Cookie: posthog_csrftoken=t; Path=/\r\n\r\n"
                . "tunnel: $lookalike"],
    # The head in two writes: two reads of the backend, two brigades.
    split => ["HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
              . "Connection: Upgrade\r\nSet-Coo",
              "kie: split=1\r\n\r\ntunnel: $lookalike"],
    final => ["HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
              . "Set-Cookie: nph=1; Path=/\r\n\r\n$lookalike"],
    interim => ["HTTP/1.1 103 Early Hints\r\nLink: </app.js>; rel=preload\r\n"
                . "Set-Cookie: early=1\r\n\r\nHTTP/1.1 200 OK\r\n"
                . "Set-Cookie: final=1\r\n\r\n$lookalike"],
    folded => ["HTTP/1.1 200 OK\nSet-Cookie: folded=1\n ; Path=/\n\n"],
    'cut-short' => ["HTTP/1.1 200 OK\r\nSet-Cookie: cut=1"],
    oversized => ["HTTP/1.1 200 OK\r\nSet-Cookie: big=1\r\nX-Pad: "
                  . ('x' x 70000) . "\r\n\r\nbody"],
    'not-http' => ["Status: 200\r\nSet-Cookie: cgistyle=1\r\n\r\nbody"],
    # Chunked, with cookies in the trailers too (mod_proxy_http passes
    # them on, mod_http2 sends them to an HTTP/2 client).
    trailers => ["HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                 . "Transfer-Encoding: chunked\r\nTrailer: Set-Cookie\r\n"
                 . "Set-Cookie: head=1; Path=/\r\n\r\n5\r\nhello\r\n0\r\n"
                 . "Set-Cookie: trail=1; Path=/\r\n"
                 . "X-Checksum: abc\r\n\r\n"],
);

binmode STDOUT;
$| = 1;
my @parts = @{ $answers{$ENV{QUERY_STRING} // ''} // $answers{final} };
while (defined(my $part = shift @parts)) {
    print $part;
    select undef, undef, undef, 0.3 if @parts;
}
