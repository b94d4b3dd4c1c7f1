#!/usr/bin/perl
use strict; use FindBin; exec "$FindBin::Bin/test_ip_set" or die "cannot run test_ip_set: $!\n";
