#!/usr/bin/perl
use strict; use FindBin;
exec "$FindBin::Bin/test_cookie" or die "cannot run test_cookie: $!\n";
