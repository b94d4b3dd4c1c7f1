#!/usr/bin/perl
use strict; use FindBin; exec "$FindBin::Bin/test_ip_addr" or die "cannot run test_ip_addr: $!\n";
