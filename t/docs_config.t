# Every httpd configuration README.md and docs/ show passes `httpd -t` with
# the module, without a warning: an ```apache block as is when it is a
# whole configuration or <VirtualHost>, else inside the shipped
# conf.d/posthog-vhost.conf (the `ProxyPass /` vhost readers put it in),
# with the modules it uses loaded, the files it names made up and
# PostHog's environment set where it reads it (PHS::Docs).  A block marked
# `<!-- configtest: fails: TEXT -->` must fail saying TEXT instead, one
# marked `<!-- configtest: warns: TEXT -->` pass with that warning; a
# fenced block of any other tag must not look like httpd configuration, so
# that no snippet escapes the check by its tag.  The checker is then tried
# on Markdown of its own, broken each way: each of its checks can fail.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use File::Temp qw(tempdir);
use FindBin;
use lib "$FindBin::Bin/lib";
use PHS::Test;
use PHS::Docs;

my $top = Apache::Test::vars('top_dir');
my $vhost = "$top/conf.d/posthog-vhost.conf";

# Each check is [name, sub returning (ok, diagnostics)].
sub checks_of {
    my ($path, $name) = @_;
    my ($blocks, $problems) = markdown_blocks($path, $name);
    my @checks = map { my $p = $_; [$p, sub { (0, '') }] } @$problems;
    for my $block (@$blocks) {
        my $at = "$block->{file}:$block->{line}";
        if ($block->{tag} ne 'apache') {
            my $shown = $block->{tag} eq '' ? 'untagged' : "```$block->{tag}";
            push @checks, ["$at: $shown block is not httpd configuration", sub {
                my $line = looks_like_apache($block->{text});
                return (1, '') unless defined $line;
                return (0, "'$line' is httpd configuration: tag the block ```apache");
            }];
            next;
        }
        my $mark = defined $block->{mark} ? parse_mark($block->{mark}) : {};
        unless (ref $mark) {
            push @checks, ["$at: $mark", sub { (0, '') }];
            next;
        }
        for my $run (configtest_runs($block, vhost => $vhost)) {
            my $how = $mark->{fails} ? 'fails httpd -t, as marked'
                : defined $mark->{warns} ? 'passes httpd -t with the warning marked'
                : 'passes httpd -t without a warning';
            my $env = $run->{environment} ? ", $run->{environment}" : '';
            push @checks, ["$at: $how ($run->{where}$env)", sub {
                my ($status, $out) = run_configtest($run);
                my $shown = "httpd -t said (exit $status):\n$out\n"
                    . "on:\n" . numbered($run->{config});
                if ($mark->{fails}) {
                    return (0, "it passed; $shown") if $status == 0;
                    return (0, "it failed without saying '$mark->{says}'; $shown")
                        if defined $mark->{says} && index($out, $mark->{says}) < 0;
                    return (1, '');
                }
                return (0, $shown) unless $status == 0 && $out =~ /Syntax OK/;
                # A warning is a risk the docs would teach without saying.
                my @warnings = grep { !/^Syntax OK$/ } split /\n/, $out;
                if (defined $mark->{warns}) {
                    return (1, '') if index($out, $mark->{warns}) >= 0;
                    return (0, "it did not warn '$mark->{warns}'; $shown");
                }
                return (0, "it warned; $shown") if @warnings;
                return (1, '');
            }];
        }
    }
    return @checks;
}

sub numbered {
    my $n = 0;
    return join '', map { sprintf "%4d  %s\n", ++$n, $_ } split /\n/, shift;
}

my @docs = ('README.md', map { s{^\Q$top\E/}{}r } sort glob "$top/docs/*.md");
my @checks = map { checks_of("$top/$_", $_) } @docs;
my %apache_blocks = map { /^(\S+): (passes|fails) httpd -t/ ? ($1 => 1) : () }
                     map { $_->[0] } @checks;
my $apache_blocks = keys %apache_blocks;

# The checker on Markdown written to fail each check.
my $scratch = tempdir(CLEANUP => 1);
my %broken = (
    'a trailing comment on a directive line' => <<'MD',
```apache
PostHogSigningKey file:/etc/apache2/posthog-signing-key   # or env:NAME
```
MD
    'a directive of a module nobody loads' => <<'MD',
```apache
<Location /x>
    NoSuchDirective On
</Location>
```
MD
    'a broken whole <VirtualHost>' => <<'MD',
```apache
<VirtualHost *:80>
    PostHogSecure On
    PostHogAllowedIPBlocks 10.0.0.0/33
</VirtualHost>
```
MD
    'a block marked to fail that passes' => <<'MD',
<!-- configtest: fails -->
```apache
PostHogSecure On
```
MD
    'a block marked to fail that fails for another reason' => <<'MD',
<!-- configtest: fails: takes one argument -->
```apache
PostHogAllowedIPBlocks 10.0.0.0/33
```
MD
    'an unknown mark' => <<'MD',
<!-- configtest: passes -->
```apache
PostHogSecure On
```
MD
    'a block that makes the module warn' => <<'MD',
```apache
PostHogSecretKey 8bd556da63dafbbc1452fb102e55e1704015dff6cb5bc7a5a94c1a66921e2be2
```
MD
    'a block marked to warn that does not' => <<'MD',
<!-- configtest: warns: is written in the configuration -->
```apache
PostHogProxyHops 1
```
MD
    'a mark before no block' => <<'MD',
<!-- configtest: fails -->

Text.
MD
    'httpd configuration in an untagged block' => <<'MD',
```
<Location /metrics>
    SetHandler posthog-secure-metrics
</Location>
```
MD
    'httpd configuration tagged otherwise' => <<'MD',
```apacheconf
ProxyPass /server-status !
```
MD
    'a block never closed' => <<'MD',
```apache
PostHogSecure On
MD
);
# And what must pass: the same kinds of block, right.
my %good = (
    'a fragment, a file it names and a block marked to fail' => <<'MD',
```apache
PostHogAllowedIPBlocksFile /etc/apache2/posthog-allowed-ips.txt
PostHogSigningKey env:PHS_DOCS_KEY
```

<!-- configtest: fails: 10.0.0.0/33 -->
```apache
PostHogAllowedIPBlocks 10.0.0.0/33
```

<!-- configtest: warns: is written in the configuration -->
```apache
PostHogSecretKey 8bd556da63dafbbc1452fb102e55e1704015dff6cb5bc7a5a94c1a66921e2be2
```

```nginx
listen 80;
include /etc/nginx/proxy_params;
```

```
RemoteIPHeader (/etc/apache2/apache2.conf:230) and PostHogClientIPHeader both name X-Forwarded-For in vhost posthog.example.com:80: the client address would be read from it twice.
PostHogClientIPHeader: 'Host' is a field HTTP itself needs
   PostHogForwardedHeaders rewrite: every client-sent header removed
```
MD
);

sub checks_of_text {
    my ($name, $text) = @_;
    (my $file = "$name.md") =~ s/\W+/-/g;
    return checks_of(write_file("$scratch/$file", $text), $file);
}

plan tests => @checks + 3 + keys(%broken) + keys(%good);

ok -e "$top/README.md" && -d "$top/docs", 'README.md and docs/ are there';
ok $apache_blocks > 0, "README.md and docs/*.md have ```apache blocks ($apache_blocks)";
ok scalar(grep { $_->[0] =~ /block is not httpd configuration$/ } @checks),
    'and fenced blocks of other tags';

for my $check (@checks) {
    my ($ok, $diag) = $check->[1]->();
    ok $ok, $check->[0] or diag $diag;
}

for my $name (sort keys %broken) {
    my @failed = grep { !($_->[1]->())[0] } checks_of_text($name, $broken{$name});
    ok scalar @failed, "the checker fails $name"
        or diag $broken{$name};
}
for my $name (sort keys %good) {
    my @failed = grep { !($_->[1]->())[0] } checks_of_text($name, $good{$name});
    ok !@failed, "the checker passes $name"
        or diag join "\n", map { $_->[0] } @failed;
}
