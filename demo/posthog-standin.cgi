#!/usr/bin/perl
# A tiny stand-in for a PostHog instance, for the demo: an event capture
# endpoint, a private API page and a login that sets PostHog's cookies.
use strict;
use warnings;

my $path = $ENV{PATH_INFO} // '/';
my $body = '';
read STDIN, $body, $ENV{CONTENT_LENGTH} if $ENV{CONTENT_LENGTH};

if ($path =~ m{^/(e|batch|capture|i)(/|$)}) {
    print "Content-Type: application/json\r\n\r\n";
    print qq({"status": 1, "captured_bytes": ${\ length $body}}\n);
}
elsif ($path =~ m{^/api(/|$)}) {
    print "Content-Type: application/json\r\n\r\n";
    print qq({"results": ["private project data"], "path": "$path"}\n);
}
elsif ($path =~ m{^/login}) {
    print "Content-Type: text/plain\r\n";
    print "Set-Cookie: sessionid=demo-session; Path=/; SameSite=Lax\r\n";
    print "Set-Cookie: posthog_csrftoken=demo-csrf; Path=/\r\n\r\n";
    print "logged in (look at the Set-Cookie headers)\n";
}
else {
    print "Content-Type: text/html\r\n\r\n";
    print "<h1>PostHog stand-in</h1><p>Try /api/projects/, /e/, /login</p>\n";
}
