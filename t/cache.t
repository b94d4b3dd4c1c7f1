# mod_cache in front of the module.  Its quick handler (CacheQuickHandler
# On, the default) answers from the cache before any access check, so the
# module warns at startup wherever that can hand a blocked client a page
# cached for an allowed one; with CacheQuickHandler Off a cached page is
# still refused.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use FindBin;
use lib "$FindBin::Bin/lib";
use PHS::Test;

my $modules = $ENV{HTTPD_MODULES} || '/usr/lib/apache2/modules';
my $load = qq{LoadModule cache_module "$modules/mod_cache.so"\n};
my $warning = qr/mod_cache answers from its cache/;

# [what, configuration after mod_cache is loaded, the place the warning
#  names (undef: no warning)]
my @cases = (
    ['CacheEnable and PostHogSecure On in the main server',
     "PostHogSecure On\nCacheEnable disk /\n", qr/in the main server/],
    ['the same with CacheQuickHandler Off',
     "PostHogSecure On\nCacheEnable disk /\nCacheQuickHandler Off\n", undef],
    ['caching in a virtual host, the module on in the main server',
     "PostHogSecure On\n<VirtualHost 127.0.0.1:8>\nCacheEnable disk /\n"
     . "</VirtualHost>\n", qr/in the <VirtualHost> at \S+:\d+/],
    ['the module on in a <Location> of the caching virtual host',
     "<VirtualHost 127.0.0.1:8>\nCacheEnable disk /api\n<Location /api>\n"
     . "PostHogSecure On\n</Location>\n</VirtualHost>\n",
     qr/in the <VirtualHost> at \S+:\d+/],
    ['CacheQuickHandler Off in the main server, after the virtual host',
     "PostHogSecure On\n<VirtualHost 127.0.0.1:8>\nCacheEnable disk /\n"
     . "</VirtualHost>\nCacheQuickHandler Off\n", undef],
    ['CacheQuickHandler On again in the virtual host',
     "PostHogSecure On\nCacheQuickHandler Off\n<VirtualHost 127.0.0.1:8>\n"
     . "CacheQuickHandler On\nCacheEnable disk /\n</VirtualHost>\n",
     qr/in the <VirtualHost> at \S+:\d+/],
    ['a quoted "Off"',
     qq{PostHogSecure On\nCacheEnable disk /\nCacheQuickHandler "Off"\n},
     undef],
    ['a quoted "on"',
     qq{PostHogSecure "on"\nCacheEnable disk /\n}, qr/in the main server/],
    ['the module off everywhere',
     "PostHogSecure Off\nCacheEnable disk /\n", undef],
    ['the module on where nothing is cached',
     "PostHogSecure On\n", undef],
);

plan tests => 2 * @cases + 8;

for my $case (@cases) {
    my ($what, $lines, $where) = @$case;
    my ($status, $out) = configtest($load . $lines);
    ok t_cmp($status, 0, "$what: httpd -t passes (a warning, not an error)");
    if ($where) {
        my $named = $out =~ $where
            && $out =~ /$warning.*CacheEnable at \S+:\d+.*QuickHandler Off/s;
        ok t_cmp($named ? 'warned' : $out, 'warned',
                 "$what: warned, naming the place and the CacheEnable");
    }
    else {
        ok t_cmp($out =~ $warning ? $out : 'silent', 'silent',
                 "$what: no warning");
    }
}

# The recommended setup (vhost `cached`) starts without the warning.
ok t_cmp(error_log_since(0) =~ $warning ? 'warned' : 'silent', 'silent',
         'CacheQuickHandler Off: no warning at startup');

# An allowed client fills the cache; the cache then answers it.
my $m = unique_marker();
my $r = request(vhost => 'cached', from => '127.0.0.1', path => "/page-$m");
ok t_cmp($r->{status}, 200, 'an allowed client gets the page');
$r = request(vhost => 'cached', from => '127.0.0.1', path => "/page-$m");
ok t_cmp($r->{status}, 200, 'and gets it again');
ok t_cmp($r->{headers}{'x-cache'}[0] // '', qr/^HIT/,
         'the second time from the cache');
ok t_cmp(backend_hits($m), 1, 'so the backend saw one request');

# A blocked client is refused the cached page.
$r = request(vhost => 'cached', from => '127.0.0.2', path => "/page-$m");
ok t_cmp($r->{status}, 403, 'a blocked client is refused the cached page');
ok t_cmp($r->{body} =~ /backend saw/ ? 'in the answer' : 'not in it',
         'not in it', 'and none of it is in the answer');
ok t_cmp(backend_hits($m), 1, 'and the backend saw nothing more');
