# The ready-to-use configurations in conf.d/ pass `httpd -t` as shipped.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use FindBin;
use lib "$FindBin::Bin/lib";
use PHS::Test;

plan tests => 9;

my $conf_d = Apache::Test::vars('top_dir') . '/conf.d';
my $modules = $ENV{HTTPD_MODULES} || '/usr/lib/apache2/modules';
my $log_dir = Apache::Test::vars('t_logs');

open my $fh, '<', "$conf_d/posthog_secure.load" or die $!;
my $load = do { local $/; <$fh> };
ok t_cmp($load, qr/^LoadModule posthog_secure_module \S+\/mod_posthog_secure\.so$/m,
         'posthog_secure.load loads the module');

for my $file (qw(posthog_secure.conf posthog-vhost.conf)) {
    configtest_passes(<<"CONF", $file);
Define APACHE_LOG_DIR $log_dir
LoadModule proxy_module "$modules/mod_proxy.so"
LoadModule proxy_http_module "$modules/mod_proxy_http.so"
Include "$conf_d/$file"
CONF
}

# The defaults shown commented out in posthog_secure.conf are valid too.
open $fh, '<', "$conf_d/posthog_secure.conf" or die $!;
my $defaults = join '', map { s/^(\s*)#(PostHog)/$1$2/r } grep { /^\s*#PostHog/ } <$fh>;
configtest_passes($defaults, 'the commented defaults of posthog_secure.conf');

# The TLS vhost, with Apache::Test's certificate in place of yours.
my $asf = Apache::Test::vars('sslca') . '/asf';
configtest_passes(<<"CONF", 'posthog-tls-vhost.conf');
Define APACHE_LOG_DIR $log_dir
Define POSTHOG_TLS_CERTIFICATE $asf/certs/server.crt
Define POSTHOG_TLS_KEY $asf/keys/server.pem
LoadModule proxy_module "$modules/mod_proxy.so"
LoadModule proxy_http_module "$modules/mod_proxy_http.so"
LoadModule socache_shmcb_module "$modules/mod_socache_shmcb.so"
LoadModule ssl_module "$modules/mod_ssl.so"
LoadModule http2_module "$modules/mod_http2.so"
Include "$conf_d/posthog-tls-vhost.conf"
CONF
