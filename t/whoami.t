# `SetHandler posthog-secure-whoami`: what the module made of the
# requester's own request (peer, the forwarded header as received, the
# trusted hops, the client and why, the HTTPS decision, the verdict for a
# path of the query), in JSON; never the key or the lists; a path's
# verdict is found without reaching the backend, logging or counting a
# denial; nothing elsewhere.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use JSON::PP ();
use FindBin;
use lib "$FindBin::Bin/lib";
use PHS::Test;
use PHS::Metrics;

plan tests => 59;

sub whoami {
    my ($from, $query, @headers) = @_;
    my $r = request(vhost => 'whoami', from => $from,
                    path => '/whoami' . (defined $query ? "?$query" : ''),
                    headers => \@headers);
    my $json = eval { JSON::PP->new->decode($r->{body}) };
    return ($r, $json);
}

# Behind the trusted proxy: the client from the header.
{
    my ($r, $j) = whoami('127.0.0.2', 'path=/api/projects',
                         'X-Forwarded-For' => '198.51.100.7',
                         'X-Forwarded-Proto' => 'https');
    ok t_cmp($r->{status}, 200, 'whoami answers');
    ok t_cmp($r->{headers}{'content-type'}[0], 'application/json', 'in JSON');
    ok t_cmp(ref $j, 'HASH', 'which parses');
    ok t_cmp($r->{headers}{'cache-control'}[0], 'no-store', 'and is never cached');
    ok t_cmp($j->{peer}, '127.0.0.2', 'the peer');
    ok t_cmp($j->{peer_trusted} ? 'trusted' : 'not', 'trusted', 'is a trusted proxy');
    ok t_cmp($j->{client_ip_header}, 'X-Forwarded-For', 'the header walked');
    ok t_cmp($j->{client_ip_header_received}, '198.51.100.7', 'as received');
    ok t_cmp(join(',', @{ $j->{trusted_hops} }), '127.0.0.2', 'the trusted hops');
    ok t_cmp($j->{client}, '198.51.100.7', 'the client found');
    ok t_cmp($j->{client_source}, 'forwarded', 'from the header');
    ok t_cmp($j->{client_reason}, qr/not sent by a trusted proxy/, 'and why');
    ok t_cmp($j->{https} ? 'https' : 'http', 'https', 'HTTPS, as the proxy said');
    ok t_cmp($j->{https_reason}, qr/X-Forwarded-Proto from a trusted proxy/, 'and why');
    ok t_cmp($j->{path}, '/api/projects', 'the path asked about');
    ok t_cmp($j->{verdict}, 'allowed', 'its verdict for this client');
}

# Two trusted hops: both listed, the peer first.
{
    my (undef, $j) = whoami('127.0.0.2', undef,
                            'X-Forwarded-For' => '198.51.100.9, 127.0.0.2');
    ok t_cmp(join(',', @{ $j->{trusted_hops} }), '127.0.0.2,127.0.0.2',
             'every hop consumed is listed');
    ok t_cmp($j->{client}, '198.51.100.9', 'the client behind them');
    ok t_cmp($j->{path}, '/whoami', 'without a path: its own request');
    ok t_cmp($j->{verdict}, 'allowed', 'and its own verdict: an allowed client');
}

# "Why am I blocked behind my load balancer": a balancer that is not
# trusted; its header is shown, and ignored.
{
    my $m = unique_marker();
    my $offset = error_log_size();
    my ($r, $j) = whoami('127.0.0.3', "path=/api/projects/$m",
                         'X-Forwarded-For' => '198.51.100.7',
                         'X-Forwarded-Proto' => 'https');
    ok t_cmp($j->{peer_trusted} ? 'trusted' : 'not', 'not', 'an untrusted peer');
    ok t_cmp($j->{client_ip_header_received}, '198.51.100.7', 'its header as received');
    ok t_cmp($j->{client}, '127.0.0.3', 'the peer is the client');
    ok t_cmp($j->{client_source}, 'peer', 'source: the peer');
    ok t_cmp($j->{client_reason}, qr/not a trusted proxy: its forwarded headers are ignored/,
             'and why');
    ok t_cmp($j->{https} ? 'https' : 'http', 'http', 'plain HTTP');
    ok t_cmp($j->{https_reason}, qr/believed from trusted proxies only/, 'and why');
    ok t_cmp($j->{verdict}, 'denied', 'the path is denied to it');
    ok t_cmp($j->{reason}, 'client address not in PostHogAllowedIPBlocks', 'and why');
    ok t_cmp(backend_hits($m), 0, 'finding out never reached the backend');
    ok t_cmp(error_log_since($offset) =~ /denied client/ ? 'logged' : 'not logged',
             'not logged', 'nor logged a denial');
    my (undef, $e) = whoami('127.0.0.3', 'path=/api/elsewhere/x');
    ok t_cmp($e->{verdict}, 'allowed', "another location's own allow-list decides its path");
    my (undef, $x) = whoami('127.0.0.3', 'path=/e/x');
    ok t_cmp($x->{verdict}, 'exempt', 'an exempt path');
}

# A client that cannot be known, a deny-listed one: refused everywhere
# else, answered at the whoami location (it is how they find out why),
# with nothing forwarded.
{
    my $m = unique_marker();
    my ($r, $j) = whoami('127.0.0.2', "path=/api/x&$m",
                         'X-Forwarded-For' => 'not-an-address');
    ok t_cmp($r->{status}, 200, 'an unknown client gets its diagnosis');
    ok t_cmp($j->{client_source}, 'unknown', 'told: unknown');
    ok t_cmp(defined $j->{client} ? $j->{client} : 'null', 'null', 'no client');
    ok t_cmp($j->{client_reason}, qr/^client unknown: X-Forwarded-For/, 'and why');
    ok t_cmp($j->{verdict}, 'denied', 'the path is denied');
    ok t_cmp(backend_hits($m), 0, 'and nothing reached the backend');
    ($r, $j) = whoami('127.0.0.2', "path=/e/&$m", 'X-Forwarded-For' => '198.51.100.66');
    ok t_cmp($r->{status}, 200, 'a deny-listed client gets its diagnosis too');
    ok t_cmp($j->{reason}, 'client address in PostHogBlockedIPBlocks',
             'which says why it is refused, even on an exempt path');
    ok t_cmp(backend_hits($m), 0, 'and nothing reached the backend');
    $r = request(vhost => 'whoami', from => '127.0.0.3', path => "/api/x?$m");
    ok t_cmp($r->{status}, 403, 'beside it, the same vhost still refuses that client');
    $r = request(vhost => 'whoami', from => '127.0.0.3',
                 path => "/whoami/rewritten?$m");
    ok t_cmp($r->{status}, 403, 'a whoami location whose request another handler takes refuses it');
    ok t_cmp(backend_hits($m), 0, 'so nothing reached the backend from there either');
}

# The counters in the same `ProxyPass /` vhost: answered by httpd for an
# allowed client, refused to any other, never proxied.
{
    my $m = unique_marker();
    my $r = request(vhost => 'whoami', from => '127.0.0.2', path => "/metrics?$m",
                    headers => ['X-Forwarded-For' => '198.51.100.7']);
    ok t_cmp($r->{status}, 200, 'the counters answer an allowed client inside ProxyPass /');
    ok t_cmp($r->{body}, qr/^posthog_secure_requests_total\{/m, 'in Prometheus text');
    $r = request(vhost => 'whoami', from => '127.0.0.3', path => "/metrics?$m");
    ok t_cmp($r->{status}, 403, 'and refuse a client outside the allow-list');
    ok t_cmp(backend_hits($m), 0, 'neither request reached the backend');
}

# Asking about a denied path counts no denial: the one request counts once,
# as its own verdict (exempt here).
{
    my $vhost = 'localhost:' . port('whoami');
    my $count = sub {
        my $samples = samples(vhost => 'metrics');
        return { map { $_ => metric($samples, 'posthog_secure_requests_total',
                                    vhost => $vhost, verdict => $_) } qw(denied exempt) };
    };
    my $before = $count->();
    whoami('127.0.0.3', 'path=/api/projects');
    my $after = $count->();
    ok t_cmp($after->{denied} - $before->{denied}, 0, 'the probe counts no denial');
    ok t_cmp($after->{exempt} - $before->{exempt}, 1, 'the whoami request counts once');
}

# Hostile bytes in the header still give valid JSON; never the key or the
# lists.
{
    my ($r, $j) = whoami('127.0.0.3', 'path=/api/x',
                         'X-Forwarded-For' => "\"},{\\x\t\xff");
    ok t_cmp(ref $j, 'HASH', 'odd header bytes: still valid JSON');
    ok t_cmp($j->{client_ip_header_received}, "\"},{\\x\t\xff",
             'the bytes as received');
    my $key = $ENV{SECRET_KEY};
    ok t_cmp(index($r->{body}, $key) < 0 && $r->{body} !~ m{198\.51\.100\.0/24|198\.51\.100\.66}
             ? 'none' : 'shown', 'none', 'neither the secret key nor the lists');
}

# Bad questions, and nothing where it is not configured.
{
    my $m = unique_marker();
    my ($r) = whoami('127.0.0.3', "path=api/x&$m");
    ok t_cmp($r->{status}, 400, 'a path without a leading / is refused');
    $r = request(vhost => 'whoami', from => '127.0.0.3', path => "/whoami?$m",
                 method => 'POST');
    ok t_cmp($r->{status}, 405, 'POST is refused');
    ok t_cmp(backend_hits($m), 0, 'neither was proxied');
    $m = unique_marker();
    $r = request(vhost => 'app', path => "/whoami?$m");
    ok t_cmp(($r->{headers}{'content-type'}[0] // '') =~ /json/ ? 'json' : 'not json',
             'not json', 'no diagnosis where the handler is not set');
    ok t_cmp(backend_hits($m), 1, 'that path goes to the backend as any other');
}
