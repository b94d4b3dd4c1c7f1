#!/usr/bin/perl
# A plain CGI whose body looks like a response head with a cookie: it must
# reach the client byte for byte.  Sends the cookie given as c=..., and
# pad=N headers of 7000 bytes (a head larger than a raw head may be).
use strict;
use warnings;

my %q = map { my ($k, $v) = split /=/, $_, 2; ($k => $v // '') }
        split /&/, $ENV{QUERY_STRING} // '';
my $cookie = $q{c} // 'plain=1';
$cookie =~ s/%([0-9A-Fa-f]{2})/chr hex $1/ge;
my $body = "HTTP/1.1 200 OK\r\nSet-Cookie: inbody=1\r\n\r\n";
binmode STDOUT;
print "Content-Type: text/plain\r\nSet-Cookie: $cookie\r\n";
print "X-Pad-$_: ", 'x' x 7000, "\r\n" for 1 .. ($q{pad} // 0);
print "Content-Length: ", length($body), "\r\n\r\n", $body;
