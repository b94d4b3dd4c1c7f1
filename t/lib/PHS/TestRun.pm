package PHS::TestRun;
# Apache::Test's runner, adapted to this project: the httpd modules the
# tests need are loaded from the system's module directory (with its test
# CA for mod_ssl, generated in t/conf/ssl), and every port listens on
# loopback only (127.0.0.1 and ::1), never on all interfaces.
use strict;
use warnings FATAL => 'all';
use parent 'Apache::TestRun';

my @MODULES = qw(mod_proxy.so mod_proxy_http.so mod_cgid.so mod_headers.so
                 mod_env.so mod_setenvif.so mod_alias.so mod_auth_basic.so
                 mod_authn_file.so mod_authz_user.so mod_access_compat.so
                 mod_remoteip.so mod_socache_shmcb.so mod_ssl.so
                 mod_cache.so mod_cache_disk.so mod_rewrite.so mod_include.so
                 mod_http2.so mod_proxy_wstunnel.so mod_proxy_fcgi.so);

# PostHog's environment, for the vhosts with PostHogFromEnvironment On, and
# the signing key; fresh keys every run, read by the tests from %ENV.
sub posthog_environment {
    my $key = join '', map { sprintf '%02x', int rand 256 } 1 .. 32;
    my $signing = join '', map { sprintf '%02x', int rand 256 } 1 .. 32;
    my @managed = map { join '', map { sprintf '%02x', int rand 256 } 1 .. 32 }
                  1 .. 2;
    my $own = join '', map { sprintf '%02x', int rand 256 } 1 .. 32;
    %ENV = (%ENV,
        ALLOWED_IP_BLOCKS => '127.0.0.1, 198.51.100.0/24',
        TRUSTED_PROXIES => '127.0.0.2',
        IS_BEHIND_PROXY => 'True',
        TRUST_ALL_PROXIES => 'false',
        SECURE_COOKIES => 'yes',
        DISABLE_SECURE_SSL_REDIRECT => '1',
        DEBUG => '',
        TEST => '0',
        SECRET_KEY => $key,
        PHS_SIGNING_KEY => $signing,
        PHS_OWN_SIGNING_KEY => $own,
        MANAGED_PROXY_SIGNING_KEYS => " $managed[0] , $managed[1]",
    );
}

sub configure {
    my $self = shift;
    posthog_environment();
    my $config = $self->{test_config};
    own_ports_only($config->{vars}{t_conf});
    for my $so (@MODULES) {
        $config->find_and_load_module($so) or die "httpd module $so not found";
        # What Apache::Test consults for <IfModule> and its SSL CA.
        (my $name = $so) =~ s/\.so$/.c/;
        $config->{modules}{$name} ||= 1;
    }
    $self->SUPER::configure(@_);
    loopback_only($config->{vars}{t_conf});
    # CacheRoot (vhost `cached`): mod_cache_disk does not create it.
    mkdir "$config->{vars}{t_logs}/cache";
}

# Apache::Test fills in a *.conf.in file's port tokens as it reads the
# file, and it reads them in directory order, which is no order at all: a
# port of another file's vhost would be known on one machine and not on
# the next.  (The backend's is reached through ${PHS_BACKEND}.)
sub own_ports_only {
    my $dir = shift;
    for my $file (glob "$dir/*.conf.in") {
        open my $in, '<', $file or die "$file: $!";
        my $text = join '', grep { !/^\s*#/ } <$in>;
        my %own = map { lc $_ => 1 } $text =~ /^\s*<VirtualHost\s+(\w+)\s*>/mg;
        for my $name ($text =~ /\@(\w+)_PORT\@/g) {
            die "$file: \@${name}_PORT\@ is the port of another file's vhost\n"
                unless $own{lc $name};
        }
    }
}

sub loopback_only {
    my $dir = shift;
    for my $file (glob "$dir/*.conf") {
        open my $in, '<', $file or die "$file: $!";
        my $text = do { local $/; <$in> };
        close $in;
        next unless $text =~ s{^(\s*)Listen\s+0\.0\.0\.0:(\d+)\s*$}
                              {$1Listen 127.0.0.1:$2\n$1Listen [::1]:$2}mg;
        open my $out, '>', $file or die "$file: $!";
        print $out $text;
        close $out or die "$file: $!";
    }
}

1;
