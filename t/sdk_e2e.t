# The real PostHog SDKs work from anywhere (issue 16).  A visitor outside
# the allow-list: posthog-js 1.449 in Debian's Chromium (driven by
# playwright-core) and posthog-node 5 and 4 talk to an httpd of their own
# with the module (every loopback client blocked, the default
# PostHogExemptPaths) in front of t/e2e/standin.mjs, a PostHog stand-in that
# records every request and switches every SDK feature on.  Each request
# that carries only the project token must reach the stand-in; each
# personal-API-key endpoint must be refused and never reach it.  Then the
# issue's table of public paths and near misses, from a raw client.
#
# The npm packages come from `make e2e-deps` (t/e2e/package-lock.json) and
# Chromium from ./install-deps; without them this test fails, unless
# PHS_SKIP_E2E=1 (then it is skipped).
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use File::Temp qw(tempdir);
use FindBin;
use JSON::PP qw(decode_json);
use URI::Escape qw(uri_unescape);
use lib "$FindBin::Bin/lib";
use PHS::Test;

my $e2e = "$FindBin::Bin/e2e";
my $chromium = $ENV{PHS_CHROMIUM} || '/usr/bin/chromium';
my $full_token = 'phc_e2e_full';
my $personal_key = 'phx_e2e_personal_key';

plan tests => 1, skip_reason('PHS_SKIP_E2E=1: the real-SDK end-to-end test is skipped')
    if $ENV{PHS_SKIP_E2E};

my @missing = grep { !-f "$e2e/node_modules/$_/package.json" }
    qw(posthog-js posthog-node posthog-node-v4 playwright-core);
@missing = map { "t/e2e/node_modules/$_" } @missing;
push @missing, 'node' unless `node --version 2>/dev/null` =~ /^v\d+/;
push @missing, $chromium unless -x $chromium;
die "t/sdk_e2e.t needs @missing: run `make e2e-deps` (npm ci in t/e2e; "
    . "./install-deps brings Debian's chromium), or set PHS_SKIP_E2E=1 to skip it\n"
    if @missing;

# --- the topology: stand-in, httpd with the module, the SDKs ---------------

my $dir = tempdir(CLEANUP => 1);
my $record = "$dir/standin.jsonl";
# A package variable: perl closes a lexical pipe (and waits for the child)
# before END runs.
our $standin;
my $standin_pid = open $standin, '-|', 'node', "$e2e/standin.mjs", $record
    or die "node $e2e/standin.mjs: $!";
END { kill 'TERM', $standin_pid if $standin_pid }
my $ports = decode_json(<$standin> // die "the stand-in did not start\n");

my $server = start_httpd(<<"CONF");
LoadModule proxy_module "\@MODULES\@/mod_proxy.so"
LoadModule proxy_http_module "\@MODULES\@/mod_proxy_http.so"
PostHogSecure On
PostHogHTTPSRedirect Off
PostHogAllowedIPBlocks 192.0.2.1
ProxyPass / http://127.0.0.1:$ports->{backend}/
CONF

my $api = "http://127.0.0.1:$server->{port}";
my $page = "http://127.0.0.1:$ports->{page}";
my $json = `timeout 90 node "$e2e/driver.mjs" "$api" "$page" 2>"$dir/driver.err"`;
my $driver_status = $? >> 8;
my $run = eval { decode_json($json) } || {};
my $browser = $run->{browser} || {};
my $state = $browser->{state} || {};

# Every request the stand-in received, as it received it.
sub backend {
    open my $fh, '<', $record or return ();
    return map { decode_json($_) } <$fh>;
}

sub sdk_of {
    my $ua = shift->{headers}{'user-agent'} // '';
    return $ua =~ m{^posthog-node/(\d+)} ? "posthog-node $1"
         : $ua =~ /^Mozilla/ ? 'posthog-js' : 'other';
}

# --- what reached the stand-in, feature by feature ----------------------------

# [sdk, feature, [method, path as shown, path regex, query regex], ...]
my $static = sub {
    my $name = shift;
    [GET => "/static/$name.js", qr{^/static/(?:[\d.]+/)?\Q$name\E\.js$}];
};
my $public_api = sub {
    my $path = shift;
    [GET => "$path?token=", qr{^\Q$path\E$}, qr/(?:^|&)token=\Q$full_token\E(?:&|$)/];
};
my $flags = [POST => '/flags/?v=2', qr{^/flags/$}, qr/(?:^|&)v=2(?:&|$)/];
my @features = (
    ['posthog-js', 'remote config',
        [GET => "/array/$full_token/config.js", qr{^/array/\Q$full_token\E/config(?:\.js)?$}]],
    ['posthog-js', 'feature flags', $flags],
    ['posthog-js', 'events (the remote config\'s endpoint)', [POST => '/i/v0/e/', qr{^/i/v0/e/$}]],
    ['posthog-js', 'events (the oldest remote config)', [POST => '/e/', qr{^/e/$}]],
    ['posthog-js', 'session recording', $static->('lazy-recorder'), [POST => '/s/', qr{^/s/$}]],
    ['posthog-js', 'surveys', $static->('surveys'), $public_api->('/api/surveys/')],
    ['posthog-js', 'product tours', $static->('product-tours'),
        $public_api->('/api/product_tours/')],
    ['posthog-js', 'early access features', $public_api->('/api/early_access_features/')],
    ['posthog-js', 'web experiments', $public_api->('/api/web_experiments/')],
    ['posthog-js', 'site apps',
        [GET => "/site_app/1/$full_token/e2ehash/", qr{^/site_app/1/\Q$full_token\E/e2ehash/$}]],
    ['posthog-js', 'conversations widget', $static->('conversations'),
        [OPTIONS => '/api/conversations/v1/widget/message',
            qr{^/api/conversations/v1/widget/message$}],
        [POST => '/api/conversations/v1/widget/message',
            qr{^/api/conversations/v1/widget/message$}]],
    ['posthog-node 5', 'capture', [POST => '/batch/', qr{^/batch/$}]],
    ['posthog-node 5', 'feature flags', $flags],
    ['posthog-node 4', 'capture', [POST => '/batch/', qr{^/batch/$}]],
    ['posthog-node 4', 'feature flags', $flags],
);

# The SDKs' own personal-API-key endpoints: refused, never at the stand-in.
my @personal = (
    ['posthog-node 5', '/flags/definitions'],
    ['posthog-node 5', '/api/projects/@current/feature_flags/e2e-flag/remote_config'],
    ['posthog-node 4', '/api/feature_flag/local_evaluation'],
    ['posthog-node 4', '/api/projects/@current/feature_flags/e2e-flag/remote_config/'],
);

# The issue's table, from a raw client: [method, path, extra headers].
my @public = (
    [GET => '/api/surveys/?token=tok'],
    [GET => '/api/product_tours/?token=tok'],
    [GET => '/api/early_access_features/?token=tok'],
    [GET => '/api/web_experiments/?token=tok'],
    [GET => '/site_app/1/tok/hash/'],
    [OPTIONS => '/api/conversations/v1/widget/x',
        [Origin => $page, 'Access-Control-Request-Method' => 'POST',
         'Access-Control-Request-Headers' => 'content-type,x-conversations-token']],
    [POST => '/api/conversations/v1/widget/x',
        ['Content-Type' => 'application/json', 'X-Conversations-Token' => 'conv_e2e_public']],
);
my @restricted = qw(/api/surveysx /api/Surveys /flags/definitions
    /flags/definitions/x /api/feature_flag/local_evaluation
    /api/projects/1/feature_flags/k/remote_config /api/projects/1/messaging/x);

my @sdks = ('posthog-js', 'posthog-node 5', 'posthog-node 4');
plan tests => 1 + @features + 5 + @sdks + 2 * @personal + 1
            + 2 * @public + 2 * @restricted;

ok t_cmp($driver_status, 0, 'the SDK driver (t/e2e/driver.mjs) ran')
    or print STDERR "# driver stderr:\n", slurp("$dir/driver.err");
print "# $_ $run->{versions}{$_}\n" for sort keys %{ $run->{versions} || {} };

my @seen = backend();
for my $feature (@features) {
    my ($sdk, $name, @wants) = @$feature;
    my (@missing_wants, %paths);
    for my $want (@wants) {
        my ($method, $shown, $path_re, $query_re) = @$want;
        my @hits = grep { sdk_of($_) eq $sdk && $_->{method} eq $method
                          && $_->{path} =~ $path_re
                          && (!$query_re || $_->{query} =~ $query_re) } @seen;
        $paths{"$_->{method} $_->{path}"}++ for @hits;
        push @missing_wants, "$method $shown" unless @hits;
    }
    print "# $sdk, $name: ",
        join(', ', map { "$_ (x$paths{$_})" } sort keys %paths) || 'nothing', "\n";
    ok t_cmp(join(', ', @missing_wants), '', "$sdk, $name: reached the stand-in");
}

# What the page made of the stand-in's answers: the features really ran.
ok t_cmp($state->{survey} ? 'shown' : 'not shown', 'shown', 'posthog-js showed the survey');
ok t_cmp($state->{siteApp} // 'not loaded', 'loaded with its instance',
         'posthog-js ran the site app');
ok t_cmp($state->{headline} // '', 'Headline from the web experiment',
         'posthog-js applied the web experiment');
ok t_cmp(ref $state->{eaf} ? "@{ $state->{eaf} }" : $state->{eaf} // '', 'e2e beta',
         'posthog-js listed the early access features');
ok t_cmp($state->{conversation} // '', 'e2e-ticket',
         'posthog-js sent a conversations message and got its ticket');

# Every request with only the project token got a 2xx and reached the
# stand-in, as sent.
my @requests = (@{ $browser->{requests} || [] },
                map { @{ $_->{requests} || [] } } @{ $run->{node} || [] });
my %at_backend;
$at_backend{ join ' ', $_->{method}, $_->{path}, uri_unescape($_->{query}) }++ for @seen;
for my $sdk (@sdks) {
    my @mine = grep { !$_->{personalKey} && index($_->{sdk}, $sdk) == 0 } @requests;
    my @in_flight = grep { !defined $_->{status} && !$_->{failure} } @mine;
    my %bad;
    for my $r (grep { defined $_->{status} || $_->{failure} } @mine) {
        my $key = join ' ', $r->{method}, $r->{path}, uri_unescape($r->{query});
        my $status = $r->{failure} ? "$r->{failure}" : $r->{status};
        $bad{"$r->{method} $r->{path}: $status"}++
            if $r->{failure} || $r->{status} !~ /^2\d\d$/;
        $bad{"$r->{method} $r->{path}: not at the stand-in"}++
            unless $at_backend{$key};
    }
    print "# $sdk: ", scalar @mine, " project-token requests, ",
        scalar @in_flight, " still in flight when the page closed\n";
    $bad{'no project-token request recorded'}++ unless @mine;
    ok t_cmp(join('; ', map { "$_ (x$bad{$_})" } sort keys %bad), '',
             "$sdk: every project-token request passed and reached the stand-in");
}

for my $p (@personal) {
    my ($sdk, $path) = @$p;
    my @asked = grep { $_->{personalKey} && index($_->{sdk}, $sdk) == 0
                       && $_->{path} eq $path } @requests;
    ok t_cmp(join(',', map { $_->{status} } @asked) || 'not asked', qr/^403(,403)*$/,
             "$sdk: $path with the personal API key is refused");
    ok t_cmp(scalar(grep { $_->{path} eq $path } @seen), 0,
             "$sdk: $path never reached the stand-in");
}

# --- the issue's table, from a raw client ------------------------------------

# 127.0.0.1 is outside the allow-list here; the stand-in parses the
# query, so the marker goes as m=.
sub from_blocked {
    my ($method, $path, $headers) = @_;
    return request_hits(port => $server->{port}, from => '127.0.0.1', method => $method,
                        path => $path, marker => 'm=', headers => $headers // [],
                        $method eq 'POST' ? (body => '{"message":"hi"}') : (),
                        hits => sub { my $m = shift;
                                      scalar grep { index($_->{query}, "m=$m") >= 0 } backend() });
}

for my $case (@public) {
    my ($method, $path, $headers) = @$case;
    my ($r, $hits) = from_blocked($method, $path, $headers);
    ok t_cmp($r->{status}, qr/^2\d\d$/, "$method $path passes for a blocked client");
    ok t_cmp($hits, 1, "$method $path reached the stand-in");
}
for my $path (@restricted) {
    my ($r, $hits) = from_blocked(GET => $path);
    ok t_cmp($r->{status}, 403, "$path is refused to a blocked client");
    ok t_cmp($hits, 0, "$path never reached the stand-in");
}

ok t_cmp(scalar(grep { index($_->{headers}{authorization} // '', $personal_key) >= 0 } backend()),
         0, 'the personal API key never reached the stand-in');

$server->{stop}->();
