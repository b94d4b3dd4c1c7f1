#!/usr/bin/perl
use strict; use FindBin;
exec "$FindBin::Bin/test_whoami" or die "cannot run test_whoami: $!\n";
