#!/usr/bin/perl
# Sends the Set-Cookie headers given as c=... query parameters, in order,
# other headers given as h=Name:value, with the status given as status=...
# (default 200).
use strict;
use warnings;

my (@cookies, @headers, $status);
for my $pair (split /&/, $ENV{QUERY_STRING} // '') {
    my ($name, $value) = split /=/, $pair, 2;
    next unless defined $value;
    $value =~ tr/+/ /;
    $value =~ s/%([0-9A-Fa-f]{2})/chr hex $1/ge;
    push @cookies, $value if $name eq 'c';
    push @headers, $value if $name eq 'h';
    $status = $value if $name eq 'status';
}
print "Status: $status\r\n" if $status;
print "Set-Cookie: $_\r\n" for @cookies;
print "$_\r\n" for @headers;
print "Content-Type: text/plain\r\n\r\n";
print "cookies sent: ", scalar @cookies, "\n" unless ($status // 200) =~ /^(204|304)$/;
