package PHS::FastCGI;
# A FastCGI responder on a Unix socket, the kind of backend PHP-FPM is
# (`SetHandler "proxy:unix:/path|fcgi://localhost"`): it answers every
# request with the forwarded parameters it received, one `NAME=value` line
# each (`-` when absent), so a test sees what mod_proxy_fcgi passed on.
# Spoken per the FastCGI 1.0 specification: BEGIN_REQUEST, PARAMS and
# STDIN records in, STDOUT and END_REQUEST out.
use strict;
use warnings FATAL => 'all';
use IO::Socket::UNIX;
use Socket qw(SOCK_STREAM);

use Exporter 'import';
our @EXPORT_OK = qw(start_fastcgi);

my @SHOWN = qw(HTTP_X_FORWARDED_FOR HTTP_X_REAL_IP HTTP_X_FORWARDED_PROTO
               REMOTE_ADDR);

sub read_exactly {
    my ($fh, $n) = @_;
    my $buf = '';
    while (length $buf < $n) {
        my $got = sysread $fh, $buf, $n - length $buf, length $buf;
        return undef unless $got;
    }
    return $buf;
}

sub record {
    my ($type, $id, $content) = @_;
    return pack('CCnnCC', 1, $type, $id, length $content, 0, 0) . $content;
}

sub params {
    my $data = shift;
    my %p;
    while (length $data) {
        my @len;
        for (1, 2) {
            my $b = unpack 'C', $data;
            if ($b < 128) { push @len, $b; substr $data, 0, 1, '' }
            else { push @len, unpack('N', $data) & 0x7fffffff; substr $data, 0, 4, '' }
        }
        my $name = substr $data, 0, $len[0], '';
        $p{$name} = substr $data, 0, $len[1], '';
    }
    return \%p;
}

# One connection: requests until the peer closes (or asks to close).
sub serve {
    my $conn = shift;
    my (%params, $id, $keep);
    while (defined(my $head = read_exactly($conn, 8))) {
        my (undef, $type, $rid, $len, $pad) = unpack 'CCnnC', $head;
        my $content = $len ? read_exactly($conn, $len) : '';
        return unless defined $content;
        read_exactly($conn, $pad) if $pad;
        if ($type == 1) {                   # BEGIN_REQUEST
            ($id, %params) = ($rid);
            $keep = (unpack 'nC', $content)[1] & 1;
        }
        elsif ($type == 4) {                # PARAMS
            %params = (%params, %{ params($content) }) if $len;
        }
        elsif ($type == 5 && !$len) {       # the end of STDIN: answer
            my $body = join '', map { "$_=" . ($params{$_} // '-') . "\n" } @SHOWN;
            my $out = "Status: 200 OK\r\nContent-Type: text/plain\r\n\r\n$body";
            syswrite $conn, record(6, $id, $out) . record(6, $id, '')
                . record(3, $id, pack('NCx3', 0, 0));
            return unless $keep;
        }
    }
}

# An object that stops the responder $pid when it goes (undef, or the
# test dying), so that no responder outlives its test.
sub stopper {
    my $pid = shift;
    return bless { pid => $pid }, 'PHS::FastCGI::Stopper';
}

sub PHS::FastCGI::Stopper::DESTROY {
    my $self = shift;
    kill 'TERM', $self->{pid};
    waitpid $self->{pid}, 0;
}

# Starts the responder on $path in a child; returns its pid.
sub start_fastcgi {
    my $path = shift;
    unlink $path;
    my $server = IO::Socket::UNIX->new(Type => SOCK_STREAM, Local => $path,
                                       Listen => 16)
        or die "FastCGI socket $path: $!";
    chmod 0777, $path;
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        while (my $conn = $server->accept) {
            serve($conn);
            close $conn;
        }
        exit 0;
    }
    close $server;
    return $pid;
}

1;
