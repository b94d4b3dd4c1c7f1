#!/usr/bin/perl
use strict; use FindBin;
exec "$FindBin::Bin/test_https_redirect" or die "cannot run test_https_redirect: $!\n";
