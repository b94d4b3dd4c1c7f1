#!/usr/bin/perl
use strict; use FindBin;
exec "$FindBin::Bin/test_client_ip" or die "cannot run test_client_ip: $!\n";
