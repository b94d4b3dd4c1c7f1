#!/usr/bin/perl
# The stand-in for PostHog in the tests: records every request it receives
# (so a test can prove a denied request never arrived), then echoes it.
use strict;
use warnings;

my $body = '';
read STDIN, $body, $ENV{CONTENT_LENGTH} if $ENV{CONTENT_LENGTH};
# REQUEST_URI is the client's; after an internal redirect the script and
# path info say what was served.
my $line = join ' ', $ENV{REQUEST_METHOD}, $ENV{REQUEST_URI},
    length $body, $ENV{REMOTE_ADDR} // '-',
    ($ENV{SCRIPT_NAME} // '') . ($ENV{PATH_INFO} // '');
if (open my $hits, '>>', $ENV{PHS_HITS}) {
    print $hits "$line\n";
    close $hits;
}
# status=NNN in the query: answer with that status (a missing page).
print "Status: $1\r\n" if ($ENV{QUERY_STRING} // '') =~ /(?:^|&)status=(\d{3})(?:&|$)/;
print "Content-Type: text/plain\r\n\r\n";
print "backend saw: $line\n";
print "$_=", ($ENV{$_} // ''), "\n"
    for qw(POSTHOG_ACCESS POSTHOG_CLIENT_IP POSTHOG_HTTPS REMOTE_ADDR
           HTTP_X_FORWARDED_FOR HTTP_X_FORWARDED_PROTO HTTP_X_FORWARDED_HOST
           HTTP_X_FORWARDED_PORT HTTP_X_FORWARDED_SERVER HTTP_X_REAL_IP
           HTTP_FORWARDED HTTP_CF_CONNECTING_IP HTTP_TRUE_CLIENT_IP
           HTTP_X_REAL_CLIENT REDIRECT_STATUS
           HTTP_X_POSTHOG_CLIENT_IP HTTP_X_POSTHOG_CLIENT_IP_TIMESTAMP
           HTTP_X_POSTHOG_CLIENT_IP_SIGNATURE);
print "body=$body\n";
