#!/usr/bin/perl
use strict; use FindBin;
exec "$FindBin::Bin/test_forwarded" or die "cannot run test_forwarded: $!\n";
