# With mod_remoteip in front: the client address mod_remoteip takes from
# the PROXY protocol (an AWS NLB, many Kubernetes ingresses) is where this
# module starts, whatever the LoadModule order; and mod_remoteip and this
# module cannot both consume one header.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use FindBin;
use lib "$FindBin::Bin/lib";
use PHS::Test;
use Socket qw(inet_pton AF_INET AF_INET6);

plan tests => 2 * 12 + 6;

my $backend = port('backend');

sub config {
    my $posthog_first = shift;
    my $phs = 'LoadModule posthog_secure_module "@PHS_MODULE@"';
    my $remoteip = 'LoadModule remoteip_module "@MODULES@/mod_remoteip.so"';
    my $order = $posthog_first ? "$phs\n$remoteip" : "$remoteip\n$phs";
    return <<"CONF";
$order
LoadModule proxy_module "\@MODULES\@/mod_proxy.so"
LoadModule proxy_http_module "\@MODULES\@/mod_proxy_http.so"
RemoteIPProxyProtocol On
PostHogSecure On
PostHogHTTPSRedirect Off
PostHogAllowedIPBlocks 192.0.2.10 2001:db8::10
PostHogTrustedProxies 192.0.2.50
ProxyPass / http://127.0.0.1:$backend/
CONF
}

sub proxy_v1 {
    my ($client, $port) = @_;
    my $family = $client =~ /:/ ? 'TCP6' : 'TCP4';
    my $dst = $client =~ /:/ ? '2001:db8::1' : '192.0.2.1';
    return "PROXY $family $client $dst 50000 $port\r\n";
}

sub proxy_v2 {
    my ($client, $port) = @_;
    my $v6 = $client =~ /:/;
    my $src = inet_pton($v6 ? AF_INET6 : AF_INET, $client);
    my $dst = inet_pton($v6 ? AF_INET6 : AF_INET, $v6 ? '2001:db8::1' : '192.0.2.1');
    my $addresses = $src . $dst . pack('nn', 50000, $port);
    return "\x0D\x0A\x0D\x0A\x00\x0D\x0A\x51\x55\x49\x54\x0A"
         . pack('CCn', 0x21, $v6 ? 0x21 : 0x11, length $addresses)
         . $addresses;
}

sub via_proxy_protocol {
    my ($server, $header, $client, $forwarded) = @_;
    my $m = unique_marker();
    my $head = $header->($client, $server->{port});
    my $xff = $forwarded ? "X-Forwarded-For: $forwarded\r\n" : '';
    my $r = request(port => $server->{port}, raw => $head
        . "GET /api/x?$m HTTP/1.1\r\nHost: localhost\r\n$xff"
        . "Connection: close\r\n\r\n");
    return ($r, $m);
}

for my $posthog_first (1, 0) {
    my $order = $posthog_first ? 'posthog_secure loaded first'
                               : 'mod_remoteip loaded first';
    my $server = start_httpd(config($posthog_first));
    for my $v ([v1 => \&proxy_v1], [v2 => \&proxy_v2]) {
        my ($name, $header) = @$v;
        my ($r, $m) = via_proxy_protocol($server, $header, '192.0.2.10');
        ok t_cmp($r->{status}, 200, "$order, PROXY $name: an allowed client passes");
        ok t_cmp(backend_hits($m), 1, "$order, PROXY $name: the backend saw it");
        ($r, $m) = via_proxy_protocol($server, $header, '192.0.2.99');
        ok t_cmp($r->{status}, 403, "$order, PROXY $name: a blocked client is refused");
        ok t_cmp(backend_hits($m), 0, "$order, PROXY $name: the backend never saw it");
        ($r, $m) = via_proxy_protocol($server, $header, '192.0.2.50', '192.0.2.10');
        ok t_cmp($r->{status}, 200, "$order, PROXY $name: a trusted proxy behind the balancer forwards the allowed client");
        ($r, $m) = via_proxy_protocol($server, $header, '2001:db8::10');
        ok t_cmp($r->{status}, 200, "$order, PROXY $name: an allowed IPv6 client passes");
    }
    $server->{stop}->();
}

# One header, two consumers: refused at startup, naming both directives.
my $load = qq{LoadModule remoteip_module "\@MODULES\@/mod_remoteip.so"\n};
my @conflicts = (
    ['the same header in one vhost',
     "<VirtualHost 127.0.0.1:8>\nRemoteIPHeader X-Forwarded-For\nPostHogSecure On\nPostHogTrustedProxies 192.0.2.50\n</VirtualHost>\n", 1],
    ['RemoteIPHeader in the main server, the module in a vhost',
     "RemoteIPHeader x-forwarded-for\n<VirtualHost 127.0.0.1:8>\nPostHogSecure On\nPostHogProxyHops 1\n</VirtualHost>\n", 1],
    ['different headers',
     "RemoteIPHeader X-Real-IP\nPostHogSecure On\nPostHogTrustedProxies 192.0.2.50\n", 0],
);
for (@conflicts) {
    my ($what, $lines, $refused) = @$_;
    if (!$refused) {
        configtest_passes($load . $lines, $what);
        next;
    }
    my ($status, $out) = configtest($load . $lines);
    ok t_cmp($status, 1, "$what: httpd -t fails");
    ok t_cmp($out, qr/RemoteIPHeader \(\S+:\d+\) and PostHogClientIPHeader both name X-Forwarded-For/,
             "$what: naming both directives and the header");
}
