package PHS::Test;
# Helpers for the Apache::Test suite: raw HTTP requests from a chosen client
# address (any of 127/8 or ::1), marked so that the stand-in backend's hit
# log tells whether one got through, the error log, what a response set
# (cookies, HSTS), files, and `httpd -t` runs of small configurations.
use strict;
use warnings FATAL => 'all';
use Exporter 'import';
use IO::Socket::IP;
use File::Temp qw(tempdir);
use Apache::Test ();
use Apache::TestUtil qw(t_cmp);

our @EXPORT = qw(request requester port unique_marker marked_path
                 marked_request request_hits backend_hits access_log_line
                 error_log_size error_log_since error_log_when set_cookies
                 hsts cookie_query query_escape slurp write_file configtest
                 configtest_passes start_httpd start_from_environment);

my $config = Apache::Test::config();
my $vars = $config->{vars};

sub port {
    my $vhost = shift;
    my $port = $vars->{"${vhost}_port"} or die "no vhost '$vhost'";
    return $port;
}

# request(vhost => NAME, from => ADDR, method => M, path => P,
#         headers => [Name => value, ...], body => B, tls => 1,
#         raw => 'a whole request, sent as is')
# Returns { status, headers => { lc name => [values] }, body }.
sub request {
    my %a = (method => 'GET', from => '127.0.0.1', headers => [], body => '',
             @_);
    my $v6 = $a{from} =~ /:/;
    my $to = $a{to} // ($v6 ? '::1' : '127.0.0.1');
    my $sock = IO::Socket::IP->new(
        PeerHost => $to, PeerPort => $a{port} // port($a{vhost}),
        LocalHost => $a{from}, Proto => 'tcp', Timeout => 10,
    ) or die "connect from $a{from} to $to: $@";
    if ($a{tls}) {
        require IO::Socket::SSL;
        IO::Socket::SSL->start_SSL($sock, SSL_hostname => 'localhost',
            SSL_ca_file => "$vars->{sslca}/asf/certs/ca.crt")
            or die "TLS handshake: $IO::Socket::SSL::SSL_ERROR";
    }
    return exchange($sock, $a{raw}) if defined $a{raw};
    my @headers = @{ $a{headers} };
    unshift @headers, Host => 'localhost' unless grep { lc $_ eq 'host' }
        @headers[ grep { $_ % 2 == 0 } 0 .. $#headers ];
    my $req = "$a{method} $a{path} HTTP/1.1\r\n";
    while (my ($name, $value) = splice @headers, 0, 2) {
        $req .= "$name: $value\r\n";
    }
    $req .= "Content-Length: " . length($a{body}) . "\r\n"
        if length $a{body} || $a{method} eq 'POST';
    $req .= "Connection: close\r\n\r\n$a{body}";
    return exchange($sock, $req);
}

# requester(NAME) or requester(port => N): a function that sends one
# request there, ($from, $path, more of request()'s arguments).
sub requester {
    my @where = @_ == 1 ? (vhost => $_[0]) : @_;
    return sub {
        my ($from, $path, @more) = @_;
        return request(@where, from => $from, path => $path, @more);
    };
}

# $path with a fresh marker added to its query, so that the backend's hit
# log and the access logs can tell its request from every other; returns
# (that path, the marker).  $prefix 'NAME=' makes the marker the value of
# a parameter, for a backend that parses its query.
sub marked_path {
    my ($path, $prefix) = @_;
    my $m = unique_marker();
    my $sep = $path =~ /\?/ ? '&' : '?';
    return ("$path$sep" . ($prefix // '') . $m, $m);
}

# request() of a marked_path() (marker => PREFIX): (the response, the
# marker).
sub marked_request {
    my %a = @_;
    my ($path, $m) = marked_path($a{path}, delete $a{marker});
    return (request(%a, path => $path), $m);
}

# marked_request(), then how many requests with its marker reached the
# backend: (the response, hits).  hits => sub { count of a marker } counts
# on a backend of the test's own.
sub request_hits {
    my %a = @_;
    my $hits = delete $a{hits} // \&backend_hits;
    my ($r, $m) = marked_request(%a);
    my $n = $hits->($m);
    return ($r, $n);
}

sub exchange {
    my ($sock, $req) = @_;
    print $sock $req;
    local $/;
    my $raw = <$sock> // '';
    close $sock;
    return parse_response($raw);
}

sub parse_response {
    my $raw = shift;
    my ($head, $body) = split /\r\n\r\n/, $raw, 2;
    my ($status_line, @lines) = split /\r\n/, $head // '';
    my ($status) = ($status_line // '') =~ m{^HTTP/\d\.\d (\d{3})};
    my %headers;
    for (@lines) {
        my ($name, $value) = /^([^:]+):\s*(.*)$/ or next;
        push @{ $headers{lc $name} }, $value;
    }
    return { status => $status // 0, headers => \%headers,
             body => $body // '', raw => $raw };
}

my $counter = 0;
sub unique_marker { sprintf 'm%d_%d_%d', $$, time, ++$counter }

# How many requests carrying $marker reached a CGI (proxied or local).
sub backend_hits {
    my $marker = shift;
    my $n = 0;
    for my $file (map { "$vars->{t_logs}/$_" } qw(backend_hits local_hits)) {
        open my $fh, '<', $file or next;
        $n += grep { index($_, $marker) >= 0 } <$fh>;
    }
    return $n;
}

# The line of a vhost's access log (t/logs/$file) whose request has $marker.
# httpd logs after the response is sent, so wait a little for it.
sub access_log_line {
    my ($file, $marker) = @_;
    for (1 .. 100) {
        if (open my $fh, '<', "$vars->{t_logs}/$file") {
            my ($line) = grep { index($_, $marker) >= 0 } <$fh>;
            if (defined $line) {
                chomp $line;
                return $line;
            }
        }
        select undef, undef, undef, 0.02;
    }
    return '';
}

# The suite's error log, or $file (the log of a server start_httpd gave).
sub error_log_size {
    my $file = shift // "$vars->{t_logs}/error_log";
    return -s $file // 0;
}

# The error log written since error_log_size() returned $offset (0: all of
# it).  A log that cannot be read fails the test: an empty one would pass
# every check that something is not in it.
sub error_log_since {
    my ($offset, $file) = @_;
    $file //= "$vars->{t_logs}/error_log";
    open my $fh, '<', $file or die "$file: $!";
    seek $fh, $offset, 0;
    local $/;
    return <$fh> // '';
}

# The error log since $offset once $done->(that text) holds, or as it is
# after 5 s: httpd writes some lines after it answers (startup warnings,
# denials logged at the end of a request).
sub error_log_when {
    my ($done, $offset, $file) = @_;
    $file //= "$vars->{t_logs}/error_log";
    my $log = '';
    for (1 .. 100) {
        $log = -e $file ? error_log_since($offset, $file) : '';
        last if $done->($log);
        select undef, undef, undef, 0.05;
    }
    return $log;
}

# A file's content, '' when there is none.
sub slurp {
    open my $fh, '<', shift or return '';
    local $/;
    return <$fh> // '';
}

sub write_file {
    my ($file, $content) = @_;
    open my $fh, '>', $file or die "$file: $!";
    print $fh $content;
    close $fh or die "$file: $!";
    return $file;
}

# The Set-Cookie values of a response from request() (or one shaped
# alike), or of response head bytes as they came.
sub set_cookies {
    my $r = shift;
    return $r->{headers}{'set-cookie'} // [] if ref $r;
    return [$r =~ /^Set-Cookie:[ \t]*([^\r\n]*)/mgi];
}

sub hsts { $_[0]{headers}{'strict-transport-security'} // [] }

sub query_escape {
    my $s = shift;
    $s =~ s/([^A-Za-z0-9_.~-])/sprintf '%%%02X', ord $1/ge;
    return $s;
}

# The query that has t/cgi-bin/cookies.cgi set these cookies, in order.
sub cookie_query { join '&', map { 'c=' . query_escape($_) } @_ }

# A minimal configuration plus $lines in $dir/httpd.conf.  The module is
# loaded before $lines unless they load it themselves (to choose the
# LoadModule order); @MODULES@ in $lines is httpd's module directory and
# @PHS_MODULE@ this module.
sub write_config {
    my ($dir, $lines) = @_;
    my $modules = $ENV{HTTPD_MODULES} || '/usr/lib/apache2/modules';
    my $phs = "$vars->{top_dir}/.libs/mod_posthog_secure.so";
    $lines =~ s/\@MODULES\@/$modules/g;
    $lines =~ s/\@PHS_MODULE\@/$phs/g;
    my $load = $lines =~ /LoadModule\s+posthog_secure_module/ ? ''
        : qq{LoadModule posthog_secure_module "$phs"\n};
    return write_file("$dir/httpd.conf", <<"CONF");
ServerRoot "$dir"
DefaultRuntimeDir "$dir"
PidFile "$dir/httpd.pid"
ErrorLog "$dir/error_log"
ServerName localhost
LoadModule mpm_event_module "$modules/mod_mpm_event.so"
LoadModule authz_core_module "$modules/mod_authz_core.so"
$load$lines
CONF
}

sub httpd_binary { $vars->{httpd} || $ENV{HTTPD} }

# Runs `httpd -t` on a minimal configuration plus $lines; returns
# ($exit_status, $output).  timeout => S: killed after S seconds (exit
# status 124).
sub configtest {
    my ($lines, %opt) = @_;
    my $dir = tempdir(CLEANUP => 1);
    my $file = write_config($dir, $lines);
    my $httpd = httpd_binary();
    my $watchdog = $opt{timeout} ? "timeout $opt{timeout} " : '';
    my $out = `$watchdog"$httpd" -t -f "$file" 2>&1`;
    return ($? >> 8, $out);
}

# The two checks of a configuration that must pass `httpd -t`: its exit
# status, and httpd's own word for it.
sub configtest_passes {
    my ($lines, $what) = @_;
    my ($status, $out) = configtest($lines);
    Apache::Test::ok(t_cmp($status, 0, "$what passes httpd -t"));
    Apache::Test::ok(t_cmp($out, qr/Syntax OK/, "$what: Syntax OK"));
}

# A free port on 127.0.0.1 (for a server the test starts itself).
sub free_port {
    my $sock = IO::Socket::IP->new(LocalHost => '127.0.0.1', LocalPort => 0,
                                   Proto => 'tcp', Listen => 1)
        or die "no free port: $@";
    my $port = $sock->sockport;
    close $sock;
    return $port;
}

# Starts a real httpd of its own on 127.0.0.1:PORT (@PORT@ in $lines)
# with the minimal configuration plus $lines; waits until it answers.
# Returns { port, dir, error_log, stop => sub, graceful => sub }.
sub start_httpd {
    my $lines = shift;
    my $dir = tempdir(CLEANUP => 1);
    my $port = free_port();
    $lines =~ s/\@PORT\@/$port/g;
    my $file = write_config($dir, "Listen 127.0.0.1:$port\n$lines");
    my $httpd = httpd_binary();
    my $out = `"$httpd" -f "$file" -k start 2>&1`;
    die "httpd did not start: $out" if $?;
    my $server = { port => $port, dir => $dir, error_log => "$dir/error_log" };
    my $up;
    for (1 .. 200) {
        last if $up = IO::Socket::IP->new(PeerHost => '127.0.0.1',
                                          PeerPort => $port, Proto => 'tcp');
        select undef, undef, undef, 0.025;
    }
    # Stopped by its parent's pid even when the test dies first, after its
    # directory (config and pid file) is gone: see DESTROY below.  The
    # port listens before the pid file is written.
    bless $server, 'PHS::Test::Server';
    $server->{owner} = $$;
    for (1 .. 200) {
        last if $server->{pid} = read_pid("$dir/httpd.pid");
        select undef, undef, undef, 0.025;
    }
    die "httpd on $port does not answer" unless $up;
    close $up;
    $server->{stop} = sub {
        `"$httpd" -f "$file" -k stop 2>&1`;
        for (1 .. 200) {
            last unless -e "$dir/httpd.pid";
            select undef, undef, undef, 0.025;
        }
        $server->{stopped} = 1;
    };
    $server->{graceful} = sub { `"$httpd" -f "$file" -k graceful 2>&1` };
    return $server;
}

sub read_pid {
    my $file = shift;
    open my $fh, '<', $file or return undef;
    my ($pid) = <$fh> =~ /(\d+)/;
    return $pid;
}

# A server a test did not stop (it died, or forgot): its parent is sent
# TERM, httpd's stop, by the process that started it.
sub PHS::Test::Server::DESTROY {
    my $server = shift;
    return if $server->{stopped} || !$server->{pid} || $$ != $server->{owner};
    kill 'TERM', $server->{pid};
    $server->{stopped} = 1;
}

# A server configured from PostHog's environment (PostHogMode test, so no
# secret key is needed) with `$lines`, in front of the suite's backend.
sub start_from_environment {
    my $lines = shift;
    my $backend = port('backend');
    return start_httpd(<<"CONF");
LoadModule proxy_module \@MODULES\@/mod_proxy.so
LoadModule proxy_http_module \@MODULES\@/mod_proxy_http.so
PostHogSecure On
PostHogMode test
PostHogFromEnvironment On
$lines
ProxyPass / http://127.0.0.1:$backend/
CONF
}

1;
