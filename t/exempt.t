# Ingestion endpoints stay open to every client; nothing else does, whatever
# the path tricks.  The backend's hit log proves what got through.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use FindBin;
use lib "$FindBin::Bin/lib";
use PHS::Test;

my @default_segments = qw(e i batch capture track engage s decide flags array
                          static _health _readyz _livez messaging-preferences
                          api/surveys api/product_tours
                          api/early_access_features api/web_experiments
                          site_app api/conversations/v1/widget);
my @exempt = ((map { ("/$_", "/$_/", "/$_/deeper/path") } @default_segments),
              '/api/surveys/?token=phc_x', '/site_app/1/phc_x/abc123/',
              '/flags/?v=2', '/flags/definitionsx');
# The personal-API-key endpoints under (and beside) the public ones.
my @personal = qw(/flags/definitions /flags/definitions/ /flags/definitions/x
                  /api/feature_flag/local_evaluation
                  /api/projects/1/feature_flags/k/remote_config
                  /api/projects/1/messaging/x /api/projects/
                  /api/conversations/v1 /api/conversations/v1/widgets);
my @near_misses = qw(/events /e.js /E/ /E /static-admin /decide2 /batches
                     /_healthz /capture.php /api/e/ /x/e/ /Batch/
                     /api/surveysx /api/Surveys /api
                     /site_appx /api/surveys.json);
my @traversal = ('/e/../admin', '/e/%2e%2e/admin', '//e/../admin',
                 '/e/./../admin', '/e/..%2fadmin', '/e/%2E%2E/admin',
                 '/static/../../api/users', '/api/surveys/../projects/1',
                 '/api/surveys/%2e%2e/projects/1',
                 '/api/conversations/v1/widget/../../../projects');
# An empty or `.` segment: never exempt, whatever MergeSlashes says.
my @ambiguous = ('/flags//definitions', '/flags/.//definitions',
                 '/flags//./definitions/', '/e//x', '/api/surveys//x');
my @encoded_slash = ('/e/..%2Fadmin', '/e/%2F..%2Fadmin', '/e%2F../admin',
                     '/e/..%5Cadmin', '/e/x%2F..%2F..%2Fadmin');

plan tests => 2 * @exempt + 2 * @near_misses + 2 * @traversal
            + 2 * @personal + 2 * @encoded_slash + 2 * @ambiguous + 29;

# Outside every vhost's allow-list here.
my $blocked = '127.0.0.2';

for my $path (@exempt) {
    my ($r, $hits) = request_hits(vhost => 'app', from => $blocked, path => $path);
    ok t_cmp($r->{status}, 200, "$path is open to a blocked client");
    ok t_cmp($hits, 1, "$path reached the backend");
}

# httpd refuses two of them before the module is asked: an encoded slash
# (AllowEncodedSlashes Off) and a path above the root.
my %refused_by_httpd = ('/e/..%2fadmin' => 404, '/static/../../api/users' => 400);
for my $path (@near_misses, @traversal, @personal) {
    my ($r, $hits) = request_hits(vhost => 'app', from => $blocked, path => $path);
    my $want = $refused_by_httpd{$path} // 403;
    ok t_cmp($r->{status}, $want, "$path is refused with $want");
    ok t_cmp($hits, 0, "$path never reached the backend");
}

# AllowEncodedSlashes NoDecode hands %2F through to the backend, which may
# decode it: such paths are not exempt.
for my $path (@encoded_slash) {
    my ($r, $hits) = request_hits(vhost => 'encoded', from => $blocked, path => $path);
    ok t_cmp($r->{status}, 403, "$path is refused with encoded slashes on");
    ok t_cmp($hits, 0, "$path never reached the backend");
}

# MergeSlashes Off hands `//` through to the backend, which a later hop
# may merge: such paths are not exempt.
for my $path (@ambiguous) {
    my ($r, $hits) = request_hits(vhost => 'merge_off', from => $blocked, path => $path);
    ok t_cmp($r->{status}, 403, "$path is refused with MergeSlashes Off");
    ok t_cmp($hits, 0, "$path never reached the backend");
}

# The conversations widget's CORS preflight and its POST.
for my $method (qw(OPTIONS POST)) {
    my $m = unique_marker();
    my $r = request(vhost => 'app', from => '127.0.0.2', method => $method,
                    path => "/api/conversations/v1/widget/message?$m",
                    headers => [Origin => 'https://shop.example',
                                'Access-Control-Request-Method' => 'POST'],
                    body => $method eq 'POST' ? '{"content":"hi"}' : '');
    ok t_cmp($r->{status}, 200, "$method of the conversations widget passes");
    ok t_cmp(backend_hits($m), 1, "and reached the backend");
}

# An exempt POST (an SDK's capture) goes through with its body.
{
    my $m = unique_marker();
    my $r = request(vhost => 'app', from => '127.0.0.2', method => 'POST',
                    path => "/e/?$m", body => '{"event":"pageview"}');
    ok t_cmp($r->{status}, 200, 'exempt POST /e/ from a blocked client');
    ok t_cmp($r->{body}, qr/body=\{"event":"pageview"\}/, 'with its body');
}

# POSTHOG_ACCESS in the access log: exempt, allowed, denied.
{
    my %want = ('127.0.0.2 /e/' => 'exempt', '127.0.0.1 /api/x' => 'allowed',
                '127.0.0.2 /api/x' => 'denied');
    for my $case (sort keys %want) {
        my ($from, $path) = split ' ', $case;
        my $m = unique_marker();
        request(vhost => 'app', from => $from, path => "$path?$m");
        ok t_cmp(access_log_line('app_access_log', $m),
                 qr/ $want{$case} $from$/, "$case is logged as $want{$case}");
    }
}

# Variables set before the module's (SetEnvIf here) are replaced: the log
# reads the first value of a name, so a doubled one would show "forged".
for my $from ('127.0.0.1', '127.0.0.2') {
    my $m = unique_marker();
    request(vhost => 'app', from => $from, path => "/api/forged?$m");
    my $want = $from eq '127.0.0.1' ? 'allowed' : 'denied';
    ok t_cmp(access_log_line('app_access_log', $m), qr/ $want $from$/,
             "POSTHOG_ACCESS and POSTHOG_CLIENT_IP set by SetEnvIf are "
             . "replaced ($from: $want)");
}

# A custom list replaces the default one.
{
    my ($r, $hits) = request_hits(vhost => 'custom', from => $blocked, path => '/hooks/x');
    ok t_cmp($r->{status}, 200, 'PostHogExemptPaths hooks: /hooks/ is open');
    ($r, $hits) = request_hits(vhost => 'custom', from => $blocked, path => '/e/');
    ok t_cmp($r->{status}, 403, 'and the default /e/ no longer is');
    ok t_cmp($hits, 0, 'so /e/ never reached the backend');
    ($r, $hits) = request_hits(vhost => 'custom', from => $blocked, path => '/_health');
    ok t_cmp($r->{status}, 200, '/_health is in the custom list');
    ($r, $hits) = request_hits(vhost => 'custom', from => $blocked, path => '/hooks/closed/x');
    ok t_cmp($r->{status}, 403, "'none' in a Location exempts nothing there");
    ok t_cmp($hits, 0, 'so /hooks/closed/x never reached the backend');
}

# Entries of several segments; '!' restricts a sub-path again; the longest
# matching entry decides (lines of one scope add up).
{
    my %want = ('/api/public' => 200, '/api/public/x' => 200,
                '/api/publicx' => 403, '/api/public/private' => 403,
                '/api/public/private/x' => 403,
                '/api/public/private/open/x' => 200);
    for my $path (sort keys %want) {
        my ($r, $hits) = request_hits(vhost => 'custom', from => $blocked, path => $path);
        ok t_cmp($r->{status}, $want{$path}, "custom list: $path gets $want{$path}");
        ok t_cmp($hits, $want{$path} == 200 ? 1 : 0,
                 "custom list: $path reached the backend only if open");
    }
}
