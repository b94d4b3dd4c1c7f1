#!/usr/bin/perl
# Answers with a local Location (no Status): httpd serves that URI instead,
# by an internal redirect.  The query names the target: ?to=/path&...
use strict;
use warnings;

my ($to) = ($ENV{QUERY_STRING} // '') =~ /(?:^|&)to=([^&]*)/;
$to = '/' unless defined $to && $to =~ m{^/};
print "Location: $to?$ENV{QUERY_STRING}\r\n\r\n";
