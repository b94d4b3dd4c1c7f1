package PHS::Docs;
# The httpd configuration README.md and docs/ show, made checkable: the
# fenced blocks of a Markdown file and the `<!-- configtest: ... -->`
# marks before them; whether a block looks like httpd configuration,
# whatever its tag says; and around an ```apache block, a configuration
# `httpd -t` can judge: the block as is when it is a whole configuration or
# <VirtualHost>, else inside the shipped vhost; the modules its directives
# belong to; the files it names made up; the environment it reads set.
use strict;
use warnings FATAL => 'all';
use Exporter 'import';
use File::Temp qw(tempdir);
use File::Basename qw(basename);
use Apache::Test ();
use PHS::Test ();

our @EXPORT = qw(markdown_blocks parse_mark looks_like_apache
                 configtest_runs run_configtest);

my $vars = Apache::Test::config()->{vars};

sub modules_dir { $ENV{HTTPD_MODULES} || '/usr/lib/apache2/modules' }

# markdown_blocks($path, $name): the fenced blocks of a Markdown file, in
# order, as { file => $name, line => N (the opening fence), tag, text,
# mark => TEXT of a `<!-- configtest: TEXT -->` line, the last non-blank
# one before the fence }, and the problems a reader would not see: a mark
# that belongs to no block (a typo would otherwise silently test nothing),
# a fence never closed.
sub markdown_blocks {
    my ($path, $name) = @_;
    open my $fh, '<', $path or die "$path: $!";
    my @lines = <$fh>;
    close $fh;
    my (@blocks, @problems, %marks, $open);
    for my $i (0 .. $#lines) {
        my ($line, $n) = ($lines[$i], $i + 1);
        if ($open) {
            if ($line =~ /^\s*(\Q$open->{fence}\E+)\s*$/
                && length $1 >= $open->{length}) {
                push @blocks, $open;
                undef $open;
                next;
            }
            # Content is indented like its fence (a block in a list item).
            $line =~ s/^ {0,$open->{indent}}//;
            $open->{text} .= $line;
            next;
        }
        if ($line =~ /^\s*<!--\s*configtest:\s*(.*?)\s*-->\s*$/) {
            $marks{$n} = $1;
            next;
        }
        next unless $line =~ /^( *)(`{3,}|~{3,})\s*([^`\s]*)/;
        $open = { file => $name, line => $n, indent => length $1,
                  fence => substr($2, 0, 1), length => length $2,
                  tag => $3, text => '' };
        my $before = $i - 1;
        $before-- while $before >= 0 && $lines[$before] =~ /^\s*$/;
        $open->{mark} = delete $marks{$before + 1} if $before >= 0;
    }
    push @problems, "$name:$open->{line}: this fenced block is never closed"
        if $open;
    push @problems, map { "$name:$_: '<!-- configtest: $marks{$_} -->' is "
                          . 'not right before a fenced block' }
                    sort { $a <=> $b } keys %marks;
    return (\@blocks, \@problems);
}

# What a mark asks: { fails => 1, says => TEXT or undef } for `fails` and
# `fails: TEXT` (httpd -t must fail, saying TEXT); { warns => TEXT } for
# `warns: TEXT` (it passes with that warning, a risk the docs show on
# purpose); or an error string.
sub parse_mark {
    my $mark = shift;
    return { fails => 1, says => undef } if $mark eq 'fails';
    return { fails => 1, says => $1 } if $mark =~ /^fails:\s*(\S.*)$/;
    return { warns => $1 } if $mark =~ /^warns:\s*(\S.*)$/;
    return "unknown mark '<!-- configtest: $mark -->' (known: 'fails', "
        . "'fails: what httpd -t says', 'warns: what httpd -t says')";
}

# Every directive and section httpd knows with every module of the module
# directory loaded (this module included), as httpd -L names them, each
# with the source file of its module: { 'ProxyPass' => 'mod_proxy.c',
# '<Location' => 'core.c', ... }.
my ($directives, %lc_directives, %static);
sub httpd_directives {
    return $directives if $directives;
    my $httpd = PHS::Test::httpd_binary();
    %static = map { /^\s+(\S+\.c)\s*$/ ? ($1 => 1) : () } `"$httpd" -l`;
    my $load = '';
    for my $so (sort glob modules_dir() . '/mod_*.so') {
        my ($name) = $so =~ m{/mod_(\w+)\.so$};
        # write_config loads the MPM and authz_core itself.
        next if $name =~ /^mpm_/ || $name eq 'authz_core';
        $load .= qq{LoadModule ${name}_module "$so"\n};
    }
    my $dir = tempdir(CLEANUP => 1);
    my $file = PHS::Test::write_config($dir, $load);
    my @out = `"$httpd" -L -f "$file" 2>&1`;
    die "httpd -L with every module loaded failed:\n@out" if $?;
    for (@out) {
        $directives->{$1} = $2 if /^(<?[A-Za-z][\w-]*) \(([\w-]+\.c)\)$/;
    }
    die "httpd -L named no directive:\n@out" unless $directives
        && $directives->{PostHogSecure} && $directives->{ProxyPass};
    %lc_directives = map { lc($_) => $directives->{$_} } keys %$directives;
    return $directives;
}

# The first line of $text that is httpd configuration: a whole section
# tag, or a directive with its arguments.  Names are matched as httpd -L
# spells them (as the docs write them): nginx's `listen`, `include` and
# `user` share httpd's names in lower case.  A directive name followed by
# words with a colon and a space outside quotes ("PostHogClientIPHeader
# and ... vhost posthog.example.com:443: the scheme ...", a diagram's
# "PostHogForwardedHeaders rewrite: every ...") is prose or httpd's own
# error message: no directive takes a "label:" argument unquoted.
sub looks_like_apache {
    my $text = shift;
    my $known = httpd_directives();
    for my $line (split /\n/, $text) {
        return $line if $line =~ m{^\s*<([A-Za-z]\w*)(\s[^>]*)?>\s*$}
            && $known->{"<$1"};
        return $line if $line =~ m{^\s*</([A-Za-z]\w*)>\s*$}
            && $known->{"<$1"};
        next unless $line =~ /^\s*([A-Za-z][\w-]*)(?:\s+(.*))?$/;
        my ($name, $args) = ($1, $2 // '');
        next unless $known->{$name};
        (my $unquoted = $args) =~ s/"[^"]*"//g;
        next if $unquoted =~ /:(\s|$)/;
        return $line;
    }
    return undef;
}

# Logical lines of a configuration: continuations joined, comments out.
sub config_lines {
    my $config = shift;
    $config =~ s/\\\n//g;
    return grep { !/^\s*(#|$)/ } split /\n/, $config;
}

sub words {
    my $args = shift;
    my @words;
    push @words, $1 // $2 while $args =~ /\G\s*(?:"([^"]*)"|(\S+))/gc;
    return @words;
}

# Modules a directive's arguments need besides its own: a Require
# provider, the scheme of a proxied URL, a handler, a protocol.
my %providers = (ip => 'authz_host', host => 'authz_host',
    local => 'authz_host', 'forward-dns' => 'authz_host',
    user => 'authz_user', 'valid-user' => 'authz_user',
    group => 'authz_groupfile', 'file-owner' => 'authz_owner',
    'file-group' => 'authz_owner');
my %schemes = (http => 'proxy_http', https => 'proxy_http',
    ws => 'proxy_wstunnel', wss => 'proxy_wstunnel', fcgi => 'proxy_fcgi',
    h2 => 'proxy_http2', h2c => 'proxy_http2', ajp => 'proxy_ajp',
    scgi => 'proxy_scgi', uwsgi => 'proxy_uwsgi',
    balancer => 'proxy_balancer');
my %handlers = ('server-status' => 'status', 'server-info' => 'info',
    'cgi-script' => 'cgid');
my %auth_types = (basic => 'auth_basic', digest => 'auth_digest',
    form => 'auth_form');

sub argument_modules {
    my ($name, @args) = @_;
    $name = lc $name;
    my @need;
    if ($name eq 'require') {
        my @a = @args;
        shift @a if @a && lc $a[0] eq 'not';
        push @need, $providers{lc $a[0]} // () if @a;
    }
    my $takes_urls = $name =~ /^(proxypass|proxypassmatch|balancermember
                                 |proxyset|sethandler|rewriterule)$/x;
    for my $url ($takes_urls ? @args : ()) {
        my ($scheme) = $url =~ m{^(?:proxy:)?(?:unix:[^|]*\|)?([a-z0-9]+)://}i;
        push @need, $schemes{lc $scheme} // () if $scheme;
    }
    push @need, 'proxy', 'proxy_http'
        if $name eq 'rewriterule' && ($args[2] // '') =~ /\b(P|proxy)\b/;
    push @need, $handlers{lc $args[0]} // () if $name eq 'sethandler' && @args;
    push @need, 'http2' if $name eq 'protocols' && grep { /^h2c?$/i } @args;
    push @need, $auth_types{lc $args[0]} // () if $name eq 'authtype' && @args;
    return @need;
}

# What a module cannot load or configure without.
sub dependencies {
    my $name = shift;
    return ('proxy', 'slotmem_shm') if $name eq 'proxy_balancer';
    return 'proxy' if $name =~ /^(proxy_|lbmethod_)/;
    return 'socache_shmcb' if $name eq 'ssl';
    return 'ldap' if $name eq 'authnz_ldap';
    return 'cache' if $name =~ /^cache_/;
    return 'session' if $name =~ /^session_/;
    return 'dav' if $name =~ /^dav_/;
    return ();
}

# The module (mod_NAME.so's NAME) that a source file of httpd -L belongs
# to; undef for what is always there (compiled in, and what write_config
# loads: the MPM, authz_core, this module).
my %source_module = ('util_ldap.c' => 'ldap');
sub source_module {
    my $source = shift;
    return undef if $static{$source} || $source eq 'event.c'
        || $source eq 'mod_posthog_secure.c' || $source eq 'mod_authz_core.c';
    return $source_module{$source} if $source_module{$source};
    my ($name) = $source =~ /^mod_(\w+)\.c$/
        or die "no module file known for $source";
    return $name;
}

# LoadModule lines for what $config uses, dependencies first, except the
# modules it loads itself.
sub load_lines {
    my $config = shift;
    httpd_directives();
    my (%loaded, @order, %seen);
    $loaded{$1} = 1 while $config =~ /^\s*LoadModule\s+(\w+)_module\b/mgi;
    my $want;
    $want = sub {
        my $name = shift;
        return if !defined $name || $seen{$name}++ || $loaded{$name};
        $want->($_) for dependencies($name);
        push @order, $name;
    };
    for my $line (config_lines($config)) {
        if ($line =~ m{^\s*<(/?)([A-Za-z]\w*)}) {
            my $source = $lc_directives{lc "<$2"};
            $want->(source_module($source)) if $source && !$1;
            next;
        }
        my ($name, $args) = $line =~ /^\s*(\S+)\s*(.*)$/ or next;
        my $source = $lc_directives{lc $name} or next;
        $want->(source_module($source));
        $want->($_) for argument_modules($name, words($args));
    }
    my $modules = modules_dir();
    return join '', map { qq{LoadModule ${_}_module "$modules/mod_$_.so"\n} }
                    @order;
}

sub random_key { join '', map { sprintf '%02x', int rand 256 } 1 .. 32 }

# The files a directive names, made up: what it reads, and what a reader
# would put there.
my %file_kind = (
    PostHogAllowedIPBlocksFile => 'addresses',
    PostHogBlockedIPBlocksFile => 'addresses',
    PostHogTrustedProxiesFile => 'addresses',
    RemoteIPTrustedProxyList => 'addresses',
    RemoteIPInternalProxyList => 'addresses',
    PostHogSecretKey => 'key', PostHogSigningKey => 'key',
    PostHogGeoIPDatabase => 'mmdb',
    SSLCertificateFile => 'certificate',
    SSLCertificateKeyFile => 'private key',
    SSLCertificateChainFile => 'ca', SSLCACertificateFile => 'ca',
    SSLProxyCACertificateFile => 'ca',
    DocumentRoot => 'directory',
);
my %lc_file_kind = map { lc($_) => $file_kind{$_} } keys %file_kind;

sub make_up {
    my ($kind, $dir, $original, $count) = @_;
    my $asf = "$vars->{sslca}/asf";
    return "$asf/certs/server.crt" if $kind eq 'certificate';
    return "$asf/keys/server.pem" if $kind eq 'private key';
    return "$asf/certs/ca.crt" if $kind eq 'ca';
    my $path = "$dir/files/$count-" . basename($original);
    mkdir "$dir/files";
    if ($kind eq 'directory') {
        mkdir $path;
        return $path;
    }
    if ($kind eq 'mmdb') {
        require PHS::MMDB;
        PHS::MMDB::write_mmdb($path, '192.0.2.0/24' => 'KP',
                              '2001:db8::/32' => 'CU');
        return $path;
    }
    PHS::Test::write_file($path, $kind eq 'key' ? random_key() . "\n"
        : "# documentation addresses (RFC 5737, RFC 3849)\n"
          . "192.0.2.0/24\n2001:db8::/32\n");
    chmod 0600, $path;
    return $path;
}

# $config with every file it names made up under $dir and its path put in
# place; the variables `env:NAME` reads set in %$env.
sub made_up_files {
    my ($config, $dir, $env) = @_;
    my $count = 0;
    my $rewrite = sub {
        my ($indent, $name, $space, $arg, $rest) = @_;
        my $kind = $lc_file_kind{lc $name};
        my $value = $arg =~ /^"(.*)"$/ ? $1 : $arg;
        if ($kind eq 'key') {
            if ($value =~ /^env:(\w+)$/) {
                $env->{$1} = random_key();
                return "$indent$name$space$arg$rest";
            }
            return "$indent$name$space$arg$rest"
                unless $value =~ s/^file://;
            return "$indent$name$space\"file:"
                . make_up('key', $dir, $value, ++$count) . "\"$rest";
        }
        return "$indent$name$space\""
            . make_up($kind, $dir, $value, ++$count) . "\"$rest";
    };
    my $names = join '|', map { quotemeta } keys %file_kind;
    $config =~ s{^(\s*)($names)(\s+)("[^"]*"|\S+)(.*)$}
                {$rewrite->($1, $2, $3, $4, $5)}mgie;
    return $config;
}

# PostHog's variables, which httpd reads under PostHogFromEnvironment On:
# the blocks that read them are tried with the environment PostHog behind
# httpd is given, each way docs/POSTHOG.md allows: TRUSTED_PROXIES, or
# TRUST_ALL_PROXIES=true, which httpd must not take for itself (there
# TRUSTED_PROXIES, which PostHog then ignores, is httpd's load balancer).
my @posthog_variables = qw(SECRET_KEY ALLOWED_IP_BLOCKS IS_BEHIND_PROXY
    TRUSTED_PROXIES TRUST_ALL_PROXIES SECURE_COOKIES
    DISABLE_SECURE_SSL_REDIRECT DEBUG TEST MANAGED_PROXY_SIGNING_KEYS
    BLOCKED_GEOIP_REGIONS);
sub posthog_environments {
    my %common = (SECRET_KEY => random_key(),
        ALLOWED_IP_BLOCKS => '192.0.2.0/24,2001:db8::/32',
        IS_BEHIND_PROXY => 'true', SECURE_COOKIES => 'true',
        MANAGED_PROXY_SIGNING_KEYS => random_key() . ',' . random_key());
    return (
        { name => 'PostHog environment with TRUSTED_PROXIES=10.0.0.0/8',
          env => { %common, TRUSTED_PROXIES => '10.0.0.0/8' } },
        { name => 'PostHog environment with TRUST_ALL_PROXIES=true',
          env => { %common, TRUST_ALL_PROXIES => 'true',
                   TRUSTED_PROXIES => '10.0.0.0/8' } },
    );
}

# A whole configuration (server level) rather than directives for a vhost.
sub is_whole {
    my $text = shift;
    return scalar grep { /^\s*(<VirtualHost\b|LoadModule\s|Listen\s)/i }
        config_lines($text);
}

# configtest_runs($block, vhost => PATH): what `httpd -t` is run on for an
# ```apache block: [{ config, env => {NAME => value}, where, environment
# => name of PostHog's environment or undef }], one per environment it is
# tried with.
sub configtest_runs {
    my ($block, %opt) = @_;
    my $dir = tempdir(CLEANUP => 1);
    my $origin = "# $block->{file}:$block->{line}\n";
    my ($config, $where);
    if (is_whole($block->{text})) {
        ($config, $where) = ($origin . $block->{text},
                             'as a whole configuration');
    }
    else {
        open my $fh, '<', $opt{vhost} or die "$opt{vhost}: $!";
        my $vhost = do { local $/; <$fh> };
        close $fh;
        my $end = rindex $vhost, '</VirtualHost>';
        die "$opt{vhost} has no </VirtualHost>" if $end < 0;
        substr $vhost, $end, 0, $origin . $block->{text};
        ($config, $where) = ($vhost, 'inside ' . basename($opt{vhost}));
    }
    my %env;
    $config = made_up_files($config, $dir, \%env);
    $config = "Define APACHE_LOG_DIR $dir\n" . load_lines($config) . $config;
    my $reads_environment = grep { /^\s*PostHogFromEnvironment\s+"?on"?\s*$/i }
        config_lines($config);
    my @environments = $reads_environment ? posthog_environments()
        : ({ name => undef, env => {} });
    return map { { config => $config, where => $where,
                   environment => $_->{name},
                   env => { %env, %{ $_->{env} } } } } @environments;
}

# httpd -t on a run, PostHog's variables of this process left out but for
# the run's own: ($exit_status, $output).
sub run_configtest {
    my $run = shift;
    local %ENV = %ENV;
    delete @ENV{@posthog_variables};
    @ENV{ keys %{ $run->{env} } } = values %{ $run->{env} };
    return PHS::Test::configtest($run->{config});
}

1;
