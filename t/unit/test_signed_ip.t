#!/usr/bin/perl
use strict; use FindBin;
exec "$FindBin::Bin/test_signed_ip" or die "cannot run test_signed_ip: $!\n";
